"""The course page's sections: exercises grouped and ordered as the course teaches them.

Step function, sigmoid, tanh, ReLU, Leaky ReLU, softmax, then derivatives, then the
concept questions, then whatever else the course offers. An exercise goes to the
section of the first of its concepts that names one of the functions; one about a
derivative goes to "Derivatives", a question (choice, numeric, text) to "Concepts".
Within a section the course's own order is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

SECTIONS: tuple[tuple[str, Any], ...] = (
    ("step-function", _("Step function")),
    ("sigmoid", _("Sigmoid")),
    ("tanh", _("Tanh")),
    ("relu", _("ReLU")),
    ("leaky-relu", _("Leaky ReLU")),
    ("softmax", _("Softmax")),
    ("derivatives", _("Derivatives")),
    ("concepts", _("Concepts")),
    ("more", _("Networks and more")),
)
FUNCTION_SECTIONS = ("step-function", "sigmoid", "tanh", "relu", "leaky-relu", "softmax")
DERIVATIVE_CONCEPTS = ("derivative", "relu-derivative")


@dataclass
class Section:
    """One section of the course page: its key, title, rows and progress."""

    key: str
    title: Any
    rows: list[Any] = field(default_factory=list)

    @property
    def solved(self) -> int:
        """How many of its exercises have full marks counted."""
        return sum(1 for row in self.rows if row.solved)


def section_of(kind: str, concepts: list[str]) -> str:
    """The section key for an exercise of ``kind`` with ``concepts`` (in their order)."""
    if any(c in DERIVATIVE_CONCEPTS for c in concepts):
        return "derivatives"
    if kind != "code":
        return "concepts"
    return next((c for c in concepts if c in FUNCTION_SECTIONS), "more")


def course_sections(progress: list[Any]) -> list[Section]:
    """Group ``progress`` rows (each with ``.exercise``) into the sections, in order.

    Returns only the sections that have exercises.
    """
    sections = {key: Section(key, title) for key, title in SECTIONS}
    for row in progress:
        exercise = row.exercise
        concepts = [str(c) for c in exercise.concepts or []]
        sections[section_of(exercise.kind, concepts)].rows.append(row)
    return [section for section in sections.values() if section.rows]
