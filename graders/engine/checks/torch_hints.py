"""Detectors for the mistakes the PyTorch checks recognise, run on plain arrays only.

The torch checks call them inside ``judge`` and ask for the hint they name with
``ctx.add_hint``; the hints' texts are ordinary entries of ``graders.engine.hints.HINTS``.
"""

from __future__ import annotations

import numpy as np


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        return a.shape == b.shape and a.size > 0 and bool(np.allclose(a, b, rtol=1e-4, atol=1e-6))


def negative_slope_mistake(x: np.ndarray, got: np.ndarray, expected: np.ndarray) -> dict | None:
    """Detect a constant but wrong slope for negative inputs (a wrong default).

    x: the input; got: the student's output; expected: the reference's.
    Returns ``{"got", "expected"}`` slopes when the student's negatives follow another
    constant slope and the positives are right, else None.
    """
    if got.shape != x.shape or expected.shape != x.shape:
        return None
    finite = np.isfinite(x)
    x, got, expected = (a.astype(np.float64)[finite] for a in (x, got, expected))
    negative = x < 0
    if not np.any(negative) or not _close(got[~negative], expected[~negative]):
        return None
    got_slopes, ref_slopes = got[negative] / x[negative], expected[negative] / x[negative]
    if not (_close(got_slopes, np.full_like(got_slopes, got_slopes[0]))):
        return None
    if not _close(ref_slopes, np.full_like(ref_slopes, ref_slopes[0])) or ref_slopes[0] == 0:
        return None
    if np.isclose(got_slopes[0], ref_slopes[0], rtol=1e-4):
        return None
    return {"got": float(got_slopes[0]), "expected": float(ref_slopes[0])}


def backward_mistake(
    x: np.ndarray, upstream: np.ndarray, got: np.ndarray, expected: np.ndarray
) -> str | None:
    """Name the chain-rule mistake a wrong elementwise gradient shows, if it is a known one.

    x: the input; upstream: the upstream gradient sent; got: the student's gradient;
    expected: the reference's. Returns a hint name (a key of ``hints.HINTS``) or None.
    """
    if not (x.shape == upstream.shape == got.shape == expected.shape):
        return None
    x, upstream, got, expected = (a.astype(np.float64) for a in (x, upstream, got, expected))
    if _close(got, upstream):
        return "backward_without_derivative"
    with np.errstate(all="ignore"):
        derivative = np.where(upstream != 0, expected / upstream, np.nan)
    usable = np.isfinite(derivative)
    if np.any(usable) and _close(got[usable], derivative[usable]):
        return "backward_without_upstream"
    zero = x == 0
    if np.any(zero) and _close(got[~zero], expected[~zero]) and _close(got[zero], upstream[zero]):
        return "backward_one_at_zero"
    return None


def nan_at_infinite_input(x: np.ndarray, got: np.ndarray, expected: np.ndarray) -> bool:
    """Whether the output is NaN exactly where the input is infinite and the answer is finite.

    x: the input; got: the student's output; expected: the reference's.
    Returns True for the inf * 0 mistake of a multiplied mask.
    """
    if not (x.shape == got.shape == expected.shape) or x.dtype.kind != "f":
        return False
    with np.errstate(all="ignore"):
        bad = (
            np.isinf(x)
            & np.isnan(got.astype(np.float64))
            & np.isfinite(expected.astype(np.float64))
        )
    return bool(np.any(bad))
