// The code editor: ACE (served by the app from the django-ace wheel) over the form's
// textarea, which stays the form's value and the draft's source. Python highlighting,
// line numbers that match the verdict's "line N", bracket matching, search (Ctrl/Cmd+F),
// undo/redo that keeps working across "Reset to starter code". Tab indents by 4 spaces,
// Ctrl/Cmd+Enter submits, Esc then Tab leaves the editor. Without ACE (script blocked)
// the textarea itself is the editor, with the same keys.
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

  // The textarea as the editor: used only when ACE did not load.
  function plainEditor(area) {
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
    return {
      setValue: function (text) {
        area.value = text;
        area.dispatchEvent(new Event("input", { bubbles: true }));
      },
      focus: function () { area.focus(); },
      markLines: function () { /* a textarea has no gutter */ },
    };
  }

  function aceEditor(area) {
    var ace = window.ace;
    // The page's policy allows no inline styles: ACE's CSS comes from its stylesheet.
    ace.config.set("useStrictCSP", true);
    ace.config.set("basePath", area.getAttribute("data-ace-base"));
    var host = document.createElement("div");
    host.className = "code-editor ace-host";
    host.setAttribute("data-testid", "editor");
    area.parentNode.insertBefore(host, area.nextSibling);
    area.classList.add("visually-hidden");
    area.setAttribute("tabindex", "-1");
    area.setAttribute("aria-hidden", "true");
    var editor = ace.edit(host, {
      value: area.value,
      mode: "ace/mode/python",
      theme: "ace/theme/textmate",
      tabSize: 4,
      useSoftTabs: true,
      showPrintMargin: false,
      behavioursEnabled: true,
      highlightActiveLine: true,
      minLines: 16,
      maxLines: 40,
      fontSize: "0.9rem",
    });
    var input = editor.textInput.getElement();
    input.setAttribute("aria-label", area.getAttribute("data-label") || "Code");
    input.setAttribute("aria-describedby", area.getAttribute("aria-describedby") || "");
    // The student page's one editor keeps its id; the author page has several.
    input.id = area.id === "code" ? "code-input" : area.id + "-input";
    var syncing = false;
    editor.session.on("change", function () {
      if (syncing) { return; }
      area.value = editor.getValue();
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
    // Something set the textarea (a restored draft, a paste by a test, "restore into
    // the editor"): show it, as one undoable change.
    area.addEventListener("input", function () {
      if (area.value === editor.getValue()) { return; }
      syncing = true;
      editor.setValue(area.value, -1);
      syncing = false;
    });
    var released = false;
    editor.commands.addCommand({
      name: "submit",
      bindKey: { win: "Ctrl-Enter", mac: "Command-Enter" },
      exec: function () { if (area.form) { area.form.requestSubmit(); } },
    });
    editor.commands.addCommand({
      name: "releaseTab",
      bindKey: { win: "Esc", mac: "Esc" },
      exec: function () { released = true; return false; },
    });
    editor.commands.addCommand({
      name: "indentOrLeave",
      bindKey: { win: "Tab", mac: "Tab" },
      exec: function (ed) {
        // Returning false hands the key back to the browser, which moves the focus on.
        if (released) { released = false; return false; }
        ed.indent();
        return true;
      },
    });
    editor.on("focus", function () { released = false; });
    var markers = [];
    return {
      setValue: function (text) {
        // setValue through the document keeps the undo stack: Ctrl+Z brings the work back.
        editor.setValue(text, -1);
      },
      focus: function () { editor.focus(); },
      markLines: function (lines, text) {
        markers.forEach(function (id) { editor.session.removeMarker(id); });
        markers = [];
        var Range = ace.require("ace/range").Range;
        var rows = editor.session.getLength();
        var annotations = [];
        lines.forEach(function (line) {
          var row = Math.min(line - 1, rows - 1);
          if (row < 0) { return; }
          markers.push(editor.session.addMarker(new Range(row, 0, row, 1), "ace-error-line", "fullLine"));
          annotations.push({ row: row, column: 0, text: text, type: "error" });
        });
        editor.session.setAnnotations(annotations);
        host.setAttribute("data-marked-lines", lines.join(","));
      },
    };
  }

  // The line numbers a verdict names: "line 4" in the error and the test messages.
  function lineNumbers(submission) {
    var texts = [];
    if (submission.error && submission.error.message) { texts.push(submission.error.message); }
    (submission.tests || []).forEach(function (test) {
      if (!test.passed && test.message) { texts.push(test.message); }
    });
    var found = [];
    texts.forEach(function (text) {
      var re = /\bline (\d+)/g;
      var match;
      while ((match = re.exec(text)) !== null) {
        var n = Number(match[1]);
        if (found.indexOf(n) < 0) { found.push(n); }
      }
    });
    return found;
  }

  function enhance(area) {
    var handle = window.ace ? aceEditor(area) : plainEditor(area);
    handle.markVerdict = function (submission) {
      var lines = submission.status === "graded" ? lineNumbers(submission) : [];
      var message = submission.error && submission.error.message ? submission.error.message : "";
      handle.markLines(lines, message || "This line failed a test");
    };
    return handle;
  }

  window.ActQuiz = window.ActQuiz || {};
  window.ActQuiz.enhanceEditor = enhance;
  window.ActQuiz.verdictLineNumbers = lineNumbers;
})();
