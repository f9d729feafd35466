"""LTI reads for the instructor's LMS page."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from exercises.models import Course
from lms.models import GradeSync, LtiContext, PassbackAttempt

# How many delivery attempts the page lists per student and link.
ATTEMPTS_SHOWN = 5


def course_contexts(course: Course) -> QuerySet[LtiContext]:
    """Return the LMS contexts (courses) launching into ``course``, with their links."""
    return (
        LtiContext.objects.filter(course=course)
        .select_related("registration")
        .prefetch_related("links__exercise")
        .order_by("id")
    )


def course_grade_syncs(course: Course) -> list[GradeSync]:
    """Return every student's grade delivery in ``course`` with the latest attempts first."""
    syncs = (
        GradeSync.objects.filter(resource_link__context__course=course)
        .select_related("lti_user__user", "resource_link__exercise")
        .prefetch_related(
            Prefetch("attempts", queryset=PassbackAttempt.objects.order_by("-at", "-id"))
        )
        .order_by("resource_link__exercise__slug", "lti_user__user__username")
    )
    result = []
    for sync in syncs:
        sync.recent_attempts = list(sync.attempts.all()[:ATTEMPTS_SHOWN])
        result.append(sync)
    return result
