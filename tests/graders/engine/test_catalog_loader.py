"""load_catalog reads exercise folders and refuses malformed ones with a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graders.engine import ExerciseSpec, load_catalog
from graders.engine.catalog import CatalogError

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"

NUMPY_SLUGS = {
    "step-numpy": "step",
    "sigmoid-numpy": "sigmoid",
    "tanh-numpy": "tanh",
    "relu-numpy": "relu",
    "leaky-relu-numpy": "leaky_relu",
    "softmax-numpy": "softmax",
    "sigmoid-grad-numpy": "sigmoid_grad",
    "tanh-grad-numpy": "tanh_grad",
    "relu-grad-numpy": "relu_grad",
    "linear-collapse-numpy": "collapse",
    "vanishing-gradient-numpy": "sigmoid_chain_grad",
    "dead-relu-numpy": "dead_units",
}


@pytest.fixture
def sigmoid_copy(tmp_path: Path) -> Path:
    shutil.copytree(CATALOG / "sigmoid-numpy", tmp_path / "sigmoid-numpy")
    return tmp_path / "sigmoid-numpy"


def test_every_numpy_exercise_of_the_contract_is_in_the_catalog() -> None:
    exercises = {e["slug"]: e for e in load_catalog(CATALOG)}
    for slug, entry_point in NUMPY_SLUGS.items():
        assert exercises[slug]["entry_point"] == entry_point
        assert exercises[slug]["framework"] == "numpy"
        assert exercises[slug]["kind"] == "code"


def test_an_exercise_carries_its_code_and_wrong_solutions() -> None:
    exercise = {e["slug"]: e for e in load_catalog(CATALOG)}["softmax-numpy"]
    assert "def softmax" in exercise["reference_code"]
    assert "def softmax" in exercise["starter_code"]
    assert "no_max_shift.py" in exercise["wrong_solutions"]
    assert "최댓값" in exercise["prompt"]["ko"]


def test_a_loaded_exercise_round_trips_through_the_spec() -> None:
    exercise = {e["slug"]: e for e in load_catalog(CATALOG)}["relu-numpy"]
    spec = ExerciseSpec.from_dict(exercise)
    assert ExerciseSpec.from_dict(spec.to_dict()) == spec
    assert spec.reference_code == exercise["reference_code"]


def test_it_names_the_folder_when_the_korean_prompt_is_missing(sigmoid_copy: Path) -> None:
    toml = sigmoid_copy / "exercise.toml"
    toml.write_text(
        toml.read_text().replace('\nko = """\n시그모이드는', '\nunused = """\n시그모이드는')
    )
    with pytest.raises(CatalogError, match=r"sigmoid-numpy: \[prompt\] needs a non-empty 'ko'"):
        load_catalog(sigmoid_copy.parent)


def test_it_refuses_an_exercise_without_a_wrong_solution(sigmoid_copy: Path) -> None:
    shutil.rmtree(sigmoid_copy / "wrong")
    with pytest.raises(CatalogError, match="sigmoid-numpy: needs at least one known-wrong"):
        load_catalog(sigmoid_copy.parent)


def test_it_refuses_a_reference_without_the_entry_point(sigmoid_copy: Path) -> None:
    (sigmoid_copy / "reference.py").write_text("def sigmoid_v2(x):\n    return x\n")
    with pytest.raises(CatalogError, match="reference.py does not define 'sigmoid'"):
        load_catalog(sigmoid_copy.parent)


def test_it_refuses_an_unknown_check(sigmoid_copy: Path) -> None:
    toml = sigmoid_copy / "exercise.toml"
    toml.write_text(toml.read_text().replace('check = "values"', 'check = "valuez"', 1))
    with pytest.raises(CatalogError, match="unknown check 'valuez'"):
        load_catalog(sigmoid_copy.parent)


def test_it_refuses_test_points_that_do_not_add_up(sigmoid_copy: Path) -> None:
    toml = sigmoid_copy / "exercise.toml"
    toml.write_text(toml.read_text().replace("points = 10", "points = 12", 1))
    with pytest.raises(CatalogError, match="add up to 10, but points = 12"):
        load_catalog(sigmoid_copy.parent)


def test_it_refuses_a_folder_whose_slug_differs(sigmoid_copy: Path) -> None:
    sigmoid_copy.rename(sigmoid_copy.parent / "sigmoid2-numpy")
    with pytest.raises(CatalogError, match="does not match the folder name"):
        load_catalog(sigmoid_copy.parent)


def test_it_refuses_an_unknown_kind(sigmoid_copy: Path) -> None:
    toml = sigmoid_copy / "exercise.toml"
    toml.write_text(toml.read_text().replace('kind = "code"', 'kind = "essay"'))
    with pytest.raises(CatalogError, match="kind must be one of"):
        load_catalog(sigmoid_copy.parent)


def test_it_refuses_a_choice_question_whose_answer_is_not_a_choice(tmp_path: Path) -> None:
    shutil.copytree(CATALOG / "why-nonlinearity", tmp_path / "why-nonlinearity")
    toml = tmp_path / "why-nonlinearity" / "exercise.toml"
    text = toml.read_text()
    answer_line = next(line for line in text.splitlines() if line.startswith("answer ="))
    toml.write_text(text.replace(answer_line, 'answer = "no-such-choice"'))
    with pytest.raises(CatalogError, match=r"why-nonlinearity: \[spec\] is invalid"):
        load_catalog(tmp_path)
