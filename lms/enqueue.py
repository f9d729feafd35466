"""Hand a grade delivery to the broker, by task name (the web tier imports no tasks)."""

from __future__ import annotations

import logging

from django.conf import settings

from actquiz.celery import app

logger = logging.getLogger(__name__)


def enqueue_delivery(sync_id: int, *, force: bool = False) -> bool:
    """Send ``lms.tasks.deliver_score`` for ``sync_id``; False (logged) if the broker is down.

    A failed enqueue never fails the caller: grading goes on, and the instructor's
    "send again" (or ``manage.py lti_send_scores``) delivers later.
    """
    try:
        app.send_task(
            "lms.tasks.deliver_score",
            args=[sync_id],
            kwargs={"force": force},
            queue=settings.ACTQUIZ_LMS_QUEUE,
        )
    except Exception:
        logger.exception("grade delivery %s not enqueued", sync_id)
        return False
    return True
