"""Production defaults: no implicit DEBUG, password rules, every 429 says when to retry,
and the health check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PRINT_DEBUG = (
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
)


def _probe(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "actquiz.settings", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )  # fmt: skip


def _settings_probe(**env: str) -> subprocess.CompletedProcess[str]:
    return _probe(PRINT_DEBUG, **env)


def test_debug_is_off_when_unset():
    result = _settings_probe(SECRET_KEY="x" * 50)
    assert result.stdout.strip() == "False", result.stderr


def test_with_debug_off_a_missing_secret_key_stops_the_web_server_with_a_clear_message():
    result = _probe("import actquiz.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set to serve with DEBUG off" in result.stderr


def test_commands_such_as_grade_run_without_a_secret_key():
    result = _settings_probe()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_demo_setting_debug_1_runs_without_a_secret_key():
    result = _settings_probe(DEBUG="1")
    assert result.stdout.strip() == "True", result.stderr


def test_a_password_like_the_username_is_refused(django_user_model, db):
    user = django_user_model(username="alice.kim")
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("alice.kim1", user)
    validate_password("violet-harbour-clock", user)


@pytest.mark.django_db
def test_the_health_check_reports_database_redis_and_the_queue_without_login():
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert body["queue_depth"] >= 0 and body["oldest_queued_age_seconds"] >= 0


@pytest.mark.django_db
def test_the_health_check_says_503_when_redis_is_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == {"ok": False, "error": "ConnectionError"}
    assert "127.0.0.1:9" not in response.content.decode()
