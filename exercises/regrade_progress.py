"""A regrade's bookkeeping when one of its submissions comes back from the worker.

Called by ``services`` inside the transaction that records a result (or gives up on
a submission), with the submission's row locked, so an item finishes exactly once.
Imports only models: ``exercises.regrading`` (which starts jobs) imports ``services``.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from exercises.models import RegradeItem, RegradeJob, Submission


def open_regrade_item(submission: Submission) -> RegradeItem | None:
    """Return the unfinished item of a running regrade that covers ``submission``.

    The requeue sweep may have sent the submission again since the regrade began
    (a lost message, a dead worker), which bumps ``grading_attempt``; a result for
    that later attempt still completes the regrade. Returns None when no running
    regrade waits for this submission.
    """
    if submission.grading_attempt < 2:
        # A regrade always starts a new attempt: its items name attempt 2 or later.
        return None
    return (
        RegradeItem.objects.filter(
            submission_id=submission.pk,
            finished=False,
            job__status=RegradeJob.Status.RUNNING,
            grading_attempt__lte=submission.grading_attempt,
        )
        .order_by("-id")
        .first()
    )


def keep_previous_result(submission: Submission, item: RegradeItem, now: datetime) -> None:
    """Put back the result ``submission`` had before the regrade, whose grading failed.

    A failure on our side (sandbox, grader) is no reason to take a student's score
    away: the old score, tests and verdict are still on the row (requeueing leaves
    them), so only the status, the points and the version that graded them return.
    """
    previous = submission.verdict or {}
    graded = previous.get("status") == "graded"
    submission.status = Submission.Status.GRADED if graded else Submission.Status.FAILED
    if item.old_exercise_version is not None:
        submission.exercise_version = item.old_exercise_version
    if previous.get("max_score") is not None:
        submission.max_score = float(previous["max_score"])
    submission.started_at = submission.started_at or now
    submission.finished_at = now
    submission.save(
        update_fields=["status", "exercise_version", "max_score", "started_at", "finished_at"]
    )


def same_score(old: float | None, new: float | None) -> bool:
    """Return whether a regrade left the score as it was (None: no score)."""
    if old is None or new is None:
        return old is new
    return math.isclose(old, new, rel_tol=0.0, abs_tol=1e-9)


def regrade_item_finish(item: RegradeItem, *, new_score: float | None, failed: bool) -> None:
    """Finish ``item`` and count it in its job; the job is done when every item is.

    ``new_score`` is the regraded score (None when ungraded), ``failed`` whether
    grading failed on our side. Counters move with ``F`` expressions, so results
    landing at once in several web processes never lose a count.
    """
    changed = not failed and not same_score(item.old_score, new_score)
    RegradeItem.objects.filter(pk=item.pk).update(
        finished=True, new_score=None if failed else new_score, failed=failed
    )
    RegradeJob.objects.filter(pk=item.job_id).update(
        done=F("done") + 1, changed=F("changed") + int(changed), failed=F("failed") + int(failed)
    )
    RegradeJob.objects.filter(
        pk=item.job_id, status=RegradeJob.Status.RUNNING, done__gte=F("total")
    ).update(status=RegradeJob.Status.DONE, finished_at=timezone.now())


def regrade_jobs_settle() -> list[int]:
    """Finish running regrades that wait for nothing any more; returns their ids.

    An item disappears with its submission (a deleted student); without this its
    job would wait forever. The requeue sweep calls it on every pass.
    """
    settled = []
    for job in RegradeJob.objects.filter(status=RegradeJob.Status.RUNNING):
        if job.items.filter(finished=False).exists():
            continue
        done = job.items.count()
        updated = RegradeJob.objects.filter(pk=job.pk, status=RegradeJob.Status.RUNNING).update(
            status=RegradeJob.Status.DONE, total=done, done=done, finished_at=timezone.now()
        )
        if updated:
            settled.append(job.pk)
    return settled
