"""The engine's front door: grade any exercise kind, and draw per-student variants."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from graders.engine.types import ExerciseSpec, Submission, Verdict

if TYPE_CHECKING:
    from graders.sandbox import Sandbox

log = logging.getLogger(__name__)


def grade(spec: ExerciseSpec, submission: Submission, *, sandbox: Sandbox | None = None) -> Verdict:
    """Grade one submission.

    spec: the exercise; submission: code or answer plus seed; sandbox: a started
    ``graders.sandbox.Sandbox`` (required for ``kind="code"``, unused otherwise).
    Returns the Verdict (``status="failed"`` only when the grader itself could not judge).
    """
    base = {
        "exercise": spec.slug,
        "score": 0.0,
        "max_score": float(spec.points),
        "seed": submission.seed,
    }
    if spec.kind == "code":
        if sandbox is None:
            return Verdict(
                **base,
                status="failed",
                error={"kind": "sandbox", "message": "no sandbox was given"},
            )
        from graders.engine.code import grade_code

        return grade_code(spec, submission, sandbox)
    try:
        # Imported lazily: the answers package is built in parallel, and code exercises
        # must keep grading even when it is missing or broken.
        from graders.engine.answers import grade_answer
    except Exception as exc:
        log.exception("the answers grader could not be imported")
        return Verdict(
            **base,
            status="failed",
            error={"kind": "grader", "message": f"no grader for {spec.kind!r}: {exc}"},
        )
    return grade_answer(spec, submission)


def variant(spec: ExerciseSpec, seed: int) -> dict[str, Any] | None:
    """The per-student parameters and rendered prompt of ``spec`` for ``seed``.

    spec: the exercise; seed: the student's stored seed.
    Returns a dict for exercises with variants (numeric questions), None otherwise.
    """
    if spec.kind == "code":
        return None
    from graders.engine.answers import variant as answers_variant

    return answers_variant(spec, seed)
