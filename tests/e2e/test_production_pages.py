"""The pages as production serves them: gunicorn with DEBUG=0, static files included.

The browser talks only to a gunicorn process started with the production settings
(DEBUG off, a real SECRET_KEY, WhiteNoise for static files) on the test database; the
real worker grades the submission it enqueues.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from selenium.webdriver.remote.webdriver import WebDriver

from exercises.models import Course, Membership
from tests.e2e.conftest import Pipeline
from tests.e2e.test_pages import (
    CORRECT_SIGMOID,
    STUDENT,
    Site,
    chromium,  # noqa: F401  (the session's browser, by name)
)
from tests.tokens import issue_token

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("gunicorn needs a test database another process can open (PostgreSQL)")
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


@pytest.fixture
def production_site(
    pipeline: Pipeline, request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> Iterator[Site]:
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "production-pages-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: secure cookies would never come back from the browser.
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "ACTQUIZ_GRADING_QUEUE": settings.ACTQUIZ_GRADING_QUEUE,
        "ACTQUIZ_LOGIN_FAILURES_PER_ACCOUNT": "3",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "actquiz.wsgi", "-c", "python:actquiz.gunicorn",
         "-b", f"127.0.0.1:{port}", "-w", "2",
         "--graceful-timeout", "5"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base_url}/login/", timeout=10)
            break
        except requests.RequestException:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{(tmp_path / 'gunicorn.log').read_text()}")
            time.sleep(0.2)
    student = get_user_model().objects.get(username=STUDENT[0])
    # The tests hash with MD5 for speed; gunicorn knows only the production hashers.
    student.password = PBKDF2PasswordHasher().encode(STUDENT[1], "productionpagessalt")
    student.save(update_fields=["password"])
    site = Site(base_url, request.getfixturevalue("chromium"))
    site.fresh_browser()
    site.console_errors()
    yield site
    site.fresh_browser()
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait(timeout=10)
    log.close()


def _loaded_resources(driver: WebDriver) -> dict[str, Any]:
    entries = driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".map(e => [e.name, e.responseStatus, e.initiatorType]);"
    )
    return {name: (status, kind) for name, status, kind in entries}


def test_a_student_submits_through_the_production_pages(production_site: Site) -> None:
    site = production_site
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")

    resources = _loaded_resources(site.driver)
    scripts = {n: s for n, (s, kind) in resources.items() if "/static/" in n and kind == "script"}
    styles = {n: s for n, (s, kind) in resources.items() if n.endswith(".css")}
    assert scripts and all(status == 200 for status in scripts.values()), resources
    assert styles and all(status == 200 for status in styles.values()), resources

    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait_for_verdict()

    assert site.text("[data-testid=score]") == "10 / 10"
    assert site.console_errors() == []


def test_production_hides_error_details(production_site: Site) -> None:
    response = requests.get(f"{production_site.base_url}/no-such-page/", timeout=10)

    assert response.status_code == 404
    assert "DATABASE_URL" not in response.text and "Traceback" not in response.text


def test_password_guessing_is_stopped_on_the_production_login_page(production_site: Site) -> None:
    site = production_site
    for _ in range(3):
        site.open("/login/")
        site.find("#id_username").send_keys(STUDENT[0])
        site.find("#id_password").send_keys("not-the-password")
        site.find("main button[type=submit]").click()
        site.wait(lambda d: "do not match" in d.page_source, "no wrong-password message")

    site.open("/login/")
    site.find("#id_username").send_keys(STUDENT[0])
    site.find("#id_password").send_keys(STUDENT[1])
    site.find("main button[type=submit]").click()

    message = site.wait(
        lambda d: d.find_elements("css selector", "#login-rate-limited"), "no lockout message"
    )[0]
    assert "Too many failed logins" in message.text
    assert re.search(r"Try again in \d+ minutes", message.text), message.text
    site.open("/")
    assert "/login/" in site.driver.current_url


def test_an_instructor_follows_a_regrade_on_the_production_page(
    production_site: Site, pipeline: Pipeline
) -> None:
    # DEBUG off: the page's script comes through WhiteNoise and runs under the CSP.
    # A fresh token: setting the student's password above ended the pipeline's one.
    pipeline.student_token = issue_token(get_user_model().objects.get(username=STUDENT[0]))
    submission = pipeline.submit("sigmoid-numpy", CORRECT_SIGMOID).json()["id"]
    pipeline.wait_final(submission)
    teacher = get_user_model().objects.create_user("prod-teacher")
    teacher.password = PBKDF2PasswordHasher().encode("teacher-pass-42", "productionpagessalt")
    teacher.save(update_fields=["password"])
    Membership.objects.create(
        user=teacher, course=Course.objects.get(slug="e2e"), role=Membership.Role.INSTRUCTOR
    )
    site = production_site
    site.log_in("prod-teacher", "teacher-pass-42")
    site.open("/courses/e2e/exercises/sigmoid-numpy/regrade/")
    site.find("#regrade-start").click()

    site.wait(
        lambda d: site.find("#regrade-status").get_attribute("data-status") == "done",
        "the regrade did not finish on the page",
        timeout=240,
    )
    scripts = {
        name: status
        for name, (status, kind) in _loaded_resources(site.driver).items()
        if kind == "script"
    }
    assert any(name.endswith("/static/exercises/regrade.js") for name in scripts), scripts
    assert all(status == 200 for status in scripts.values()), scripts
    assert site.text("[data-testid=regrade-done]") == "1 / 1"
    assert site.text("#regrade-changed") == "0"
    assert site.console_errors() == []


def test_an_instructor_dry_runs_on_the_production_author_page(
    production_site: Site, pipeline: Pipeline
) -> None:
    teacher = get_user_model().objects.create_user("prod-author")
    teacher.password = PBKDF2PasswordHasher().encode("teacher-pass-42", "productionpagessalt")
    teacher.save(update_fields=["password"])
    Membership.objects.create(
        user=teacher, course=Course.objects.get(slug="e2e"), role=Membership.Role.INSTRUCTOR
    )
    site = production_site
    site.log_in("prod-author", "teacher-pass-42")
    site.open("/courses/e2e/exercises/sigmoid-numpy/author/")
    # The draft loads through the API, and the prompt preview renders its maths.
    site.wait(lambda d: site.text("#author-state"), "the author page did not load its draft")
    site.wait(lambda d: d.find_elements("css selector", "#preview-en math"), "no maths preview")
    site.driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        site.find("#try-code"),
        CORRECT_SIGMOID,
    )
    site.find("#try-run").click()
    site.wait(
        lambda d: site.find("#try-result").get_attribute("data-status") in ("done", "failed"),
        "the dry run did not finish on the page",
        timeout=240,
    )
    assert site.find("#try-result").get_attribute("data-status") == "done"
    resources = _loaded_resources(site.driver)
    scripts = {name: status for name, (status, kind) in resources.items() if kind == "script"}
    assert any(name.endswith("/static/exercises/author.js") for name in scripts), scripts
    assert any("/static/django_ace/ace/ace" in name for name in scripts), scripts
    assert all(status == 200 for status in scripts.values()), scripts
    assert site.console_errors() == []
