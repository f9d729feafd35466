"""The result-API client against a real HTTP server on loopback that answers as scripted."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from graders import client
from tests.graders.scripted_api import ScriptedApi


@pytest.fixture
def api() -> Iterator[ScriptedApi]:
    server = ScriptedApi([])
    yield server
    server.close()


def config_for(url: str, attempts: int = 4) -> client.ApiConfig:
    return client.ApiConfig(
        base_url=url,
        token="tok-123",
        attempts=attempts,
        backoff_seconds=0.01,
        backoff_max_seconds=0.02,
        timeout_seconds=5,
    )


VERDICT = {"exercise": "sigmoid-numpy", "status": "graded", "score": 10.0, "max_score": 10.0}


def test_it_posts_the_result_with_the_grader_token_and_attempt(api: ScriptedApi) -> None:
    api.replies = [(200, {"id": 7, "status": "graded"})]

    body = client.post_result(7, 2, VERDICT, config=config_for(api.url))

    assert body == {"id": 7, "status": "graded"}
    [request] = api.requests
    assert request["path"] == "/api/v1/submissions/7/result/"
    assert request["authorization"] == "Token tok-123"
    assert request["json"] == {"grading_attempt": 2, "verdict": VERDICT}


def test_it_reports_the_start_of_grading_for_the_given_attempt(api: ScriptedApi) -> None:
    api.replies = [(200, {"status": "running"})]

    client.post_started(9, 3, config=config_for(api.url + "/"))

    assert api.requests[0]["path"] == "/api/v1/submissions/9/started/"
    assert api.requests[0]["json"] == {"grading_attempt": 3}


def test_it_retries_through_server_errors_until_the_result_is_accepted(api: ScriptedApi) -> None:
    api.replies = [(503, {}), (502, {}), (200, {"status": "graded"})]

    body = client.post_result(1, 1, VERDICT, config=config_for(api.url))

    assert body == {"status": "graded"}
    assert len(api.requests) == 3


def test_it_gives_up_with_a_transient_error_when_the_web_tier_stays_down() -> None:
    # A port that was just free: connection refused on every attempt.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slept: list[float] = []

    with pytest.raises(client.TransientDeliveryError, match="failed 3 times"):
        client.post_result(
            1,
            1,
            VERDICT,
            config=config_for(f"http://127.0.0.1:{port}", attempts=3),
            sleep=slept.append,
        )

    assert len(slept) == 2


def test_it_treats_a_409_as_a_superseded_attempt_without_retrying(api: ScriptedApi) -> None:
    api.replies = [(409, {"error": {"code": "superseded", "message": "attempt 1 is not current"}})]

    with pytest.raises(client.SupersededAttempt, match="attempt 1 is not current") as caught:
        client.post_result(1, 1, VERDICT, config=config_for(api.url))

    assert caught.value.status == 409
    assert len(api.requests) == 1


def test_it_does_not_retry_a_refused_token(api: ScriptedApi) -> None:
    api.replies = [(403, {"error": {"code": "permission_denied", "message": "not a grader"}})]

    with pytest.raises(client.PermanentDeliveryError) as caught:
        client.post_result(1, 1, VERDICT, config=config_for(api.url))

    assert caught.value.status == 403
    assert not isinstance(caught.value, client.SupersededAttempt)
    assert len(api.requests) == 1


def test_its_backoff_grows_exponentially_up_to_the_cap() -> None:
    delays = [client.backoff_delay(n, base=1.0, cap=8.0) for n in range(6)]

    assert 0.5 <= delays[0] <= 1.0
    assert 2.0 <= delays[2] <= 4.0
    assert all(4.0 <= d <= 8.0 for d in delays[3:])
