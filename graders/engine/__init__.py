"""The grading engine: checks, tolerances, input generation and verdicts (no Django).

See ``graders/README.md`` for the contract with the sandbox and the backbone.
"""

from graders.engine.catalog import CatalogError, load_catalog
from graders.engine.grade import grade, variant
from graders.engine.types import ExerciseSpec, Submission, TestResult, Verdict

__all__ = [
    "CatalogError",
    "ExerciseSpec",
    "Submission",
    "TestResult",
    "Verdict",
    "grade",
    "load_catalog",
    "variant",
]
