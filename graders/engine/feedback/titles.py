"""Display names of the catalog's tests, by test name (``test.<name>``).

A test's ``name`` is an id (unique in its exercise, part of its call names and random
seeds); students see its title instead. A test of a new exercise without an entry here
shows its name with the underscores turned into spaces, so give it one.
"""

from __future__ import annotations

_TITLES: dict[str, tuple[str, str]] = {
    "a_large_input": ("Speed on ten thousand elements", "원소 1만 개에서의 속도"),
    "along_axis_0": ("Along axis 0", "axis 0 방향"),
    "along_dim_0": ("Along dim 0", "dim 0 방향"),
    "backward_is_zero_at_zero": ("Backward is 0 at x = 0", "x = 0에서 역전파 값은 0"),
    "backward_matches_reference": ("Backward matches the reference", "역전파가 정답과 일치"),
    "backward_random_batch": ("Backward on a random batch", "무작위 배치에서의 역전파"),
    "between_zero_and_one": ("Outputs between 0 and 1", "출력이 0과 1 사이"),
    "course_batch": ("The course's batch example", "강의의 배치 예제"),
    "course_example": ("The course's example", "강의 예제"),
    "course_example_c_cubed": ("The course's example (c cubed)", "강의 예제 (c의 세제곱)"),
    "course_values": ("The course's values", "강의의 예시 값"),
    "second_course_example": ("The course's second example", "강의의 두 번째 예제"),
    "deep_stack": ("A deep stack of layers", "여러 층을 쌓은 경우"),
    "default_alpha": ("Default alpha", "alpha 기본값"),
    "default_slope": ("Default slope", "기울기 기본값"),
    "depth_one_is_sigmoid_grad": (
        "Depth 1 is the sigmoid's derivative",
        "깊이 1은 시그모이드의 도함수",
    ),
    "depth_ten": ("Depth 10", "깊이 10"),
    "depth_two_at_zero": ("Depth 2 at x = 0", "x = 0에서 깊이 2"),
    "depth_zero_is_identity": ("Depth 0 changes nothing", "깊이 0은 아무것도 바꾸지 않음"),
    "edge_inputs": (
        "Edge inputs (huge, tiny, inf, NaN, empty)",
        "경계 입력 (매우 큼, 매우 작음, inf, NaN, 빈 배열)",
    ),
    "exactly_zero_counts_as_dead": ("Exactly 0 counts as dead", "정확히 0이면 죽은 유닛"),
    "explicit_alpha": ("An explicit alpha", "alpha를 지정한 경우"),
    "explicit_slope_keyword": ("A slope given by keyword", "키워드로 지정한 기울기"),
    "explicit_slope_positional": ("A slope given by position", "위치 인자로 지정한 기울기"),
    "extreme_inputs": ("Extreme inputs", "극단적인 입력"),
    "float64_keeps_dtype": ("A float64 input stays float64", "float64 입력은 float64로 유지"),
    "forward_course_example": ("Forward pass: the course's example", "순전파: 강의 예제"),
    "forward_float64_keeps_dtype": (
        "Forward pass: float64 stays float64",
        "순전파: float64는 float64로 유지",
    ),
    "forward_matches_own_weights": (
        "Forward pass with the grader's weights",
        "채점기 가중치로 계산한 순전파",
    ),
    "forward_other_sizes": ("Forward pass at other sizes", "다른 크기에서의 순전파"),
    "forward_special_values": ("Forward pass on special values", "특수한 값에서의 순전파"),
    "gradcheck_float64": (
        "Gradient agrees with finite differences (float64)",
        "기울기가 수치 미분과 일치 (float64)",
    ),
    "gradient_default_slope": ("Gradient with the default slope", "기본 기울기에서의 그래디언트"),
    "gradient_explicit_slope": ("Gradient with a given slope", "지정한 기울기에서의 그래디언트"),
    "gradient_finite_at_extremes": (
        "Gradient stays finite at extreme inputs",
        "극단적인 입력에서도 기울기가 유한함",
    ),
    "gradient_matches_reference": ("Gradient matches the reference", "기울기가 정답과 일치"),
    "input_gradient_flows": ("The gradient reaches the input", "기울기가 입력까지 전달됨"),
    "input_not_modified": ("The input is left unchanged", "입력을 바꾸지 않음"),
    "large_logits": ("Large logits", "큰 로짓"),
    "matrix": ("A 2-D input", "2차원 입력"),
    "never_above_a_quarter": ("Never above 0.25", "0.25를 넘지 않음"),
    "never_decreases": ("Never decreases", "감소하지 않음"),
    "one_layer_is_itself": ("One layer collapses to itself", "층이 하나면 그대로"),
    "outputs_are_probabilities": (
        "Outputs are probabilities (0 to 1)",
        "출력이 확률 (0에서 1 사이)",
    ),
    "outputs_between_0_and_1": ("Outputs between 0 and 1", "출력이 0과 1 사이"),
    "outputs_between_minus_one_and_one": ("Outputs between -1 and 1", "출력이 -1과 1 사이"),
    "outputs_never_negative": ("Outputs are never negative", "출력이 음수가 아님"),
    "random_3d_along_axis_1": (
        "A random 3-D input along axis 1",
        "axis 1 방향의 무작위 3차원 입력",
    ),
    "random_3d_along_dim_1": ("A random 3-D input along dim 1", "dim 1 방향의 무작위 3차원 입력"),
    "random_3d_batch": ("A random 3-D batch", "무작위 3차원 배치"),
    "random_batch": ("A random batch", "무작위 배치"),
    "random_batch_default_alpha": ("A random batch, default alpha", "무작위 배치, alpha 기본값"),
    "random_batch_other_alphas": ("A random batch, other alphas", "무작위 배치, 다른 alpha 값"),
    "random_columns_along_axis_0": ("Random columns along axis 0", "axis 0 방향의 무작위 열"),
    "random_depths": ("Random depths", "무작위 깊이"),
    "random_inputs": ("Random inputs", "무작위 입력"),
    "random_layer": ("A random layer", "무작위 층"),
    "random_wide_layer": ("A random wide layer", "무작위 넓은 층"),
    "random_widths": ("Random widths", "무작위 너비"),
    "random_with_zeros": ("Random inputs with zeros", "0이 섞인 무작위 입력"),
    "returns_logits_not_probabilities": (
        "Returns logits, not probabilities",
        "확률이 아니라 로짓을 반환",
    ),
    "rows_of_a_batch": ("Each row of a batch", "배치의 각 행"),
    "rows_sum_to_one": ("Rows sum to 1", "각 행의 합이 1"),
    "single_example": ("A single example", "예제 하나"),
    "slices_sum_to_one": ("Slices sum to 1", "각 조각의 합이 1"),
    "special_values": ("Special values (inf, NaN, 0)", "특수한 값 (inf, NaN, 0)"),
    "square_layers_with_bias": ("Square layers with biases", "편향이 있는 정사각 층"),
    "two_layers_with_bias": ("Two layers with biases", "편향이 있는 두 층"),
    "two_linear_layers_with_right_shapes": (
        "Two Linear layers of the right shapes",
        "올바른 크기의 Linear 층 두 개",
    ),
    "zero_at_zero": ("0 at x = 0", "x = 0에서 0"),
    "zero_is_not_positive": ("0 is not positive", "0은 양수가 아님"),
    "zero_maps_to_zero": ("0 maps to 0", "0은 0으로"),
    "final_softmax_not_applied": (
        "No softmax after the last layer",
        "마지막 층 뒤에 소프트맥스 없음",
    ),
    "hidden_relu": ("A ReLU between the layers", "층 사이의 ReLU"),
    "is_an_autograd_function": ("Is a torch.autograd.Function", "torch.autograd.Function 사용"),
    "selection": ("Your choice", "선택한 답"),
    "answer": ("Your answer", "답"),
}


def title_id(test_name: str) -> str:
    """The message id of a test's display name."""
    return f"test.{test_name}"


def default_title(test_name: str) -> tuple[str, str]:
    """A readable title for a test without an entry: its name with spaces."""
    text = test_name.replace("_", " ").strip().capitalize()
    return text, text


TEST_TITLES: dict[str, dict[str, str]] = {
    title_id(name): {"en": en, "ko": ko} for name, (en, ko) in _TITLES.items()
}
