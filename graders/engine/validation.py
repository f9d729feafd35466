"""An exercise proves itself: its reference, known-wrong and other-right solutions graded.

What the catalog's self-test does for the built-in exercises (tests/graders/test_catalog.py),
for any exercise document an author hands in, in the same sandbox students are graded
in. The rules:

- the reference, graded by its own tests, scores full marks;
- every other right solution scores full marks;
- every wrong solution scores less than full marks (else no test catches its mistake);

each for every seed of ``SEEDS``, because hidden random inputs change with the seed.
The report names each broken rule in an author's words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graders.engine.grade import grade
from graders.engine.types import ExerciseSpec, Submission, Verdict

if TYPE_CHECKING:
    from graders.sandbox import Sandbox

# Two seeds, as in the catalog's self-test: different hidden inputs, same verdict.
SEEDS = (20240601, 7)
# A failing test's message in a report is cut here (they may print whole arrays).
MESSAGE_CHARS = 400
# Problems listed in a report; more are counted, not listed.
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Solutions:
    """What validation grades: the reference and the known solutions ``{name: code}``."""

    reference: str
    wrong: dict[str, str] = field(default_factory=dict)
    right: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Solutions:
        return cls(
            reference=str(data.get("reference") or ""),
            wrong={str(k): str(v) for k, v in dict(data.get("wrong") or {}).items()},
            right={str(k): str(v) for k, v in dict(data.get("right") or {}).items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "wrong": dict(self.wrong), "right": dict(self.right)}


def validate_exercise(
    exercise: dict[str, Any],
    solutions: Solutions,
    *,
    sandbox: Sandbox,
    seeds: tuple[int, ...] = SEEDS,
    budget_seconds: float | None = None,
) -> dict[str, Any]:
    """Grade an exercise's own solutions and say whether it may be published.

    exercise: ``ExerciseSpec.to_dict()`` data of the draft (its ``reference_code`` is
    used as the reference every solution is compared with); solutions: the reference
    and the known solutions; sandbox: a started ``graders.sandbox.Sandbox``; seeds:
    the seeds of the hidden inputs; budget_seconds: stop grading after this long (the
    remaining solutions are reported as not graded).
    Returns the report: ``passed``, ``problems`` (sentences), ``solutions`` (one entry
    per solution and seed: ``role``, ``name``, ``seed``, ``status``, ``score``,
    ``max_score``, ``ok``, ``failed_tests``, ``error``), ``duration_ms``.
    """
    began = time.monotonic()
    spec = ExerciseSpec.from_dict({**exercise, "reference_code": solutions.reference})
    if spec.kind != "code":
        return _report(
            [], [], began, note="A question has no code to run; its answer key was checked."
        )
    graded: list[dict[str, Any]] = []
    problems: list[str] = []
    plan = [("reference", "reference.py", solutions.reference)]
    plan += [("right", f"right/{name}", code) for name, code in sorted(solutions.right.items())]
    plan += [("wrong", f"wrong/{name}", code) for name, code in sorted(solutions.wrong.items())]
    for index, (role, name, code) in enumerate(plan):
        if budget_seconds is not None and time.monotonic() - began > budget_seconds:
            left = ", ".join(n for _, n, _ in plan[index:])
            problems.append(
                f"validation stopped after {budget_seconds:g} s; not graded: {left}. "
                "Remove slow solutions or lower the number of tests."
            )
            break
        entries = [
            _graded(role, name, seed, grade_one(spec, code, seed, sandbox)) for seed in seeds
        ]
        graded.extend(entries)
        problem = _problem_of(entries)
        if problem:
            problems.append(problem)
        if role == "reference" and any(e["status"] != "graded" for e in entries):
            # Every other solution is compared with the reference: nothing to learn.
            problems.append("the other solutions were not graded, because the reference was not.")
            break
    return _report(problems, graded, began)


def grade_one(spec: ExerciseSpec, code: str, seed: int, sandbox: Sandbox) -> Verdict:
    """Grade ``code`` as a student's submission of ``spec`` with ``seed``; returns the Verdict."""
    return grade(spec, Submission(seed=seed, code=code), sandbox=sandbox)


def static_failure_report(message: str) -> dict[str, Any]:
    """The report of a validation refused before any code ran (syntax error, unknown check)."""
    return {
        "passed": False,
        "problems": [message],
        "solutions": [],
        "duration_ms": 0.0,
        "stage": "static",
    }


def _graded(role: str, name: str, seed: int, verdict: Verdict) -> dict[str, Any]:
    full = verdict.status == "graded" and verdict.score >= verdict.max_score - 1e-9
    ok = full if role != "wrong" else verdict.status == "graded" and not full
    return {
        "role": role,
        "name": name,
        "seed": seed,
        "status": verdict.status,
        "score": verdict.score,
        "max_score": verdict.max_score,
        "ok": ok,
        "failed_tests": [
            {"name": t.name, "message": _short(t.message)} for t in verdict.tests if not t.passed
        ],
        "error": _short(verdict.error["message"]) if verdict.error else None,
    }


def _problem_of(entries: list[dict[str, Any]]) -> str | None:
    """One sentence for the first seed on which a solution broke its rule, or None."""
    bad = next((e for e in entries if not e["ok"]), None)
    if bad is None:
        return None
    role, name = bad["role"], bad["name"]
    who = {
        "reference": "the reference",
        "right": f"right solution {name}",
        "wrong": f"wrong solution {name}",
    }[role]
    seeds = f" with seed {bad['seed']}" if any(e["ok"] for e in entries) else ""
    if bad["status"] != "graded":
        return f"{who} could not be graded{seeds}: {bad['error'] or 'no reason given'}"
    if role == "wrong":
        return f"{who} scores full marks{seeds}: no test catches it"
    score = f"{_number(bad['score'])}/{_number(bad['max_score'])}"
    if bad["failed_tests"]:
        failed = "; ".join(
            f"test {t['name']} failed: {t['message']}"
            if t["message"]
            else f"test {t['name']} failed"
            for t in bad["failed_tests"]
        )
    else:
        failed = bad["error"] or "no test failed"
    return f"{who} scores {score}{seeds}: {failed}"


def _report(
    problems: list[str], graded: list[dict[str, Any]], began: float, note: str = ""
) -> dict[str, Any]:
    listed = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        listed.append(f"... and {len(problems) - MAX_PROBLEMS} more problems.")
    report: dict[str, Any] = {
        "passed": not problems,
        "problems": listed,
        "solutions": graded,
        "duration_ms": round((time.monotonic() - began) * 1000, 1),
        "stage": "graded",
    }
    if note:
        report["note"] = note
    return report


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _number(value: float) -> str:
    return f"{value:g}"
