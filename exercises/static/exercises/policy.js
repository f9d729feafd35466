// The policy page: send the form's fields to the policy API (PATCH) and show what the
// server saved, or its message for the field it refused.
(function () {
  "use strict";
  var ActQuiz = window.ActQuiz;

  function readPolicy(form) {
    var body = {};
    ["opens_at", "due_at"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      body[name] = value === "" ? null : value;
    });
    ["late_penalty_percent_per_day", "retry_penalty_percent"].forEach(function (name) {
      var field = form.elements[name];
      if (field) { body[name] = field.value.trim() === "" ? 0 : Number(field.value); }
    });
    var limit = form.elements.attempt_limit.value.trim();
    body.attempt_limit = limit === "" ? null : Number(limit);
    body.no_credit_after_due = form.elements.no_credit_after_due.checked;
    body.counted_attempt = form.elements.counted_attempt.value;
    return body;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("policy-form");
    if (!form) { return; }
    var status = document.getElementById("policy-status");
    var errorBox = document.getElementById("policy-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      status.textContent = "";
      form.querySelectorAll("[aria-invalid]").forEach(function (field) { field.removeAttribute("aria-invalid"); });
      ActQuiz.api(form.getAttribute("data-api"), "PATCH", readPolicy(form)).then(function (response) {
        if (!response.ok) {
          errorBox.textContent = response.message;
          errorBox.hidden = false;
          Object.keys(response.fields || {}).forEach(function (name) {
            if (form.elements[name]) { form.elements[name].setAttribute("aria-invalid", "true"); }
          });
          return;
        }
        var saved = response.data;
        form.elements.opens_at.value = saved.opens_at || "";
        form.elements.due_at.value = saved.due_at || "";
        var due = saved.due_at_text ? " Due " + saved.due_at_text + "." : "";
        var dueKo = saved.due_at_text ? " 마감 " + saved.due_at_text + "." : "";
        status.appendChild(ActQuiz.bilingual("span", "", "Policy saved." + due, "규정을 저장했습니다." + dueKo));
      });
    });
  });
})();
