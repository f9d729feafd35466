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

from graders.engine.checks.base import as_array

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
    """A named hint: its message (``str.format`` placeholders) and an optional detector."""

    message: str
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


_MAX_TRICK = (
    "Softmax overflowed: exp(1000) is inf, and inf / inf is NaN. Softmax does not change when you "
    "subtract a constant from every logit, so subtract the maximum along the axis before exp: the "
    "largest exponent is then exp(0) = 1. (소프트맥스 오버플로: 지수를 취하기 전에 축 방향의 최댓값을 빼세요.)"
)

HINTS: dict[str, Hint] = {
    "softmax_overflow": Hint(_MAX_TRICK, _softmax_overflowed),
    "softmax_global_max": Hint(
        "You subtracted the maximum of the whole array, not of each slice along the axis. A row far "
        "below the global maximum then underflows to all zeros, and 0 / 0 is NaN. Use "
        "x.max(axis=axis, keepdims=True). (배열 전체가 아니라 축 방향의 최댓값을 빼세요.)",
        _softmax_global_max,
    ),
    # Shown unconditionally when a test names it in ``hint_on_fail`` (the torch softmax).
    "softmax_max_trick": Hint(_MAX_TRICK),
    "overflow": Hint(
        "Your function returned NaN or inf where the true value is finite: an intermediate such as "
        "np.exp(1000) overflowed. Rewrite it so no exponent is large, e.g. use exp(-|x|) and the "
        "function's symmetry. (중간 계산이 오버플로되었습니다: 큰 지수가 생기지 않도록 식을 바꾸세요.)",
        _overflowed,
    ),
    "tanh_grad_one_minus_x": Hint(
        "You returned 1 - x. The derivative of tanh is 1 - tanh(x)**2: it is written in terms of the "
        "output tanh(x), not the input x. (tanh의 도함수는 1 - tanh(x)²입니다. 입력 x가 아니라 출력에 대한 식입니다.)",
        _matches(lambda x, ref: 1 - x),
    ),
    "tanh_grad_missing_square": Hint(
        "You returned 1 - tanh(x); the derivative is 1 - tanh(x)**2. (제곱이 빠졌습니다.)",
        _matches(lambda x, ref: 1 - np.tanh(x)),
    ),
    "sigmoid_sign_flip": Hint(
        "Your sigmoid is mirrored: you computed 1 / (1 + exp(x)), which is sigmoid(-x) = 1 - sigmoid(x). "
        "Check the sign: sigmoid(x) = 1 / (1 + exp(-x)), so sigmoid(1) = 0.7311. "
        "(부호가 뒤집혔습니다: sigmoid(1) = 0.7311이어야 합니다.)",
        _matches(lambda x, ref: 1 - ref),
    ),
    "sigmoid_grad_of_input": Hint(
        "You returned x * (1 - x). The derivative is s * (1 - s) with s = sigmoid(x): apply it to the "
        "sigmoid's output, not to x. Its maximum is 0.25 at x = 0. "
        "(s = sigmoid(x)에 대해 s(1 - s)를 계산하세요. 최댓값은 x = 0에서 0.25입니다.)",
        _matches(lambda x, ref: x * (1 - x)),
    ),
    "one_at_zero": Hint(
        "At x = 0 your function returns 1 where it should return 0: use x > 0, not x >= 0. "
        "(x = 0에서는 0이어야 합니다: x >= 0 대신 x > 0을 쓰세요.)",
        _wrong_at_zero,
    ),
    "wrong_default_alpha": Hint(
        "Called without alpha, your negative slope is {alpha:g}; the default must be alpha=0.01. "
        "(alpha의 기본값은 0.01이어야 합니다.)",
        _default_alpha,
    ),
    "dead_if_any_row": Hint(
        "A unit is dead only if relu(X @ W + b) is 0 for every row of X (np.all over axis 0), "
        "not for some row. (모든 행에서 0일 때만 죽은 유닛입니다.)",
        _any_row_dead,
    ),
    "collapse_summed_biases": Hint(
        "The combined bias is not the sum of the biases: each bias passes through the layers after it. "
        "For y = (x @ W1 + b1) @ W2 + b2, the bias is b1 @ W2 + b2. (편향도 뒤 층의 가중치를 거칩니다.)",
        _summed_biases,
    ),
    "mutating_input": Hint(
        "Your function overwrote its input array (for example x[x < 0] = 0 or np.maximum(x, 0, out=x)). "
        "The caller still needs x: build a new array with np.maximum(x, 0) or work on x.copy(). "
        "(입력 배열을 직접 바꾸지 마세요.)"
    ),
    "slow_loop": Hint(
        "Your function took {seconds:.2f} s on {size:,} elements, {slowdown:.0f}x slower than a vectorised "
        "version: a Python loop over the elements? Use whole-array NumPy operations (np.where, np.maximum, "
        "np.exp). (파이썬 반복문 대신 배열 연산을 쓰세요.)"
    ),
    "numerical_warning": Hint(
        "Your values were right in '{test}', but NumPy warned: {warning}. Not a penalty; it usually means an "
        "intermediate overflowed or divided by zero and you got lucky. (값은 맞았지만 수치 경고가 있었습니다.)"
    ),
    # PyTorch exercises: asked for by the torch checks (``ctx.add_hint``) or named in
    # ``hint_on_fail``; their detectors live in ``checks/torch_hints.py``.
    "detached_graph": Hint(
        "No gradient reached the input: the autograd graph was cut. .detach(), .data, "
        "x.numpy() / torch.from_numpy(...) and torch.tensor(existing_tensor) all produce a tensor "
        "autograd cannot trace back. Build the result from torch operations on x itself. "
        "(계산 그래프가 끊겼습니다: .detach(), .data, NumPy 변환 없이 x에 대한 torch 연산으로 계산하세요.)"
    ),
    "backward_returned_none": Hint(
        "Your backward returned None for x, which tells autograd there is no gradient. Return "
        "grad_output multiplied by the derivative, a tensor shaped like x. "
        "(backward가 None을 돌려주었습니다: grad_output에 도함수를 곱한 텐서를 돌려주세요.)"
    ),
    "gradient_overflow": Hint(
        "Your gradient is NaN or inf where the true gradient is finite: an intermediate such as "
        "torch.exp(1000.) overflowed to inf, and backward then multiplied inf by 0. Rewrite the formula "
        "so no exponent is large, e.g. use exp(-|x|) and the function's symmetry. "
        "(기울기가 NaN/inf입니다: 큰 지수가 생기지 않도록 식을 바꾸세요.)"
    ),
    "torch_dtype_changed": Hint(
        "For a {expected} input your output is {got}. PyTorch exercises keep the input's dtype: avoid "
        ".double()/.float() and masks of another dtype, and convert with .to(x.dtype) when you must. "
        "(출력 dtype은 입력과 같아야 합니다: {expected} 입력이면 {expected} 출력.)"
    ),
    "torch_mutating_input": Hint(
        "Your code changed the input tensor in place (for example x[x < 0] = 0, x.clamp_(...) or "
        "x.mul_(...)). The caller still needs x: use out-of-place operations such as torch.where or "
        "x.clamp(min=0). (입력 텐서를 제자리에서 바꾸지 마세요.)"
    ),
    "nan_at_infinity": Hint(
        "At x = +-inf your output is NaN although the true value is finite: an intermediate "
        "computed inf * 0 or inf / inf (x times a 0/1 mask, or exp(x) / (1 + exp(x))). Select "
        "instead of multiplying, e.g. torch.where(x > 0, x, torch.zeros_like(x)) or "
        "x.clamp(min=0), and keep exponents from overflowing. (입력이 ±inf일 때 NaN이 나왔습니다: "
        "inf * 0이나 inf / inf가 생기지 않도록 마스크를 곱하지 말고 torch.where나 clamp로 고르세요.)"
    ),
    "wrong_default_slope": Hint(
        "Called without arguments, your negative slope is {got:g}; the default must be {expected:g}, "
        "as in nn.LeakyReLU. (인자 없이 만들었을 때 음수 구간 기울기는 {expected:g}이어야 합니다.)"
    ),
    "backward_without_derivative": Hint(
        "Your backward returns grad_output unchanged, as if the function were the identity. The chain "
        "rule multiplies the upstream gradient by the local derivative: for ReLU, "
        "grad_output * (x > 0). (연쇄 법칙: grad_output에 도함수를 곱하세요.)"
    ),
    "backward_without_upstream": Hint(
        "Your backward returns the local derivative alone. The chain rule multiplies it by the "
        "upstream gradient: return grad_output * derivative. "
        "(연쇄 법칙: 도함수에 grad_output을 곱해야 합니다.)"
    ),
    "backward_one_at_zero": Hint(
        "At x = 0 your gradient passes grad_output through; PyTorch takes ReLU's derivative at 0 as 0: "
        "use x > 0, not x >= 0. (x = 0에서 도함수는 0입니다: x >= 0 대신 x > 0을 쓰세요.)"
    ),
    "activation_on_logits": Hint(
        "Your MLP applies {activation} after the last layer. Return the raw logits: "
        "nn.CrossEntropyLoss applies log-softmax itself, so a softmax at the end is applied twice and "
        "squashes the gradients. (마지막 층 뒤에 활성화 함수를 두지 말고 로짓을 그대로 돌려주세요.)"
    ),
    "missing_hidden_activation": Hint(
        "Your MLP has no ReLU between the layers, so the two Linear layers collapse into a single "
        "linear map (W2 W1 x + ...): stacking them adds nothing. Put a ReLU between them. "
        "(두 선형 층 사이에 ReLU가 없으면 하나의 선형 층과 같습니다.)"
    ),
}


def hint_text(name: str, **details: Any) -> str:
    """The message of hint ``name`` with its placeholders filled.

    name: a key of HINTS; details: values for the placeholders.
    Returns the text; raises KeyError for an unknown name.
    """
    return HINTS[name].message.format(**details)


def detect_hints(names: list[str], evidence: Evidence) -> list[tuple[str, str]]:
    """Run the named detectors on one test's evidence.

    names: hint names listed by the exercise; evidence: the test's calls and results.
    Returns ``(name, text)`` for each hint whose detector fired.
    """
    found = []
    for name in names:
        hint = HINTS[name]
        if hint.detect is None:
            continue
        details = hint.detect(evidence)
        if details is not None:
            found.append((name, hint.message.format(**details)))
    return found
