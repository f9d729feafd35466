"""Forward-pass checks for PyTorch exercises: values, input mutation, properties.

- ``torch_values``: the output is a tensor with the reference's values, shape and dtype
  (the reference keeps the input's dtype, so a float32 input needs a float32 output);
  ``cases = [{label, args, kwargs}, ...]`` checks several inputs in one test.
- ``torch_no_mutation``: the input tensor is unchanged after the call.
- ``torch_property``: a property of the output (keys as for ``property``:
  ``property = "range" | "sums_to_one" | "monotonic"``, ``low``, ``high``, ``axis``).

Test keys: ``args``/``kwargs`` (input descriptions, see ``graders.engine.inputs``),
``init_args``/``init_kwargs`` for module exercises, optional ``rtol``/``atol``.

Each is the generic check (``values.py``, ``mutation.py``, ``properties.py``) with the
``TORCH`` flavour of ``torch_common``: same logic, points and messages, but the entry point
is called as its ``entry_kind`` says, must return a tensor, and the torch hints apply.
"""

from __future__ import annotations

from graders.engine.checks import register
from graders.engine.checks.mutation import NoMutationCheck
from graders.engine.checks.properties import PropertyCheck
from graders.engine.checks.torch_common import TORCH
from graders.engine.checks.values import ValuesCheck


@register("torch_values")
class TorchValuesCheck(ValuesCheck):
    """Every case's output tensor must match the reference's within the dtype's tolerance."""

    flavour = TORCH


@register("torch_no_mutation")
class TorchNoMutationCheck(NoMutationCheck):
    """Every tensor argument must be bit-for-bit unchanged after the forward call."""

    flavour = TORCH


@register("torch_property")
class TorchPropertyCheck(PropertyCheck):
    """The output tensor must have the named property; the reference is not consulted."""

    flavour = TORCH
