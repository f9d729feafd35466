"""The production settings under gunicorn: DEBUG off, static files from collectstatic,
limits shared by every gunicorn worker process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.e2e.production_stack import ProductionStack

pytestmark = pytest.mark.slow

CORRECT_SIGMOID = "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ProductionStack]:
    stack = ProductionStack(
        tmp_path,
        settings.REDIS_URL,
        ACTQUIZ_SUBMISSION_RATE="60/min",
        ACTQUIZ_MAX_PENDING_PER_USER="1000",
    )
    stack.prepare()
    yield stack
    stack.close()


def test_pages_under_gunicorn_with_debug_off_link_scripts_and_styles_that_are_served(
    stack: ProductionStack,
) -> None:
    stack.start_web(workers=2)
    session = requests.Session()
    page = session.get(f"{stack.url}/login/", timeout=30)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for asset in assets:
        response = session.get(f"{stack.url}{asset}", timeout=30)
        assert response.status_code == 200, asset
    script = session.get(f"{stack.url}/static/exercises/exercise.js", timeout=30)
    assert script.status_code == 200
    assert "javascript" in script.headers["Content-Type"]


def test_the_submission_throttle_holds_across_three_gunicorn_workers(
    stack: ProductionStack,
) -> None:
    stack.start_web(workers=3)
    headers = {"Authorization": f"Token {stack.token('student')}", "Connection": "close"}
    url = f"{stack.url}/api/v1/exercises/sigmoid-numpy/submissions/"

    def submit(_: int) -> requests.Response:
        return requests.post(url, json={"code": CORRECT_SIGMOID}, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=9) as pool:
        responses = list(pool.map(submit, range(120)))
    accepted = [r for r in responses if r.status_code == 202]
    refused = [r for r in responses if r.status_code == 429]
    assert len(accepted) + len(refused) == 120, {r.status_code for r in responses}
    # 60/min; a run straddling a minute boundary may let one or two more in.
    assert 60 <= len(accepted) <= 62
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert all(r.json()["error"]["code"] == "throttled" for r in refused)


def test_the_login_limit_holds_across_three_gunicorn_workers(tmp_path: Path) -> None:
    stack = ProductionStack(tmp_path, settings.REDIS_URL, ACTQUIZ_LOGIN_FAILURES_PER_ACCOUNT="10")
    try:
        stack.prepare()
        stack.start_web(workers=3)

        def log_in(password: str) -> requests.Response:
            # A fresh connection each time, so gunicorn's workers share the attempts.
            session = requests.Session()
            session.headers["Connection"] = "close"
            session.get(f"{stack.url}/login/", timeout=30)
            return session.post(
                f"{stack.url}/login/",
                data={
                    "username": stack.credentials["student"]["username"],
                    "password": password,
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                headers={"Referer": f"{stack.url}/login/"},
                allow_redirects=False,
                timeout=30,
            )

        with ThreadPoolExecutor(max_workers=6) as pool:
            wrong = list(pool.map(lambda _: log_in("wrong-password"), range(30)))
        assert {r.status_code for r in wrong} == {200, 429}
        assert sum(r.status_code == 200 for r in wrong) == 10
        right = log_in(stack.credentials["student"]["password"])
        assert right.status_code == 429
        assert int(right.headers["Retry-After"]) >= 1
        assert "Too many failed logins" in right.text
    finally:
        stack.close()


def test_a_long_poll_under_gunicorn_answers_with_the_verdict_a_real_worker_posts(
    stack: ProductionStack,
) -> None:
    stack.start_web(workers=2)
    stack.start_worker()
    headers = {"Authorization": f"Token {stack.token('student')}"}
    created = requests.post(
        f"{stack.url}/api/v1/exercises/sigmoid-numpy/submissions/",
        json={"code": CORRECT_SIGMOID}, headers=headers, timeout=60,
    ).json()  # fmt: skip
    # The worker's first job also starts its sandbox; no status change is missed meanwhile.
    seen = []
    for _ in range(20):
        body = requests.get(created["url"], params={"wait": 10}, headers=headers, timeout=60).json()
        seen.append(body["status"])
        if body["status"] in ("graded", "failed"):
            break
    assert seen[-1] == "graded", (seen, stack.logs())
    assert body["score"] == body["max_score"]
    # Each answer is a change (queued -> running -> graded), not a timeout.
    assert len(seen) <= 3, seen
