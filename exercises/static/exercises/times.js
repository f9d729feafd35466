// Times as "YYYY-MM-DD HH:MM" in the reader's own time zone; the server writes UTC
// into each <time datetime> and this rewrites the visible text.
(function () {
  "use strict";
  var ActQuiz = (window.ActQuiz = window.ActQuiz || {});

  ActQuiz.formatTime = function (date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) +
      " " + two(date.getHours()) + ":" + two(date.getMinutes());
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("time[datetime]").forEach(function (node) {
      var date = new Date(node.getAttribute("datetime"));
      if (!isNaN(date.getTime())) { node.textContent = ActQuiz.formatTime(date); }
    });
  });
})();
