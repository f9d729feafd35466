"""Who may see and do what: every access rule of ActQuiz, one condition per line.

- A student sees the published exercises of the courses they belong to, and only
  their own submissions.
- An instructor of a course sees everything of that course: unpublished exercises,
  every student's submissions, the gradebook; and may review its submissions.
- Staff users see everything.
- A run (a try on the visible tests, or an instructor's dry run) is read only by the
  user who started it; only an instructor of a course that offers an exercise may dry
  run it against its draft.
- Regrades: an instructor regrades the submissions of the courses they teach (an
  exercise's, a student's, one); superusers any. A job is followed by its starter,
  the instructors of the course it was limited to, and staff.
- Only a grader account posts grading progress and results. A grader account is a
  user in the ``graders`` group (the service account the workers use, for every
  course), or a user with a ``grader`` membership, for that course's submissions.
- Every active user except a grader account manages their own API tokens, and
  nobody sees another user's.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from apitokens.models import ApiToken
from exercises.models import Course, Exercise, Membership, RegradeJob, Run, Submission

AnyUser = AbstractBaseUser | AnonymousUser


def _is_active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _is_staff(user: AnyUser) -> bool:
    return _is_active(user) and bool(user.is_staff)


def _courses_with_role(user: AnyUser, role: str) -> QuerySet[Course]:
    return Course.objects.filter(memberships__user=user, memberships__role=role)


def _has_role_in_course_of(user: AnyUser, submission: Submission, role: str) -> bool:
    if submission.course_id is None:
        return False
    return Membership.objects.filter(user=user, course_id=submission.course_id, role=role).exists()


def courses_visible_to(user: AnyUser) -> QuerySet[Course]:
    """Return the courses ``user`` belongs to (all courses for staff)."""
    if not _is_active(user):
        return Course.objects.none()
    if _is_staff(user):
        return Course.objects.all()
    return Course.objects.filter(memberships__user=user).distinct()


def exercises_visible_to(user: AnyUser) -> QuerySet[Exercise]:
    """Return the exercises ``user`` may read."""
    if not _is_active(user):
        return Exercise.objects.none()
    if _is_staff(user):
        return Exercise.objects.all()
    taught = Q(offerings__course__in=_courses_with_role(user, Membership.Role.INSTRUCTOR))
    studied = Q(
        offerings__course__in=_courses_with_role(user, Membership.Role.STUDENT), published=True
    )
    return Exercise.objects.filter(taught | studied).distinct()


def courses_to_submit_in(user: AnyUser, exercise: Exercise) -> QuerySet[Course]:
    """Return the courses through which ``user`` may submit to ``exercise``.

    Instructors may try their course's unpublished exercises; students only published ones.
    """
    if not _is_active(user):
        return Course.objects.none()
    offering = Course.objects.filter(offerings__exercise=exercise)
    taught = offering.filter(memberships__user=user, memberships__role=Membership.Role.INSTRUCTOR)
    if not exercise.published:
        return taught.distinct()
    studied = offering.filter(memberships__user=user, memberships__role=Membership.Role.STUDENT)
    return (taught | studied).distinct()


def can_submit_without_course(user: AnyUser) -> bool:
    """Return whether ``user`` may submit to an exercise outside any course (staff only)."""
    return _is_staff(user)


def submissions_visible_to(user: AnyUser) -> QuerySet[Submission]:
    """Return the submissions ``user`` may read: their own, their courses', or all for staff."""
    if not _is_active(user):
        return Submission.objects.none()
    if _is_staff(user):
        return Submission.objects.all()
    own = Q(user=user)
    taught = Q(course__in=_courses_with_role(user, Membership.Role.INSTRUCTOR))
    return Submission.objects.filter(own | taught)


def can_review_submission(user: AnyUser, submission: Submission) -> bool:
    """Return whether ``user`` may set a reviewed score on ``submission``."""
    if not _is_active(user):
        return False
    if _is_staff(user):
        return True
    return _has_role_in_course_of(user, submission, Membership.Role.INSTRUCTOR)


