// The plot of a verdict: the student's function against the reference, drawn as an
// accessible inline SVG (no library; attributes only, so the page's CSP allows it).
// ``plot`` is the verdict's data (graders/engine/plot.py): a curve over x, or the
// distribution of one visible example; ``mismatch`` marks the points that disagree.
(function () {
  "use strict";
  var ActQuiz = (window.ActQuiz = window.ActQuiz || {});
  var SVG = "http://www.w3.org/2000/svg";
  var W = 600, H = 280, LEFT = 48, RIGHT = 12, TOP = 14, BOTTOM = 30;
  var counter = 0;

  function node(tag, attrs, text) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { el.setAttribute(key, String(attrs[key])); });
    if (text !== undefined) { el.textContent = text; }
    return el;
  }

  function finite(values) {
    return (values || []).filter(function (v) { return v !== null && isFinite(v); });
  }

  function round(v) { return String(Math.round(v * 1000) / 1000); }

  // The y range: the reference's, widened to the student's values but never so far
  // that a runaway student curve flattens the reference into a line.
  function yRange(reference, student) {
    var ref = finite(reference);
    var lo = Math.min.apply(null, ref), hi = Math.max.apply(null, ref);
    var span = Math.max(hi - lo, 1e-9);
    var mine = finite(student);
    if (mine.length) {
      lo = Math.max(Math.min(lo, Math.min.apply(null, mine)), lo - 2 * span);
      hi = Math.min(Math.max(hi, Math.max.apply(null, mine)), hi + 2 * span);
    }
    var pad = (hi - lo) * 0.08 || 0.5;
    // Drawn with room around the values; the labels name the values themselves.
    return [lo - pad, hi + pad, lo, hi];
  }

  // Runs of consecutive indexes where the two disagree: [[first, last], ...].
  function mismatchRuns(mismatch) {
    var runs = [], start = -1;
    (mismatch || []).forEach(function (bad, i) {
      if (bad && start < 0) { start = i; }
      if (!bad && start >= 0) { runs.push([start, i - 1]); start = -1; }
    });
    if (start >= 0) { runs.push([start, mismatch.length - 1]); }
    return runs;
  }

  function describe(plot, runs, en) {
    var xs = plot.kind === "curve" ? plot.x : plot.input;
    if (!plot.student) {
      return en ? "Your function gave no values that could be drawn." : "내 함수가 그릴 수 있는 값을 내지 않았습니다.";
    }
    if (!runs.length) {
      return plot.kind === "curve"
        ? (en ? "Your curve matches the reference everywhere from " + round(xs[0]) + " to " + round(xs[xs.length - 1]) + "."
              : round(xs[0]) + "부터 " + round(xs[xs.length - 1]) + "까지 모든 곳에서 내 곡선이 정답과 일치합니다.")
        : (en ? "Your distribution matches the reference." : "내 분포가 정답과 일치합니다.");
    }
    var bad = plot.mismatch.filter(Boolean).length;
    if (plot.kind === "curve") {
      var parts = runs.map(function (run) { return round(xs[run[0]]) + " … " + round(xs[run[1]]); });
      return en
        ? "Your curve differs from the reference at " + bad + " of " + xs.length + " points, for x in " + parts.join(", ") + "."
        : xs.length + "개 점 중 " + bad + "개에서 내 곡선이 정답과 다릅니다 (x 구간: " + parts.join(", ") + ").";
    }
    return en
      ? "Your distribution differs from the reference in " + bad + " of " + xs.length + " entries."
      : xs.length + "개 항목 중 " + bad + "개에서 내 분포가 정답과 다릅니다.";
  }

  function path(xs, ys, sx, sy) {
    var d = "", pen = false;
    ys.forEach(function (y, i) {
      if (y === null || !isFinite(y) || xs[i] === null) { pen = false; return; }
      d += (pen ? " L" : " M") + sx(xs[i]).toFixed(1) + " " + sy(y).toFixed(1);
      pen = true;
    });
    return d.trim();
  }

  function axes(svg, sx, sy, xTicks, range) {
    var yLo = range[2], yHi = range[3];
    var y0 = Math.min(Math.max(0, range[0]), range[1]);
    svg.appendChild(node("line", { x1: LEFT, x2: W - RIGHT, y1: sy(y0), y2: sy(y0), class: "plot-axis" }));
    svg.appendChild(node("line", { x1: LEFT, x2: LEFT, y1: TOP, y2: H - BOTTOM, class: "plot-axis" }));
    xTicks.forEach(function (t) {
      svg.appendChild(node("text", { x: sx(t.at), y: H - BOTTOM + 16, "text-anchor": "middle", class: "plot-tick" }, t.label));
    });
    [yLo, (yLo + yHi) / 2, yHi].forEach(function (v) {
      svg.appendChild(node("line", { x1: LEFT - 4, x2: W - RIGHT, y1: sy(v), y2: sy(v), class: "plot-grid" }));
      svg.appendChild(node("text", { x: LEFT - 6, y: sy(v) + 4, "text-anchor": "end", class: "plot-tick" }, round(v)));
    });
  }

  function curve(svg, plot, runs) {
    var xs = plot.x;
    var x0 = xs[0], x1 = xs[xs.length - 1];
    var range = yRange(plot.reference, plot.student);
    var sx = function (x) { return LEFT + (x - x0) / (x1 - x0 || 1) * (W - LEFT - RIGHT); };
    var sy = function (y) {
      var clamped = Math.min(Math.max(y, range[0]), range[1]);
      return TOP + (range[1] - clamped) / (range[1] - range[0]) * (H - TOP - BOTTOM);
    };
    var step = (sx(x1) - sx(x0)) / Math.max(xs.length - 1, 1);
    runs.forEach(function (run) {
      var left = sx(xs[run[0]]) - step / 2, right = sx(xs[run[1]]) + step / 2;
      svg.appendChild(node("rect", { x: Math.max(left, LEFT), y: TOP, width: Math.max(right - left, 2), height: H - TOP - BOTTOM, class: "plot-mismatch" }));
    });
    var ticks = [];
    for (var t = Math.ceil(x0); t <= Math.floor(x1); t += Math.max(1, Math.round((x1 - x0) / 12))) {
      ticks.push({ at: t, label: String(t) });
    }
    axes(svg, sx, sy, ticks, range);
    svg.appendChild(node("path", { d: path(xs, plot.reference, sx, sy), class: "plot-reference" }));
    if (plot.student) {
      svg.appendChild(node("path", { d: path(xs, plot.student, sx, sy), class: "plot-student" }));
    }
  }

  function distribution(svg, plot) {
    var n = plot.input.length;
    var range = yRange(plot.reference.concat([0]), plot.student);
    var band = (W - LEFT - RIGHT) / n;
    var sx = function (i) { return LEFT + band * (i + 0.5); };
    var sy = function (y) {
      var clamped = Math.min(Math.max(y, range[0]), range[1]);
      return TOP + (range[1] - clamped) / (range[1] - range[0]) * (H - TOP - BOTTOM);
    };
    plot.mismatch.forEach(function (bad, i) {
      if (bad) { svg.appendChild(node("rect", { x: LEFT + band * i, y: TOP, width: band, height: H - TOP - BOTTOM, class: "plot-mismatch" })); }
    });
    var ticks = plot.input.map(function (v, i) { return { at: i, label: v === null ? "?" : round(v) }; });
    axes(svg, sx, sy, ticks, range);
    var bar = Math.min(band * 0.35, 40);
    plot.reference.forEach(function (v, i) {
      if (v === null) { return; }
      svg.appendChild(node("rect", { x: sx(i) - bar, y: Math.min(sy(v), sy(0)), width: bar, height: Math.abs(sy(0) - sy(v)), class: "plot-bar-reference" }));
    });
    (plot.student || []).forEach(function (v, i) {
      if (v === null) { return; }
      svg.appendChild(node("rect", { x: sx(i), y: Math.min(sy(v), sy(0)), width: bar, height: Math.abs(sy(0) - sy(v)), class: "plot-bar-student" }));
    });
  }

  function legend(kind) {
    var list = document.createElement("ul");
    list.className = "plot-legend";
    [["plot-key-student", "yours", "내 함수"], ["plot-key-reference", "reference", "정답"], ["plot-key-mismatch", "where they differ", "다른 곳"]].forEach(function (entry) {
      var item = document.createElement("li");
      var key = document.createElement("span");
      key.className = "plot-key " + entry[0] + (kind === "distribution" ? " plot-key-bar" : "");
      key.setAttribute("aria-hidden", "true");
      item.appendChild(key);
      item.appendChild(ActQuiz.bilingual("span", "", entry[1], entry[2]));
      list.appendChild(item);
    });
    return list;
  }

  ActQuiz.renderPlot = function (container, plot) {
    if (!plot || !plot.reference || !plot.reference.length) { return; }
    var id = "plot-" + (counter += 1);
    var runs = mismatchRuns(plot.mismatch);
    var figure = document.createElement("figure");
    figure.className = "plot";
    figure.setAttribute("data-testid", "plot");
    figure.setAttribute("data-kind", plot.kind);
    figure.setAttribute("data-mismatches", String((plot.mismatch || []).filter(Boolean).length));
    var title = plot.kind === "curve"
      ? [plot.label + ": your function against the reference", plot.label + ": 내 함수와 정답 비교"]
      : [plot.label + ": your distribution against the reference, for a visible example", plot.label + ": 공개 예시에서 내 분포와 정답 비교"];
    var svg = node("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": id + "-title " + id + "-desc", class: "plot-svg", preserveAspectRatio: "xMidYMid meet" });
    var lang = document.documentElement.getAttribute("data-lang") === "ko" ? 1 : 0;
    svg.appendChild(node("title", { id: id + "-title" }, title[lang]));
    svg.appendChild(node("desc", { id: id + "-desc" }, describe(plot, runs, lang === 0)));
    if (plot.kind === "curve") { curve(svg, plot, runs); } else { distribution(svg, plot); }
    figure.appendChild(svg);
    var caption = document.createElement("figcaption");
    caption.appendChild(ActQuiz.bilingual("strong", "", title[0], title[1]));
    caption.appendChild(legend(plot.kind));
    var text = ActQuiz.bilingual("p", "plot-summary", describe(plot, runs, true), describe(plot, runs, false));
    text.setAttribute("data-testid", "plot-summary");
    caption.appendChild(text);
    figure.appendChild(caption);
    container.appendChild(figure);
  };
})();
