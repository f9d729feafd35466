"""Shared pytest fixtures.

Several engineers run the suite at once against the same PostgreSQL server, so each
test run gets its own test database name (pytest-django would otherwise use one
fixed ``test_<name>`` and two runs would drop each other's database).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give this test run a private test database: ``test_<name>_<pid>``."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        base = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
        database.setdefault("TEST", {})["NAME"] = f"{base}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Test users need a password, not a slow key derivation (PBKDF2 costs ~0.3 s each)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Start every test with empty throttle counters."""
    cache.clear()
