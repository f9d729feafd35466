"""Inside the child: turn whatever the student returned into plain arrays, or refuse.

Only plain ``np.ndarray`` objects of an allowed dtype, JSON scalars, tuples and None
leave the child. Tensors are detached and copied, subclasses are viewed as the base
class, scalars become 0-d arrays; anything else is an ``UnsupportedReturn``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from graders.sandbox.wire import ALLOWED_DTYPES

MAX_ITEMS = 10_000
# Past this many elements an object array is refused rather than read one by one.
MAX_OBJECT_ELEMENTS = 2_000_000


class UnsupportedReturn(Exception):
    """A value that cannot be turned into plain arrays; the message is for the student."""


def _torch() -> Any:
    # torch is only imported by the zygote for torch jobs' sake; numpy jobs never need it here.
    return sys.modules.get("torch")


# The note a converted object array carries to the trusted side (which deducts for it).
OBJECT_ARRAY_NOTE = "an object array of numbers was converted to float64"
_REAL_NUMBERS = (int, float, bool, np.integer, np.floating, np.bool_)


def _from_objects(array: np.ndarray, notes: list[str]) -> np.ndarray:
    """An object array whose elements are all real numbers, as float64 (noted)."""
    if array.size > MAX_OBJECT_ELEMENTS or not all(
        isinstance(item, _REAL_NUMBERS) for item in array.flat
    ):
        raise UnsupportedReturn(
            "arrays of dtype object are not supported (use a float or int dtype); "
            "np.frompyfunc returns one: add .astype(float)"
        )
    try:
        converted = np.asarray(array, dtype=object).astype(np.float64)
    except (OverflowError, TypeError, ValueError) as exc:
        raise UnsupportedReturn(f"the object array could not be read as numbers: {exc}") from None
    if OBJECT_ARRAY_NOTE not in notes:
        notes.append(OBJECT_ARRAY_NOTE)
    return np.array(converted, dtype=np.float64, order="C", copy=True, subok=False)


def _checked(array: np.ndarray, notes: list[str]) -> np.ndarray:
    if array.dtype.kind == "O":
        return _from_objects(np.ndarray.view(array, np.ndarray), notes)
    if array.dtype.str not in ALLOWED_DTYPES:
        if array.dtype.kind in "biuf" and array.dtype.byteorder not in ("=", "|", "<"):
            return np.ascontiguousarray(array.astype(array.dtype.newbyteorder("=")))
        raise UnsupportedReturn(
            f"arrays of dtype {array.dtype} are not supported (use a float or int dtype)"
        )
    # A fresh base-class copy: nothing the student attached to the array survives.
    return np.array(array, dtype=array.dtype, order="C", copy=True, subok=False)


def tensor_to_array(tensor: Any, notes: list[str]) -> np.ndarray:
    """Copy a torch tensor into a plain array; bfloat16 becomes float32 (noted in ``notes``)."""
    torch = _torch()
    plain = torch.Tensor.detach(tensor)
    if plain.dtype == torch.bfloat16:
        notes.append("a bfloat16 tensor was converted to float32")
        plain = plain.to(torch.float32)
    if plain.is_complex():
        raise UnsupportedReturn(f"tensors of dtype {plain.dtype} are not supported")
    plain = plain.cpu().resolve_conj().resolve_neg().contiguous()
    return _checked(plain.numpy(), notes)


def to_plain(value: Any, notes: list[str], depth: int = 0) -> Any:
    """Convert one returned value.

    ``value`` is anything the student returned; ``notes`` collects conversion notes.
    Returns an ``np.ndarray``, a tuple of converted values, or None; raises
    ``UnsupportedReturn`` with a student-facing message.
    """
    if depth > 8:
        raise UnsupportedReturn("the returned value is nested too deeply")
    torch = _torch()
    if value is None:
        return None
    if torch is not None and isinstance(value, torch.Tensor):
        return tensor_to_array(value, notes)
    if isinstance(value, np.ndarray):
        # ndarray.view is called unbound so a subclass cannot override it.
        return _checked(np.ndarray.view(value, np.ndarray), notes)
    if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, (str, bytes)):
        try:
            return _checked(np.asarray(value), notes)
        except OverflowError as exc:
            raise UnsupportedReturn(f"the returned number does not fit in 64 bits: {exc}") from None
    if isinstance(value, tuple):
        if len(value) > MAX_ITEMS:
            raise UnsupportedReturn("the returned tuple is too long")
        return tuple(to_plain(item, notes, depth + 1) for item in value)
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise UnsupportedReturn("the returned list is too long")
        items = [to_plain(item, notes, depth + 1) for item in value]
        try:
            stacked = np.asarray(items)
        except (ValueError, TypeError):
            return tuple(items)
        return _checked(stacked, notes) if stacked.dtype.kind in "biuf" else tuple(items)
    raise UnsupportedReturn(
        f"returned a {type(value).__name__}; return a NumPy array or a tensor instead"
    )


def type_name(value: Any) -> str:
    """The name of the Python type the student returned (``"ndarray"``, ``"Tensor"``, ...)."""
    return type(value).__name__
