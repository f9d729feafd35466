"""Dtype-aware tolerances and the element-wise comparison of an answer with the reference.

Defaults (overridable per test with ``rtol``/``atol``):

========  ======  ======
dtype     rtol    atol
========  ======  ======
float16   1e-2    1e-3
float32   1e-4    1e-6
float64   1e-6    1e-9
========  ======  ======

An element passes when ``|got - expected| <= atol + rtol * |expected|``. NaN in the
expected output needs NaN in the answer (and NaN anywhere else is wrong); an infinity
must be matched by the same infinity. Integer and boolean outputs compare exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graders.engine.feedback import Message, msg

DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-2, 1e-3),
    "float32": (1e-4, 1e-6),
    "float64": (1e-6, 1e-9),
}

# Dtype policies a check can ask for:
#   "numeric"  any integer or floating dtype (NumPy exercises); floats compare at the less
#              precise of the two dtypes, booleans only stand for booleans, and float16
#              only answers a float16 input.
#   "same"     exactly the expected dtype (PyTorch exercises keep the input's dtype).
#   "bool"     a boolean mask.
DTYPE_POLICIES = ("numeric", "same", "bool")


@dataclass(frozen=True)
class Tolerance:
    """Relative and absolute tolerance for one comparison."""

    rtol: float
    atol: float


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing an answer with the expected array.

    ``worst_index`` is the element with the largest error beyond the tolerance (``None``
    when ``ok`` or when the shapes or dtypes differ); ``message`` says what is wrong in
    words a student can act on, without printing any data when ``hidden`` was set.
    """

    ok: bool
    message: str = ""
    worst_index: tuple[int, ...] | None = None
    expected_value: float | None = None
    got_value: float | None = None
    abs_error: float | None = None
    allowed_error: float | None = None
    mismatches: int = 0
    size: int = 0
    # The message as an id with parameters; ``message`` is its English rendering.
    detail: Message | None = None

    def __post_init__(self) -> None:
        if self.detail is not None and not self.message:
            object.__setattr__(self, "message", self.detail.render("en"))


def default_tolerance(dtype: np.dtype) -> Tolerance:
    """The documented default tolerance for ``dtype``.

    dtype: a NumPy dtype; non-float dtypes get an exact tolerance (0, 0).
    Returns the Tolerance from DEFAULT_TOLERANCES.
    """
    rtol, atol = DEFAULT_TOLERANCES.get(np.dtype(dtype).name, (0.0, 0.0))
    return Tolerance(rtol, atol)


def comparison_dtype(expected: np.dtype, got: np.dtype) -> np.dtype:
    """The dtype whose tolerance applies: the reference's, when it is a floating dtype.

    Judging at the less precise of the two would let a float32 answer to a float64 input
    pass with a 100 times looser tolerance (an answer off by 5e-5 would score full marks).
    expected, got: the dtypes of the reference and the student output.
    Returns the reference's floating dtype, else the student's floating one, else expected.
    """
    if np.issubdtype(expected, np.floating):
        return np.dtype(expected)
    if np.issubdtype(got, np.floating):
        return np.dtype(got)
    return np.dtype(expected)


def tolerance_for(expected: np.dtype, got: np.dtype, test: dict | None = None) -> Tolerance:
    """The tolerance for comparing arrays of these dtypes, with a test's overrides.

    expected, got: dtypes of the reference and the student output.
    test: a test dict from the spec; its ``rtol``/``atol`` keys win over the defaults.
    Returns the Tolerance to use.
    """
    base = default_tolerance(comparison_dtype(expected, got))
    test = test or {}
    return Tolerance(float(test.get("rtol", base.rtol)), float(test.get("atol", base.atol)))


