"""The Moodle-like platform on loopback, registered with the tool for each test."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command

from tests.lms.platform import FakeMoodle


@pytest.fixture
def platform(live_server: Any, settings: Any) -> Iterator[FakeMoodle]:
    settings.ACTQUIZ_PUBLIC_URL = live_server.url
    # A private queue: enqueued deliveries must not reach anybody's worker.
    settings.ACTQUIZ_LMS_QUEUE = f"lms-test-{uuid.uuid4().hex[:10]}"
    call_command("load_catalog", verbosity=0)
    moodle = FakeMoodle()
    out = StringIO()
    call_command("lti_register", *moodle.register_args(), "--json", stdout=out)
    urls = json.loads(out.getvalue())
    moodle.redirect_uris = urls["redirect_uris"]
    moodle.tool_jwks_url = urls["jwks_url"]
    moodle.tool_urls = urls
    yield moodle
    moodle.close()
    redis.Redis.from_url(django_settings.REDIS_URL).delete(settings.ACTQUIZ_LMS_QUEUE)