def can_view_gradebook(user: AnyUser, course: Course) -> bool:
    """Return whether ``user`` may read the gradebook of ``course``."""
    if not _is_active(user):
        return False
    if _is_staff(user):
        return True
    return Membership.objects.filter(
        user=user, course=course, role=Membership.Role.INSTRUCTOR
    ).exists()


def is_grader_account(user: AnyUser) -> bool:
    """Return whether ``user`` is a grader account of any kind (group or membership)."""
    if not _is_active(user):
        return False
    if user.groups.filter(name=settings.ACTQUIZ_GRADER_GROUP).exists():
        return True
    return Membership.objects.filter(user=user, role=Membership.Role.GRADER).exists()


def can_post_results(user: AnyUser, submission: Submission) -> bool:
    """Return whether ``user`` may report grading progress and results for ``submission``."""
    if not _is_active(user):
        return False
    if user.groups.filter(name=settings.ACTQUIZ_GRADER_GROUP).exists():
        return True
    return _has_role_in_course_of(user, submission, Membership.Role.GRADER)


def can_try_draft(user: AnyUser, exercise: Exercise) -> bool:
    """Return whether ``user`` may dry run ``exercise``'s draft on every test.

    Only an instructor of a course that offers the exercise: a dry run shows hidden
    tests' messages and grades a draft no student may see.
    """
    if not _is_active(user):
        return False
    return Membership.objects.filter(
        user=user, role=Membership.Role.INSTRUCTOR, course__offerings__exercise=exercise
    ).exists()


def runs_visible_to(user: AnyUser) -> QuerySet[Run]:
    """Return the runs ``user`` may read: only their own (no one else's, whatever role)."""
    if not _is_active(user):
        return Run.objects.none()
    return Run.objects.filter(user=user)


def can_post_run_results(user: AnyUser, run: Run) -> bool:
    """Return whether ``user`` may post the verdict of ``run`` (a grader account)."""
    if not _is_active(user):
        return False
    if user.groups.filter(name=settings.ACTQUIZ_GRADER_GROUP).exists():
        return True
    if run.course_id is None:
        return False
    return Membership.objects.filter(
        user=user, course_id=run.course_id, role=Membership.Role.GRADER
    ).exists()


def can_regrade_everywhere(user: AnyUser) -> bool:
    """Return whether ``user``'s regrades reach every submission, in any course or none."""
    return _is_staff(user)


def courses_to_regrade_in(user: AnyUser, exercise: Exercise) -> QuerySet[Course]:
    """Return the courses offering ``exercise`` whose submissions ``user`` may regrade."""
    offering = Course.objects.filter(offerings__exercise=exercise)
    if not _is_active(user):
        return Course.objects.none()
    if _is_staff(user):
        return offering.distinct()
    return offering.filter(
        memberships__user=user, memberships__role=Membership.Role.INSTRUCTOR
    ).distinct()


def can_regrade_exercise(user: AnyUser, exercise: Exercise) -> bool:
    """Return whether ``user`` may start a regrade of ``exercise`` (in some scope)."""
    if can_regrade_everywhere(user):
        return True
    return courses_to_regrade_in(user, exercise).exists()


def regrades_visible_to(user: AnyUser) -> QuerySet[RegradeJob]:
    """Return the regrade jobs ``user`` may follow.

    Their own, those limited to a course they teach, or all for staff.
    """
    if not _is_active(user):
        return RegradeJob.objects.none()
    if _is_staff(user):
        return RegradeJob.objects.all()
    own = Q(created_by=user)
    taught = Q(course__in=_courses_with_role(user, Membership.Role.INSTRUCTOR))
    return RegradeJob.objects.filter(own | taught)


def can_manage_own_api_tokens(user: AnyUser) -> bool:
    """Return whether ``user`` may list, issue and revoke their own API tokens.

    Not a grader account: its token is rotated by ``manage.py grader_account``, and a
    leaked grader token must not mint tokens that outlive the rotation.
    """
    if not _is_active(user):
        return False
    return not is_grader_account(user)


def api_tokens_of(user: AnyUser) -> QuerySet[ApiToken]:
    """Return the API tokens ``user`` owns (nobody sees another user's tokens)."""
    if not _is_active(user):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)
