// A plain textarea made pleasant for Python: Tab indents by 4 spaces, Shift+Tab dedents,
// Enter keeps the indentation (one level more after a colon), Ctrl/Cmd+Enter submits.
// Esc releases the next Tab so keyboard users can leave the editor.
(function () {
  "use strict";
  var INDENT = "    ";

  function lineStart(text, index) {
    return text.lastIndexOf("\n", index - 1) + 1;
  }

  function replaceRange(area, start, end, text, selStart, selEnd) {
    area.setRangeText(text, start, end, "end");
    area.selectionStart = selStart;
    area.selectionEnd = selEnd;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function indent(area, dedent) {
    var value = area.value;
    var start = area.selectionStart;
    var end = area.selectionEnd;
    if (start === end && !dedent) {
      replaceRange(area, start, end, INDENT, start + INDENT.length, start + INDENT.length);
      return;
    }
    var first = lineStart(value, start);
    // A selection ending right after a newline does not include the next line.
    var last = end > start && value[end - 1] === "\n" ? end - 1 : end;
    var block = value.slice(first, last);
    var lines = block.split("\n");
    var removedFirst = 0;
    var changed = lines.map(function (line, i) {
      if (!dedent) { return INDENT + line; }
      var strip = line.match(/^ {1,4}/);
      var n = strip ? strip[0].length : 0;
      if (i === 0) { removedFirst = n; }
      return line.slice(n);
    });
    var replacement = changed.join("\n");
    var delta = replacement.length - block.length;
    var newStart = dedent ? Math.max(first, start - removedFirst) : start + INDENT.length;
    var newEnd = start === end ? newStart : Math.max(newStart, end + delta);
    replaceRange(area, first, last, replacement, newStart, newEnd);
  }

  function newline(area) {
    var value = area.value;
    var start = area.selectionStart;
    var line = value.slice(lineStart(value, start), start);
    var current = line.match(/^[ \t]*/)[0];
    var extra = /:\s*(#.*)?$/.test(line) ? INDENT : "";
    var text = "\n" + current + extra;
    replaceRange(area, start, area.selectionEnd, text, start + text.length, start + text.length);
  }

  function enhance(area) {
    var released = false;
    area.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { released = true; return; }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (area.form) { area.form.requestSubmit(); }
        return;
      }
      if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
        if (released) { released = false; return; }
        event.preventDefault();
        indent(area, event.shiftKey);
        return;
      }
      released = false;
      if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing) {
        event.preventDefault();
        newline(area);
      }
    });
  }

  window.ActQuiz = window.ActQuiz || {};
  window.ActQuiz.enhanceEditor = enhance;
})();
