from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings

from tests.exercises.conftest import (  # noqa: F401
    add_exercise,
    catalog,
    client_for,
    course,
    grader,
    instructor,
    make_user,
    sigmoid,
    student,
)
from tests.webhooks.receiver import Receiver


@pytest.fixture
def private_queue(settings: Any) -> Iterator[str]:
    # Enqueued deliveries must reach nobody's worker.
    settings.ACTQUIZ_WEBHOOK_QUEUE = f"webhooks-test-{uuid.uuid4().hex[:10]}"
    settings.ACTQUIZ_WEBHOOK_ALLOW_PRIVATE = True
    yield settings.ACTQUIZ_WEBHOOK_QUEUE
    redis.Redis.from_url(django_settings.REDIS_URL).delete(settings.ACTQUIZ_WEBHOOK_QUEUE)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()
