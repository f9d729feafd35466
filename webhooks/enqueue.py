"""Hand a webhook delivery to the broker, by task name (the web tier imports no tasks)."""

from __future__ import annotations

import logging

from django.conf import settings

from actquiz.celery import app

logger = logging.getLogger(__name__)


def enqueue_delivery(delivery_id: int) -> bool:
    """Send ``webhooks.tasks.deliver`` for ``delivery_id``; False (logged) if the broker is down.

    A failed enqueue never fails the caller: grading goes on, and "send again" or
    ``manage.py webhook_send`` delivers later.
    """
    try:
        app.send_task(
            "webhooks.tasks.deliver", args=[delivery_id], queue=settings.ACTQUIZ_WEBHOOK_QUEUE
        )
    except Exception:
        logger.exception("webhook delivery %s not enqueued", delivery_id)
        return False
    return True
