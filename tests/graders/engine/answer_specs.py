"""Load the concept exercises of the built-in catalog for the answer tests."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from graders.engine.types import ExerciseSpec

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"

CONCEPT_SLUGS = (
    "why-nonlinearity",
    "output-activation",
    "cross-entropy-logits",
    "zero-centered",
    "sigmoid-grad-max",
    "activation-values",
    "dying-relu-explain",
    "vanishing-gradient-explain",
)


def catalog_toml(slug: str) -> dict[str, Any]:
    """The parsed ``exercise.toml`` of one catalog exercise."""
    with (CATALOG / slug / "exercise.toml").open("rb") as handle:
        return tomllib.load(handle)


def catalog_spec(slug: str) -> ExerciseSpec:
    """The ``ExerciseSpec`` of one catalog exercise, as the engine receives it."""
    return ExerciseSpec.from_dict(catalog_toml(slug))
