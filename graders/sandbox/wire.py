"""The wire format between the sandbox child and the trusted side.

A frame is ``MAGIC``, a 4-byte little-endian header length, a JSON header and then the
raw bytes of every array the header refers to, in order. Values inside a header are
*trees*: JSON scalars, or one-key objects tagged ``nd`` (array), ``tuple``, ``list``
or ``map``. There is no pickle and no ``eval`` anywhere: the receiver rebuilds every
array itself with ``np.frombuffer`` from an allow-listed dtype, so nothing but plain
``np.ndarray`` objects (and JSON scalars) can come out of a frame.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np

MAGIC = b"AQW1"
# The child's first bytes, written after its lock-down and before it reads the job, so
# only the harness (never student code) can send them.
LOCKED = b"AQLOCKED"
_HEAD = struct.Struct("<4sI")
# Before each job sent to a resident child (which reads many from one pipe).
JOB_LENGTH = struct.Struct("<Q")
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32

# The dtypes allowed across the boundary, keyed by ``dtype.str`` (native little endian).
ALLOWED_DTYPES: dict[str, np.dtype] = {
    np.dtype(name).str: np.dtype(name)
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
    )
}


class WireError(ValueError):
    """A frame or a value that does not follow the wire format."""


def encode_tree(value: Any, buffers: list[memoryview], depth: int = 0) -> Any:
    """Turn a plain value into its JSON-able tree, appending array bytes to ``buffers``.

    ``value`` may be None, bool, int, float, str, an ``np.ndarray`` of an allowed dtype,
    or tuples, lists and str-keyed dicts of these. Returns the tree; raises
    ``WireError`` for anything else.
    """
    if depth > MAX_DEPTH:
        raise WireError("value is nested too deeply")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        # JSON has no NaN or infinity, and results must keep them.
        return value if math.isfinite(value) else {"float": repr(value)}
    if type(value) is np.ndarray:
        if value.dtype.str not in ALLOWED_DTYPES:
            raise WireError(f"arrays of dtype {value.dtype} cannot be returned")
        # Not np.ascontiguousarray: it turns a 0-d array into shape (1,). And a byte
        # view of the flat array, because memoryview.cast refuses shapes with a zero.
        data = value if value.flags.c_contiguous else value.copy(order="C")
        buffers.append(memoryview(data.reshape(-1).view(np.uint8)))
        return {"nd": len(buffers) - 1, "dtype": data.dtype.str, "shape": list(data.shape)}
    if type(value) in (tuple, list):
        tag = "tuple" if type(value) is tuple else "list"
        return {tag: [encode_tree(item, buffers, depth + 1) for item in value]}
    if type(value) is dict:
        if not all(type(key) is str for key in value):
            raise WireError("only str keys are allowed in a mapping")
        return {"map": {key: encode_tree(item, buffers, depth + 1) for key, item in value.items()}}
    raise WireError(f"values of type {type(value).__name__} cannot cross the sandbox boundary")


# The largest integer a tree may carry: numbers beyond int64 only serve to overflow the
# trusted side's float conversions.
MAX_INT = 2**63


def clean_text(text: str) -> str:
    """``text`` with lone surrogates replaced, so it always encodes as UTF-8."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def decode_tree(
    tree: Any, buffers: list[bytes], depth: int = 0, used: set[int] | None = None
) -> Any:
    """Rebuild a value from its tree, creating fresh ``np.ndarray`` objects.

    ``tree`` comes from an untrusted header and ``buffers`` are that frame's raw byte
    blocks; ``used`` collects the buffer indexes already decoded in this frame (each
    buffer may be referenced once, so decoded bytes never exceed the bytes received).
    Returns the value; raises ``WireError`` for anything malformed.
    """
    if used is None:
        used = set()
    if depth > MAX_DEPTH:
        raise WireError("value is nested too deeply")
    if type(tree) is int and not -MAX_INT <= tree < MAX_INT:
        raise WireError("an integer is out of range")
    if type(tree) is str:
        return clean_text(tree)
    if tree is None or type(tree) in (bool, int):
        return tree
    if type(tree) is float:
        return tree
    if type(tree) is not dict or len(tree) not in (1, 3):
        raise WireError("malformed value")
    if "float" in tree and len(tree) == 1:
        text = tree["float"]
        if text not in ("nan", "inf", "-inf"):
            raise WireError("malformed float")
        return float(text)
    if "nd" in tree:
        return _decode_array(tree, buffers, used)
    if len(tree) != 1:
        raise WireError("malformed value")
    ((tag, items),) = tree.items()
    if tag in ("tuple", "list") and type(items) is list:
        decoded = [decode_tree(item, buffers, depth + 1, used) for item in items]
        return tuple(decoded) if tag == "tuple" else decoded
    if tag == "map" and type(items) is dict:
        return {
            clean_text(str(key)): decode_tree(item, buffers, depth + 1, used)
            for key, item in items.items()
        }
    raise WireError("malformed value")


