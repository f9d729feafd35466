// The submission page: fetch the submission from the REST API (polling while it is
// graded), draw the verdict, and send an instructor's review.
(function () {
  "use strict";
  var ActQuiz = window.ActQuiz;

  // The total the items give, scaled onto the maximum as the server computes it.
  function totalOfItems(inputs, maxScore) {
    var earned = 0;
    var possible = 0;
    inputs.forEach(function (input) {
      earned += Number(input.value) || 0;
      possible += Number(input.getAttribute("data-max")) || 0;
    });
    var total = possible > 0 ? earned * maxScore / possible : earned;
    return Math.round(Math.min(Math.max(total, 0), maxScore) * 1000) / 1000;
  }

  // The review form: points per item (the total follows) or the total itself, a
  // comment; "Save and next" goes on to the next answer in the review queue.
  function setupReview(form, result, url) {
    var status = form.querySelector("#review-status");
    var errorBox = form.querySelector("#review-error");
    var scoreField = form.querySelector("#review-score");
    var items = Array.prototype.slice.call(form.querySelectorAll(".review-item"));
    var maxScore = Number(form.getAttribute("data-max-score"));
    // Items, when there are any, unless the instructor typed a total of their own.
    var byItems = items.length > 0;
    items.forEach(function (input) {
      input.addEventListener("input", function () {
        byItems = true;
        scoreField.value = String(totalOfItems(items, maxScore));
      });
    });
    scoreField.addEventListener("input", function () { byItems = false; });

    function fail(message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var then = event.submitter ? event.submitter.getAttribute("data-then") : null;
      errorBox.hidden = true;
      status.textContent = "";
      var body = { comment: form.querySelector("#review-comment").value };
      if (byItems) {
        body.items = {};
        for (var i = 0; i < items.length; i++) {
          var points = Number(items[i].value);
          if (items[i].value.trim() === "" || !isFinite(points)) {
            fail("Enter points for " + items[i].getAttribute("data-item") + ".");
            return;
          }
          body.items[items[i].getAttribute("data-item")] = points;
        }
      } else {
        var score = Number(scoreField.value);
        if (scoreField.value.trim() === "" || !isFinite(score)) {
          fail("Enter a score.");
          return;
        }
        body.score = score;
      }
      ActQuiz.api(form.getAttribute("data-review-url"), "POST", body).then(function (response) {
        if (!response.ok) {
          fail(response.message);
          return;
        }
        if (then === "next" && form.getAttribute("data-next-url")) {
          window.location.assign(form.getAttribute("data-next-url"));
          return;
        }
        status.appendChild(ActQuiz.bilingual("span", "", "Review saved.", "검토를 저장했습니다."));
        scoreField.value = String(response.data.reviewed_score);
        ActQuiz.api(url).then(function (fresh) {
          if (fresh.ok) { ActQuiz.renderVerdict(result, fresh.data); }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.getElementById("submission");
    var result = document.getElementById("result");
    var url = page.getAttribute("data-url");
    var status = document.getElementById("submission-status");
    ActQuiz.pollSubmission(url, function (submission) {
      ActQuiz.renderVerdict(result, submission);
      status.textContent = "";
      status.appendChild(ActQuiz.statusBadge(submission.status));
    }, function (failure) {
      result.hidden = false;
      result.textContent = failure.message;
    });
    var form = document.getElementById("review-form");
    if (form) { setupReview(form, result, url); }
  });
})();
