"""The exercise document: one exercise as one JSON object, the catalog folder format.

A document holds what a catalog folder holds (``exercise.toml`` with its ``[title]``,
``[prompt]`` and ``[spec]`` tables, ``starter.py``, ``reference.py``, ``wrong/*.py``
and ``right/*.py``) under the keys of ``DOCUMENT_KEYS``. The API exports it, imports
it, edits drafts in it and stores it in every ``ExerciseVersion``; a document exported
from one server imports unchanged into another.

Inside Python a document's ``spec`` may hold real ``inf`` and ``nan`` floats (test
inputs). JSON has neither, so ``to_json`` tags them as ``{"$float": "inf"}`` on the
way out and ``validate_document`` turns tags back into floats on the way in.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import re
from typing import Any

from actquiz.exceptions import ApiError
from exercises.jsoncodec import tag_non_finite, untag_non_finite
from exercises.models import Exercise

DOCUMENT_KEYS = (
    "slug",
    "kind",
    "framework",
    "entry_point",
    "signature",
    "points",
    "time_limit_seconds",
    "memory_limit_mb",
    "concepts",
    "title",
    "prompt",
    "spec",
    "starter",
    "reference",
    "wrong",
    "right",
)
REQUIRED_KEYS = ("slug", "kind", "title", "prompt", "points", "spec")
CODE_KEYS = ("framework", "entry_point", "starter", "reference", "wrong")
LANGUAGES = ("en", "ko")
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,98}[a-z0-9]")
SOLUTION_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,98}")
MAX_SOLUTIONS = 30
MAX_CODE_CHARS = 100_000
MAX_TEXT_CHARS = 50_000
MAX_TIME_LIMIT_SECONDS = 30
MEMORY_LIMIT_RANGE_MB = (32, 4096)
# Defaults of the fields a catalog folder may leave out (those of ``Exercise``).
DEFAULTS: dict[str, Any] = {
    "framework": "",
    "entry_point": "",
    "signature": "",
    "time_limit_seconds": 5.0,
    "memory_limit_mb": 256,
    "concepts": [],
    "starter": "",
    "reference": "",
    "wrong": {},
    "right": {},
}


def document_from_catalog_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """The document of one ``graders.engine.load_catalog()`` entry.

    entry: the parsed ``exercise.toml`` plus ``starter_code``, ``reference_code``,
    ``wrong_solutions`` and ``right_solutions``. Returns the normalised document.
    """
    return _normalised(
        {
            "slug": entry["slug"],
            "kind": entry["kind"],
            "framework": entry.get("framework"),
            "entry_point": entry.get("entry_point"),
            "signature": entry.get("signature"),
            "points": entry["points"],
            "time_limit_seconds": entry.get("time_limit_seconds"),
            "memory_limit_mb": entry.get("memory_limit_mb"),
            "concepts": entry.get("concepts"),
            "title": entry["title"],
            "prompt": entry["prompt"],
            "spec": entry["spec"],
            "starter": entry.get("starter_code"),
            "reference": entry.get("reference_code"),
            "wrong": entry.get("wrong_solutions"),
            "right": entry.get("right_solutions"),
        }
    )


def document_from_exercise(exercise: Exercise) -> dict[str, Any]:
    """The document of ``exercise``'s live (published) fields, not of its draft.

    exercise: an ``Exercise`` row. Returns the normalised document.
    """
    return _normalised(
        {
            "slug": exercise.slug,
            "kind": exercise.kind,
            "framework": exercise.framework,
            "entry_point": exercise.entry_point,
            "signature": exercise.signature,
            "points": exercise.points,
            "time_limit_seconds": exercise.time_limit_seconds,
            "memory_limit_mb": exercise.memory_limit_mb,
            "concepts": exercise.concepts,
            "title": {"en": exercise.title, "ko": exercise.title_ko},
            "prompt": {"en": exercise.prompt, "ko": exercise.prompt_ko},
            "spec": untag_non_finite(exercise.spec),
            "starter": exercise.starter_code,
            "reference": exercise.reference_code,
            "wrong": exercise.wrong_solutions,
            "right": exercise.right_solutions,
        }
    )


def catalog_entry_from_document(document: dict[str, Any]) -> dict[str, Any]:
    """The ``load_catalog()`` entry shape of ``document`` (what ``check_entry`` reads)."""
    entry = {
        key: document[key]
        for key in DOCUMENT_KEYS
        if key not in ("starter", "reference", "wrong", "right")
    }
    entry["starter_code"] = document["starter"]
    entry["reference_code"] = document["reference"]
    entry["wrong_solutions"] = dict(document["wrong"])
    entry["right_solutions"] = dict(document["right"])
    return entry


def fields_from_document(document: dict[str, Any]) -> dict[str, Any]:
    """``Exercise`` field values for a validated ``document`` (``published`` excluded).

    Returns the catalog fields of ``exercises.specs`` plus ``wrong_solutions`` and
    ``right_solutions``.
    """
    from exercises import specs

    fields = specs.fields_from_catalog(catalog_entry_from_document(document))
    fields.pop("published")
    fields["wrong_solutions"] = dict(document["wrong"])
    fields["right_solutions"] = dict(document["right"])
    return fields


def to_json(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as JSON-safe data: non-finite floats become ``{"$float": ...}`` tags."""
    return tag_non_finite(document)


