// The regrade page: start a regrade through the REST API and follow it live (polling
// its job) with a progress bar, the counts and the list of changed scores.
(function () {
  "use strict";
  var ActQuiz = window.ActQuiz;
  var POLL_MS = 1000;

  function cell(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    node.textContent = text;
    return node;
  }

  function render(job) {
    document.getElementById("regrade-progress").hidden = false;
    var bar = document.getElementById("regrade-bar");
    bar.max = Math.max(job.total, 1);
    bar.value = job.total ? job.done : 1;
    document.getElementById("regrade-done").textContent = String(job.done);
    document.getElementById("regrade-total").textContent = String(job.total);
    document.getElementById("regrade-changed").textContent = String(job.changed);
    document.getElementById("regrade-failed").textContent = String(job.failed);
    document.getElementById("regrade-scope").textContent = job.scope;
    var status = document.getElementById("regrade-status");
    status.textContent = "";
    status.appendChild(job.status === "done"
      ? ActQuiz.bilingual("span", "badge badge-ok", "done", "완료")
      : ActQuiz.bilingual("span", "badge badge-info", "running", "진행 중"));
    status.setAttribute("data-status", job.status);

    var table = document.getElementById("regrade-changes");
    var body = table.querySelector("tbody");
    body.textContent = "";
    job.changes.forEach(function (change) {
      var row = document.createElement("tr");
      row.setAttribute("data-submission", String(change.submission));
      var link = cell("a", "", "#" + change.submission);
      link.href = "/submissions/" + change.submission + "/";
      var first = document.createElement("td");
      first.appendChild(link);
      row.appendChild(first);
      row.appendChild(cell("td", "", change.user));
      row.appendChild(cell("td", "num", ActQuiz.formatScore(change.old_score)));
      row.appendChild(cell("td", "num", ActQuiz.formatScore(change.new_score)));
      body.appendChild(row);
    });
    table.hidden = job.changes.length === 0;

    var failures = document.getElementById("regrade-failures");
    failures.textContent = "";
    if (job.failures.length) {
      var names = job.failures.map(function (f) { return "#" + f.submission + " " + f.user; }).join(", ");
      failures.appendChild(ActQuiz.bilingual("span", "",
        "Grading failed on our side, so these keep their score: " + names,
        "서버 쪽 문제로 채점에 실패해 기존 점수를 유지한 제출: " + names));
    }
    failures.hidden = job.failures.length === 0;
  }

  function follow(url, button) {
    ActQuiz.api(url).then(function (response) {
      if (!response.ok) {
        showError(response.message);
        button.disabled = false;
        return;
      }
      render(response.data);
      if (response.data.status === "running") {
        button.disabled = true;
        window.setTimeout(function () { follow(url, button); }, POLL_MS);
      } else {
        button.disabled = false;
      }
    });
  }

  function showError(message) {
    var box = document.getElementById("regrade-error");
    box.textContent = message;
    box.hidden = !message;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("regrade");
    var form = document.getElementById("regrade-form");
    var button = document.getElementById("regrade-start");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      var body = { course: panel.getAttribute("data-course") };
      var student = document.getElementById("regrade-student").value;
      if (student) { body.user = student; }
      button.disabled = true;
      ActQuiz.api(panel.getAttribute("data-start-url"), "POST", body).then(function (response) {
        if (!response.ok) {
          showError(response.message);
          button.disabled = false;
          return;
        }
        render(response.data);
        follow(response.data.url, button);
      });
    });
    var current = panel.getAttribute("data-job-url");
    if (current) { follow(current, button); }
  });
})();
