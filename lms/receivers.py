"""Enqueue a grade delivery when a score changes (the exercises app sends the signal)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from exercises.models import Submission
from exercises.signals import score_changed
from lms import ags
from lms.enqueue import enqueue_delivery

logger = logging.getLogger(__name__)


@receiver(score_changed)
def deliver_changed_score(sender: Any, submission: Submission, **kwargs: Any) -> None:
    """After commit, queue one delivery per LMS link concerned; never fail the grading."""
    try:
        sync_ids = ags.syncs_for_submission(submission)
    except Exception:
        logger.exception("grade passback for submission %s not prepared", submission.pk)
        return
    for sync_id in sync_ids:
        transaction.on_commit(lambda sync_id=sync_id: enqueue_delivery(sync_id))
