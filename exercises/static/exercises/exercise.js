// The exercise page: keep a draft, build the answer for the exercise kind, submit it
// to the REST API, poll the submission and draw the verdict and the history row.
(function () {
  "use strict";
  var ActQuiz = window.ActQuiz;

  function readAnswer(form) {
    var course = form.getAttribute("data-course");
    var answer = readKind(form);
    if (answer.body) { answer.body.course = course; }
    return answer;
  }

  function readKind(form) {
    var kind = form.getAttribute("data-kind");
    var mode = form.getAttribute("data-mode") || "single";
    if (kind === "code") {
      return { body: { code: form.querySelector("#code").value } };
    }
    if (kind === "choice") {
      if (mode === "matching") {
        var matches = {};
        form.querySelectorAll("select[data-item]").forEach(function (select) {
          matches[select.getAttribute("data-item")] = select.value || null;
        });
        return { body: { answer: matches } };
      }
      var picked = Array.prototype.map.call(form.querySelectorAll("input[name=choice]:checked"), function (input) {
        return input.value;
      });
      if (mode === "multiple") { return { body: { answer: picked } }; }
      if (!picked.length) { return { problem: ["Pick an answer first.", "먼저 답을 고르세요."] }; }
      return { body: { answer: picked[0] } };
    }
    if (kind === "numeric") {
      // The typed text goes to the server as it is: it reads 1/4, 0,25 and .25 and says
      // how it read them, or refuses the text with a message before it counts.
      if (form.getAttribute("data-variant")) {
        var parts = {};
        form.querySelectorAll("input[data-part]").forEach(function (input) {
          var typed = input.value.trim();
          parts[input.getAttribute("data-part")] = typed === "" ? null : typed;
        });
        return { body: { answer: parts } };
      }
      var typed = form.querySelector("#answer-number").value.trim();
      if (typed === "") {
        return { problem: ["Enter a number first.", "먼저 숫자를 입력하세요."] };
      }
      return { body: { answer: typed } };
    }
    var text = form.querySelector("#answer-text").value;
    if (!text.trim()) { return { problem: ["Write an answer first.", "먼저 답을 쓰세요."] }; }
    return { body: { answer: text } };
  }

  function showError(form, en, ko) {
    var box = form.querySelector("#submit-error");
    box.textContent = "";
    box.appendChild(ActQuiz.bilingual("span", "", en, ko));
    box.hidden = false;
  }

  function errorText(result) {
    if (result.status === 413 || result.code === "too_large") {
      return ["Your submission is too large: " + result.message + " Make it shorter and submit again.",
              "제출한 내용이 너무 큽니다: " + result.message + " 줄여서 다시 제출하세요."];
    }
    return [result.message, result.message];
  }

  function historyRow(table, submission, pageUrl) {
    var body = table.tBodies[0];
    var empty = body.querySelector(".empty-row");
    if (empty) { empty.remove(); }
    var row = body.querySelector('tr[data-submission="' + submission.id + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.setAttribute("data-submission", submission.id);
      for (var i = 0; i < 4; i += 1) { row.appendChild(document.createElement("td")); }
      row.cells[3].className = "num";
      body.insertBefore(row, body.firstChild);
    }
    row.setAttribute("data-status", submission.status);
    var link = document.createElement("a");
    link.href = pageUrl;
    link.textContent = submission.attempt || submission.id;
    row.cells[0].textContent = "";
    row.cells[0].appendChild(link);
    var created = submission.created_at ? new Date(submission.created_at) : new Date();
    var time = document.createElement("time");
    time.setAttribute("datetime", created.toISOString());
    time.textContent = ActQuiz.formatTime(created);
    row.cells[1].textContent = "";
    row.cells[1].appendChild(time);
    row.cells[2].textContent = "";
    row.cells[2].appendChild(ActQuiz.statusBadge(submission.status));
    var score = submission.reviewed_score !== null && submission.reviewed_score !== undefined
      ? submission.reviewed_score : submission.score;
    row.cells[3].textContent = submission.status === "graded"
      ? ActQuiz.formatScore(score) + " / " + ActQuiz.formatScore(submission.max_score) : "–";
  }

  // Code and short-text answers are kept in this browser while they are written.
  // Returns the code editor's handle (ActQuiz.enhanceEditor), or null for text answers.
  function setupDraft(form) {
    var area = form.querySelector("#code") || form.querySelector("#answer-text");
    if (!area) { return null; }
    var isCode = area.id === "code";
    var key = form.getAttribute("data-draft-key");
    try {
      var draft = localStorage.getItem(key);
      if (draft !== null && draft !== "") { area.value = draft; }
    } catch (e) { /* storage unavailable: start from what the page holds */ }
    var editor = isCode ? ActQuiz.enhanceEditor(area) : null;
    var timer = null;
    function save() {
      window.clearTimeout(timer);
      try { localStorage.setItem(key, area.value); } catch (e) { /* full or disabled */ }
    }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    });
    // Leaving the page within the debounce delay must not lose the last keystrokes.
    window.addEventListener("pagehide", save);
    if (!isCode) { return null; }
    var starter = JSON.parse(document.getElementById("starter-code").textContent);
    form.querySelector("#reset-code").addEventListener("click", function () {
      // One undoable change: Ctrl/Cmd+Z in the editor brings the draft back.
      editor.setValue(starter);
      area.value = starter;
      try { localStorage.removeItem(key); } catch (e) { /* nothing to remove */ }
      editor.focus();
    });
    return editor;
  }


  // Next to the Submit button: which attempt this is, and its score once graded.
  function showAttempt(status, submission) {
    var n = submission.attempt;
    var en = n ? "Attempt " + n + ": " : "";
    var ko = n ? n + "번째 제출: " : "";
    status.textContent = "";
    if (submission.status === "graded") {
      var score = submission.reviewed_score !== null && submission.reviewed_score !== undefined
        ? submission.reviewed_score : submission.score;
      var text = ActQuiz.formatScore(score) + " / " + ActQuiz.formatScore(submission.max_score);
      var node = ActQuiz.bilingual("span", "status-score", en + text, ko + text);
      node.setAttribute("data-testid", "status-score");
      status.appendChild(node);
    } else if (submission.status === "failed") {
      status.appendChild(ActQuiz.bilingual("span", "", en + "not graded yet", ko + "아직 채점되지 않음"));
    } else {
      status.appendChild(ActQuiz.bilingual("span", "", en + "grading…", ko + "채점 중…"));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("answer-form");
    if (!form) { return; }
    var result = document.getElementById("result");
    var history = document.getElementById("history");
    var button = form.querySelector("#submit-button");
    var status = form.querySelector("#submit-status");
    var busy = false;
    // Only the newest submission may draw the panel: an older one finishing later
    // updates its history row and nothing else.
    var newest = 0;
    var editor = setupDraft(form);

    // Submissions still being graded when the page loaded update their row when done.
    history.querySelectorAll('tbody tr[data-status="queued"], tbody tr[data-status="running"]').forEach(function (row) {
      var pageUrl = row.querySelector("a").getAttribute("href");
      ActQuiz.pollSubmission(row.getAttribute("data-url"), function (submission) {
        historyRow(history, submission, pageUrl);
      }, function () { /* the row keeps its last known state */ });
    });

    // Reopening the page (or switching its language) shows the newest verdict again,
    // in the language the server now renders it in.
    var latest = history.querySelector("tbody tr[data-url]");
    if (latest) {
      newest = Number(latest.getAttribute("data-submission"));
      ActQuiz.pollSubmission(latest.getAttribute("data-url"), function (submission) {
        if (submission.id !== newest) { return; }
        ActQuiz.renderVerdict(result, submission);
        showAttempt(status, submission);
        if (editor) { editor.markVerdict(submission); }
      }, function () { /* the history row still links to it */ });
    }

    // "Restore" on a history row puts that attempt's code back into the editor, as one
    // change that Ctrl/Cmd+Z undoes.
    history.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-restore]");
      if (!button || !editor) { return; }
      var row = button.closest("tr");
      ActQuiz.api(row.getAttribute("data-url")).then(function (response) {
        if (!response.ok || typeof response.data.code !== "string") {
          showError(form, "Could not restore that attempt: " + (response.message || ""), "이 제출을 불러오지 못했습니다: " + (response.message || ""));
          return;
        }
        var area = form.querySelector("#code");
        editor.setValue(response.data.code);
        area.value = response.data.code;
        area.dispatchEvent(new Event("input", { bubbles: true }));
        status.textContent = "";
        var n = response.data.attempt;
        status.appendChild(ActQuiz.bilingual("span", "", "Attempt " + n + " is in the editor (Ctrl+Z undoes).", n + "번째 제출을 편집기에 불러왔습니다 (Ctrl+Z로 되돌리기)."));
        editor.focus();
      });
    });

    var runButton = form.querySelector("#run-button");
    var runResult = document.getElementById("run-result");
    var running = false;
    var newestRun = 0;
    if (runButton) {
      runButton.addEventListener("click", function () {
        if (running) { return; }
        form.querySelector("#submit-error").hidden = true;
        var answer = readAnswer(form);
        if (answer.problem) { showError(form, answer.problem[0], answer.problem[1]); return; }
        running = true;
        runButton.disabled = true;
        ActQuiz.renderRun(runResult, { id: 0, status: "queued" });
        ActQuiz.api(form.getAttribute("data-run-url"), "POST", answer.body).then(function (response) {
          if (!response.ok) {
            running = false;
            runButton.disabled = false;
            runResult.hidden = true;
            var text = errorText(response);
            showError(form, text[0], text[1]);
            return;
          }
          newestRun = response.data.id;
          ActQuiz.pollSubmission(response.data.url, function (run) {
            if (run.id !== newestRun) { return; }
            ActQuiz.renderRun(runResult, run);
            if (run.status !== "queued" || run.expired) {
              running = false;
              runButton.disabled = false;
              if (editor && run.status === "done") { editor.markVerdict({ status: "graded", tests: run.tests, error: run.error }); }
              (runResult.querySelector(".result-head") || runResult).scrollIntoView({ block: "nearest" });
            }
          }, function (failure) {
            running = false;
            runButton.disabled = false;
            showError(form, "Could not fetch the run: " + failure.message, "실행 결과를 가져오지 못했습니다: " + failure.message);
          });
        });
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      form.querySelector("#submit-error").hidden = true;
      var answer = readAnswer(form);
      if (answer.problem) { showError(form, answer.problem[0], answer.problem[1]); return; }
      busy = true;
      button.disabled = true;
      status.textContent = "";
      status.appendChild(ActQuiz.bilingual("span", "", "Submitting…", "제출하는 중…"));
      ActQuiz.api(form.getAttribute("data-submit-url"), "POST", answer.body).then(function (response) {
        busy = false;
        button.disabled = false;
        status.textContent = "";
        if (!response.ok) {
          var text = errorText(response);
          showError(form, text[0], text[1]);
          return;
        }
        var created = response.data;
        // After the due date the submission is accepted; the notice says what it loses.
        var notice = form.querySelector("#submit-notice");
        if (notice) { notice.textContent = created.notice || ""; notice.hidden = !created.notice; }
        var pageUrl = form.getAttribute("data-submission-page").replace(/\/0\/$/, "/" + created.id + "/");
        var pollUrl = created.url || "/api/v1/submissions/" + created.id + "/";
        newest = created.id;
        ActQuiz.renderVerdict(result, { id: created.id, status: created.status || "queued" });
        showAttempt(status, { status: created.status || "queued" });
        ActQuiz.pollSubmission(pollUrl, function (submission) {
          historyRow(history, submission, pageUrl);
          if (submission.id !== newest) { return; }
          ActQuiz.renderVerdict(result, submission);
          showAttempt(status, submission);
          if (editor) { editor.markVerdict(submission); }
          if (submission.status === "graded" || submission.status === "failed") {
            // The panel's head (the score), not the whole panel: a long verdict scrolled
            // in whole would leave its score above the top of the window.
            (result.querySelector(".result-head") || result).scrollIntoView({ block: "nearest" });
          }
        }, function (failure) {
          showError(form, "Could not fetch the result: " + failure.message, "결과를 가져오지 못했습니다: " + failure.message);
        });
      });
    });
  });
})();
