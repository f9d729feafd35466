"""The plain data the engine reads and writes: an exercise, a submission, a verdict.

Everything here is JSON-able through ``from_dict``/``to_dict`` so it can travel in a
Celery message and come back through the REST API unchanged.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

KINDS = ("code", "choice", "numeric", "text")
FRAMEWORKS = ("numpy", "torch")


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise as the engine needs it.

    ``spec`` is kind-specific (tests for code, choices for choice, answer and
    tolerance for numeric, rubric for text); ``reference_code`` is only set for code.
    """

    slug: str
    kind: str
    points: float
    spec: dict[str, Any]
    framework: str | None = None
    entry_point: str | None = None
    reference_code: str | None = None
    time_limit_seconds: float = 5.0
    memory_limit_mb: int = 256
    version: int = 1

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExerciseSpec:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Submission:
    """What a student handed in: ``code`` for code exercises, ``answer`` otherwise.

    ``seed`` draws the hidden random inputs (and the per-student variant of numeric
    questions); storing it makes every verdict reproducible.
    """

    seed: int
    code: str | None = None
    answer: Any = None
    # What the code printed goes into ``Verdict.extra["output"]``: only for runs on the
    # visible tests, since code run on hidden tests could print their inputs.
    keep_output: bool = False


@dataclass(frozen=True)
class TestResult:
    name: str
    passed: bool
    points: float
    max_points: float
    message: str = ""
    hidden: bool = False
    # Structured feedback (graders/engine/feedback): ``message`` is the English rendering
    # of ``message_id`` with ``params``; ``title`` is the display name (never the id
    # ``name``) rendered from ``title_id``. Verdicts stored before ids existed lack them.
    message_id: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    title_id: str = ""


@dataclass(frozen=True)
class Verdict:
    exercise: str
    status: str  # "graded" | "failed"
    score: float
    max_score: float
    tests: tuple[TestResult, ...] = ()
    error: dict[str, str] | None = None  # {"kind": ..., "message": ...}
    seed: int | None = None
    hints: tuple[str, ...] = ()
    needs_review: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # ``{"id", "params"}`` of each hint, in the order of ``hints`` (their English texts).
    hint_messages: tuple[dict[str, Any], ...] = ()
    # The student's function against the reference, as data (graders/engine/plot.py).
    plot: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        # Shallow: ``bounded`` builds new containers all the way down, so nothing in the
        # result is shared with this frozen verdict (``asdict``'s deep copies, made
        # first and thrown away by ``bounded``, were a third of a worker's CPU per task).
        data = _fields(self)
        data["tests"] = [_fields(t) for t in self.tests]
        data["hints"] = list(self.hints)
        data["hint_messages"] = list(self.hint_messages)
        return bounded(data)


def _fields(instance: Any) -> dict[str, Any]:
    return {f.name: getattr(instance, f.name) for f in fields(instance)}


# A verdict is stored, sent over HTTP and printed: whatever the submission produced, it
# stays small and valid UTF-8.
MAX_VERDICT_BYTES = 256 * 1024
_TEXT_LIMITS = (8000, 1000, 200)


def _cleaned(value: Any, limit: int) -> Any:
    kind = type(value)
    if kind is float:  # most of a verdict (plot curves): the common case first
        return value if math.isfinite(value) else repr(value)
    if value is None or kind is bool:
        return value
    # JSON has no infinity and the web tier refuses integers beyond 64 bits: such a
    # number (a feedback parameter computed from the student's output) travels as text.
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        return str(value)[:limit]
    if isinstance(value, str):
        text = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return text if len(text) <= limit else text[: limit - 15] + "... (truncated)"
    if isinstance(value, dict):
        return {_cleaned(str(k), limit): _cleaned(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cleaned(item, limit) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _cleaned(asdict(value), limit)
    return value


def bounded(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a verdict dict) with valid UTF-8 text, shortened to ``MAX_VERDICT_BYTES``."""
    import json

    for limit in _TEXT_LIMITS:
        cleaned = _cleaned(data, limit)
        if len(json.dumps(cleaned, default=str)) <= MAX_VERDICT_BYTES:
            return cleaned
    cleaned["extra"] = {}
    cleaned["hints"] = cleaned["hints"][:20]
    cleaned["tests"] = cleaned["tests"][:200]
    return cleaned