def dtype_problem(expected: np.ndarray, got: np.ndarray, policy: str) -> Message | None:
    """Why ``got``'s dtype is unacceptable under ``policy``, or None when it is fine.

    expected: the reference output; got: the student output; policy: one of DTYPE_POLICIES.
    Returns a sentence for the student, or None.
    """
    exp_kind, got_kind = expected.dtype.kind, got.dtype.kind
    if policy == "same":
        if expected.dtype != got.dtype:
            return msg("dtype.same", expected=expected.dtype.name, got=got.dtype.name)
        return None
    if policy == "bool" or exp_kind == "b":
        if got_kind != "b":
            return msg("dtype.bool", got=got.dtype.name)
        return None
    if got_kind == "b":
        return msg("dtype.is_bool")
    if got_kind not in "iuf":
        return msg("dtype.not_numbers", got=got.dtype.name)
    if got.dtype == np.float16 and exp_kind == "f" and expected.dtype != np.float16:
        # Comparing at the less precise dtype would give float16's 1e-2 tolerance to any
        # answer cast down to it, so a rough approximation could pass.
        return msg("dtype.float16", expected=expected.dtype.name)
    return None


def _as_float(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64) if a.dtype.kind != "f" else a.astype(np.float64, copy=False)


def compare_arrays(expected: np.ndarray, got: np.ndarray, tol: Tolerance) -> Comparison:
    """Compare ``got`` with ``expected`` element by element.

    expected: the reference output; got: the student output (both plain ndarrays);
    tol: the tolerance (ignored for boolean arrays, which must match exactly).
    Returns a Comparison; its message names the worst element and its error.
    """
    if expected.shape != got.shape:
        return Comparison(
            ok=False,
            detail=msg("compare.shape", expected=str(expected.shape), got=str(got.shape)),
            size=int(expected.size),
        )
    if expected.size == 0:
        return Comparison(ok=True, size=0)
    if expected.dtype.kind == "b" or got.dtype.kind == "b":
        wrong = expected != got
        excess = wrong.astype(np.float64)
        exp_f, got_f = expected.astype(np.float64), got.astype(np.float64)
        allowed = np.zeros(expected.shape)
        err = excess
    else:
        exp_f, got_f = _as_float(expected), _as_float(got)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(got_f - exp_f)
            allowed = tol.atol + tol.rtol * np.abs(exp_f)
            exp_nan, got_nan = np.isnan(exp_f), np.isnan(got_f)
            exp_inf, got_inf = np.isinf(exp_f), np.isinf(got_f)
            special = exp_nan | got_nan | exp_inf | got_inf
            special_ok = (exp_nan & got_nan) | (exp_inf & got_inf & (exp_f == got_f))
            wrong = np.where(special, ~special_ok, err > allowed)
            # A wrong special value (NaN, a missing or extra infinity) counts as infinitely
            # wrong, so the message points at it before any merely inaccurate element.
            excess = np.where(special, np.where(special_ok, 0.0, np.inf), err - allowed)
    mismatches = int(np.count_nonzero(wrong))
    if mismatches == 0:
        return Comparison(ok=True, size=int(expected.size))
    flat = int(np.argmax(np.where(wrong, excess, -np.inf)))
    index = tuple(int(i) for i in np.unravel_index(flat, expected.shape))
    e, g = float(exp_f[index]), float(got_f[index])
    abs_error = float(err[index]) if np.isfinite(err[index]) else float("inf")
    if expected.dtype.kind == "b":
        shown_e, shown_g = str(bool(expected[index])), str(got[index].item())
    else:
        shown_e, shown_g = _num(e), _num(g)
    where = {
        "mismatches": mismatches,
        "size": int(expected.size),
        "index": str(list(index)),
        "expected": shown_e,
        "got": shown_g,
    }
    if np.isfinite(e) and np.isfinite(g) and expected.dtype.kind != "b":
        detail = msg(
            "compare.differ_error", **where, error=abs_error, allowed=float(allowed[index])
        )
    else:
        detail = msg("compare.differ", **where)
    return Comparison(
        ok=False,
        detail=detail,
        worst_index=index,
        expected_value=e,
        got_value=g,
        abs_error=abs_error,
        allowed_error=float(allowed[index]),
        mismatches=mismatches,
        size=int(expected.size),
    )


def _num(value: float) -> str:
    return f"{value:.6g}"
