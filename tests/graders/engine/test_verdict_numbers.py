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


def test_a_verdicts_dict_can_be_changed_without_changing_the_verdict():
    # The worker adds its grading time to the dict it posts; the verdict stays as judged.
    verdict = Verdict(
        exercise="sigmoid-numpy",
        status="graded",
        score=1.0,
        max_score=1.0,
        tests=(TestResult("t", True, 1.0, 1.0, params={"got": [1.0, 2.0]}),),
        extra={"wall_ms": 3.0, "nested": {"values": [1.0]}},
        plot={"x": [0.0, 1.0]},
    )
    data = verdict.to_dict()
    data["extra"]["grading_ms"] = 9.0
    data["extra"]["nested"]["values"].append(2.0)
    data["tests"][0]["params"]["got"].clear()
    data["plot"]["x"].append(5.0)
    assert verdict.extra == {"wall_ms": 3.0, "nested": {"values": [1.0]}}
    assert verdict.tests[0].params == {"got": [1.0, 2.0]}
    assert verdict.plot == {"x": [0.0, 1.0]}
    assert json.loads(json.dumps(verdict.to_dict())) == verdict.to_dict()
