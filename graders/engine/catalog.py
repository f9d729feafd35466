"""Read and validate the built-in catalog: one folder per exercise (see
``exercises/catalog/README.md``)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

from graders.engine.types import FRAMEWORKS, KINDS, ExerciseSpec

LANGUAGES = ("en", "ko")


class CatalogError(ValueError):
    """An exercise folder is malformed; the message names the folder and the problem."""


def load_catalog(path: str | Path) -> list[dict[str, Any]]:
    """Load every exercise folder under ``path``, sorted by slug.

    path: the catalog directory (``exercises/catalog``).
    Returns one dict per exercise: the TOML fields plus ``starter_code`` and
    ``reference_code`` (code kinds), ``wrong_solutions: {filename: code}`` and
    ``right_solutions: {filename: code}`` (other correct solutions, optional).
    Raises CatalogError naming the folder and the problem when one is invalid.
    """
    root = Path(path)
    if not root.is_dir():
        raise CatalogError(f"{root}: not a directory")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    return [load_exercise(folder) for folder in folders]


def load_exercise(folder: Path) -> dict[str, Any]:
    """Load and validate one exercise folder.

    folder: the exercise's directory. Returns its dict (see ``load_catalog``).
    """
    toml_path = folder / "exercise.toml"
    if not toml_path.is_file():
        raise CatalogError(f"{folder}: missing exercise.toml")
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{folder}: exercise.toml is not valid TOML: {exc}") from exc

    def fail(problem: str) -> CatalogError:
        return CatalogError(f"{folder}: {problem}")

    if data.get("slug") != folder.name:
        raise fail(f"slug {data.get('slug')!r} does not match the folder name")
    _check_header(data, fail)
    data["wrong_solutions"] = {}
    data["right_solutions"] = {}
    if data["kind"] == "code":
        _load_code(folder, data, fail)
    else:
        _check_answer_spec(data, fail)
    return data


def _check_header(data: dict[str, Any], fail: Any) -> None:
    """Check what every exercise has: kind, points, en/ko title and prompt, a spec."""
    if data.get("kind") not in KINDS:
        raise fail(f"kind must be one of {KINDS}, not {data.get('kind')!r}")
    points = data.get("points")
    if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
        raise fail("points must be a positive number")
    for field in ("title", "prompt"):
        texts = data.get(field)
        for lang in LANGUAGES:
            if not isinstance(texts, dict) or not str(texts.get(lang, "")).strip():
                raise fail(f"[{field}] needs a non-empty {lang!r} text")
    if not isinstance(data.get("spec"), dict):
        raise fail("missing the [spec] table")


def _check_answer_spec(data: dict[str, Any], fail: Any) -> None:
    # Imported lazily so a problem in the answers package cannot stop code exercises
    # from loading; its check_spec knows what each question kind needs.
    from graders.engine.answers import check_spec

    try:
        check_spec(ExerciseSpec.from_dict(data))
    except (ValueError, KeyError, TypeError) as exc:
        raise fail(f"[spec] is invalid: {exc}") from exc


def _load_code(folder: Path, data: dict[str, Any], fail: Any) -> None:
    if data.get("framework") not in FRAMEWORKS:
        raise fail(f"framework must be one of {FRAMEWORKS}, not {data.get('framework')!r}")
    entry = data.get("entry_point")
    if not isinstance(entry, str) or not entry.isidentifier():
        raise fail(f"entry_point must be a Python name, not {entry!r}")
    for name in ("starter.py", "reference.py"):
        if not (folder / name).is_file():
            raise fail(f"missing {name}")
    data["starter_code"] = (folder / "starter.py").read_text(encoding="utf-8")
    data["reference_code"] = (folder / "reference.py").read_text(encoding="utf-8")
    for name, key in (
        ("starter.py", "starter_code"),
        ("reference.py", "reference_code"),
    ):
        try:
            defined = _top_level_names(data[key])
        except SyntaxError as exc:
            raise fail(f"{name} has a syntax error: {exc}") from exc
        if entry not in defined:
            raise fail(f"{name} does not define {entry!r}")
    wrong = sorted((folder / "wrong").glob("*.py")) if (folder / "wrong").is_dir() else []
    if not wrong:
        raise fail("needs at least one known-wrong solution in wrong/*.py")
    data["wrong_solutions"] = {p.name: p.read_text(encoding="utf-8") for p in wrong}
    # Other correct ways a student writes it (textbook formulas, other dtypes): the
    # self-test holds each to full marks, so no check is stricter than the exercise asks.
    right = sorted((folder / "right").glob("*.py")) if (folder / "right").is_dir() else []
    data["right_solutions"] = {p.name: p.read_text(encoding="utf-8") for p in right}
    _check_tests(data, fail)


def _top_level_names(code: str) -> set[str]:
    tree = ast.parse(code)
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _check_tests(data: dict[str, Any], fail: Any) -> None:
    from graders.engine.checks import CHECKS
    from graders.engine.hints import HINTS

    tests = data["spec"].get("tests")
    if not isinstance(tests, list) or not tests:
        raise fail("[spec] needs at least one [[spec.tests]]")
    from graders.engine.plot import PLOT_KINDS

    plot = data["spec"].get("plot")
    if plot is not None and plot not in PLOT_KINDS:
        raise fail(f"[spec] plot must be one of {PLOT_KINDS}, not {plot!r}")
    names = set()
    for test in tests:
        name = test.get("name")
        if not isinstance(name, str) or not name or "/" in name or name in names:
            raise fail(f"test names must be unique, non-empty and without '/': {name!r}")
        names.add(name)
        if test.get("check") not in CHECKS:
            raise fail(f"test {name!r}: unknown check {test.get('check')!r}")
        if not isinstance(test.get("points", 1.0), (int, float)) or test.get("points", 1.0) < 0:
            raise fail(f"test {name!r}: points must be a non-negative number")
        if test.get("hint_on_fail") is not None and test["hint_on_fail"] not in HINTS:
            raise fail(f"test {name!r}: unknown hint {test['hint_on_fail']!r}")
    total = sum(float(t.get("points", 1.0)) for t in tests)
    if abs(total - float(data["points"])) > 1e-9:
        raise fail(f"the tests' points add up to {total:g}, but points = {data['points']:g}")
    for hint in data["spec"].get("hints", []):
        if hint not in HINTS:
            raise fail(f"[spec] hints: unknown hint {hint!r}")


def check_entry(data: dict[str, Any], where: str = "exercise") -> None:
    """Check one exercise given as data (the shape ``load_exercise`` returns), not a folder.

    data: the ``exercise.toml`` fields plus ``starter_code``, ``reference_code``,
    ``wrong_solutions`` and ``right_solutions``; where: names it in messages.
    Raises CatalogError naming the problem, the same ones a catalog folder would get.
    """

    def fail(problem: str) -> CatalogError:
        return CatalogError(f"{where}: {problem}")

    _check_header(data, fail)
    if data["kind"] != "code":
        _check_answer_spec(data, fail)
        return
    if data.get("framework") not in FRAMEWORKS:
        raise fail(f"framework must be one of {FRAMEWORKS}, not {data.get('framework')!r}")
    entry = data.get("entry_point")
    if not isinstance(entry, str) or not entry.isidentifier():
        raise fail(f"entry_point must be a Python name, not {entry!r}")
    for label, key in (("the starter code", "starter_code"), ("the reference", "reference_code")):
        try:
            defined = _top_level_names(str(data.get(key) or ""))
        except SyntaxError as exc:
            raise fail(f"{label} has a syntax error on line {exc.lineno}: {exc.msg}") from exc
        if entry not in defined:
            raise fail(f"{label} does not define {entry!r}")
    if not data.get("wrong_solutions"):
        raise fail("needs at least one known-wrong solution")
    _check_tests(data, fail)
