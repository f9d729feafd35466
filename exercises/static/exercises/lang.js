// English / Korean switch. The choice is a cookie (actquiz_lang) that Django's
// LocaleMiddleware reads, so the server renders pages and verdicts in that language;
// localStorage keeps it too, for a browser whose cookie was cleared.
(function () {
  "use strict";
  var KEY = "actquiz_lang";

  function apply(lang) {
    var root = document.documentElement;
    root.setAttribute("data-lang", lang);
    root.setAttribute("lang", lang);
    document.querySelectorAll("[data-set-lang]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-set-lang") === lang));
    });
    document.querySelectorAll("option[data-" + lang + "]").forEach(function (option) {
      option.textContent = option.getAttribute("data-" + lang);
    });
  }

  function remember(lang) {
    try { localStorage.setItem(KEY, lang); } catch (e) { /* private mode: the cookie still works */ }
    document.cookie = KEY + "=" + lang + "; path=/; max-age=31536000; SameSite=Lax";
  }

  function stored() {
    var lang = null;
    try { lang = localStorage.getItem(KEY); } catch (e) { lang = null; }
    return lang === "ko" || lang === "en" ? lang : document.documentElement.getAttribute("data-lang") || "en";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lang = stored();
    remember(lang);
    apply(lang);
    document.querySelectorAll("[data-set-lang]").forEach(function (button) {
      button.addEventListener("click", function () {
        var chosen = button.getAttribute("data-set-lang");
        if (chosen === document.documentElement.getAttribute("data-lang")) { return; }
        remember(chosen);
        apply(chosen);
        // The server renders the page and every verdict in the cookie's language:
        // reload so what it wrote (test messages, hints, titles) follows the switch.
        window.location.reload();
      });
    });
  });
})();
