"""Turn grading events into webhook deliveries; never fail or hold up the grading."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from exercises.models import Submission
from exercises.signals import score_changed, submission_graded
from webhooks import selectors, services
from webhooks.enqueue import enqueue_delivery
from webhooks.models import Webhook

logger = logging.getLogger(__name__)


def _record(
    submission: Submission, event: str, data: Callable[[Submission], dict[str, Any]]
) -> None:
    if submission.course_id is None:
        return
    try:
        if not _course_has_webhooks(submission):
            return
        ids = services.event_record(course=submission.course, event=event, data=data(submission))
    except Exception:
        logger.exception("webhook event %s for submission %s not recorded", event, submission.pk)
        return
    for delivery_id in ids:
        transaction.on_commit(lambda delivery_id=delivery_id: enqueue_delivery(delivery_id))


def _course_has_webhooks(submission: Submission) -> bool:
    # A stored result sends two signals for the same instance: ask the database once.
    known = getattr(submission, "_course_has_active_webhooks", None)
    if known is None:
        known = Webhook.objects.filter(course_id=submission.course_id, active=True).exists()
        submission._course_has_active_webhooks = known
    return known


@receiver(submission_graded)
def submission_was_graded(sender: Any, submission: Submission, **kwargs: Any) -> None:
    _record(submission, Webhook.Event.SUBMISSION_GRADED, selectors.submission_event_data)


@receiver(score_changed)
def score_did_change(sender: Any, submission: Submission, **kwargs: Any) -> None:
    _record(submission, Webhook.Event.SCORE_CHANGED, selectors.score_event_data)
