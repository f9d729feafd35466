"""Writes grading progress back to the web tier through the REST API.

Workers hold no database credentials: the only way a verdict reaches the database is
``POST /api/v1/submissions/{id}/started/`` and ``.../result/`` with the grader service
account's token. This module is plain functions over ``requests`` and knows nothing of
Celery or Django; the task decides what to do when delivery keeps failing.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

# Statuses that mean "try again later" rather than "you are wrong": the web tier is
# restarting, overloaded, or a proxy in front of it timed out.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class DeliveryError(Exception):
    """Base class: a call to the result API did not succeed."""


class TransientDeliveryError(DeliveryError):
    """The web tier could not be reached (or answered 5xx) on every attempt.

    The same call may succeed later; the caller should retry it with a longer delay.
    """


class PermanentDeliveryError(DeliveryError):
    """The web tier refused the call; sending it again cannot succeed.

    ``status`` is the HTTP status, ``body`` the decoded JSON error body (or ``{}``).
    """

    def __init__(self, status: int, body: dict[str, Any], message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class SupersededAttempt(PermanentDeliveryError):
    """409: the submission was re-enqueued, so this grading attempt is no longer current."""


@dataclass(frozen=True)
class ApiConfig:
    """Where and how to reach the result API.

    ``base_url`` is the web tier's root (``http://web:8000``), ``token`` the grader
    account's DRF token; ``attempts`` HTTP tries per call, waiting
    ``backoff_seconds * 2**n`` (capped at ``backoff_max_seconds``, with jitter) between.
    """

    base_url: str
    token: str
    timeout_seconds: float = 10.0
    attempts: int = 4
    backoff_seconds: float = 0.5
    backoff_max_seconds: float = 8.0


_local = threading.local()


def _session(url: str) -> requests.Session:
    """This thread's HTTP session for the web tier at ``url``.

    Its connections are reused when the server keeps them alive, and what ``requests``
    reads from the environment on every call (proxies, ``NO_PROXY``, CA bundle; a
    scan of the whole environment, most of a call's CPU) is read once, for the first
    URL: every call goes to the same web tier.
    """
    session = getattr(_local, "session", None)
    if session is None or getattr(_local, "pid", None) != os.getpid():
        # A forked process (a worker pool child) must not share its parent's sockets.
        session = requests.Session()
        settings = session.merge_environment_settings(url, {}, None, None, None)
        session.proxies.update(settings["proxies"])
        session.verify = settings["verify"]
        # Also keeps a ~/.netrc entry from replacing the grader token header.
        session.trust_env = False
        _local.session, _local.pid = session, os.getpid()
    return session


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Return the wait before retry number ``attempt`` (0-based): exponential, jittered.

    The jitter (50-100 % of the step) keeps many workers that lost the web tier at the
    same moment from hammering it in lockstep when it comes back.
    """
    step = min(cap, base * (2**attempt))
    return step * (0.5 + random.random() / 2)


def post_started(
    submission_id: int,
    grading_attempt: int,
    *,
    config: ApiConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Tell the web tier that grading of ``submission_id`` has begun.

    ``grading_attempt`` is the attempt number from the task message; a superseded one
    raises ``SupersededAttempt``. Returns the decoded JSON response.
    """
    return _post(
        f"/api/v1/submissions/{int(submission_id)}/started/",
        {"grading_attempt": grading_attempt},
        config=config,
        sleep=sleep,
    )


def post_result(
    submission_id: int,
    grading_attempt: int,
    verdict: dict[str, Any],
    *,
    config: ApiConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Deliver the engine's ``verdict`` (``Verdict.to_dict()``) for ``submission_id``.

    The endpoint is idempotent, so retrying after a lost response is safe. Raises
    ``SupersededAttempt`` (409), ``PermanentDeliveryError`` (other 4xx) or
    ``TransientDeliveryError`` (unreachable on every attempt). Returns the JSON body.
    """
    return _post(
        f"/api/v1/submissions/{int(submission_id)}/result/",
        {"grading_attempt": grading_attempt, "verdict": verdict},
        config=config,
        sleep=sleep,
    )


def post_run_result(
    run_id: int,
    verdict: dict[str, Any],
    *,
    config: ApiConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Deliver the engine's ``verdict`` for run ``run_id`` (``POST /api/v1/runs/{id}/result/``).

    Idempotent like ``post_result``; raises ``PermanentDeliveryError`` (4xx) or
    ``TransientDeliveryError`` (unreachable on every attempt). Returns the JSON body.
    """
    return _post(
        f"/api/v1/runs/{int(run_id)}/result/", {"verdict": verdict}, config=config, sleep=sleep
    )


def post_validation_result(
    job_id: int,
    report: dict[str, Any],
    *,
    config: ApiConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Deliver an exercise validation's ``report`` (``graders.engine.validation``).

    Idempotent like ``post_result``. Raises ``PermanentDeliveryError`` (a 4xx; 409 as
    ``SupersededAttempt``: the job has another result) or ``TransientDeliveryError``.
    Returns the JSON body.
    """
    return _post(
        f"/api/v1/validations/{int(job_id)}/result/",
        {"report": report},
        config=config,
        sleep=sleep,
    )


def _post(
    path: str,
    payload: dict[str, Any],
    *,
    config: ApiConfig,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    url = config.base_url.rstrip("/") + path
    headers = {"Authorization": f"Token {config.token}", "Accept": "application/json"}
    last_problem = "no attempt made"
    for attempt in range(max(1, config.attempts)):
        if attempt:
            sleep(
                backoff_delay(
                    attempt - 1,
                    base=config.backoff_seconds,
                    cap=config.backoff_max_seconds,
                )
            )
        try:
            response = _session(url).post(
                url, json=payload, headers=headers, timeout=config.timeout_seconds
            )
        except requests.RequestException as exc:
            last_problem = f"{type(exc).__name__}: {exc}"
            continue
        if response.status_code in RETRYABLE_STATUSES:
            last_problem = f"HTTP {response.status_code}"
            continue
        body = _json_body(response)
        if response.status_code == 409:
            raise SupersededAttempt(409, body, _describe(response, body))
        if not response.ok:
            raise PermanentDeliveryError(response.status_code, body, _describe(response, body))
        return body
    raise TransientDeliveryError(
        f"POST {url} failed {max(1, config.attempts)} times; last: {last_problem}"
    )


def _json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"data": body}


def _describe(response: requests.Response, body: dict[str, Any]) -> str:
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    message = error.get("message") or response.reason or "refused"
    return f"POST {response.url} -> HTTP {response.status_code}: {message}"
