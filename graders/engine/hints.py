"""Known mistakes -> named hints that teach.

A hint is shown in the verdict's ``hints`` list. Checks ask for one by name
(``ctx.add_hint("mutating_input")``); an exercise lists the detectors it wants run in
``[spec] hints = [...]``: after each failed test the engine shows every listed hint whose
detector recognises the mistake in that test's outputs. Detectors run in the trusted
process on plain arrays only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.engine.arrays import as_array
from graders.engine.feedback import Message, msg

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


@dataclass(frozen=True)
class Evidence:
    """One test's calls and both sides' results, for a detector to inspect."""

    test: dict
    calls: list[Call]
    student: dict[str, CallResult]
    reference: dict[str, CallResult]


Detector = Callable[[Evidence], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Hint:
    """A named hint. Its text is the message ``hint.<name>`` (graders/engine/feedback);
    ``detect`` recognises the mistake in a failed test's outputs (None: asked for by name)."""

    detect: Detector | None = None


def _pairs(ev: Evidence) -> list[tuple[Call, np.ndarray, np.ndarray]]:
    """(call, student output, reference output) for every call both sides answered with an array."""
    pairs = []
    for call in ev.calls:
        s, r = ev.student.get(call.name), ev.reference.get(call.name)
        if s is None or r is None or not s.ok or not r.ok:
            continue
        got, exp = as_array(s.value), as_array(r.value)
        if got is None or exp is None or got.shape != exp.shape or got.dtype.kind not in "iufb":
            continue
        pairs.append((call, got.astype(np.float64), exp.astype(np.float64)))
    return pairs


def _first_input(call: Call) -> np.ndarray | None:
    x = call.args[0] if call.args else None
    return x.astype(np.float64) if type(x) is np.ndarray and x.dtype.kind in "iuf" else None


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        return a.size > 0 and bool(np.allclose(a, b, rtol=1e-4, atol=1e-6, equal_nan=True))


def _overflowed(ev: Evidence) -> dict | None:
    for _, got, exp in _pairs(ev):
        if np.any(np.isfinite(exp) & ~np.isfinite(got)):
            return {}
    return None


