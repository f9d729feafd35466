"""The engine's front door: grade any exercise kind, and draw per-student variants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graders.engine.feedback import Message, msg
from graders.engine.types import ExerciseSpec, Submission, Verdict
from graders.engine.verdicts import failed_verdict, zero_verdict

if TYPE_CHECKING:
    from graders.sandbox import Sandbox


def grade(spec: ExerciseSpec, submission: Submission, *, sandbox: Sandbox | None = None) -> Verdict:
    """Grade one submission.

    spec: the exercise; submission: code or answer plus seed; sandbox: a started
    ``graders.sandbox.Sandbox`` (required for ``kind="code"``, unused otherwise).
    Returns the Verdict (``status="failed"`` only when the grader itself could not judge).
    """
    base = {
        "exercise": spec.slug,
        "max_score": float(spec.points),
        "seed": submission.seed,
    }
    if spec.kind == "code":
        if sandbox is None:
            return failed_verdict(base, "sandbox", msg("error.no_sandbox"))
        from graders.engine.code import grade_code

        return grade_code(spec, submission, sandbox)
    from graders.engine.answers import InvalidAnswer, grade_answer

    try:
        return grade_answer(spec, submission)
    except InvalidAnswer as exc:
        # The API validates answers before queueing, but the exercise may have changed
        # since: a malformed answer is the student's to fix, so it is a verdict.
        return zero_verdict(base, "invalid_answer", Message.text(str(exc), str(exc)))


def variant(spec: ExerciseSpec, seed: int) -> dict[str, Any] | None:
    """The per-student parameters and rendered prompt of ``spec`` for ``seed``.

    spec: the exercise; seed: the student's stored seed.
    Returns a dict for exercises with variants (numeric questions), None otherwise.
    """
    if spec.kind == "code":
        return None
    from graders.engine.answers import variant as answers_variant

    return answers_variant(spec, seed)
