// The new-exercise page: build a document (a copy of a course exercise, or one pasted
// or uploaded), give it the new slug, create the draft through the API, open its editor.
(function () {
  "use strict";
  var ActQuiz = window.ActQuiz;

  function showError(message, fields) {
    var box = document.getElementById("new-error");
    box.textContent = message;
    if (fields) {
      var list = document.createElement("ul");
      Object.keys(fields).forEach(function (name) {
        [].concat(fields[name]).forEach(function (text) {
          var item = document.createElement("li");
          item.textContent = name + ": " + text;
          list.appendChild(item);
        });
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }

  function sourceDocument(page) {
    var source = document.querySelector("input[name=source]:checked").value;
    if (source === "copy") {
      var slug = document.getElementById("copy-of").value;
      if (!slug) { return Promise.resolve({ problem: "This course has no exercise to copy yet. / 복사할 문제가 없습니다." }); }
      return ActQuiz.api(page.getAttribute("data-export-url").replace("SLUG", slug)).then(function (response) {
        return response.ok ? { document: response.data } : { problem: response.message };
      });
    }
    try {
      return Promise.resolve({ document: JSON.parse(document.getElementById("document-text").value) });
    } catch (e) {
      return Promise.resolve({ problem: "The document is not valid JSON: " + e.message + " / 문서가 올바른 JSON이 아닙니다." });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.getElementById("new-exercise");
    var form = document.getElementById("new-form");
    document.getElementById("document-file").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file) { return; }
      file.text().then(function (text) {
        document.getElementById("document-text").value = text;
        document.querySelector("input[name=source][value=document]").checked = true;
      });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      document.getElementById("new-error").hidden = true;
      var slug = document.getElementById("new-slug").value.trim();
      if (!slug) { showError("Choose a slug first. / 먼저 슬러그를 정하세요."); return; }
      var button = document.getElementById("create");
      button.disabled = true;
      sourceDocument(page).then(function (result) {
        if (result.problem) { button.disabled = false; showError(result.problem); return null; }
        var doc = result.document;
        if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
          button.disabled = false;
          showError("An exercise document is a JSON object. / 문제 문서는 JSON 객체여야 합니다.");
          return null;
        }
        doc.slug = slug;
        return ActQuiz.api(page.getAttribute("data-create-url"), "POST", doc).then(function (response) {
          if (!response.ok) { button.disabled = false; showError(response.message, response.fields); return; }
          window.location.assign(page.getAttribute("data-author-url").replace("SLUG", response.data.slug));
        });
      });
    });
  });
})();
