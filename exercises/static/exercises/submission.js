// The submission page: fetch the submission from the REST API (polling while it is
// graded), draw the verdict, and send an instructor's review.
(function () {
  "use strict";
  var ActQuiz = window.ActQuiz;

  function setupReview(form, result, url) {
    var status = form.querySelector("#review-status");
    var errorBox = form.querySelector("#review-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      status.textContent = "";
      var scoreField = form.querySelector("#review-score");
      var score = Number(scoreField.value);
      if (scoreField.value.trim() === "" || !isFinite(score)) {
        errorBox.textContent = "Enter a score.";
        errorBox.hidden = false;
        return;
      }
      var body = { score: score, comment: form.querySelector("#review-comment").value };
      ActQuiz.api(form.getAttribute("data-review-url"), "POST", body).then(function (response) {
        if (!response.ok) {
          errorBox.textContent = response.message;
          errorBox.hidden = false;
          return;
        }
        status.appendChild(ActQuiz.bilingual("span", "", "Review saved.", "검토를 저장했습니다."));
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