def _matches(transform: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Detector:
    """A detector for "the student computed transform(x, reference) instead"."""

    def detect(ev: Evidence) -> dict | None:
        for call, got, exp in _pairs(ev):
            x = _first_input(call)
            if x is None or x.shape != got.shape or _close(got, exp):
                continue
            with np.errstate(all="ignore"):
                wrong = transform(x, exp)
            if _close(got, wrong):
                return {}
        return None

    return detect


def _wrong_at_zero(ev: Evidence) -> dict | None:
    for call, got, exp in _pairs(ev):
        x = _first_input(call)
        if x is None or x.shape != got.shape:
            continue
        zero = x == 0
        if (
            np.any(zero)
            and np.all(got[zero] == 1)
            and np.all(exp[zero] == 0)
            and _close(got[~zero], exp[~zero])
        ):
            return {}
    return None


def _default_alpha(ev: Evidence) -> dict | None:
    for call, got, exp in _pairs(ev):
        x = _first_input(call)
        if "alpha" in call.kwargs or len(call.args) > 1 or x is None or x.shape != got.shape:
            continue
        negative = x < 0
        if not np.any(negative) or _close(got, exp):
            continue
        slopes = got[negative] / x[negative]
        if np.allclose(slopes, slopes[0], rtol=1e-6) and _close(got[~negative], exp[~negative]):
            return {"alpha": float(slopes[0])}
    return None


def _any_row_dead(ev: Evidence) -> dict | None:
    for call in ev.calls:
        s = ev.student.get(call.name)
        if s is None or not s.ok or len(call.args) != 3:
            continue
        w, b, x = call.args
        got = as_array(s.value)
        if got is None:
            continue
        out = np.maximum(x @ w + b, 0)
        if got.shape != (w.shape[1],):
            continue
        mask = got.astype(bool)
        # With one row "any" and "all" agree; only a wrong answer can show the mistake.
        wrong = not np.array_equal(mask, np.all(out == 0, axis=0))
        if wrong and np.array_equal(mask, np.any(out == 0, axis=0)):
            return {}
    return None


def _softmax_global_max(ev: Evidence) -> dict | None:
    for call, got, exp in _pairs(ev):
        x = _first_input(call)
        if x is None or x.ndim < 2 or x.shape != got.shape or x.size == 0:
            continue
        axis = call.kwargs.get("axis", -1)
        with np.errstate(all="ignore"):
            e = np.exp(x - np.max(x))
            shifted_globally = e / np.sum(e, axis=axis, keepdims=True)
        if not _close(got, exp) and _close(got, shifted_globally):
            return {}
    return None


def _softmax_without_keepdims(x: np.ndarray, axis: int) -> list[np.ndarray]:
    """Softmax of ``x`` as written with a max and/or a sum that dropped ``axis``."""
    variants = []
    with np.errstate(all="ignore"):
        for keep_max, keep_sum in ((False, True), (True, False), (False, False)):
            try:
                e = np.exp(x - np.max(x, axis=axis, keepdims=keep_max))
                variants.append(e / np.sum(e, axis=axis, keepdims=keep_sum))
            except ValueError:  # the shapes do not broadcast: the student's code raised too
                continue
    return variants


def _softmax_keepdims(ev: Evidence) -> dict | None:
    for call in ev.calls:
        x = _first_input(call)
        s = ev.student.get(call.name)
        if x is None or x.ndim < 2 or x.size == 0 or s is None:
            continue
        if not s.ok and "could not be broadcast" in (s.error or ""):
            return {}
    for call, got, exp in _pairs(ev):
        x = _first_input(call)
        if x is None or x.ndim < 2 or x.shape != got.shape or x.size == 0 or _close(got, exp):
            continue
        variants = _softmax_without_keepdims(x, call.kwargs.get("axis", -1))
        if any(v.shape == got.shape and _close(got, v) for v in variants):
            return {}
    return None


def _softmax_overflowed(ev: Evidence) -> dict | None:
    # A global-max shift also ends in NaN, but its fix is different; it has its own hint.
    return None if _softmax_global_max(ev) is not None else _overflowed(ev)


def _summed_biases(ev: Evidence) -> dict | None:
    for call in ev.calls:
        s = ev.student.get(call.name)
        if s is None or not s.ok or len(call.args) != 2:
            continue
        if not isinstance(s.value, tuple) or len(s.value) != 2:
            continue
        biases = [b for b in call.args[1] if type(b) is np.ndarray]
        got_b = as_array(s.value[1])
        # Only layers of one width can have their biases added up at all.
        if got_b is None or not biases or any(b.shape != got_b.shape for b in biases):
            continue
        if _close(got_b, np.sum(biases, axis=0)):
            return {}
    return None


HINTS: dict[str, Hint] = {
    "softmax_overflow": Hint(_softmax_overflowed),
    "softmax_global_max": Hint(_softmax_global_max),
    "softmax_keepdims": Hint(_softmax_keepdims),
    "softmax_max_trick": Hint(),
    "overflow": Hint(_overflowed),
    "tanh_grad_one_minus_x": Hint(_matches(lambda x, ref: 1 - x)),
    "tanh_grad_x_squared": Hint(_matches(lambda x, ref: 1 - x**2)),
    "tanh_grad_missing_square": Hint(_matches(lambda x, ref: 1 - np.tanh(x))),
    "sigmoid_sign_flip": Hint(_matches(lambda x, ref: 1 - ref)),
    "sigmoid_precedence": Hint(_matches(lambda x, ref: 1 + np.exp(-x))),
    "sigmoid_grad_of_input": Hint(_matches(lambda x, ref: x * (1 - x))),
    "one_at_zero": Hint(_wrong_at_zero),
    "wrong_default_alpha": Hint(_default_alpha),
    "dead_if_any_row": Hint(_any_row_dead),
    "collapse_summed_biases": Hint(_summed_biases),
    "mutating_input": Hint(),
    "slow_loop": Hint(),
    "numerical_warning": Hint(),
    "object_array": Hint(),
    "detached_graph": Hint(),
    "backward_returned_none": Hint(),
    "gradient_overflow": Hint(),
    "torch_dtype_changed": Hint(),
    "torch_mutating_input": Hint(),
    "nan_at_infinity": Hint(),
    "wrong_default_slope": Hint(),
    "backward_without_derivative": Hint(),
    "backward_without_upstream": Hint(),
    "backward_one_at_zero": Hint(),
    "activation_on_logits": Hint(),
    "missing_hidden_activation": Hint(),
}


# A hint that names the real mistake hides a generic one it also triggers: the precedence
# bug 1 / 1 + exp(-x) overflows too, but "avoid large exponents" would send the student
# the wrong way; a max subtracted without keepdims ends in NaN too, but the shift is there.
SUPPRESSED_BY: dict[str, tuple[str, ...]] = {
    "overflow": ("sigmoid_precedence",),
    "softmax_overflow": ("softmax_keepdims",),
}


def without_suppressed(found: list[tuple[str, Message]]) -> list[tuple[str, Message]]:
    """``found`` without the hints a more specific hint in it hides (see SUPPRESSED_BY)."""
    names = {name for name, _ in found}
    return [(n, m) for n, m in found if not names.intersection(SUPPRESSED_BY.get(n, ()))]


def hint_message(name: str, **details: Any) -> Message:
    """The message of hint ``name`` with its placeholders' values.

    name: a key of HINTS; details: values for the placeholders.
    Returns the Message (``hint.<name>``); raises KeyError for an unknown name.
    """
    if name not in HINTS:
        raise KeyError(f"unknown hint {name!r}")
    return msg(f"hint.{name}", **details)


def hint_text(name: str, **details: Any) -> str:
    """The English text of hint ``name`` (see ``hint_message``)."""
    return hint_message(name, **details).render("en")


def detect_hints(names: list[str], evidence: Evidence) -> list[tuple[str, Message]]:
    """Run the named detectors on one test's evidence.

    names: hint names listed by the exercise; evidence: the test's calls and results.
    Returns ``(name, Message)`` for each hint whose detector fired.
    """
    found = []
    for name in names:
        hint = HINTS[name]
        if hint.detect is None:
            continue
        details = hint.detect(evidence)
        if details is not None:
            found.append((name, hint_message(name, **details)))
    return found
