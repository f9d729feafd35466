// The author page: edit an exercise's draft document, preview its prompt, dry run a
// solution, validate and publish, all through the authoring API. The document (the
// catalog folder as JSON) is the one source of truth; the form is a view of it.
(function () {
  "use strict";
  var ActQuiz = window.ActQuiz;
  var PREVIEW_DELAY_MS = 400;
  var POLL_MS = 1000;

  var urls = JSON.parse(document.getElementById("author-urls").textContent);
  var choices = JSON.parse(document.getElementById("author-choices").textContent);
  var root = document.getElementById("author");
  var form = document.getElementById("author-form");
  var state = { document: null, saved: "", editors: {}, solutions: [], validation: null };

  function byId(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function showError(box, message, fields) {
    box.textContent = message;
    if (fields) {
      var list = el("ul");
      Object.keys(fields).forEach(function (name) {
        if (name === "report") { return; }
        [].concat(fields[name]).forEach(function (text) {
          list.appendChild(el("li", "", name + ": " + (typeof text === "string" ? text : JSON.stringify(text))));
        });
      });
      if (list.childNodes.length) { box.appendChild(list); }
    }
    box.hidden = false;
  }

  function hideError(box) { box.hidden = true; box.textContent = ""; }

  // Dotted names ("title.en") reach into the document's tables.
  function getPath(object, path) {
    return path.split(".").reduce(function (value, key) { return value == null ? value : value[key]; }, object);
  }

  function setPath(object, path, value) {
    var keys = path.split(".");
    var last = keys.pop();
    var target = keys.reduce(function (value, key) {
      if (value[key] == null || typeof value[key] !== "object") { value[key] = {}; }
      return value[key];
    }, object);
    target[last] = value;
  }

  // Editors: ACE over a textarea (editor.js), which stays the value's source.
  function editorFor(area) {
    if (!state.editors[area.id]) {
      area.setAttribute("data-ace-base", root.getAttribute("data-ace-base"));
      state.editors[area.id] = ActQuiz.enhanceEditor(area);
    }
    return state.editors[area.id];
  }

  function setArea(area, text) {
    area.value = text || "";
    if (state.editors[area.id]) { state.editors[area.id].setValue(area.value); }
  }

  // ---- Reading the document into the form, and the form back into a document ----

  function fillFields(doc) {
    form.querySelectorAll("[data-field]").forEach(function (input) {
      var value = getPath(doc, input.getAttribute("data-field"));
      if (input.getAttribute("data-type") === "list") { value = (value || []).join(", "); }
      if (input.tagName === "TEXTAREA") { setArea(input, value == null ? "" : String(value)); }
      else { input.value = value == null ? "" : String(value); }
    });
    byId("forbidden").value = ((doc.spec && doc.spec.forbidden) || []).join("\n");
    byId("spec-json").value = JSON.stringify(doc.spec || {}, null, 2);
    hideError(byId("spec-json-error"));
    renderTests(doc.spec || {});
    renderSolutions(doc);
    showKind(doc.kind);
    ["en", "ko"].forEach(function (lang) { preview(byId("prompt-" + lang)); });
    if (!byId("try-code").value) { setArea(byId("try-code"), doc.starter || ""); }
  }

  function readFields(doc) {
    form.querySelectorAll("[data-field]").forEach(function (input) {
      var type = input.getAttribute("data-type");
      var value = input.value;
      if (type === "number" || type === "integer") {
        value = value.trim() === "" ? null : Number(value);
      } else if (type === "list") {
        value = input.value.split(",").map(function (part) { return part.trim(); }).filter(Boolean);
      }
      setPath(doc, input.getAttribute("data-field"), value);
    });
  }

  function currentDocument() {
    var doc = JSON.parse(JSON.stringify(state.document));
    readFields(doc);
    doc.spec = readSpec();
    if (doc.kind === "code") {
      doc.wrong = {};
      doc.right = {};
      state.solutions.forEach(function (solution) {
        var name = solution.name.value.trim();
        if (name) { doc[solution.role][name] = solution.area.value; }
      });
    }
    return doc;
  }

  // The spec: the expert JSON is the base; the tests table and the forbidden list
  // overwrite the keys they show.
  function readSpec() {
    var spec = parseSpecJson();
    if (spec === null) { spec = JSON.parse(JSON.stringify(state.document.spec || {})); }
    var rows = byId("tests-table").querySelectorAll("tbody tr");
    var tests = Array.prototype.map.call(rows, function (row) {
      var test = JSON.parse(row.getAttribute("data-test"));
      row.querySelectorAll("[data-key]").forEach(function (input) {
        var key = input.getAttribute("data-key");
        if (input.type === "checkbox") { test[key] = input.checked; return; }
        var text = input.value.trim();
        if (text === "") { delete test[key]; return; }
        test[key] = input.getAttribute("data-type") === "number" ? Number(text) : text;
      });
      return test;
    });
    if (tests.length || spec.tests) { spec.tests = tests; }
    if (root.getAttribute("data-kind") === "code") {
      var forbidden = byId("forbidden").value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
      if (forbidden.length) { spec.forbidden = forbidden; } else { delete spec.forbidden; }
    }
    return spec;
  }

  function parseSpecJson() {
    var box = byId("spec-json-error");
    try {
      var spec = JSON.parse(byId("spec-json").value || "{}");
      if (spec === null || typeof spec !== "object" || Array.isArray(spec)) { throw new Error("not an object"); }
      hideError(box);
      return spec;
    } catch (e) {
      showError(box, "The spec is not a JSON object: " + e.message + " / 스펙이 올바른 JSON 객체가 아닙니다.");
      return null;
    }
  }

  function showKind(kind) {
    root.setAttribute("data-kind", kind || "code");
    form.querySelectorAll("[data-code-only]").forEach(function (node) { node.hidden = kind !== "code"; });
    document.querySelectorAll("#try-form [data-code-only]").forEach(function (node) { node.hidden = kind !== "code"; });
    document.querySelectorAll("#try-form [data-answer-only]").forEach(function (node) { node.hidden = kind === "code"; });
  }

  // ---- Tests table (the common settings of each test) ----

  function select(options, value, key, label) {
    var node = el("select");
    node.setAttribute("data-key", key);
    node.setAttribute("aria-label", label);
    if (key === "hint_on_fail") { node.appendChild(el("option", "", "—")).value = ""; }
    options.forEach(function (name) { node.appendChild(el("option", "", name)).value = name; });
    if (value && options.indexOf(value) < 0) { node.appendChild(el("option", "", value)).value = value; }
    node.value = value || "";
    return node;
  }

  function input(key, value, label, numeric) {
    var node = el("input");
    node.setAttribute("data-key", key);
    node.setAttribute("aria-label", label);
    if (numeric) { node.setAttribute("data-type", "number"); node.inputMode = "decimal"; node.size = 6; }
    node.value = value == null ? "" : String(value);
    return node;
  }

  function testRow(test) {
    var row = el("tr");
    row.setAttribute("data-test", JSON.stringify(test));
    var name = test.name || "";
    function cell(child, className) { var td = el("td", className); td.appendChild(child); row.appendChild(td); }
    cell(input("name", test.name, "Test name"));
    cell(select(choices.checks, test.check, "check", "Check of " + name));
    cell(input("points", test.points, "Points of " + name, true), "num");
    var hidden = el("input");
    hidden.type = "checkbox";
    hidden.setAttribute("data-key", "hidden");
    hidden.setAttribute("aria-label", "Hidden: " + name);
    hidden.checked = Boolean(test.hidden);
    cell(hidden);
    cell(input("rtol", test.rtol, "rtol of " + name, true), "num");
    cell(input("atol", test.atol, "atol of " + name, true), "num");
    cell(select(choices.hints, test.hint_on_fail, "hint_on_fail", "Hint of " + name));
    var remove = el("button", "link-button", "✕");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove test " + name);
    remove.addEventListener("click", function () { row.remove(); changed(); });
    cell(remove);
    return row;
  }

  function renderTests(spec) {
    var body = byId("tests-table").querySelector("tbody");
    body.textContent = "";
    (spec.tests || []).forEach(function (test) { body.appendChild(testRow(test)); });
    pointsSum();
  }

  function pointsSum() {
    var total = 0;
    byId("tests-table").querySelectorAll("[data-key=points]").forEach(function (node) {
      total += Number(node.value) || 0;
    });
    var points = Number(form.querySelector("[data-field=points]").value) || 0;
    var rows = byId("tests-table").querySelectorAll("tbody tr").length;
    var line = byId("points-sum");
    line.textContent = "";
    if (!rows) { return; }
    var ok = Math.abs(total - points) < 1e-9;
    line.className = ok ? "muted" : "alert alert-error";
    line.appendChild(ActQuiz.bilingual("span", "",
      "The tests' points add up to " + total + (ok ? "." : ", but the exercise has " + points + " points."),
      "테스트 배점의 합은 " + total + (ok ? "점입니다." : "점이지만 문제 배점은 " + points + "점입니다.")));
  }

  // ---- Known solutions ----

  function addSolution(role, name, code) {
    var box = el("div", "solution card");
    box.setAttribute("data-role", role);
    var head = el("div", "solution-head");
    head.appendChild(ActQuiz.bilingual("span", "badge " + (role === "wrong" ? "badge-warn" : "badge-ok"),
      role === "wrong" ? "wrong" : "right", role === "wrong" ? "틀린 풀이" : "맞는 풀이"));
    var nameInput = el("input");
    nameInput.value = name;
    nameInput.setAttribute("aria-label", role + " solution file name");
    nameInput.spellcheck = false;
    head.appendChild(nameInput);
    var remove = el("button", "link-button", "✕");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove " + role + " solution " + name);
    head.appendChild(remove);
    box.appendChild(head);
    var area = el("textarea", "code-editor");
    area.id = "solution-" + role + "-" + state.solutions.length + "-" + Date.now();
    area.rows = 8;
    area.spellcheck = false;
    area.setAttribute("wrap", "off");
    area.setAttribute("data-label", role + " solution " + name);
    area.value = code;
    box.appendChild(area);
    byId("solutions").appendChild(box);
    var solution = { role: role, name: nameInput, area: area, box: box };
    state.solutions.push(solution);
    remove.addEventListener("click", function () {
      box.remove();
      state.solutions = state.solutions.filter(function (s) { return s !== solution; });
      changed();
    });
    editorFor(area);
    return solution;
  }

  function renderSolutions(doc) {
    byId("solutions").textContent = "";
    state.solutions = [];
    ["wrong", "right"].forEach(function (role) {
      Object.keys(doc[role] || {}).sort().forEach(function (name) { addSolution(role, name, doc[role][name]); });
    });
  }

  // ---- Prompt preview (rendered by the server, exactly as students will see it) ----

  var previewTimers = {};
  function preview(area) {
    var target = byId(area.getAttribute("data-preview"));
    ActQuiz.api(urls.preview, "POST", { text: area.value }).then(function (response) {
      if (!response.ok) { target.textContent = response.message; return; }
      // Sanitised on the server by the same allow-list as the student page.
      target.innerHTML = response.data.html;
    });
  }

  function schedulePreview(area) {
    window.clearTimeout(previewTimers[area.id]);
    previewTimers[area.id] = window.setTimeout(function () { preview(area); }, PREVIEW_DELAY_MS);
  }

  // ---- State line, save, validate, publish ----

  function renderState(data) {
    var line = byId("author-state");
    line.textContent = "";
    var version = data.version ? "version " + data.version : "never published";
    var versionKo = data.version ? "버전 " + data.version : "게시된 적 없음";
    line.appendChild(ActQuiz.bilingual("span", "",
      (data.published ? "Published, " : "Not published, ") + version + (data.has_draft ? "; a draft is pending." : "; no pending draft."),
      (data.published ? "게시됨, " : "비공개, ") + versionKo + (data.has_draft ? "; 게시 전 초안이 있습니다." : "; 초안 없음.")));
    line.setAttribute("data-version", String(data.version));
    line.setAttribute("data-has-draft", String(data.has_draft));
    renderValidation(data.validation);
  }

  function renderValidation(job) {
    state.validation = job;
    var status = byId("validation-status");
    var list = byId("validation-problems");
    status.textContent = "";
    list.textContent = "";
    if (!job) {
      status.appendChild(ActQuiz.bilingual("span", "badge badge-muted", "not validated", "검증 전"));
      status.setAttribute("data-status", "none");
      return;
    }
    var labels = { running: ["running", "진행 중", "badge-info"], passed: ["passed", "통과", "badge-ok"], failed: ["failed", "실패", "badge-error"] };
    var label = labels[job.status] || [job.status, job.status, "badge-muted"];
    status.appendChild(ActQuiz.bilingual("span", "badge " + label[2], label[0], label[1]));
    if (!job.current) {
      status.appendChild(ActQuiz.bilingual("span", "muted", " (of an earlier draft)", " (이전 초안)"));
    }
    status.setAttribute("data-status", job.current ? job.status : "stale");
    var report = job.report || {};
    (report.problems || []).forEach(function (problem) { list.appendChild(el("li", "", problem)); });
    if (job.status === "passed" && report.duration_ms !== undefined) {
      list.appendChild(el("li", "muted", "Every solution graded as expected in " + (report.duration_ms / 1000).toFixed(1) + " s."));
    }
  }

  function load() {
    return ActQuiz.api(urls.draft).then(function (response) {
      if (!response.ok) { showError(byId("author-error"), response.message); return; }
      state.document = response.data.document;
      fillFields(state.document);
      state.saved = JSON.stringify(currentDocument());
      renderState(response.data);
      markSaved();
      loadVersions();
      if (response.data.validation && response.data.validation.status === "running") {
        followValidation(response.data.validation.url);
      }
    });
  }

  function dirty() { return state.document && JSON.stringify(currentDocument()) !== state.saved; }

  function markSaved() {
    var line = byId("save-state");
    line.textContent = "";
    line.appendChild(dirty()
      ? ActQuiz.bilingual("span", "", "Unsaved changes", "저장하지 않은 변경 사항")
      : ActQuiz.bilingual("span", "", "Saved", "저장됨"));
    line.setAttribute("data-dirty", String(Boolean(dirty())));
  }

  function changed() { pointsSum(); markSaved(); }

  // PATCH merges solutions one level deep: a removed one is sent as null.
  function patchBody(doc) {
    var body = JSON.parse(JSON.stringify(doc));
    ["wrong", "right"].forEach(function (role) {
      Object.keys(state.document[role] || {}).forEach(function (name) {
        if (!(name in (body[role] || {}))) { body[role] = body[role] || {}; body[role][name] = null; }
      });
    });
    delete body.slug;
    return body;
  }

  // Resolves to true once the server holds exactly what the form shows.
  function save() {
    hideError(byId("author-error"));
    if (parseSpecJson() === null) { return Promise.resolve(false); }
    if (!dirty()) { return Promise.resolve(true); }
    var doc = currentDocument();
    return ActQuiz.api(urls.patch, "PATCH", patchBody(doc)).then(function (response) {
      if (!response.ok) {
        showError(byId("author-error"), response.message, response.fields);
        return false;
      }
      state.document = response.data.document;
      state.saved = JSON.stringify(currentDocument());
      renderState(response.data);
      markSaved();
      return true;
    });
  }

  function followValidation(url) {
    var button = byId("validate");
    button.disabled = true;
    ActQuiz.api(url).then(function (response) {
      if (!response.ok) { button.disabled = false; showError(byId("author-error"), response.message); return; }
      renderValidation(response.data);
      if (response.data.status === "running") {
        window.setTimeout(function () { followValidation(url); }, POLL_MS);
      } else {
        button.disabled = false;
      }
    });
  }

  function validate() {
    // Until the new job answers, the page must not show the last one's outcome.
    byId("validation-status").setAttribute("data-status", "starting");
    byId("validation-problems").textContent = "";
    save().then(function (ok) {
      if (!ok) { renderValidation(state.validation); return; }
      ActQuiz.api(urls.validate, "POST", {}).then(function (response) {
        if (!response.ok) {
          renderValidation(state.validation);
          showError(byId("author-error"), response.message, response.fields);
          return;
        }
        renderValidation(response.data);
        followValidation(response.data.url);
      });
    });
  }

  function publish() {
    var box = byId("publish-result");
    box.hidden = true;
    box.removeAttribute("data-outcome");
    save().then(function (ok) {
      if (!ok) { return; }
      ActQuiz.api(urls.publish, "POST", {}).then(function (response) {
        box.textContent = "";
        box.hidden = false;
        if (!response.ok) {
          box.className = "alert alert-error";
          box.setAttribute("data-outcome", "refused");
          box.appendChild(el("span", "", response.message));
          var report = response.fields && response.fields.report;
          var problems = report && report.problems ? report.problems : [];
          if (problems.length) {
            var list = el("ul");
            problems.forEach(function (p) { list.appendChild(el("li", "", p)); });
            box.appendChild(list);
          }
          return;
        }
        box.className = "alert alert-ok";
        box.setAttribute("data-outcome", "published");
        box.appendChild(ActQuiz.bilingual("span", "",
          "Published as version " + response.data.number + ". Students are graded by it from now on.",
          "버전 " + response.data.number + "(으)로 게시했습니다. 이제부터 학생들은 이 버전으로 채점됩니다."));
        load();
      });
    });
  }

  function discard() {
    if (!window.confirm("Discard the draft and go back to the published version? / 초안을 버리고 게시된 버전으로 돌아갈까요?")) { return; }
    ActQuiz.api(urls.draft, "DELETE").then(function (response) {
      if (!response.ok) { showError(byId("author-error"), response.message); return; }
      load();
    });
  }

  function loadVersions() {
    ActQuiz.api(urls.versions).then(function (response) {
      var list = byId("versions");
      list.textContent = "";
      if (!response.ok) { return; }
      if (!response.data.length) {
        list.appendChild(ActQuiz.bilingual("li", "muted", "Nothing published yet.", "아직 게시된 버전이 없습니다."));
      }
      response.data.forEach(function (version) {
        var item = el("li", "", "v" + version.number + " · " + ActQuiz.formatTime(new Date(version.published_at)) +
          (version.published_by ? " · " + version.published_by : ""));
        item.setAttribute("data-version", String(version.number));
        list.appendChild(item);
      });
    });
  }

  // ---- Try a solution: a dry run of the saved draft, recorded nowhere ----

  function tryRun(event) {
    event.preventDefault();
    var errorBox = byId("try-error");
    hideError(errorBox);
    var body = { draft: true };
    if (root.getAttribute("data-kind") === "code") {
      body.code = byId("try-code").value;
    } else {
      try { body.answer = JSON.parse(byId("try-answer").value); }
      catch (e) { body.answer = byId("try-answer").value; }
    }
    var button = byId("try-run");
    button.disabled = true;
    byId("try-result").removeAttribute("data-status");
    save().then(function (ok) {
      if (!ok) { button.disabled = false; return; }
      ActQuiz.api(urls.runs, "POST", body).then(function (response) {
        if (!response.ok) { button.disabled = false; showError(errorBox, response.message, response.fields); return; }
        var result = byId("try-result");
        ActQuiz.pollSubmission(response.data.url, function (run) {
          ActQuiz.renderRun(result, run);
          if (run.status !== "queued" && run.status !== "running") { button.disabled = false; }
          if (run.expired) { button.disabled = false; }
        }, function (failure) {
          button.disabled = false;
          showError(errorBox, failure.message);
        });
      });
    });
  }

  // ---- Wiring ----

  document.addEventListener("DOMContentLoaded", function () {
    ["starter", "reference", "try-code"].forEach(function (id) { editorFor(byId(id)); });
    form.addEventListener("input", function (event) {
      var target = event.target;
      if (target.getAttribute("data-preview")) { schedulePreview(target); }
      if (target.id === "spec-json") {
        var spec = parseSpecJson();
        if (spec) { renderTests(spec); byId("forbidden").value = (spec.forbidden || []).join("\n"); }
      }
      changed();
    });
    form.addEventListener("change", function (event) {
      if (event.target.getAttribute("data-field") === "kind") { showKind(event.target.value); }
      changed();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); save(); });
    byId("add-test").addEventListener("click", function () {
      var count = byId("tests-table").querySelectorAll("tbody tr").length + 1;
      byId("tests-table").querySelector("tbody").appendChild(testRow({
        name: "test_" + count, check: "values", points: 1, hidden: false, args: [{ shape: [10], dist: "normal" }],
      }));
      changed();
    });
    document.querySelectorAll("[data-add-solution]").forEach(function (button) {
      button.addEventListener("click", function () {
        var role = button.getAttribute("data-add-solution");
        var count = state.solutions.filter(function (s) { return s.role === role; }).length + 1;
        addSolution(role, role + "_" + count + ".py", state.document.starter || "");
        changed();
      });
    });
    byId("validate").addEventListener("click", validate);
    byId("publish").addEventListener("click", publish);
    byId("discard-draft").addEventListener("click", discard);
    byId("try-form").addEventListener("submit", tryRun);
    window.addEventListener("beforeunload", function (event) {
      if (dirty()) { event.preventDefault(); event.returnValue = ""; }
    });
    load();
  });
})();