def document_hash(document: dict[str, Any]) -> str:
    """A SHA-256 hex digest of ``document``'s content (key order does not matter)."""
    canonical = json.dumps(to_json(document), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def merged(document: dict[str, Any], changes: Any) -> dict[str, Any]:
    """``document`` with the partial document ``changes`` applied (a PATCH body).

    A key in ``changes`` replaces the document's value, except ``title``, ``prompt``,
    ``wrong`` and ``right``, which merge one level deep: ``{"wrong": {"a.py": "..."}}``
    adds or replaces one solution and ``{"wrong": {"a.py": null}}`` removes it.
    Returns the new (not yet validated) document.
    """
    if not isinstance(changes, dict):
        raise ApiError('The body must be a JSON object such as {"reference": "..."}.')
    result = dict(document)
    for key, value in changes.items():
        current = result.get(key)
        if key in ("title", "prompt", "wrong", "right") and isinstance(value, dict):
            combined = dict(current) if isinstance(current, dict) else {}
            for name, item in value.items():
                if item is None:
                    combined.pop(name, None)
                else:
                    combined[name] = item
            result[key] = combined
        else:
            result[key] = value
    return result


def validate_document(data: Any) -> dict[str, Any]:
    """Check an exercise document as the catalog would, field by field.

    data: the decoded JSON (tags for non-finite floats allowed). Returns the
    normalised document. Raises ``ApiError`` (400, code ``invalid_document``) whose
    ``fields`` maps each bad key (``reference``, ``spec``, ``wrong/a.py``, ...) to its
    problems and whose message names the first one.
    """
    if not isinstance(data, dict):
        raise ApiError("An exercise document must be a JSON object.", code="invalid_document")
    problems: dict[str, list[str]] = {}

    def problem(field: str, text: str) -> None:
        problems.setdefault(field, []).append(text)

    for key in sorted(set(data) - set(DOCUMENT_KEYS)):
        problem(key, f"unknown key; a document has only {', '.join(DOCUMENT_KEYS)}")
    for key in REQUIRED_KEYS:
        if data.get(key) is None:
            problem(key, "required")
    kind = data.get("kind")
    if kind is not None and kind not in Exercise.Kind.values:
        problem("kind", f"must be one of {', '.join(Exercise.Kind.values)}")
    if kind == Exercise.Kind.CODE:
        for key in CODE_KEYS:
            if not data.get(key):
                problem(key, "required for a code exercise")
    if problems:
        _raise(problems)
    document = _normalised(untag_non_finite(data), problem)
    if not problems:
        _check_text_everywhere(document, problem)
    if not problems:
        _check_fields(document, problem)
    if not problems:
        _check_with_catalog(document, problem)
    if problems:
        _raise(problems)
    return document


def _raise(problems: dict[str, list[str]]) -> None:
    field, texts = next(iter(problems.items()))
    count = sum(len(t) for t in problems.values())
    more = f" ({count - 1} more problem{'s' if count > 2 else ''} in fields)" if count > 1 else ""
    raise ApiError(f"{field}: {texts[0]}{more}", code="invalid_document", fields=problems)


def _ignore(field: str, text: str) -> None:
    return None


def _normalised(data: dict[str, Any], problem: Any = _ignore) -> dict[str, Any]:
    """Every key present with its default, numbers as the ``Exercise`` row stores them."""
    document = {key: DEFAULTS.get(key) for key in DOCUMENT_KEYS}
    document.update({key: value for key, value in data.items() if value is not None})
    for key, kind in (("points", float), ("time_limit_seconds", float), ("memory_limit_mb", int)):
        value = document.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if value is not None:
                problem(key, "must be a number")
            continue
        if not math.isfinite(value) or (kind is int and value != int(value)):
            problem(key, "must be a finite " + ("whole number" if kind is int else "number"))
            continue
        document[key] = kind(value)
    for key in ("title", "prompt"):
        value = document.get(key)
        if isinstance(value, str):
            document[key] = {"en": value, "ko": ""}
        elif isinstance(value, dict):
            document[key] = {lang: value.get(lang, "") for lang in LANGUAGES} | {
                k: v for k, v in value.items() if k not in LANGUAGES
            }
    for key in ("wrong", "right", "spec"):
        if isinstance(document.get(key), dict):
            document[key] = dict(document[key])
    if isinstance(document.get("concepts"), (list, tuple)):
        document["concepts"] = list(document["concepts"])
    return document


def _check_text_everywhere(value: Any, problem: Any, field: str = "") -> None:
    # PostgreSQL text and jsonb hold neither NUL nor lone surrogates: refused here,
    # they would otherwise turn into a 500 when the draft is saved.
    if isinstance(value, str):
        if "\x00" in value:
            problem(field or "document", "contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problem(field or "document", "contains characters that are not valid Unicode")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text_everywhere(str(key), problem, field or str(key))
            _check_text_everywhere(item, problem, field or str(key))
    elif isinstance(value, list):
        for item in value:
            _check_text_everywhere(item, problem, field)


def _check_fields(document: dict[str, Any], problem: Any) -> None:
    slug = document["slug"]
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        problem("slug", "2-100 lowercase letters, digits and dashes, not starting with a dash")
    for key in ("framework", "entry_point", "signature", "starter", "reference"):
        if not isinstance(document[key], str):
            problem(key, "must be a string")
    for key in ("title", "prompt"):
        texts = document[key]
        if not isinstance(texts, dict):
            problem(key, 'must be an object {"en": "...", "ko": "..."}')
            continue
        for lang in sorted(set(texts) - set(LANGUAGES)):
            problem(key, f"unknown language {lang!r}; use en and ko")
        for lang in LANGUAGES:
            text = texts.get(lang)
            if not isinstance(text, str) or not text.strip():
                problem(key, f"needs a non-empty {lang!r} text")
            elif len(text) > (200 if key == "title" else MAX_TEXT_CHARS):
                problem(key, f"the {lang!r} text is too long")
    if not isinstance(document["spec"], dict):
        problem("spec", "must be an object (the [spec] table)")
    concepts = document["concepts"]
    if not isinstance(concepts, list) or not all(isinstance(c, str) for c in concepts):
        problem("concepts", "must be a list of strings")
    if isinstance(document["points"], float) and document["points"] <= 0:
        problem("points", "must be positive")
    limit = document["time_limit_seconds"]
    if isinstance(limit, float) and not 0 < limit <= MAX_TIME_LIMIT_SECONDS:
        problem("time_limit_seconds", f"must be above 0 and at most {MAX_TIME_LIMIT_SECONDS}")
    memory = document["memory_limit_mb"]
    low, high = MEMORY_LIMIT_RANGE_MB
    if isinstance(memory, int) and not low <= memory <= high:
        problem("memory_limit_mb", f"must be between {low} and {high}")
    for key in ("wrong", "right"):
        _check_solutions(document, key, problem)
    if document["kind"] == Exercise.Kind.CODE:
        _check_code(document, problem)
    else:
        for key in ("framework", "entry_point", "starter", "reference", "wrong", "right"):
            if document[key]:
                problem(key, f"only code exercises have one, not a {document['kind']} question")


def _check_solutions(document: dict[str, Any], key: str, problem: Any) -> None:
    solutions = document[key]
    if not isinstance(solutions, dict):
        problem(key, 'must be an object {"file_name.py": "code"}')
        return
    if len(solutions) > MAX_SOLUTIONS:
        problem(key, f"at most {MAX_SOLUTIONS} solutions")
    for name, code in solutions.items():
        if not SOLUTION_NAME_RE.fullmatch(name):
            problem(key, f"{name!r} is not a file name (letters, digits, _ . -)")
        elif not isinstance(code, str) or not code.strip():
            problem(f"{key}/{name}", "must be non-empty code")
        elif len(code) > MAX_CODE_CHARS:
            problem(f"{key}/{name}", f"longer than {MAX_CODE_CHARS} characters")


def _check_code(document: dict[str, Any], problem: Any) -> None:
    entry = document["entry_point"]
    if isinstance(entry, str) and not entry.isidentifier():
        problem("entry_point", f"must be a Python name, not {entry!r}")
    for key in ("starter", "reference"):
        code = document[key]
        if isinstance(code, str) and len(code) > MAX_CODE_CHARS:
            problem(key, f"longer than {MAX_CODE_CHARS} characters")
        elif isinstance(code, str):
            _check_syntax(code, key, problem, entry=entry)
    right = document["right"]
    for name, code in right.items() if isinstance(right, dict) else ():
        # A known-right solution with a syntax error could never score full marks.
        if isinstance(code, str) and code.strip():
            _check_syntax(code, f"right/{name}", problem, entry=None)
    spec = document["spec"]
    if isinstance(spec, dict):
        _check_tests_shape(spec, problem)


def _check_syntax(code: str, field: str, problem: Any, *, entry: str | None) -> None:
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        problem(field, f"syntax error on line {exc.lineno}: {exc.msg}")
        return
    if entry is None:
        return
    defined = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    if entry not in defined:
        problem(field, f"does not define {entry!r} (the entry point)")


def _check_tests_shape(spec: dict[str, Any], problem: Any) -> None:
    """What ``check_entry`` does not look at: probe and property names, ``forbidden``."""
    from graders.engine.checks.properties import PROPERTIES
    from graders.engine.checks.stability import PROBES

    forbidden = spec.get("forbidden", [])
    if not isinstance(forbidden, list) or not all(isinstance(f, str) for f in forbidden):
        problem("spec", "forbidden must be a list of dotted names such as 'np.tanh'")
    tests = spec.get("tests")
    if not isinstance(tests, list):
        return
    for index, test in enumerate(tests):
        if not isinstance(test, dict):
            problem("spec", f"tests[{index}] must be a table")
            continue
        name = test.get("name", f"#{index + 1}")
        for key in ("rtol", "atol"):
            value = test.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
            ):
                problem("spec", f"test {name!r}: {key} must be a non-negative number")
        if test.get("check") == "stability":
            probes = test.get("probes")
            if not isinstance(probes, list) or not probes:
                problem("spec", f"test {name!r}: a stability test needs a list of probes")
                continue
            for probe in probes:
                if probe not in PROBES:
                    problem(
                        "spec",
                        f"test {name!r}: unknown probe {probe!r}; known: {', '.join(PROBES)}",
                    )
        if test.get("check") in ("property", "torch_property"):
            kind = test.get("property")
            if kind not in PROPERTIES:
                problem(
                    "spec",
                    f"test {name!r}: unknown property {kind!r}; known: {', '.join(PROPERTIES)}",
                )
            elif kind == "range" and not all(
                isinstance(test.get(k), (int, float)) for k in ("low", "high")
            ):
                problem("spec", f"test {name!r}: a range property needs numbers low and high")


def _check_with_catalog(document: dict[str, Any], problem: Any) -> None:
    from graders.engine.catalog import CatalogError, check_entry

    try:
        check_entry(catalog_entry_from_document(document), where=document["slug"])
    except CatalogError as exc:
        text = str(exc).removeprefix(f"{document['slug']}: ")
        problem(_field_of(text), text)


def _field_of(text: str) -> str:
    # check_entry says which part is wrong in words; the API names the field.
    for words, field in (
        ("the reference", "reference"),
        ("the starter", "starter"),
        ("known-wrong", "wrong"),
        ("framework", "framework"),
        ("entry_point", "entry_point"),
        ("points must be a positive", "points"),
        ("[title]", "title"),
        ("[prompt]", "prompt"),
    ):
        if text.startswith(words):
            return field
    return "spec"
