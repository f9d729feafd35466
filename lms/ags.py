"""Assignment and Grade Services: deliver a student's counted score to the LMS line item.

Every delivery sends the *current* state read from the database, never the state of
the event that triggered it, so deliveries arriving out of order still leave the
latest score in the LMS, and a state already accepted is not sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from exercises.models import Submission
from exercises.progress import student_standing
from lms import platform_api, protocol
from lms.models import GradeSync, PassbackAttempt, ResourceLink

logger = logging.getLogger(__name__)

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
AGS_SCOPES = [protocol.SCOPE_LINEITEM, protocol.SCOPE_SCORE]


class RetryableDelivery(Exception):
    """The platform failed this time (unreachable, 5xx, 429); try again later."""


def score_state(sync: GradeSync) -> dict[str, Any] | None:
    """Return the Score the platform should hold for ``sync`` now (None: nothing yet).

    ``gradingProgress`` is ``PendingManual`` while a graded answer waits for an
    instructor's review, ``FullyGraded`` otherwise; ``timestamp`` is the time of the
    student's latest submission, so it never goes backwards.
    """
    link = sync.resource_link
    submissions = Submission.objects.filter(
        user=sync.lti_user.user, exercise=link.exercise, course=link.context.course
    )
    graded = submissions.filter(status=Submission.Status.GRADED)
    if not graded.exists():
        return None
    latest = submissions.aggregate(latest=Max("created_at"))["latest"]
    pending_review = graded.filter(needs_review=True, reviewed_score__isnull=True).exists()
    # The course policy decides what counts (late and retry penalties, best / last /
    # last before the due date), exactly as the gradebook shows it.
    score = student_standing(sync.lti_user.user, link.context.course, link.exercise).counted.score
    maximum = float(link.exercise.points)
    state: dict[str, Any] = {
        "userId": sync.lti_user.sub,
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": "PendingManual" if pending_review else "FullyGraded",
        "timestamp": latest.isoformat(timespec="milliseconds"),
    }
    if score is not None:
        state["scoreGiven"] = min(max(score, 0.0), maximum)
    return state


def _record(sync: GradeSync, *, url: str, status: int | None, body: str, score: Any) -> None:
    PassbackAttempt.objects.create(
        sync=sync,
        url=url,
        http_status=status,
        body_excerpt=platform_api.excerpt(body),
        score=score,
        ok=status is not None and 200 <= status < 300,
    )


def _find_or_create_lineitem(link: ResourceLink, sync: GradeSync) -> str:
    """Return the link's line item URL: from the launch, found by resourceId, or created.

    Called with the link's row locked, so two deliveries cannot both create one.
    """
    if link.lineitem_url:
        return link.lineitem_url
    registration = link.context.registration
    container = link.context.lineitems_url
    if not container:
        raise platform_api.PlatformError("the launch named no line item and no line items URL")
    query = protocol.with_query(
        container, resource_link_id=link.resource_link_id, resource_id=link.exercise.slug
    )
    response = platform_api.call(registration, AGS_SCOPES, "GET", query, accept=LINEITEMS_TYPE)
    _record(sync, url=query, status=response.status_code, body=response.text, score=None)
    if response.status_code != 200:
        raise RetryableDelivery(f"line items answered {response.status_code}")
    try:
        items = response.json()
    except ValueError as exc:
        raise RetryableDelivery("line items answered no JSON") from exc
    for item in items if isinstance(items, list) else []:
        if (
            isinstance(item, dict)
            and item.get("resourceId") == link.exercise.slug
            and item.get("id")
        ):
            link.lineitem_url = str(item["id"])
            break
    else:
        body = {
            "scoreMaximum": float(link.exercise.points),
            "label": link.title or link.exercise.title,
            "resourceId": link.exercise.slug,
            "resourceLinkId": link.resource_link_id,
        }
        response = platform_api.call(
            registration, AGS_SCOPES, "POST", container,
            accept=LINEITEM_TYPE, content_type=LINEITEM_TYPE, json_body=body,
        )  # fmt: skip
        _record(sync, url=container, status=response.status_code, body=response.text, score=body)
        if response.status_code not in (200, 201):
            raise RetryableDelivery(f"creating the line item answered {response.status_code}")
        link.lineitem_url = str(response.json()["id"])
    link.save(update_fields=["lineitem_url"])
    return link.lineitem_url


@dataclass(frozen=True)
class DeliveryOutcome:
    sent: bool
    reason: str


def score_deliver(*, sync_id: int, force: bool = False) -> DeliveryOutcome:
    """Send the current score of grade sync ``sync_id`` to the platform's line item.

    Skips a state the platform already accepted unless ``force`` (the instructor's
    "send again"). Each HTTP attempt is recorded. Raises ``RetryableDelivery`` when
    the platform failed in a way worth retrying; a 4xx refusal is recorded and final.
    """
    with transaction.atomic():
        # The row lock serialises deliveries of one student's grade: a duplicate task
        # waits, then finds the state already delivered.
        sync = (
            GradeSync.objects.select_for_update()
            .select_related("lti_user__user", "lti_user__registration")
            .get(pk=sync_id)
        )
        link = (
            ResourceLink.objects.select_for_update()
            .select_related("exercise", "context__course", "context__registration")
            .get(pk=sync.resource_link_id)
        )
        sync.resource_link = link
        state = score_state(sync)
        if state is None:
            return DeliveryOutcome(False, "no graded submission yet")
        comparable = {key: value for key, value in state.items() if key != "timestamp"}
        if not force and sync.delivered_state == comparable:
            return DeliveryOutcome(False, "already delivered")
        retry_reason = ""
        try:
            lineitem = _find_or_create_lineitem(link, sync)
            url = protocol.scores_url(lineitem)
            response = platform_api.call(
                link.context.registration, AGS_SCOPES, "POST", url,
                content_type=SCORE_TYPE, json_body=state,
            )  # fmt: skip
        except platform_api.PlatformError as exc:
            _record(sync, url="", status=exc.status, body=exc.body or str(exc), score=state)
            retry_reason = str(exc)
        except RetryableDelivery as exc:
            retry_reason = str(exc)
        else:
            _record(sync, url=url, status=response.status_code, body=response.text, score=state)
            if 200 <= response.status_code < 300:
                sync.delivered_state = comparable
                sync.delivered_at = timezone.now()
                sync.last_error = ""
                sync.save(update_fields=["delivered_state", "delivered_at", "last_error"])
                return DeliveryOutcome(True, f"HTTP {response.status_code}")
            if response.status_code < 500 and response.status_code != 429:
                sync.last_error = f"refused: HTTP {response.status_code}"
                sync.save(update_fields=["last_error"])
                return DeliveryOutcome(False, sync.last_error)
            retry_reason = f"HTTP {response.status_code}"
        # Committed with the attempt log before the task schedules its retry.
        sync.last_error = retry_reason
        sync.save(update_fields=["last_error"])
    raise RetryableDelivery(retry_reason)


def syncs_for_submission(submission: Submission) -> list[int]:
    """Return the grade sync ids a change of ``submission``'s score concerns.

    One per LMS link that launches its exercise in its course, for the student's
    LTI identity at that link's platform; missing rows are created.
    """
    if submission.course_id is None:
        return []
    links = ResourceLink.objects.filter(
        exercise_id=submission.exercise_id, context__course_id=submission.course_id
    ).select_related("context")
    ids = []
    for link in links:
        identity = submission.user.lti_identities.filter(
            registration_id=link.context.registration_id
        ).first()
        if identity is None:
            continue
        sync, _ = GradeSync.objects.get_or_create(resource_link=link, lti_user=identity)
        ids.append(sync.pk)
    return ids
