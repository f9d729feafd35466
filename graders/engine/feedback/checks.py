"""The texts of the code checks' messages: run failures, values, properties, gradients."""

from __future__ import annotations

_CHECKS: dict[str, tuple[str, str]] = {
    # Verdict errors (graders/engine/code.py, grade.py).
    "error.empty": ("no code was submitted", "제출한 코드가 없습니다"),
    "error.too_long": (
        "the code is longer than {limit:,} bytes",
        "코드가 {limit:,}바이트보다 깁니다",
    ),
    "error.no_sandbox": ("no sandbox was given", "샌드박스가 없습니다"),
    "error.sandbox": ("the sandbox failed: {detail}", "샌드박스가 실패했습니다: {detail}"),
    "error.spec": (
        "the exercise is misconfigured: {detail}",
        "문제 설정이 잘못되었습니다: {detail}",
    ),
    "error.reference": (
        "the reference solution failed ({detail})",
        "정답 코드가 실패했습니다 ({detail})",
    ),
    "error.reference_in_test": (
        "the reference solution failed in test '{test}': {detail}",
        "정답 코드가 '{test}' 테스트에서 실패했습니다: {detail}",
    ),
    "run.syntax_error": ("your code has a syntax error", "코드에 문법 오류가 있습니다"),
    "run.missing_entry_point": (
        "your code does not define the required function or class",
        "코드에 필요한 함수나 클래스가 정의되어 있지 않습니다",
    ),
    "run.forbidden": (
        "your code uses something this exercise forbids",
        "이 문제에서 금지된 것을 코드에서 사용했습니다",
    ),
    "run.timeout": ("your code ran out of time", "코드가 시간 제한을 넘었습니다"),
    "run.memory": ("your code ran out of memory", "코드가 메모리 제한을 넘었습니다"),
    "run.output_limit": ("your code printed too much", "코드가 너무 많이 출력했습니다"),
    "run.crash": (
        "your code crashed the process that ran it",
        "코드가 실행 프로세스를 중단시켰습니다",
    ),
    "run.exception": (
        "your code raised an error while it was being loaded",
        "코드를 불러오는 중에 오류가 발생했습니다",
    ),
    "run.unknown": ("your code could not be run", "코드를 실행할 수 없었습니다"),
    "run.with_detail": ("{reason}: {detail}", "{reason}: {detail}"),
    "test.not_run": ("not run: {reason}", "실행되지 않음: {reason}"),
    # Rules read off the source before it runs (source_rules.py).
    "source.refused": ("{rule} (line {line})", "{rule} ({line}번째 줄)"),
    "source.module_unavailable": (
        "module {module} is not available in the grader: use numpy (or torch) and math",
        "채점기에서는 {module} 모듈을 쓸 수 없습니다: numpy(또는 torch)와 math를 사용하세요",
    ),
    "source.other_framework": (
        "this is a {framework} exercise: {module} cannot be used here",
        "이 문제는 {framework} 문제입니다: 여기서는 {module}을(를) 쓸 수 없습니다",
    ),
    "source.internals": (
        "{name} reaches the framework's internals, which submissions may not use",
        "{name}은(는) 프레임워크 내부에 접근하므로 제출 코드에서 쓸 수 없습니다",
    ),
    "source.introspection": (
        "{name} inspects the grader's own objects, which submissions may not do",
        "{name}은(는) 채점기 자신의 객체를 들여다보므로 제출 코드에서 쓸 수 없습니다",
    ),
    "source.dynamic": (
        "{name} is not allowed in submissions: write the code out directly",
        "제출 코드에서는 {name}을(를) 쓸 수 없습니다: 코드를 직접 작성하세요",
    ),
    "source.computed_attribute": (
        "{call} with a computed attribute name is not allowed: write the attribute out",
        "계산된 속성 이름으로 {call}을(를) 쓸 수 없습니다: 속성을 직접 쓰세요",
    ),
    "source.not_a_function_class": (
        (
            "{name} is not a subclass of torch.autograd.Function, so its gradient is not "
            "your backward's: the gradient tests need `class {name}(torch.autograd.Function)`"
        ),
        (
            "{name}이(가) torch.autograd.Function의 하위 클래스가 아니므로 기울기가 직접 "
            "작성한 backward에서 나오지 않습니다: `class {name}(torch.autograd.Function)`이 필요합니다"
        ),
    ),
    "source.function_override": (
        "{name} redefines {member}, which autograd provides: define forward and backward only",
        "{name}이(가) autograd가 제공하는 {member}을(를) 다시 정의합니다: forward와 backward만 정의하세요",
    ),
    "source.no_backward": (
        "{name} must define both forward and backward as static methods",
        "{name}에 forward와 backward를 정적 메서드로 모두 정의해야 합니다",
    ),
    "check.unexpected_form": (
        "your output could not be checked (it has an unexpected form)",
        "출력을 확인할 수 없었습니다 (예상하지 못한 형태입니다)",
    ),
    # One call's outcome (checks/base.py).
    "call.never_ran": (
        "your function was never called for this test (an earlier call stopped the run)",
        "이 테스트에서는 함수가 호출되지 않았습니다 (앞선 호출이 실행을 멈췄습니다)",
    ),
    "call.unsupported_return": (
        "your function returned something that is not an array of numbers: {error}",
        "함수가 숫자 배열이 아닌 값을 반환했습니다: {error}",
    ),
    "call.raised": ("your function raised {error}", "함수에서 오류가 발생했습니다: {error}"),
    "call.raised_hidden": (
        "your function raised {exception}",
        "함수에서 {exception} 오류가 발생했습니다",
    ),
    "case.where": ("{label}: {message}", "{label}: {message}"),
    "values.passed": ("all outputs match the reference", "모든 출력이 정답과 일치합니다"),
    "torch.values.passed": ("the output matches the reference", "출력이 정답과 일치합니다"),
    "values.call_problem": ("{call}: {problem}", "{call}: {problem}"),
    "values.mismatch": (
        "{call}\nexpected: {expected}\ngot:      {got}\n{detail}",
        "{call}\n기대값: {expected}\n결과값: {got}\n{detail}",
    ),
    "values.partial": (
        "{detail}\n{right} of {total} values right: {points:g} of {max_points:g} points",
        "{detail}\n값 {total}개 중 {right}개가 맞음: {max_points:g}점 중 {points:g}점",
    ),
    "values.object_array": (
        (
            "{detail}\nyour output is an array of Python objects; it was judged as numbers, "
            "{points:g} of {max_points:g} points"
        ),
        "{detail}\n출력이 파이썬 객체 배열이라 숫자로 변환해 채점했습니다: {max_points:g}점 중 {points:g}점",
    ),
    "values.object_array_passed": (
        (
            "the values are right, but as an array of Python objects: {points:g} of "
            "{max_points:g} points"
        ),
        "값은 맞지만 파이썬 객체 배열입니다: {max_points:g}점 중 {points:g}점",
    ),
    "values.float32_for_float64": (
        "{detail}\nyour output is float32 for a float64 input; it is judged at float64 precision",
        "{detail}\nfloat64 입력에 float32를 출력했습니다. float64 정밀도로 채점합니다",
    ),
    "output.not_numbers": ("expected an array of numbers", "숫자 배열이어야 합니다"),
    "torch.output.not_numbers": (
        "expected a tensor of numbers, got dtype {dtype}",
        "숫자 텐서여야 하는데 dtype이 {dtype}입니다",
    ),
    "torch.not_tensor": (
        "your code returned a {type}, expected a torch.Tensor",
        "코드가 {type}을(를) 반환했습니다. torch.Tensor여야 합니다",
    ),
    # Input mutation (checks/mutation.py).
    "mutation.changed": (
        (
            "your function changed its argument {position} in place ({changed}); "
            "the caller's array must stay as it was"
        ),
        "함수가 {position}번째 인자를 제자리에서 바꿨습니다 ({changed}). 호출한 쪽의 배열은 그대로여야 합니다",
    ),
    "torch.mutation.changed": (
        (
            "your code changed its tensor argument {position} in place ({changed}); "
            "the caller's tensor must stay as it was"
        ),
        (
            "코드가 {position}번째 텐서 인자를 제자리에서 바꿨습니다 ({changed}). 호출한 쪽의 텐서는 "
            "그대로여야 합니다"
        ),
    ),
    "mutation.became_type": ("it became a {type}", "{type}이(가) 되었습니다"),
    "mutation.shape_changed": (
        "its shape or dtype changed to {shape} {dtype}",
        "shape 또는 dtype이 {shape} {dtype}(으)로 바뀌었습니다",
    ),
    "mutation.overwritten": (
        "{count} of {size} elements were overwritten",
        "원소 {size}개 중 {count}개를 덮어썼습니다",
    ),
    "mutation.unreadable": (
        "the arguments could not be read back after the call",
        "호출 뒤 인자를 다시 읽을 수 없었습니다",
    ),
    "mutation.unchanged": ("the input is left unchanged", "입력이 바뀌지 않았습니다"),
    "values.ignores_input": (
        "not scored: your function returns {what} whatever it is given",
        "채점하지 않음: 함수가 입력과 상관없이 {what}을(를) 반환합니다",
    ),
    "values.a_constant": ("the same constant", "같은 상수"),
    "values.its_input": ("its input unchanged", "입력 그대로"),
    "values_first": (
        "not scored yet: this test counts once your values are at least partly right",
        "아직 채점하지 않음: 값이 어느 정도 맞아야 이 테스트의 점수가 인정됩니다",
    ),
    # Properties (checks/properties.py).
    "property.range.passed": (
        "every output lies in [{low}, {high}]",
        "모든 출력이 [{low}, {high}] 안에 있습니다",
    ),
    "property.sums_to_one.passed": (
        "the outputs sum to 1 along axis {axis}",
        "출력의 합이 axis {axis} 방향으로 1입니다",
    ),
    "property.monotonic.passed": (
        "the output never decreases as the input grows",
        "입력이 커질 때 출력이 줄어들지 않습니다",
    ),
    "property.not_finite": (
        "{count} outputs are NaN or infinite",
        "출력 {count}개가 NaN이거나 무한대입니다",
    ),
    "property.outside": (
        "{count} outputs lie outside [{low:g}, {high:g}]",
        "출력 {count}개가 [{low:g}, {high:g}] 밖에 있습니다",
    ),
    "property.no_axis": ("the output has no axis to sum over", "출력에 합을 구할 축이 없습니다"),
    "property.negative": (
        "some outputs are negative, so they are not probabilities",
        "음수인 출력이 있어 확률이 아닙니다",
    ),
    "property.not_summing": (
        "the outputs do not sum to 1 along axis {axis} (off by up to {worst:.3g})",
        "출력의 합이 axis {axis} 방향으로 1이 아닙니다 (최대 {worst:.3g} 차이)",
    ),
    "property.decreases": (
        "the output decreases {count} times while the input increases",
        "입력이 커지는 동안 출력이 {count}번 줄어듭니다",
    ),
    "property.constant": (
        "the output does not depend on the input",
        "출력이 입력에 따라 달라지지 않습니다",
    ),
    # Comparing with the reference (compare.py, tolerance.py).
    "compare.tuple_length": (
        "expected a tuple of {expected} outputs, got {what}",
        "출력 {expected}개의 튜플이어야 하는데 {what}입니다",
    ),
    "compare.tuple_of": ("a tuple of {count}", "원소 {count}개의 튜플"),
    "compare.output_index": ("output [{index}]: {detail}", "출력 [{index}]: {detail}"),
    "compare.not_array": ("expected an array, got {kind}", "배열이어야 하는데 {kind}입니다"),
    "compare.shape": (
        "expected shape {expected}, got shape {got}",
        "shape이 {expected}이어야 하는데 {got}입니다",
    ),
    "compare.differ": (
        (
            "{mismatches} of {size} elements differ; the worst is at index {index}: "
            "expected {expected}, got {got}"
        ),
        (
            "원소 {size}개 중 {mismatches}개가 다릅니다. 가장 큰 차이는 인덱스 {index}: "
            "기대값 {expected}, 결과값 {got}"
        ),
    ),
    "compare.differ_error": (
        (
            "{mismatches} of {size} elements differ; the worst is at index {index}: "
            "expected {expected}, got {got} (error {error:.3g}, allowed {allowed:.3g})"
        ),
        (
            "원소 {size}개 중 {mismatches}개가 다릅니다. 가장 큰 차이는 인덱스 {index}: "
            "기대값 {expected}, 결과값 {got} (오차 {error:.3g}, 허용 {allowed:.3g})"
        ),
    ),
    "dtype.same": (
        "the output should have dtype {expected}, yours has {got}",
        "출력 dtype은 {expected}이어야 하는데 {got}입니다",
    ),
    "dtype.bool": (
        "the output should be a boolean array, yours has dtype {got}",
        "출력은 불리언 배열이어야 하는데 dtype이 {got}입니다",
    ),
    "dtype.is_bool": (
        "the output should hold numbers, yours is a boolean array",
        "출력은 숫자여야 하는데 불리언 배열입니다",
    ),
    "dtype.not_numbers": (
        "the output should hold numbers, yours has dtype {got}",
        "출력은 숫자여야 하는데 dtype이 {got}입니다",
    ),
    "dtype.float16": (
        "the output is float16, which keeps about 3 digits; return {expected} (or at least float32)",
        "출력이 약 3자리만 유지하는 float16입니다. {expected}(최소한 float32)로 반환하세요",
    ),
    "hidden.nonfinite": (
        "{mismatches} of {size} values are NaN or infinite where a finite value is expected",
        "값 {size}개 중 {mismatches}개가 유한해야 하는데 NaN이거나 무한대입니다",
    ),
    "hidden.should_be_special": (
        "{mismatches} of {size} values should be NaN or infinite but are not (or have the wrong sign)",
        "값 {size}개 중 {mismatches}개가 NaN이나 무한대여야 하는데 아닙니다 (또는 부호가 틀립니다)",
    ),
    "hidden.wrong": (
        "{mismatches} of {size} values are wrong (outside the tolerance)",
        "값 {size}개 중 {mismatches}개가 틀렸습니다 (허용 오차 밖)",
    ),
    # Stability probes and speed (checks/stability.py, checks/speed.py).
    "stability.failures": (
        "{first}\nalso wrong on: {others}",
        "{first}\n다음에서도 틀림: {others}",
    ),
    "stability.passed": ("stable on: {labels}", "안정적인 입력: {labels}"),
    "probe.large": ("large magnitudes (+-1000)", "큰 값 (±1000)"),
    "probe.large_rows": ("large logits (around 1000) in a batch", "배치 안의 큰 로짓 (1000 근처)"),
    "probe.tiny": ("tiny magnitudes (1e-300, subnormals)", "매우 작은 값 (1e-300, 비정규 수)"),
    "probe.inf": ("infinities (+-inf)", "무한대 (±inf)"),
    "probe.neg_inf": ("a -inf logit", "-inf 로짓"),
    "probe.nan": (
        "NaN in the input (it should come out as NaN)",
        "입력의 NaN (출력도 NaN이어야 함)",
    ),
    "probe.empty": ("an empty array", "빈 배열"),
    "probe.empty_rows": ("an empty batch (shape (0, 4))", "빈 배치 (shape (0, 4))"),
    "probe.scalar": ("a 0-d array", "0차원 배열"),
    "probe.float32": ("a float32 input", "float32 입력"),
    "probe.float32_large": ("large float32 magnitudes (+-100)", "큰 float32 값 (±100)"),
    "probe.matrix": ("a 2-D input", "2차원 입력"),
    "speed.passed": (
        "right values on {size:,} elements in {seconds:.3f} s ({slowdown:.0f}x the reference's time)",
        "원소 {size:,}개에서 {seconds:.3f}초 만에 맞는 값 (정답 코드 시간의 {slowdown:.0f}배)",
    ),
    # Gradients (checks/torch_grad.py).
    "grad.where": ("{call}: {message}", "{call}: {message}"),
    "grad.backward_none": (
        "no gradient reached the input: your backward returned None for x",
        "기울기가 입력까지 오지 않았습니다: backward가 x에 대해 None을 반환했습니다",
    ),
    "grad.detached": (
        (
            "no gradient reached the input: the computation graph is cut "
            "(.detach(), .data, a NumPy round trip or torch.tensor(...) on the output)"
        ),
        (
            "기울기가 입력까지 오지 않았습니다: 계산 그래프가 끊겼습니다 "
            "(.detach(), .data, NumPy 왕복 변환, 출력에 torch.tensor(...) 사용)"
        ),
    ),
    "grad.passed": ("the gradient matches the reference", "기울기가 정답과 일치합니다"),
    "grad.differs_hidden": (
        "the gradient differs from the reference's: {detail}",
        "기울기가 정답과 다릅니다: {detail}",
    ),
    "grad.mismatch": (
        (
            "{call}, backward with upstream gradient {upstream}\nexpected gradient: {expected}\n"
            "got gradient:      {got}\n{detail}"
        ),
        "{call}, 위에서 온 기울기 {upstream}로 역전파\n기대 기울기: {expected}\n결과 기울기: {got}\n{detail}",
    ),
    "gradcheck.dtype": (
        "for a {dtype} input your output is {got}; the numerical gradient check needs {dtype} throughout",
        "{dtype} 입력에 대해 출력이 {got}입니다. 수치 기울기 검사에는 처음부터 끝까지 {dtype}이 필요합니다",
    ),
    "gradcheck.near": ("near the test input, {problem}", "테스트 입력 근처에서: {problem}"),
    "gradcheck.shape": ("the output shape should be {shape}", "출력 shape은 {shape}이어야 합니다"),
    "gradcheck.not_finite": (
        "your forward pass is NaN or infinite near the test input",
        "테스트 입력 근처에서 순전파 값이 NaN이거나 무한대입니다",
    ),
    "gradcheck.passed": (
        "the gradient agrees with finite differences",
        "기울기가 수치 미분과 일치합니다",
    ),
    "gradcheck.disagrees": (
        (
            "your gradient disagrees with the numerical derivative of your own forward pass "
            "(central differences in {dtype}) in {mismatches} of {count} directions"
        ),
        (
            "기울기가 여러분의 순전파를 수치 미분한 값({dtype} 중앙 차분)과 방향 {count}개 중 {mismatches}개에서 "
            "다릅니다"
        ),
    ),
    "gradcheck.disagrees_worst": (
        "{summary}; worst direction {index}: backward gives {analytic:.6g}, differences give {numeric:.6g}",
        "{summary}. 가장 큰 차이는 방향 {index}: backward는 {analytic:.6g}, 수치 미분은 {numeric:.6g}",
    ),
    "autograd.is_function": (
        "{name} is a torch.autograd.Function: autograd called your backward",
        "{name}은(는) torch.autograd.Function입니다: autograd가 여러분의 backward를 호출했습니다",
    ),
    "autograd.not_function": (
        (
            "{name}.apply is not torch.autograd.Function.apply: the result carries no {name} "
            "node in its autograd graph"
        ),
        (
            "{name}.apply가 torch.autograd.Function.apply가 아닙니다: 결과의 autograd 그래프에 {name} "
            "노드가 없습니다"
        ),
    ),
    # The MLP (checks/torch_mlp.py).
    "mlp.no_parameters": (
        "your module has no parameters; it needs {wanted}",
        "모듈에 파라미터가 없습니다. {wanted}이(가) 필요합니다",
    ),
    "mlp.layers": (
        "expected two nn.Linear layers, {wanted}; found {found}",
        "nn.Linear 층 두 개({wanted})가 필요한데 {found}이(가) 있습니다",
    ),
    "mlp.layers_passed": (
        "{wanted} found, output shape is right",
        "{wanted}이(가) 있고 출력 shape이 맞습니다",
    ),
    "mlp.not_loadable": (
        "the grader could not load its own weights into your module: {detail}",
        "채점기가 모듈에 자신의 가중치를 넣을 수 없었습니다: {detail}",
    ),
    "mlp.output_shape": (
        "for a batch of shape {batch} the output should have shape {shape}, yours has {got}",
        "shape {batch}인 배치에 대해 출력 shape은 {shape}이어야 하는데 {got}입니다",
    ),
    "mlp.forward_passed": (
        "with the grader's weights in your layers, the output is relu(x W1^T + b1) W2^T + b2",
        "채점기의 가중치를 넣었을 때 출력이 relu(x W1^T + b1) W2^T + b2입니다",
    ),
    "mlp.forward_hidden": (
        (
            "with the grader's weights in your layers, the output is not relu(x W1^T + b1) W2^T + b2 "
            "({mismatches} of {size} values differ)"
        ),
        (
            "채점기의 가중치를 넣었을 때 출력이 relu(x W1^T + b1) W2^T + b2가 아닙니다 "
            "(값 {size}개 중 {mismatches}개가 다름)"
        ),
    ),
    "mlp.forward_mismatch": (
        (
            "{call}\nexpected (the grader's weights in your layers): {expected}\n"
            "got:                                            {got}\n{detail}"
        ),
        "{call}\n기대값 (채점기의 가중치): {expected}\n결과값:                  {got}\n{detail}",
    ),
    "mlp.logits_failed": (
        (
            "your output is {activation}(logits): return the last layer's output as it is; "
            "nn.CrossEntropyLoss applies log-softmax itself"
        ),
        (
            "출력이 {activation}(로짓)입니다. 마지막 층의 출력을 그대로 반환하세요. "
            "nn.CrossEntropyLoss가 log-softmax를 직접 적용합니다"
        ),
    ),
    "mlp.logits_passed": ("the output is raw logits", "출력이 로짓 그대로입니다"),
    "mlp.hidden_relu_missing": (
        "there is no ReLU between the layers: the output is linear in x",
        "층 사이에 ReLU가 없습니다: 출력이 x에 대해 선형입니다",
    ),
    "mlp.hidden_relu_passed": (
        "a ReLU sits between the two layers",
        "두 층 사이에 ReLU가 있습니다",
    ),
    "mlp.grad_detached": (
        (
            "no gradient reached the input x: the computation graph is cut "
            "(.detach(), .data, a NumPy round trip or torch.tensor(...) inside forward)"
        ),
        (
            "기울기가 입력 x까지 오지 않았습니다: 계산 그래프가 끊겼습니다 "
            "(forward 안의 .detach(), .data, NumPy 왕복 변환, torch.tensor(...))"
        ),
    ),
    "mlp.grad_passed": (
        "the gradient with respect to x is right",
        "x에 대한 기울기가 맞습니다",
    ),
    "mlp.grad_hidden": (
        "the gradient with respect to x is wrong in {mismatches} places",
        "x에 대한 기울기가 {mismatches}곳에서 틀렸습니다",
    ),
    "mlp.grad_mismatch": (
        (
            "expected gradient (the grader's weights in your layers): {expected}\n"
            "got gradient:                                            {got}\n{detail}"
        ),
        "기대 기울기 (채점기의 가중치): {expected}\n결과 기울기:                  {got}\n{detail}",
    ),
}

CHECK_MESSAGES: dict[str, dict[str, str]] = {
    message_id: {"en": en, "ko": ko} for message_id, (en, ko) in _CHECKS.items()
}
