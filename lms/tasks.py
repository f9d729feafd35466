"""Celery tasks of the LMS app (queue ``settings.ACTQUIZ_LMS_QUEUE``).

They run in a web-side worker (``celery -A actquiz worker -Q lms -I lms.tasks``) that
has the database: grading workers never open it, so they never deliver grades.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from lms import ags

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="lms.tasks.deliver_score", acks_late=True)
def deliver_score(self, sync_id: int, force: bool = False) -> str:  # type: ignore[no-untyped-def]
    """Deliver grade sync ``sync_id``'s current score; retry with backoff when it fails."""
    try:
        return ags.score_deliver(sync_id=sync_id, force=force).reason
    except ags.RetryableDelivery as exc:
        retries = self.request.retries
        if retries >= settings.ACTQUIZ_LMS_MAX_RETRIES:
            logger.error("grade sync %s not delivered after %s tries: %s", sync_id, retries, exc)
            return f"gave up: {exc}"
        countdown = min(
            settings.ACTQUIZ_LMS_RETRY_BACKOFF * (2**retries),
            settings.ACTQUIZ_LMS_RETRY_BACKOFF_MAX,
        )
        raise self.retry(exc=exc, countdown=countdown, max_retries=None) from exc
