"""Names and Role Provisioning Services: the LMS course roster into course memberships."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from lms import platform_api, protocol, services
from lms.models import LtiContext

MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
_MAX_PAGES = 100


@dataclass(frozen=True)
class RosterResult:
    students: int
    instructors: int
    skipped: int


def _next_page(link_header: str) -> str | None:
    for part in link_header.split(","):
        if 'rel="next"' in part:
            return part.split(";")[0].strip().strip("<>")
    return None


def roster_sync(*, context: LtiContext) -> RosterResult:
    """Add every active member of the LMS course to the ActQuiz course with their role.

    Follows the ``Link: rel="next"`` pages. Raises ``PlatformError`` when the
    platform refuses or the launch never named a memberships URL.
    """
    if not context.memberships_url:
        raise platform_api.PlatformError(
            "The LMS did not offer a roster for this course (no NRPS claim in its launches)."
        )
    registration = context.registration
    url: str | None = context.memberships_url
    students = instructors = skipped = 0
    for _ in range(_MAX_PAGES):
        if url is None:
            break
        response = platform_api.call(
            registration, [protocol.SCOPE_NRPS], "GET", url, accept=MEMBERSHIPS_TYPE
        )
        if response.status_code != 200:
            raise platform_api.PlatformError(
                f"the roster request answered {response.status_code}",
                status=response.status_code,
                body=platform_api.excerpt(response.text),
            )
        for member in response.json().get("members", []):
            user_id = member.get("user_id") if isinstance(member, dict) else None
            if not isinstance(user_id, str) or member.get("status", "Active") != "Active":
                skipped += 1
                continue
            identity = services.lti_user_get_or_create(
                registration=registration,
                sub=user_id,
                given_name=str(member.get("given_name") or ""),
                family_name=str(member.get("family_name") or ""),
                email=str(member.get("email") or ""),
            )
            instructor = protocol.is_instructor(member.get("roles"))
            services.membership_set(
                user=identity.user, course=context.course, instructor=instructor
            )
            if instructor:
                instructors += 1
            else:
                students += 1
        url = _next_page(response.headers.get("Link", ""))
    context.roster_synced_at = timezone.now()
    context.save(update_fields=["roster_synced_at"])
    return RosterResult(students=students, instructors=instructors, skipped=skipped)
