"""``GET /healthz``: can this web process serve and get work graded? No auth, no secrets.

Checks the database, Redis (broker and shared cache) and reports the grading queue's
depth and the age of the oldest submission still queued. 200 when the database and
Redis answer, 503 otherwise; the body is JSON either way, for compose health checks,
load balancers and people.
"""

from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exercises.models import Submission


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        oldest = (
            Submission.objects.filter(status=Submission.Status.QUEUED)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
    except DatabaseError as exc:  # any driver error means "not healthy", never a 500
        return {"ok": False, "error": type(exc).__name__}
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"ok": True, "oldest_queued_age_seconds": round(age, 1)}


def _redis() -> dict[str, Any]:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        # Regrades wait in the queue's lowest-priority list (kombu's "<queue>\x06\x169").
        queue = settings.ACTQUIZ_GRADING_QUEUE
        depth = int(client.llen(queue)) + int(client.llen(f"{queue}\x06\x169"))
    except redis.RedisError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "queue_depth": depth}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Return the health report; 200 when every check passed, else 503."""
    database, broker = _database(), _redis()
    healthy = database["ok"] and broker["ok"]
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": {
            "ok": database["ok"],
            **({"error": database["error"]} if not database["ok"] else {}),
        },
        "redis": {"ok": broker["ok"], **({"error": broker["error"]} if not broker["ok"] else {})},
        "queue_depth": broker.get("queue_depth"),
        "oldest_queued_age_seconds": database.get("oldest_queued_age_seconds"),
    }
    return JsonResponse(body, status=200 if healthy else 503)