def _decode_array(tree: dict[str, Any], buffers: list[bytes], used: set[int]) -> np.ndarray:
    index, dtype_name, shape = tree.get("nd"), tree.get("dtype"), tree.get("shape")
    if type(index) is not int or not 0 <= index < len(buffers):
        raise WireError("array refers to a missing buffer")
    if index in used:
        raise WireError("an array buffer is referenced more than once")
    used.add(index)
    dtype = ALLOWED_DTYPES.get(dtype_name) if type(dtype_name) is str else None
    if dtype is None:
        raise WireError(f"dtype {dtype_name!r} is not allowed")
    if (
        type(shape) is not list
        or len(shape) > 32
        or not all(type(n) is int and 0 <= n < MAX_INT for n in shape)
    ):
        raise WireError("malformed array shape")
    raw = buffers[index]
    if math.prod(shape) * dtype.itemsize != len(raw):
        raise WireError("array size does not match its shape")
    # frombuffer + copy: a fresh, writable, C-ordered base-class array we own.
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def pack(header: dict[str, Any], buffers: list[memoryview]) -> bytes:
    """Serialise one frame.

    ``header`` must be JSON-able (trees already encoded); ``buffers`` are the array
    bytes it refers to. Returns the frame's bytes.
    """
    header = dict(header, buffers=[len(b) for b in buffers])
    body = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    return b"".join([_HEAD.pack(MAGIC, len(body)), body, *buffers])


def ends_with_status(data: bytes | bytearray) -> bool:
    """Whether ``data`` is whole frames, the last one a job's final status frame."""
    frames, clean = unpack(data)
    return clean and bool(frames) and frames[-1][0].get("type") == "status"


def unpack(
    data: bytes | bytearray | memoryview, max_frames: int | None = None
) -> tuple[list[tuple[dict[str, Any], list[bytes]]], bool]:
    """Split received bytes into frames.

    ``data`` is everything read from the child; past ``max_frames`` frames the rest is
    not decoded (and the result is not clean). Returns ``(frames, clean)`` where each
    frame is ``(header, buffers)`` and ``clean`` is False when trailing bytes did not
    form a whole, well-formed frame (the frames before it are still returned).
    """
    view = memoryview(data)
    frames: list[tuple[dict[str, Any], list[bytes]]] = []
    offset = 0
    while offset < len(view):
        if max_frames is not None and len(frames) >= max_frames:
            return frames, False
        if len(view) - offset < _HEAD.size:
            return frames, False
        magic, size = _HEAD.unpack_from(view, offset)
        if magic != MAGIC or size > MAX_HEADER_BYTES or offset + _HEAD.size + size > len(view):
            return frames, False
        start = offset + _HEAD.size
        try:
            header = json.loads(bytes(view[start : start + size]))
        except (ValueError, RecursionError, MemoryError):
            return frames, False
        sizes = header.get("buffers") if type(header) is dict else None
        if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
            return frames, False
        offset = start + size
        if offset + sum(sizes) > len(view):
            return frames, False
        buffers = []
        for n in sizes:
            buffers.append(bytes(view[offset : offset + n]))
            offset += n
        frames.append((header, buffers))
    return frames, True
