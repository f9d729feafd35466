"""Turn the input descriptions in an exercise spec into concrete call arguments.

An argument in ``[[spec.tests]]`` is either a plain value (int, float, bool, str) passed
as is, or a table:

- ``{values = [...], dtype = "float64"}``: a fixed array (TOML writes ``inf``/``nan``).
- ``{shape = [...], dist = "normal", loc = 0, scale = 1, dtype = "float64"}``: random;
  ``dist`` is ``normal``, ``uniform`` (``low``, ``high``) or ``integers`` (``low``,
  ``high``); ``zeros = 0.2`` sets that fraction of elements to exactly 0 and
  ``sorted = true`` sorts the flattened values (for monotonicity checks).
- ``{integer = [low, high]}``: a random Python int in ``[low, high]``.
- ``{list = [...]}`` / ``{tuple = [...]}``: a list or tuple of arguments.

Random inputs come from a Generator seeded by the submission seed and the test name,
so every verdict can be replayed from its stored seed.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

DTYPES = ("bool", "int32", "int64", "float16", "float32", "float64")


class InputSpecError(ValueError):
    """An input description in an exercise spec is malformed (the author's mistake)."""


def rng_for(seed: int, name: str) -> np.random.Generator:
    """A Generator for one test of one submission.

    seed: the submission's seed; name: the test name (so tests draw independent inputs
    and adding a test does not change the inputs of the others).
    Returns a new numpy Generator.
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(int(seed) % 2**63, spawn_key=(key,)))


def build(desc: Any, rng: np.random.Generator) -> Any:
    """Build one concrete argument from its description.

    desc: a plain value or a description table (see the module docstring);
    rng: the test's Generator.
    Returns an ndarray, a Python scalar, or a list/tuple of these.
    """
    if desc is None or isinstance(desc, (bool, int, float, str)):
        return desc
    if isinstance(desc, (list, tuple)):
        raise InputSpecError(
            f"wrap a list argument as {{list = [...]}} or {{values = [...]}}: {desc!r}"
        )
    if not isinstance(desc, dict):
        raise InputSpecError(f"unsupported input description: {desc!r}")
    if "values" in desc:
        return np.asarray(desc["values"], dtype=_dtype(desc))
    if "shape" in desc:
        return _random_array(desc, rng)
    if "integer" in desc:
        low, high = desc["integer"]
        return int(rng.integers(int(low), int(high), endpoint=True))
    if "list" in desc:
        return [build(d, rng) for d in desc["list"]]
    if "tuple" in desc:
        return tuple(build(d, rng) for d in desc["tuple"])
    raise InputSpecError(f"input description needs values, shape, integer, list or tuple: {desc!r}")


def build_all(
    args: list[Any], kwargs: dict[str, Any], rng: np.random.Generator
) -> tuple[tuple, dict]:
    """Build every positional and keyword argument of one call.

    args, kwargs: descriptions from the spec; rng: the test's Generator.
    Returns ``(args, kwargs)`` ready for a sandbox Call.
    """
    built_args = tuple(build(d, rng) for d in args)
    built_kwargs = {k: build(v, rng) for k, v in kwargs.items()}
    return built_args, built_kwargs


def _dtype(desc: dict) -> np.dtype:
    name = desc.get("dtype", "float64")
    if name not in DTYPES:
        raise InputSpecError(f"dtype must be one of {DTYPES}, not {name!r}")
    return np.dtype(name)


def _random_array(desc: dict, rng: np.random.Generator) -> np.ndarray:
    shape = tuple(int(n) for n in desc["shape"])
    dist = desc.get("dist", "normal")
    if dist == "normal":
        data = rng.normal(float(desc.get("loc", 0.0)), float(desc.get("scale", 1.0)), size=shape)
    elif dist == "uniform":
        data = rng.uniform(float(desc.get("low", -1.0)), float(desc.get("high", 1.0)), size=shape)
    elif dist == "integers":
        data = rng.integers(
            int(desc.get("low", -5)),
            int(desc.get("high", 5)),
            size=shape,
            endpoint=True,
        )
    else:
        raise InputSpecError(f"dist must be normal, uniform or integers, not {dist!r}")
    fraction = float(desc.get("zeros", 0.0))
    if fraction > 0 and data.size:
        data = np.where(rng.random(shape) < fraction, 0, data)
    if desc.get("sorted"):
        data = np.sort(data, axis=None).reshape(shape)
    return np.asarray(data, dtype=_dtype(desc))
