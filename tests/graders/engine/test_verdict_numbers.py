"""A verdict always crosses to the web tier as strict JSON the API accepts."""

from __future__ import annotations

import json

from graders.engine.types import TestResult, Verdict


def test_infinite_and_huge_feedback_numbers_travel_as_text_and_scores_stay_numbers():
    test = TestResult(
        name="edge",
        passed=False,
        points=0.0,
        max_points=2.0,
        params={"abs_error": float("inf"), "worst": float("nan"), "count": 2**70, "ok": 3},
    )
    verdict = Verdict(
        exercise="sigmoid-numpy", status="graded", score=0.0, max_score=2.0, tests=(test,),
        extra={"grading_ms": 1.5, "big": -(2**64)},
    )  # fmt: skip

    data = verdict.to_dict()

    json.dumps(data, allow_nan=False)
    params = data["tests"][0]["params"]
    assert params == {"abs_error": "inf", "worst": "nan", "count": str(2**70), "ok": 3}
    assert data["extra"] == {"grading_ms": 1.5, "big": str(-(2**64))}
    assert (data["score"], data["tests"][0]["points"], data["tests"][0]["passed"]) == (
        0.0,
        0.0,
        False,
    )
