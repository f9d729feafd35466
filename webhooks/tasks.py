"""Celery task of webhook deliveries (queue ``settings.ACTQUIZ_WEBHOOK_QUEUE``).

It runs in the web-side worker that has the database (``-I lms.tasks,webhooks.tasks``),
never in a grading worker.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from webhooks import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="webhooks.tasks.deliver", acks_late=True)
def deliver(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """Attempt delivery ``delivery_id``; on a retryable failure try again with backoff."""
    outcome = services.delivery_attempt(delivery_id=delivery_id)
    if not outcome.retry:
        return f"{outcome.state}: {outcome.reason}"
    retries = self.request.retries
    if retries >= settings.ACTQUIZ_WEBHOOK_MAX_RETRIES:
        logger.error("webhook delivery %s failed after %s tries", delivery_id, retries + 1)
        services.delivery_give_up(delivery_id=delivery_id, reason=outcome.reason)
        return f"gave up: {outcome.reason}"
    countdown = min(
        settings.ACTQUIZ_WEBHOOK_RETRY_BACKOFF * (2**retries),
        settings.ACTQUIZ_WEBHOOK_RETRY_BACKOFF_MAX,
    )
    raise self.retry(countdown=countdown, max_retries=None)
