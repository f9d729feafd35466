"""Webhook writes: registration, events turned into deliveries, one delivery attempt.

A delivery's body is fixed when the event happens; each attempt signs it anew with
the current time, so a retry hours later still falls inside the receiver's replay
window. Receivers deduplicate by ``X-ActQuiz-Delivery`` (the same on every attempt).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from actquiz.exceptions import ApiError
from exercises.models import Course
from webhooks import http, signing
from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

EVENTS = tuple(Webhook.Event.values)
# Statuses worth another try: the receiver is down, overloaded or asks to wait.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: ``retry`` says whether another attempt may succeed."""

    state: str
    retry: bool
    reason: str


def _checked_url(url: str) -> str:
    try:
        http.check_url_shape(url, allow_private=settings.ACTQUIZ_WEBHOOK_ALLOW_PRIVATE)
    except http.UnsafeUrl as exc:
        raise ApiError(str(exc), code="unsafe_url", fields={"url": [str(exc)]}) from exc
    return url


def _checked_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise ApiError(
            f"events must be a non-empty list of {', '.join(EVENTS)}.",
            fields={"events": ["invalid"]},
        )
    return [event for event in EVENTS if event in events]


def webhook_create(
    *,
    course: Course,
    url: str,
    events: list[str],
    description: str = "",
    created_by: AbstractBaseUser | None = None,
) -> Webhook:
    """Register ``url`` for ``events`` of ``course`` with a fresh signing secret."""
    return Webhook.objects.create(
        course=course,
        url=_checked_url(url),
        events=_checked_events(events),
        description=description,
        secret="whsec_" + secrets.token_urlsafe(32),
        created_by=created_by,
    )


def webhook_update(*, webhook: Webhook, **changes: Any) -> Webhook:
    """Change ``url``, ``events``, ``description`` or ``active`` of ``webhook``."""
    if "url" in changes:
        webhook.url = _checked_url(changes["url"])
    if "events" in changes:
        webhook.events = _checked_events(changes["events"])
    for field in ("description", "active"):
        if field in changes:
            setattr(webhook, field, changes[field])
    webhook.save(update_fields=["url", "events", "description", "active"])
    return webhook


def webhook_rotate_secret(*, webhook: Webhook) -> Webhook:
    """Give ``webhook`` a new signing secret (the old one stops signing at once)."""
    webhook.secret = "whsec_" + secrets.token_urlsafe(32)
    webhook.save(update_fields=["secret"])
    return webhook


def event_record(*, course: Course, event: str, data: dict[str, Any]) -> list[int]:
    """Create one pending delivery of ``event`` per active webhook of ``course`` that wants it.

    Returns the new deliveries' ids (for the caller to enqueue after commit).
    """
    ids = []
    for webhook in Webhook.objects.filter(course=course, active=True):
        if event not in webhook.events:
            continue
        delivery = WebhookDelivery(webhook=webhook, event=event, payload={})
        delivery.payload = {
            "id": str(delivery.event_id),
            "type": event,
            "created_at": timezone.now().isoformat(timespec="milliseconds"),
            "course": course.slug,
            "data": data,
        }
        delivery.save()
        ids.append(delivery.id)
    return ids


def delivery_headers(
    delivery: WebhookDelivery, body: bytes, secret: str, now: int
) -> dict[str, str]:
    """Return the headers of one attempt of ``delivery``, signed at Unix time ``now``."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "ActQuiz-Webhooks/1",
        "X-ActQuiz-Event": delivery.event,
        "X-ActQuiz-Delivery": str(delivery.event_id),
        "X-ActQuiz-Timestamp": str(now),
        "X-ActQuiz-Signature": signing.signature(secret, now, body),
    }


def _record(
    delivery: WebhookDelivery,
    *,
    state: str,
    status: int | None,
    error: str = "",
    excerpt: str = "",
    duration_ms: int = 0,
) -> None:
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            http_status=status,
            error=error[:500],
            body_excerpt=excerpt,
            duration_ms=duration_ms,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=delivery.attempts + 1,
            last_status=status,
            last_error=error[:500],
            state=state,
            delivered_at=timezone.now() if state == WebhookDelivery.State.DELIVERED else None,
        )


def delivery_attempt(*, delivery_id: int) -> Outcome:
    """POST delivery ``delivery_id`` once and record the attempt; returns its outcome.

    A 2xx delivers; 408, 425, 429, 5xx and no answer are worth retrying; any other
    status, an unsafe URL or a disabled webhook fail the delivery for good.
    """
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return Outcome("missing", retry=False, reason="no such delivery")
    if delivery.state == WebhookDelivery.State.DELIVERED:
        return Outcome(delivery.state, retry=False, reason="already delivered")
    webhook = delivery.webhook
    if not webhook.active:
        _record(delivery, state=WebhookDelivery.State.FAILED, status=None, error="webhook disabled")
        return Outcome(WebhookDelivery.State.FAILED, retry=False, reason="webhook disabled")
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = delivery_headers(delivery, body, webhook.secret, int(time.time()))
    try:
        answer = http.post(
            webhook.url,
            body,
            headers,
            allow_private=settings.ACTQUIZ_WEBHOOK_ALLOW_PRIVATE,
            timeout=settings.ACTQUIZ_WEBHOOK_TIMEOUT,
        )
    except http.UnsafeUrl as exc:
        _record(delivery, state=WebhookDelivery.State.FAILED, status=None, error=str(exc))
        return Outcome(WebhookDelivery.State.FAILED, retry=False, reason=str(exc))
    except http.DeliveryFailed as exc:
        _record(delivery, state=WebhookDelivery.State.PENDING, status=None, error=str(exc))
        return Outcome(WebhookDelivery.State.PENDING, retry=True, reason=str(exc))
    if 200 <= answer.status < 300:
        state, retry = WebhookDelivery.State.DELIVERED, False
    elif answer.status in RETRYABLE_STATUSES:
        state, retry = WebhookDelivery.State.PENDING, True
    else:
        state, retry = WebhookDelivery.State.FAILED, False
    _record(
        delivery,
        state=state,
        status=answer.status,
        error="" if state == WebhookDelivery.State.DELIVERED else f"HTTP {answer.status}",
        excerpt=answer.excerpt,
        duration_ms=answer.duration_ms,
    )
    return Outcome(state, retry=retry, reason=f"HTTP {answer.status}")


def delivery_give_up(*, delivery_id: int, reason: str) -> None:
    """Mark a delivery failed after its last retry (the instructor may send it again)."""
    WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING).update(
        state=WebhookDelivery.State.FAILED, last_error=f"gave up: {reason}"[:500]
    )


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Make ``delivery`` pending again, the same body and id (the caller enqueues it)."""
    delivery.state = WebhookDelivery.State.PENDING
    delivery.delivered_at = None
    delivery.save(update_fields=["state", "delivered_at"])
    return delivery
