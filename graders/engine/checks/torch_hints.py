"""Named hints for the mistakes the PyTorch checks recognise, and their detectors.

The messages join ``graders.engine.hints.HINTS`` when this module is imported (so an
exercise may name them in ``hint_on_fail``), or at the latest the first time a torch
check asks for one: ``hints`` imports ``checks.base``, which loads every check module, so
on that import path ``hints`` is still half-built here and registration has to wait.
The detectors run inside the torch checks' ``judge`` on plain arrays only.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import numpy as np

from graders.engine.checks.base import CheckContext

TORCH_HINTS: dict[str, str] = {
    "detached_graph": (
        "No gradient reached the input: the autograd graph was cut. .detach(), .data, "
        "x.numpy() / torch.from_numpy(...) and torch.tensor(existing_tensor) all produce a tensor "
        "autograd cannot trace back. Build the result from torch operations on x itself. "
        "(계산 그래프가 끊겼습니다: .detach(), .data, NumPy 변환 없이 x에 대한 torch 연산으로 계산하세요.)"
    ),
    "backward_returned_none": (
        "Your backward returned None for x, which tells autograd there is no gradient. Return "
        "grad_output multiplied by the derivative, a tensor shaped like x. "
        "(backward가 None을 돌려주었습니다: grad_output에 도함수를 곱한 텐서를 돌려주세요.)"
    ),
    "gradient_overflow": (
        "Your gradient is NaN or inf where the true gradient is finite: an intermediate such as "
        "torch.exp(1000.) overflowed to inf, and backward then multiplied inf by 0. Rewrite the formula "
        "so no exponent is large, e.g. use exp(-|x|) and the function's symmetry. "
        "(기울기가 NaN/inf입니다: 큰 지수가 생기지 않도록 식을 바꾸세요.)"
    ),
    "torch_dtype_changed": (
        "For a {expected} input your output is {got}. PyTorch exercises keep the input's dtype: avoid "
        ".double()/.float() and masks of another dtype, and convert with .to(x.dtype) when you must. "
        "(출력 dtype은 입력과 같아야 합니다: {expected} 입력이면 {expected} 출력.)"
    ),
    "torch_mutating_input": (
        "Your code changed the input tensor in place (for example x[x < 0] = 0, x.clamp_(...) or "
        "x.mul_(...)). The caller still needs x: use out-of-place operations such as torch.where or "
        "x.clamp(min=0). (입력 텐서를 제자리에서 바꾸지 마세요.)"
    ),
    "nan_at_infinity": (
        "At x = +-inf your output is NaN although the true value is finite: an intermediate "
        "computed inf * 0 or inf / inf (x times a 0/1 mask, or exp(x) / (1 + exp(x))). Select "
        "instead of multiplying, e.g. torch.where(x > 0, x, torch.zeros_like(x)) or "
        "x.clamp(min=0), and keep exponents from overflowing. (입력이 ±inf일 때 NaN이 나왔습니다: "
        "inf * 0이나 inf / inf가 생기지 않도록 마스크를 곱하지 말고 torch.where나 clamp로 고르세요.)"
    ),
    "wrong_default_slope": (
        "Called without arguments, your negative slope is {got:g}; the default must be {expected:g}, "
        "as in nn.LeakyReLU. (인자 없이 만들었을 때 음수 구간 기울기는 {expected:g}이어야 합니다.)"
    ),
    "backward_without_derivative": (
        "Your backward returns grad_output unchanged, as if the function were the identity. The chain "
        "rule multiplies the upstream gradient by the local derivative: for ReLU, "
        "grad_output * (x > 0). (연쇄 법칙: grad_output에 도함수를 곱하세요.)"
    ),
    "backward_without_upstream": (
        "Your backward returns the local derivative alone. The chain rule multiplies it by the "
        "upstream gradient: return grad_output * derivative. "
        "(연쇄 법칙: 도함수에 grad_output을 곱해야 합니다.)"
    ),
    "backward_one_at_zero": (
        "At x = 0 your gradient passes grad_output through; PyTorch takes ReLU's derivative at 0 as 0: "
        "use x > 0, not x >= 0. (x = 0에서 도함수는 0입니다: x >= 0 대신 x > 0을 쓰세요.)"
    ),
    "activation_on_logits": (
        "Your MLP applies {activation} after the last layer. Return the raw logits: "
        "nn.CrossEntropyLoss applies log-softmax itself, so a softmax at the end is applied twice and "
        "squashes the gradients. (마지막 층 뒤에 활성화 함수를 두지 말고 로짓을 그대로 돌려주세요.)"
    ),
    "missing_hidden_activation": (
        "Your MLP has no ReLU between the layers, so the two Linear layers collapse into a single "
        "linear map (W2 W1 x + ...): stacking them adds nothing. Put a ReLU between them. "
        "(두 선형 층 사이에 ReLU가 없으면 하나의 선형 층과 같습니다.)"
    ),
}


def register_torch_hints() -> bool:
    """Add TORCH_HINTS to ``graders.engine.hints.HINTS`` (idempotent).

    Returns False when ``hints`` is still being imported and cannot take them yet.
    """
    hints = sys.modules.get("graders.engine.hints") or importlib.import_module(
        "graders.engine.hints"
    )
    if not hasattr(hints, "HINTS") or not hasattr(hints, "Hint"):
        return False
    for key, message in TORCH_HINTS.items():
        hints.HINTS.setdefault(key, hints.Hint(message))
    return True


def add_torch_hint(ctx: CheckContext, name: str, **details: Any) -> None:
    """Show the torch hint ``name`` in the verdict.

    ctx: the check context; name: a key of TORCH_HINTS (or of the core's HINTS);
    details: values for the message's placeholders.
    """
    register_torch_hints()
    ctx.add_hint(name, **details)


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
    expected: the reference's. Returns a TORCH_HINTS name or None.
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


register_torch_hints()
