// Talking to the REST API (session cookie + CSRF token) and drawing a verdict.
// Everything that came from a submission is inserted as text, never as HTML: test
// messages may quote the student's own exception text.
(function () {
  "use strict";
  var ActQuiz = (window.ActQuiz = window.ActQuiz || {});

  var ERROR_KINDS = {
    syntax_error: ["Syntax error", "문법 오류"],
    timeout: ["Time limit exceeded", "시간 제한 초과"],
    memory: ["Memory limit exceeded", "메모리 제한 초과"],
    forbidden: ["Forbidden call", "금지된 호출"],
    missing_entry_point: ["Function not found", "함수를 찾을 수 없음"],
    exception: ["Your code raised an exception", "코드 실행 중 예외 발생"],
    output_limit: ["Too much output", "출력이 너무 많음"],
    crash: ["Your code crashed", "코드가 비정상 종료됨"],
  };

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) { return field.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // A failed call resolves to {ok: false, status, code, message}; a network failure too.
  ActQuiz.api = function (url, method, body) {
    var options = {
      method: method || "GET",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken();
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(
      function (response) {
        return response.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (response.ok) { return { ok: true, status: response.status, data: data }; }
          var error = (data && data.error) || {};
          return {
            ok: false,
            status: response.status,
            code: error.code || "http_" + response.status,
            message: error.message || ActQuiz.statusMessage(response.status),
            fields: error.fields || null,
          };
        });
      },
      function () {
        return { ok: false, status: 0, code: "network", message: ActQuiz.statusMessage(0) };
      }
    );
  };

  ActQuiz.statusMessage = function (status) {
    if (status === 0) { return "The server cannot be reached. Check your connection and try again."; }
    if (status === 403) { return "You are not allowed to do this (is your session still open? try reloading)."; }
    if (status === 404) { return "Not found."; }
    if (status === 413) { return "What you sent is too large."; }
    if (status === 429) { return "Too many submissions in a short time. Wait a minute and try again."; }
    if (status >= 500) { return "Something went wrong on the server. Please try again in a moment."; }
    return "The request was refused (HTTP " + status + ").";
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // Two spans, one per language; the stylesheet shows the chosen one.
  function bilingual(tag, className, en, ko) {
    var node = el(tag, className);
    node.appendChild(el("span", "only-en", en));
    node.appendChild(el("span", "only-ko", ko === undefined || ko === null || ko === "" ? en : ko));
    return node;
  }
  ActQuiz.bilingual = bilingual;

  // The status badge, as the server-rendered templates draw it.
  ActQuiz.statusBadge = function (status) {
    var labels = {
      queued: ["queued", "대기 중", "badge-info"],
      running: ["grading", "채점 중", "badge-info"],
      graded: ["graded", "채점 완료", "badge-ok"],
      failed: ["grading failed", "채점 실패", "badge-error"],
    }[status] || [status, status, "badge-muted"];
    return bilingual("span", "badge " + labels[2], labels[0], labels[1]);
  };

  ActQuiz.formatScore = function (value) {
    if (value === null || value === undefined) { return "–"; }
    return String(Math.round(Number(value) * 100) / 100);
  };

  function humanName(name) {
    return String(name).replace(/[_-]+/g, " ");
  }

  function verdictOf(submission) {
    return submission.verdict || {};
  }

  function koreanMessages(submission) {
    if (submission.feedback_ko) { return submission.feedback_ko; }
    var extra = verdictOf(submission).extra || {};
    return extra.ko || {};
  }

  function renderScore(container, submission) {
    var head = el("div", "result-head");
    var pending = submission.status === "queued" || submission.status === "running";
    if (pending) {
      head.appendChild(el("span", "spinner"));
      head.appendChild(
        submission.status === "running"
          ? bilingual("span", "result-status", "Grading your submission…", "채점 중입니다…")
          : bilingual("span", "result-status", "Waiting for a grader…", "채점 대기 중입니다…")
      );
      head.setAttribute("data-status", submission.status);
      container.appendChild(head);
      return;
    }
    if (submission.status === "failed") {
      head.appendChild(bilingual("span", "result-status",
        "Your submission could not be graded because of a problem on our side. It will be graded again automatically.",
        "서버 쪽 문제로 채점하지 못했습니다. 자동으로 다시 채점됩니다."));
      head.setAttribute("data-status", "failed");
      container.appendChild(head);
      return;
    }
    var score = submission.reviewed_score !== null && submission.reviewed_score !== undefined
      ? submission.reviewed_score : submission.score;
    var full = Number(score) >= Number(submission.max_score) - 1e-9;
    head.setAttribute("data-status", "graded");
    var scoreNode = el("p", "score " + (full ? "score-full" : Number(score) > 0 ? "score-partial" : "score-zero"));
    scoreNode.appendChild(bilingual("span", "score-label", "Score", "점수"));
    var value = el("span", "score-value", ActQuiz.formatScore(score) + " / " + ActQuiz.formatScore(submission.max_score));
    value.setAttribute("data-testid", "score");
    scoreNode.appendChild(value);
    head.appendChild(scoreNode);
    if (full) { head.appendChild(bilingual("span", "badge badge-ok", "Full marks", "만점")); }
    container.appendChild(head);
  }

  function renderError(container, error) {
    if (!error) { return; }
    var labels = ERROR_KINDS[error.kind] || [humanName(error.kind || "error"), humanName(error.kind || "오류")];
    var box = el("div", "verdict-error");
    box.setAttribute("data-kind", error.kind || "");
    box.appendChild(bilingual("h3", "h-small", labels[0], labels[1]));
    if (error.message) { box.appendChild(el("pre", "error-message", error.message)); }
    container.appendChild(box);
  }

  function renderTests(container, submission) {
    var tests = submission.tests || [];
    if (!tests.length) { return; }
    var ko = koreanMessages(submission).messages || {};
    var list = el("ul", "tests");
    tests.forEach(function (test) {
      // A test worth no points (e.g. a speed check) advises; it cannot fail you.
      var advisory = !test.passed && Number(test.max_points) === 0;
      var item = el("li", "test " + (test.passed ? "test-pass" : advisory ? "test-advice" : "test-fail"));
      item.setAttribute("data-test", test.name);
      var line = el("div", "test-line");
      var mark = el("span", "test-mark", test.passed ? "✓" : advisory ? "!" : "✗");
      mark.setAttribute("aria-hidden", "true");
      line.appendChild(mark);
      line.appendChild(el("span", "visually-hidden", test.passed ? "passed:" : advisory ? "advice:" : "failed:"));
      // The title comes rendered in the reader's language; older verdicts have only a name.
      var title = test.title || humanName(test.name);
      line.appendChild(test.hidden
        ? bilingual("span", "test-name", title + " (hidden)", title + " (숨김)")
        : el("span", "test-name", title));
      line.appendChild(el("span", "test-points", ActQuiz.formatScore(test.points) + " / " + ActQuiz.formatScore(test.max_points)));
      item.appendChild(line);
      if (test.message) {
        item.appendChild(bilingual("div", "test-message", test.message, ko[test.name]));
      }
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  function renderHints(container, submission) {
    var hints = submission.hints || [];
    if (!hints.length) { return; }
    var ko = koreanMessages(submission).hints || [];
    var box = el("div", "hints");
    box.appendChild(bilingual("h3", "h-small", "Hints", "힌트"));
    var list = el("ul");
    hints.forEach(function (hint, i) { list.appendChild(bilingual("li", "", hint, ko[i])); });
    box.appendChild(list);
    container.appendChild(box);
  }

  // How an instructor reviewed the answer: who, when, the score, points per item.
  function renderReview(container, submission) {
    var review = submission.review;
    if (review) {
      var box = el("div", "review-note");
      box.setAttribute("data-testid", "review");
      box.appendChild(bilingual("h3", "h-small", "Reviewed by your instructor", "강사가 검토했습니다"));
      var by = review.reviewer || "an instructor";
      var when = review.reviewed_at ? ActQuiz.formatTime(new Date(review.reviewed_at)) : "";
      var who = bilingual("p", "review-by",
        "Reviewed by " + by + (when ? " on " + when : ""),
        (review.reviewer || "강사") + (when ? " · " + when : "") + " 검토");
      who.setAttribute("data-testid", "reviewer");
      box.appendChild(who);
      box.appendChild(bilingual("p", "review-score",
        "Reviewed score: " + ActQuiz.formatScore(review.score) + " / " + ActQuiz.formatScore(submission.max_score),
        "검토 점수: " + ActQuiz.formatScore(review.score) + " / " + ActQuiz.formatScore(submission.max_score)));
      var names = Object.keys(review.items || {});
      if (names.length) {
        var graded = {};
        (submission.tests || []).forEach(function (test) { graded[test.name] = test; });
        var list = el("ul", "review-items-list");
        names.forEach(function (name) {
          var test = graded[name] || {};
          var text = humanName(name) + ": " + ActQuiz.formatScore(review.items[name]) +
            (test.max_points !== undefined ? " / " + ActQuiz.formatScore(test.max_points) : "");
          var changed = test.points !== undefined && Number(test.points) !== Number(review.items[name]);
          var item = bilingual("li", changed ? "review-item-changed" : "",
            text + (changed ? " (grader: " + ActQuiz.formatScore(test.points) + ")" : ""),
            text + (changed ? " (자동 채점: " + ActQuiz.formatScore(test.points) + ")" : ""));
          item.setAttribute("data-item", name);
          list.appendChild(item);
        });
        box.appendChild(list);
      }
      if (review.comment) {
        var comment = el("p", "review-comment", review.comment);
        comment.setAttribute("data-testid", "review-comment");
        box.appendChild(comment);
      }
      container.appendChild(box);
    } else if (submission.needs_review && submission.status === "graded") {
      container.appendChild(bilingual("p", "alert alert-info",
        "An instructor will review this answer; the score may change.",
        "강사가 이 답을 검토합니다. 점수가 바뀔 수 있습니다."));
    }
  }

  // Draw ``submission`` (the API's submission body) into ``container``.
  ActQuiz.renderVerdict = function (container, submission) {
    // Polling sees the same state many times; redrawing it would make screen readers
    // announce the live region again and again.
    var key = [submission.id, submission.status, submission.score, submission.reviewed_score,
      submission.review_comment, submission.review ? submission.review.reviewed_at : ""].join("|");
    if (container.getAttribute("data-key") === key) { return; }
    container.setAttribute("data-key", key);
    container.textContent = "";
    container.hidden = false;
    container.setAttribute("data-status", submission.status);
    renderScore(container, submission);
    if (submission.status === "graded" || submission.status === "failed") {
      renderError(container, submission.status === "graded" ? submission.error : null);
      renderTests(container, submission);
      if (ActQuiz.renderPlot && submission.status === "graded") { ActQuiz.renderPlot(container, submission.plot); }
      renderHints(container, submission);
      renderReview(container, submission);
    }
  };

  function renderOutput(container, run) {
    var output = run.output;
    if (!output) { return; }
    var box = el("div", "run-output");
    box.appendChild(bilingual("h3", "h-small",
      output.truncated ? "What your code printed (cut short)" : "What your code printed",
      output.truncated ? "코드가 출력한 내용 (일부만 표시)" : "코드가 출력한 내용"));
    var pre = el("pre", "run-stdout", output.stdout === "" ? null : output.stdout);
    pre.setAttribute("data-testid", "run-output");
    if (output.stdout === "") {
      pre.appendChild(bilingual("span", "muted", "(nothing was printed)", "(출력 없음)"));
    }
    box.appendChild(pre);
    container.appendChild(box);
  }

  // Draw a run (the API's run body): the visible tests only, never a score that counts.
  ActQuiz.renderRun = function (container, run) {
    var key = [run.id, run.status, run.expired, run.score].join("|");
    if (container.getAttribute("data-key") === key) { return; }
    container.setAttribute("data-key", key);
    container.textContent = "";
    container.hidden = false;
    container.setAttribute("data-status", run.status);
    var head = el("div", "result-head");
    container.appendChild(head);
    if (run.status === "queued" && run.expired) {
      head.appendChild(bilingual("span", "result-status",
        "This run was lost on the way to a grader. Run it again.",
        "실행 요청이 채점기로 가는 도중 사라졌습니다. 다시 실행하세요."));
      return;
    }
    if (run.status === "queued") {
      head.appendChild(el("span", "spinner"));
      head.appendChild(bilingual("span", "result-status", "Running on the visible tests…", "공개 테스트에서 실행하는 중…"));
      return;
    }
    head.appendChild(bilingual("h2", "h-small run-title",
      run.draft ? "Dry run on every test" : "Run on the visible tests",
      run.draft ? "모든 테스트로 시험 실행" : "공개 테스트 실행 결과"));
    if (run.status === "done") {
      var text = ActQuiz.formatScore(run.score) + " / " + ActQuiz.formatScore(run.max_score);
      var value = bilingual("span", "run-score", (run.draft ? "Tests: " : "Visible tests: ") + text,
        (run.draft ? "테스트: " : "공개 테스트: ") + text);
      value.setAttribute("data-testid", "run-score");
      head.appendChild(value);
    }
    container.appendChild(bilingual("p", "help run-note",
      "Not an attempt: nothing was scored or counted.",
      "제출이 아닙니다: 점수나 제출 횟수에 들어가지 않았습니다."));
    if (run.status === "failed") {
      container.appendChild(bilingual("p", "alert alert-error",
        (run.error && run.error.message) || "This run could not be graded. Run it again.",
        (run.error && run.error.message) || "이 실행은 채점되지 못했습니다. 다시 실행하세요."));
      return;
    }
    renderError(container, run.error);
    renderTests(container, run);
    if (ActQuiz.renderPlot) { ActQuiz.renderPlot(container, run.plot); }
    renderHints(container, run);
    renderOutput(container, run);
  };

  // Follow ``url`` until the submission (or run) is final; ``onUpdate`` gets every body
  // seen. Each request is a long poll (``wait``): the server answers when the status
  // changes. One it answers at once (busy, or Redis down) is followed by a backoff.
  var LONG_POLL_SECONDS = 10;
  ActQuiz.pollSubmission = function (url, onUpdate, onError) {
    var waitingUrl = url + (url.indexOf("?") === -1 ? "?" : "&") + "wait=" + LONG_POLL_SECONDS;
    var delay = 250;
    var failures = 0;
    var seen = null;
    function tick() {
      var sent = Date.now();
      ActQuiz.api(waitingUrl).then(function (result) {
        if (!result.ok) {
          failures += 1;
          if (failures >= 5 || (result.status >= 400 && result.status < 500)) { onError(result); return; }
        } else {
          failures = 0;
          onUpdate(result.data);
          var state = result.data.status;
          if (state === "graded" || state === "failed" || state === "done" || result.data.expired) { return; }
          var waited = Date.now() - sent >= LONG_POLL_SECONDS * 500;
          var changed = state !== seen;
          seen = state;
          if (waited || changed) { tick(); return; }
        }
        window.setTimeout(tick, delay);
        delay = Math.min(delay * 1.5, 2000);
      });
    }
    tick();
  };
})();
