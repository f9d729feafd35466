"""Plain-array helpers the checks, the comparison and the hint detectors all use.

A leaf module (it imports nothing from the engine), so ``checks.base``, ``compare`` and
``hints`` can share it without importing each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_array(value: Any) -> np.ndarray | None:
    """``value`` as a plain ndarray if it is a number or an array of numbers, else None.

    value: what came back across the sandbox boundary.
    Returns an ndarray (0-d for a scalar) or None.
    """
    if type(value) is np.ndarray:
        return value
    if isinstance(value, (bool, int, float, np.generic)):
        return np.asarray(value)
    return None


def format_array(value: Any, limit: int = 8) -> str:
    """A short printable form of an input or output, truncated along every axis.

    value: an ndarray, scalar, list or tuple; limit: the most items shown per axis
    (longer axes show their first and last three).
    Returns the text, e.g. ``[[1, 2], [3, 4]] float64``.
    """
    if isinstance(value, (list, tuple)):
        inner = ", ".join(format_array(v, limit) for v in value[:limit])
        more = ", ..." if len(value) > limit else ""
        return f"[{inner}{more}]"
    if type(value) is not np.ndarray:
        return repr(value)
    shape = f" shape {value.shape}" if value.ndim > 1 or value.size == 0 else ""
    return f"{_nested(value, limit, [MAX_SHOWN_ELEMENTS])}{shape} {value.dtype.name}"


# Every axis is truncated to ``limit`` items, but shape (8,)*k would still show 8**k
# numbers: past this many in one array the rest is elided.
MAX_SHOWN_ELEMENTS = 64


def _nested(a: np.ndarray, limit: int, budget: list[int]) -> str:
    if budget[0] <= 0:
        return "..."
    if a.ndim == 0:
        budget[0] -= 1
        item = a.item()
        return f"{item:.4g}" if isinstance(item, float) else str(item)
    n = a.shape[0]
    if n > limit:
        parts = [_nested(a[i], limit, budget) for i in range(3)] + ["..."]
        parts += [_nested(a[i], limit, budget) for i in range(n - 3, n)]
    else:
        parts = [_nested(a[i], limit, budget) for i in range(n)]
    while len(parts) > 1 and parts[-1] == "..." and parts[-2] == "...":
        parts.pop()
    return "[" + ", ".join(parts) + "]"
