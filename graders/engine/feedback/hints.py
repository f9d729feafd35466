"""The texts of the named hints (``hint.<name>``); their detectors live in engine/hints.py."""

from __future__ import annotations

_MAX_TRICK = {
    "en": (
        "Softmax overflowed: exp(1000) is inf, and inf / inf is NaN. Softmax does not change "
        "when you subtract a constant from every logit, so subtract the maximum along the axis "
        "before exp: the largest exponent is then exp(0) = 1."
    ),
    "ko": (
        "소프트맥스가 오버플로되었습니다: exp(1000)은 inf이고 inf / inf는 NaN입니다. 모든 로짓에서 같은 "
        "상수를 빼도 소프트맥스 값은 변하지 않으므로, exp를 취하기 전에 축 방향의 최댓값을 빼세요. 그러면 "
        "가장 큰 지수는 exp(0) = 1이 됩니다."
    ),
}

_HINTS: dict[str, dict[str, str]] = {
    "softmax_overflow": _MAX_TRICK,
    "softmax_max_trick": _MAX_TRICK,
    "softmax_global_max": {
        "en": (
            "You subtracted the maximum of the whole array, not of each slice along the axis. A "
            "row far below the global maximum then underflows to all zeros, and 0 / 0 is NaN. Use "
            "x.max(axis=axis, keepdims=True)."
        ),
        "ko": (
            "각 축 방향 조각의 최댓값이 아니라 배열 전체의 최댓값을 뺐습니다. 전체 최댓값보다 훨씬 작은 행은 "
            "모두 0으로 언더플로되고 0 / 0은 NaN입니다. x.max(axis=axis, keepdims=True)를 쓰세요."
        ),
    },
    "softmax_keepdims": {
        "en": (
            "You subtract a maximum and divide by a sum, but without keepdims=True: for a batch "
            "the reduced array has lost the axis, so NumPy broadcasts it against the wrong axis "
            "(or not at all). Write x.max(axis=axis, keepdims=True) and "
            "e.sum(axis=axis, keepdims=True)."
        ),
        "ko": (
            "최댓값을 빼고 합으로 나누었지만 keepdims=True가 없습니다. 배치 입력에서는 줄어든 배열이 축을 잃어 "
            "NumPy가 엉뚱한 축으로 브로드캐스트합니다(또는 오류가 납니다). x.max(axis=axis, keepdims=True)와 "
            "e.sum(axis=axis, keepdims=True)를 쓰세요."
        ),
    },
    "overflow": {
        "en": (
            "Your function returned NaN or inf where the true value is finite: an intermediate "
            "such as np.exp(1000) overflowed. Rewrite it so no exponent is large, e.g. use "
            "exp(-|x|) and the function's symmetry."
        ),
        "ko": (
            "참값은 유한한데 함수가 NaN이나 inf를 반환했습니다: np.exp(1000) 같은 중간값이 오버플로되었습니다. "
            "큰 지수가 생기지 않도록 식을 바꾸세요. 예를 들어 exp(-|x|)와 함수의 대칭성을 이용하세요."
        ),
    },
    "sigmoid_precedence": {
        "en": (
            "You computed 1 / 1 + exp(-x), which Python reads as (1 / 1) + exp(-x) = 1 + exp(-x): "
            "division binds tighter than addition. Put the denominator in parentheses: "
            "1 / (1 + np.exp(-x))."
        ),
        "ko": (
            "1 / 1 + exp(-x)를 계산했습니다. 파이썬은 나눗셈을 덧셈보다 먼저 하므로 이는 (1 / 1) + exp(-x) = "
            "1 + exp(-x)입니다. 분모를 괄호로 묶으세요: 1 / (1 + np.exp(-x))."
        ),
    },
    "tanh_grad_one_minus_x": {
        "en": (
            "You returned 1 - x. The derivative of tanh is 1 - tanh(x)**2: it is written in terms "
            "of the output tanh(x), not the input x."
        ),
        "ko": (
            "1 - x를 반환했습니다. tanh의 도함수는 1 - tanh(x)**2입니다. 입력 x가 아니라 출력 tanh(x)로 "
            "쓴 식입니다."
        ),
    },
    "tanh_grad_x_squared": {
        "en": (
            "You returned 1 - x**2. That is the derivative written in terms of the output: "
            "1 - tanh(x)**2. Apply tanh to x first, then square."
        ),
        "ko": (
            "1 - x**2를 반환했습니다. 도함수는 출력으로 쓴 식 1 - tanh(x)**2입니다. x에 먼저 tanh를 "
            "적용한 뒤 제곱하세요."
        ),
    },
    "tanh_grad_missing_square": {
        "en": "You returned 1 - tanh(x); the derivative is 1 - tanh(x)**2.",
        "ko": "1 - tanh(x)를 반환했습니다. 도함수는 1 - tanh(x)**2입니다 (제곱이 빠졌습니다).",
    },
    "sigmoid_sign_flip": {
        "en": (
            "Your sigmoid is mirrored: you computed 1 / (1 + exp(x)), which is sigmoid(-x) = "
            "1 - sigmoid(x). Check the sign: sigmoid(x) = 1 / (1 + exp(-x)), so sigmoid(1) = 0.7311."
        ),
        "ko": (
            "시그모이드가 좌우로 뒤집혔습니다: 1 / (1 + exp(x))는 sigmoid(-x) = 1 - sigmoid(x)입니다. 부호를 "
            "확인하세요: sigmoid(x) = 1 / (1 + exp(-x))이므로 sigmoid(1) = 0.7311입니다."
        ),
    },
    "sigmoid_grad_of_input": {
        "en": (
            "You returned x * (1 - x). The derivative is s * (1 - s) with s = sigmoid(x): apply it "
            "to the sigmoid's output, not to x. Its maximum is 0.25 at x = 0."
        ),
        "ko": (
            "x * (1 - x)를 반환했습니다. 도함수는 s = sigmoid(x)일 때 s * (1 - s)입니다. x가 아니라 "
            "시그모이드의 출력에 적용하세요. 최댓값은 x = 0에서 0.25입니다."
        ),
    },
    "one_at_zero": {
        "en": (
            "At x = 0 your function returns 1 where it should return 0: only x > 0 gives 1. "
            "A mask written as x >= 0, or as 'not x < 0', puts 0 on the wrong side."
        ),
        "ko": (
            "x = 0에서 0이어야 하는데 1을 반환했습니다. 1은 x > 0일 때만입니다. x >= 0이나 'x < 0이 아님'으로 "
            "쓴 마스크는 0을 잘못된 쪽에 넣습니다."
        ),
    },
    "wrong_default_alpha": {
        "en": "Called without alpha, your negative slope is {alpha:g}; the default must be alpha=0.01.",
        "ko": "alpha 없이 호출하면 음수 구간 기울기가 {alpha:g}입니다. 기본값은 alpha=0.01이어야 합니다.",
    },
    "dead_if_any_row": {
        "en": (
            "A unit is dead only if relu(X @ W + b) is 0 for every row of X (np.all over axis 0), "
            "not for some row."
        ),
        "ko": (
            "유닛은 X의 모든 행에서 relu(X @ W + b)가 0일 때만 죽은 것입니다 (axis 0에 대한 np.all). "
            "어느 한 행에서 0인 것으로는 부족합니다."
        ),
    },
    "collapse_summed_biases": {
        "en": (
            "The combined bias is not the sum of the biases: each bias passes through the layers "
            "after it. For y = (x @ W1 + b1) @ W2 + b2, the bias is b1 @ W2 + b2."
        ),
        "ko": (
            "합쳐진 편향은 편향들의 합이 아닙니다. 각 편향은 뒤에 오는 층의 가중치를 거칩니다. "
            "y = (x @ W1 + b1) @ W2 + b2이면 편향은 b1 @ W2 + b2입니다."
        ),
    },
    "mutating_input": {
        "en": (
            "Your function overwrote its input array (for example x[x < 0] = 0 or "
            "np.maximum(x, 0, out=x)). The caller still needs x: build a new array with "
            "np.maximum(x, 0) or work on x.copy()."
        ),
        "ko": (
            "함수가 입력 배열을 덮어썼습니다 (예: x[x < 0] = 0 또는 np.maximum(x, 0, out=x)). 호출한 쪽은 "
            "여전히 x가 필요합니다. np.maximum(x, 0)으로 새 배열을 만들거나 x.copy()에서 작업하세요."
        ),
    },
    "slow_loop": {
        "en": (
            "Your function took {seconds:.3f} s on {size:,} elements, {slowdown:.0f}x slower than "
            "a vectorised version: a Python loop over the elements? Use whole-array NumPy "
            "operations (np.where, np.maximum, np.exp)."
        ),
        "ko": (
            "함수가 원소 {size:,}개에 {seconds:.3f}초 걸려 벡터화된 구현보다 {slowdown:.0f}배 느립니다. 원소마다 "
            "파이썬 반복문을 돌렸나요? 배열 전체에 대한 NumPy 연산(np.where, np.maximum, np.exp)을 쓰세요."
        ),
    },
    "numerical_warning": {
        "en": (
            "Your values were right in '{test}', but NumPy warned: {warning}. Not a penalty; it "
            "usually means an intermediate overflowed or divided by zero and you got lucky."
        ),
        "ko": (
            "'{test}'에서 값은 맞았지만 NumPy 경고가 있었습니다: {warning}. 감점은 없습니다. 보통 중간값이 "
            "오버플로되었거나 0으로 나누었는데 운 좋게 결과가 맞았다는 뜻입니다."
        ),
    },
    "float32_precision": {
        "en": (
            "For a float64 input you returned float32, which keeps only about 7 digits; it is "
            "judged at float64 precision. Keep the input's dtype (avoid .astype(np.float32))."
        ),
        "ko": (
            "float64 입력에 float32를 반환했습니다. float32는 약 7자리만 유지하지만 채점은 float64 정밀도로 "
            "합니다. 입력의 dtype을 유지하세요 (.astype(np.float32)를 피하세요)."
        ),
    },
    "object_array": {
        "en": (
            "Your function returned an array of Python objects (np.frompyfunc, np.vectorize with "
            "otypes=[object], or a list of mixed types). It was converted to numbers at a cost; "
            "return a float array: whole-array NumPy operations give one directly."
        ),
        "ko": (
            "파이썬 객체 배열을 반환했습니다 (np.frompyfunc, otypes=[object]인 np.vectorize, 섞인 타입의 "
            "리스트 등). 숫자로 변환해 채점했지만 감점이 있습니다. 배열 전체 NumPy 연산으로 float 배열을 "
            "바로 반환하세요."
        ),
    },
    "detached_graph": {
        "en": (
            "No gradient reached the input: the autograd graph was cut. .detach(), .data, "
            "x.numpy() / torch.from_numpy(...) and torch.tensor(existing_tensor) all produce a "
            "tensor autograd cannot trace back. Build the result from torch operations on x itself."
        ),
        "ko": (
            "기울기가 입력까지 오지 않았습니다: autograd 계산 그래프가 끊겼습니다. .detach(), .data, "
            "x.numpy() / torch.from_numpy(...), torch.tensor(기존_텐서)는 모두 autograd가 거슬러 올라갈 수 없는 "
            "텐서를 만듭니다. x에 대한 torch 연산만으로 결과를 만드세요."
        ),
    },
    "backward_returned_none": {
        "en": (
            "Your backward returned None for x, which tells autograd there is no gradient. Return "
            "grad_output multiplied by the derivative, a tensor shaped like x."
        ),
        "ko": (
            "backward가 x에 대해 None을 반환했습니다. 이는 autograd에 기울기가 없다고 알리는 것입니다. "
            "grad_output에 도함수를 곱한, x와 같은 shape의 텐서를 반환하세요."
        ),
    },
    "not_autograd_function": {
        "en": (
            "Your {name} is not a torch.autograd.Function subclass: the exercise is to write one, "
            "with @staticmethod forward(ctx, x) and backward(ctx, grad_output), and call it as "
            "{name}.apply(x)."
        ),
        "ko": (
            "{name}이(가) torch.autograd.Function의 하위 클래스가 아닙니다. 이 문제는 @staticmethod "
            "forward(ctx, x)와 backward(ctx, grad_output)를 가진 Function을 작성해 {name}.apply(x)로 "
            "호출하는 것입니다."
        ),
    },
    "gradient_overflow": {
        "en": (
            "Your gradient is NaN or inf where the true gradient is finite: an intermediate such as "
            "torch.exp(1000.) overflowed to inf, and backward then multiplied inf by 0. Rewrite the "
            "formula so no exponent is large, e.g. use exp(-|x|) and the function's symmetry."
        ),
        "ko": (
            "참 기울기는 유한한데 기울기가 NaN이나 inf입니다: torch.exp(1000.) 같은 중간값이 inf로 "
            "오버플로되었고 역전파에서 inf에 0을 곱했습니다. 큰 지수가 생기지 않도록 식을 바꾸세요. 예를 들어 "
            "exp(-|x|)와 함수의 대칭성을 이용하세요."
        ),
    },
    "torch_dtype_changed": {
        "en": (
            "For a {expected} input your output is {got}. PyTorch exercises keep the input's dtype: "
            "avoid .double()/.float() and masks of another dtype, and convert with .to(x.dtype) "
            "when you must."
        ),
        "ko": (
            "{expected} 입력에 대해 출력이 {got}입니다. PyTorch 문제에서는 입력의 dtype을 유지해야 합니다. "
            ".double()/.float()와 다른 dtype의 마스크를 피하고, 꼭 필요하면 .to(x.dtype)로 변환하세요."
        ),
    },
    "torch_mutating_input": {
        "en": (
            "Your code changed the input tensor in place (for example x[x < 0] = 0, x.clamp_(...) "
            "or x.mul_(...)). The caller still needs x: use out-of-place operations such as "
            "torch.where or x.clamp(min=0)."
        ),
        "ko": (
            "코드가 입력 텐서를 제자리에서 바꿨습니다 (예: x[x < 0] = 0, x.clamp_(...), x.mul_(...)). 호출한 "
            "쪽은 여전히 x가 필요합니다. torch.where나 x.clamp(min=0) 같은 새 텐서를 만드는 연산을 쓰세요."
        ),
    },
    "nan_at_infinity": {
        "en": (
            "At x = +-inf your output is NaN although the true value is finite: an intermediate "
            "computed inf * 0 or inf / inf (x times a 0/1 mask, or exp(x) / (1 + exp(x))). Select "
            "instead of multiplying, e.g. torch.where(x > 0, x, torch.zeros_like(x)) or "
            "x.clamp(min=0), and keep exponents from overflowing."
        ),
        "ko": (
            "입력이 ±inf일 때 참값은 유한한데 출력이 NaN입니다: 중간 계산에서 inf * 0이나 inf / inf가 "
            "생겼습니다 (x에 0/1 마스크를 곱하거나 exp(x) / (1 + exp(x))). 곱하지 말고 골라내세요. 예: "
            "torch.where(x > 0, x, torch.zeros_like(x)) 또는 x.clamp(min=0). 지수가 오버플로되지 않게 하세요."
        ),
    },
    "wrong_default_slope": {
        "en": (
            "Called without arguments, your negative slope is {got:g}; the default must be "
            "{expected:g}, as in nn.LeakyReLU."
        ),
        "ko": (
            "인자 없이 만들었을 때 음수 구간 기울기가 {got:g}입니다. nn.LeakyReLU처럼 기본값은 {expected:g}이어야 "
            "합니다."
        ),
    },
    "backward_without_derivative": {
        "en": (
            "Your backward returns grad_output unchanged, as if the function were the identity. "
            "The chain rule multiplies the upstream gradient by the local derivative: for ReLU, "
            "grad_output * (x > 0)."
        ),
        "ko": (
            "backward가 grad_output을 그대로 반환합니다. 함수가 항등 함수인 것처럼요. 연쇄 법칙은 위에서 온 "
            "기울기에 국소 도함수를 곱합니다. ReLU라면 grad_output * (x > 0)입니다."
        ),
    },
    "backward_without_upstream": {
        "en": (
            "Your backward returns the local derivative alone. The chain rule multiplies it by the "
            "upstream gradient: return grad_output * derivative."
        ),
        "ko": (
            "backward가 국소 도함수만 반환합니다. 연쇄 법칙에 따라 위에서 온 기울기를 곱해야 합니다: "
            "grad_output * 도함수를 반환하세요."
        ),
    },
    "backward_one_at_zero": {
        "en": (
            "At x = 0 your gradient passes grad_output through; PyTorch takes ReLU's derivative at "
            "0 as 0: the mask must be x > 0 (x >= 0, or 'not x < 0', lets 0 through)."
        ),
        "ko": (
            "x = 0에서 기울기가 grad_output을 그대로 통과시킵니다. PyTorch는 0에서 ReLU의 도함수를 0으로 "
            "봅니다. 마스크는 x > 0이어야 합니다 (x >= 0이나 'x < 0이 아님'은 0을 통과시킵니다)."
        ),
    },
    "activation_on_logits": {
        "en": (
            "Your MLP applies {activation} after the last layer. Return the raw logits: "
            "nn.CrossEntropyLoss applies log-softmax itself, so an activation at the end is applied "
            "on top of it and squashes the gradients."
        ),
        "ko": (
            "MLP가 마지막 층 뒤에 {activation}을(를) 적용합니다. 로짓을 그대로 반환하세요. "
            "nn.CrossEntropyLoss가 log-softmax를 직접 적용하므로, 끝에 둔 활성화 함수는 그 위에 한 번 더 "
            "적용되어 기울기를 뭉갭니다."
        ),
    },
    "missing_hidden_activation": {
        "en": (
            "Your MLP has no ReLU between the layers, so the two Linear layers collapse into a "
            "single linear map (W2 W1 x + ...): stacking them adds nothing. Put a ReLU between them."
        ),
        "ko": (
            "MLP의 두 층 사이에 ReLU가 없어서 두 Linear 층이 하나의 선형 변환(W2 W1 x + ...)으로 합쳐집니다. "
            "층을 쌓은 의미가 없습니다. 두 층 사이에 ReLU를 넣으세요."
        ),
    },
    "mlp_layers": {
        "en": (
            "The exercise asks for exactly two nn.Linear layers, {wanted}; your module has "
            "{found}. Every extra or missing layer changes what the network computes."
        ),
        "ko": (
            "이 문제는 정확히 두 개의 nn.Linear 층 {wanted}을(를) 요구하지만 모듈에는 {found}이(가) "
            "있습니다. 층이 더 있거나 빠지면 네트워크가 계산하는 값이 달라집니다."
        ),
    },
}

HINT_MESSAGES: dict[str, dict[str, str]] = {f"hint.{name}": t for name, t in _HINTS.items()}
