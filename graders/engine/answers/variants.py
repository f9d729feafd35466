"""Per-student numeric questions whose numbers are drawn from the submission's seed.

The numbers come from SHA-256 of ``(slug, seed, label)``, not from a NumPy or Python
generator, so a stored seed renders the same question and the same expected answers
on any machine and any future library version: the verdict stays replayable.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Part:
    """One numeric blank of a variant: what the student sees and what is expected.

    ``mistakes`` pairs a wrong value a known mistake produces with the hint naming it.
    """

    id: str
    label: dict[str, str]
    expected: float
    mistakes: tuple[tuple[float, dict[str, str]], ...] = field(default=())


@dataclass(frozen=True)
class Problem:
    """A rendered variant: its parameters (shown to the student) and its parts."""

    params: dict[str, Any]
    parts: tuple[Part, ...]


def draw_int(slug: str, seed: int, label: str, low: int, high: int) -> int:
    """Return an integer in ``[low, high]`` determined by the slug, seed and label.

    Args:
        slug: the exercise, so two exercises give one student different numbers.
        seed: the submission's seed.
        label: which number of the problem this is.
        low: smallest value.
        high: largest value.

    Returns:
        The drawn integer (the modulo bias over 2**64 is negligible here).
    """
    digest = hashlib.sha256(f"{slug}\x00{seed}\x00{label}".encode()).digest()
    return low + int.from_bytes(digest[:8], "big") % (high - low + 1)


def _tenths(slug: str, seed: int, label: str, low: int, high: int, avoid: set[int]) -> float:
    """Draw a one-decimal number ``k / 10`` with ``low <= k <= high`` and ``k`` not in avoid."""
    attempt = 0
    while True:
        k = draw_int(slug, seed, f"{label}#{attempt}", low, high)
        if k not in avoid:
            return k / 10
        attempt += 1


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _fmt(x: float) -> str:
    return f"{x:.1f}"


_HINT_SIGMOID_SIGN = {
    "en": "sigmoid-sign-flip: sigmoid(x) = 1 / (1 + e^(-x)); a minus sign went missing, "
    "which gives sigmoid(-x) = 1 - sigmoid(x).",
    "ko": "sigmoid-sign-flip: sigmoid(x) = 1 / (1 + e^(-x))입니다. 부호가 빠져서 "
    "sigmoid(-x) = 1 - sigmoid(x)를 계산했습니다.",
}
_HINT_TANH_IS_NOT_SIGMOID = {
    "en": "tanh-vs-sigmoid: that is sigmoid(x). tanh ranges over (-1, 1): "
    "tanh(x) = 2 * sigmoid(2x) - 1.",
    "ko": "tanh-vs-sigmoid: 계산한 값은 sigmoid(x)입니다. tanh의 범위는 (-1, 1)이고 "
    "tanh(x) = 2 * sigmoid(2x) - 1입니다.",
}
_HINT_TANH_SIGN = {
    "en": "tanh-sign: tanh is odd, so tanh(x) has the sign of x.",
    "ko": "tanh-sign: tanh는 기함수라서 tanh(x)의 부호는 x의 부호와 같습니다.",
}
_HINT_SOFTMAX_NO_EXP = {
    "en": "softmax-without-exp: softmax divides e^(v_i) by the sum of e^(v_j), "
    "not v_i by the sum of v_j.",
    "ko": "softmax-without-exp: softmax는 v_i를 v_j의 합으로 나누는 것이 아니라 "
    "e^(v_i)를 e^(v_j)의 합으로 나눕니다.",
}
_HINT_SOFTMAX_NOT_NORMALISED = {
    "en": "softmax-not-normalised: e^(v_i) still has to be divided by the sum over all "
    "entries, so the outputs sum to 1.",
    "ko": "softmax-not-normalised: e^(v_i)를 모든 원소의 e^(v_j) 합으로 나눠야 출력의 합이 "
    "1이 됩니다.",
}
_HINT_SOFTMAX_INDEX = {
    "en": "softmax-index: that is the probability of a neighbouring entry; indices start at 0.",
    "ko": "softmax-index: 옆 원소의 확률입니다. 인덱스는 0부터 셉니다.",
}


def activation_values(slug: str, seed: int) -> Problem:
    """sigmoid(a), tanh(b) and softmax(v)[i] for numbers drawn from the seed.

    Args:
        slug: the exercise's slug.
        seed: the submission's seed.

    Returns:
        The problem: ``a`` in [-4, 4], ``b`` in [-2.5, 2.5] (both non-zero, where the
        answers are not trivial), ``v`` three distinct values in [-2, 3], ``i`` in 0..2.
    """
    a = _tenths(slug, seed, "a", -40, 40, {0})
    b = _tenths(slug, seed, "b", -25, 25, {0})
    v: list[float] = []
    for n in range(3):
        v.append(_tenths(slug, seed, f"v{n}", -20, 30, {round(x * 10) for x in v}))
    i = draw_int(slug, seed, "i", 0, 2)
    probabilities = _softmax(v)
    softmax_mistakes = [
        (math.exp(v[i]), _HINT_SOFTMAX_NOT_NORMALISED),
        *[(probabilities[j], _HINT_SOFTMAX_INDEX) for j in (i - 1, i + 1) if 0 <= j < 3],
    ]
    if sum(v) != 0:
        softmax_mistakes.append((v[i] / sum(v), _HINT_SOFTMAX_NO_EXP))
    v_text = "[" + ", ".join(_fmt(x) for x in v) + "]"
    parts = (
        Part(
            "sigmoid",
            {"en": f"sigmoid({_fmt(a)})", "ko": f"sigmoid({_fmt(a)})"},
            _sigmoid(a),
            ((_sigmoid(-a), _HINT_SIGMOID_SIGN),),
        ),
        Part(
            "tanh",
            {"en": f"tanh({_fmt(b)})", "ko": f"tanh({_fmt(b)})"},
            math.tanh(b),
            ((_sigmoid(b), _HINT_TANH_IS_NOT_SIGMOID), (-math.tanh(b), _HINT_TANH_SIGN)),
        ),
        Part(
            "softmax",
            {"en": f"softmax({v_text})[{i}]", "ko": f"softmax({v_text})[{i}]"},
            probabilities[i],
            tuple(softmax_mistakes),
        ),
    )
    return Problem(params={"a": a, "b": b, "v": v, "i": i}, parts=parts)


GENERATORS: dict[str, Callable[[str, int], Problem]] = {
    "activation-values": activation_values,
}


def render(template: dict[str, str], problem: Problem) -> dict[str, str]:
    """Fill a ``{en, ko}`` prompt template with a problem's parameters.

    Args:
        template: Markdown with ``{a}``-style fields for each parameter, and ``{parts}``
            for a numbered list of the blanks.
        problem: the drawn problem.

    Returns:
        ``{"en": ..., "ko": ...}``, the prompt this student sees.
    """
    fields = {
        name: (
            "[" + ", ".join(_fmt(x) for x in value) + "]"
            if isinstance(value, list)
            else _fmt(value)
            if isinstance(value, float)
            else str(value)
        )
        for name, value in problem.params.items()
    }
    rendered = {}
    for lang, text in template.items():
        listing = "\n".join(
            f"{n}. `{part.id}`: {part.label[lang]}" for n, part in enumerate(problem.parts, 1)
        )
        rendered[lang] = text.format_map({**fields, "parts": listing})
    return rendered
