"""Who may see and do what: every access rule of ActQuiz, one condition per line.

- A student sees the published exercises of the courses they belong to, and only
  their own submissions (never hidden tests' messages or the raw verdict); a list
  of another user's submissions is for instructors (their courses) and superusers.
- An instructor of a course manages it: sees its unpublished exercises, every
  student's submissions, the gradebook and the LMS page; and reviews and regrades
  its submissions. Teaching one course grants nothing in another.
- A superuser (active) sees and manages everything. ``is_staff`` alone grants
  nothing here: it only opens the door of the Django admin, which itself lets in
  superusers only (``can_use_admin``).
- A run (a try on the visible tests, or an instructor's dry run) is read only by the
  user who started it; only an instructor of a course that offers an exercise may dry
  run it against its draft.
- Regrades: an instructor regrades the submissions of the courses they teach (an
  exercise's, a student's, one); superusers any. A job is followed by its starter,
  the instructors of the course it was limited to, and superusers.
- Authoring: an instructor of a course creates exercises in it, and exports, edits,
  validates and publishes the exercises it offers (``can_edit_exercise``); students
  never see a document, a draft or a validation.
- Only a grader account posts grading progress and results. A grader account is a
  user in the ``graders`` group (the service account the workers use, for every
  course), or a user with a ``grader`` membership, for that course's submissions.
  A grader account reads nothing through these rules: it has no course.
- Every active user except a grader account manages their own API tokens, and
  nobody sees another user's.
- A course's webhooks (and their deliveries) are managed by its instructors only.

The ``can_*`` functions answer yes or no; the ``access_*`` functions return the
object the user may use or raise: ``Http404`` when the user may not even know it
exists, ``PermissionDenied`` when they may see it but not do this. Views call
them and never look at roles themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from apitokens.models import ApiToken
from exercises import selectors
from exercises.models import (
    Course,
    CourseExercise,
    Exercise,
    Membership,
    RegradeJob,
    Run,
    Submission,
)

AnyUser = AbstractBaseUser | AnonymousUser


def _is_active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_superuser(user: AnyUser) -> bool:
    """Return whether ``user`` is an active superuser, the only role that sees everything."""
    return _is_active(user) and bool(user.is_superuser)


def _courses_with_role(user: AnyUser, role: str) -> QuerySet[Course]:
    return Course.objects.filter(memberships__user=user, memberships__role=role)


def _has_role_in(user: AnyUser, course_id: int | None, role: str) -> bool:
    if course_id is None:
        return False
    return Membership.objects.filter(user=user, course_id=course_id, role=role).exists()


# Courses.


def courses_visible_to(user: AnyUser) -> QuerySet[Course]:
    """Return the courses ``user`` belongs to (every course for a superuser)."""
    if not _is_active(user):
        return Course.objects.none()
    if is_superuser(user):
        return Course.objects.all()
    return Course.objects.filter(memberships__user=user).distinct()


def can_view_course(user: AnyUser, course: Course) -> bool:
    """Return whether ``user`` may open ``course`` (a member of it, or a superuser)."""
    return courses_visible_to(user).filter(pk=course.pk).exists()


def can_manage_course(user: AnyUser, course: Course) -> bool:
    """Return whether ``user`` runs ``course``: its gradebook, submissions, reviews, LMS page."""
    if not _is_active(user):
        return False
    if is_superuser(user):
        return True
    return _has_role_in(user, course.pk, Membership.Role.INSTRUCTOR)


def can_view_gradebook(user: AnyUser, course: Course) -> bool:
    """Return whether ``user`` may read the gradebook of ``course`` (those who manage it)."""
    return can_manage_course(user, course)


def access_course(user: AnyUser, slug: str) -> Course:
    """Return the course ``slug`` if ``user`` may open it; else raise ``Http404``."""
    course = courses_visible_to(user).filter(slug=slug).first()
    if course is None:
        raise Http404("No such course.")
    return course


def access_managed_course(user: AnyUser, slug: str, *, conceal: bool = False) -> Course:
    """Return the course ``slug`` if ``user`` manages it.

    A course the user is not in is a 404. A member who does not manage it gets
    ``PermissionDenied`` (403, for the API), or a 404 too when ``conceal`` (pages,
    which do not tell a student that an instructor's page exists).
    """
    course = access_course(user, slug)
    if can_manage_course(user, course):
        return course
    if conceal:
        raise Http404("Not a page for you.")
    raise PermissionDenied("Only instructors of this course may do this.")


# Exercises.


def exercises_visible_to(user: AnyUser) -> QuerySet[Exercise]:
    """Return the exercises ``user`` may read."""
    if not _is_active(user):
        return Exercise.objects.none()
    if is_superuser(user):
        return Exercise.objects.all()
    taught = Q(offerings__course__in=_courses_with_role(user, Membership.Role.INSTRUCTOR))
    studied = Q(
        offerings__course__in=_courses_with_role(user, Membership.Role.STUDENT), published=True
    )
    return Exercise.objects.filter(taught | studied).distinct()


def can_view_exercise(user: AnyUser, exercise: Exercise) -> bool:
    """Return whether ``user`` may read ``exercise`` (its prompt, not its reference)."""
    return exercises_visible_to(user).filter(pk=exercise.pk).exists()


def access_exercise(user: AnyUser, slug: str) -> Exercise:
    """Return the exercise ``slug`` if ``user`` may read it; else raise ``Http404``."""
    exercise = exercises_visible_to(user).filter(slug=slug).first()
    if exercise is None:
        raise Http404("No such exercise.")
    return exercise


def course_exercises_visible_to(user: AnyUser, course: Course) -> list[Exercise]:
    """Return the exercises of ``course`` that ``user`` may read, in course order."""
    visible = set(exercises_visible_to(user).values_list("id", flat=True))
    return [e for e in selectors.course_exercises(course) if e.id in visible]


def access_course_exercise(user: AnyUser, course: Course, slug: str) -> Exercise:
    """Return exercise ``slug`` as offered in ``course`` to ``user``; else raise ``Http404``."""
    exercise = next((e for e in course_exercises_visible_to(user, course) if e.slug == slug), None)
    if exercise is None:
        raise Http404("No such exercise in this course.")
    return exercise


def can_edit_exercise(user: AnyUser, exercise: Exercise) -> bool:
    """Return whether ``user`` may author ``exercise``: an instructor of a course offering it."""
    if not _is_active(user):
        return False
    if is_superuser(user):
        return True
    return (
        _courses_with_role(user, Membership.Role.INSTRUCTOR)
        .filter(offerings__exercise=exercise)
        .exists()
    )


def can_author_somewhere(user: AnyUser) -> bool:
    """Return whether ``user`` authors exercises anywhere: an instructor of some course."""
    if not _is_active(user):
        return False
    return is_superuser(user) or _courses_with_role(user, Membership.Role.INSTRUCTOR).exists()


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


def offerings_to_submit_in(user: AnyUser, exercise: Exercise) -> QuerySet[CourseExercise]:
    """Return the offerings of ``exercise`` in ``courses_to_submit_in``, courses loaded."""
    return CourseExercise.objects.select_related("course").filter(
        exercise=exercise, course__in=courses_to_submit_in(user, exercise)
    )


def offering_to_submit_in(
    user: AnyUser, exercise_slug: str, course_slug: str | None = None
) -> CourseExercise | None:
    """Return the first offering (by course) of ``exercise_slug`` that ``user`` may submit
    through, in course ``course_slug`` if given, its exercise and course loaded; or None.

    The same rule as ``courses_to_submit_in``, in one query that also finds the exercise.
    """
    if not _is_active(user):
        return None
    mine = Membership.objects.filter(user=user, course=OuterRef("course_id"))
    teaches = Exists(mine.filter(role=Membership.Role.INSTRUCTOR))
    studies = Exists(mine.filter(role=Membership.Role.STUDENT))
    offerings = CourseExercise.objects.select_related("course", "exercise").filter(
        teaches | (studies & Q(exercise__published=True)), exercise__slug=exercise_slug
    )
    if course_slug is not None:
        offerings = offerings.filter(course__slug=course_slug)
    return offerings.order_by("course_id").first()


def can_submit_in(user: AnyUser, exercise: Exercise, course: Course) -> bool:
    """Return whether ``user`` may submit to ``exercise`` through ``course``."""
    return courses_to_submit_in(user, exercise).filter(pk=course.pk).exists()


def can_submit_without_course(user: AnyUser) -> bool:
    """Return whether ``user`` may submit to an exercise outside any course (superusers)."""
    return is_superuser(user)


# Submissions.


def submissions_visible_to(user: AnyUser) -> QuerySet[Submission]:
    """Return the submissions ``user`` may read: their own, their taught courses', or all."""
    if not _is_active(user):
        return Submission.objects.none()
    if is_superuser(user):
        return Submission.objects.all()
    own = Q(user=user)
    taught = Q(course__in=_courses_with_role(user, Membership.Role.INSTRUCTOR))
    return Submission.objects.filter(own | taught)


def submissions_listed_for(user: AnyUser, *, of: str | None = None) -> QuerySet[Submission]:
    """Return the submissions a list shows ``user``: their own, or those it may see of
    the user ``of`` names (a username or an id; ``submissions_matching`` narrows to them).

    Another user's list is for instructors (the courses they teach) and superusers;
    anyone else asking for one gets ``PermissionDenied``.
    """
    if of is None or of in (user.get_username(), str(user.pk)):
        return submissions_visible_to(user).filter(user_id=user.pk)
    if not (is_superuser(user) or _courses_with_role(user, Membership.Role.INSTRUCTOR).exists()):
        raise PermissionDenied("Only instructors may list another user's submissions.")
    return submissions_visible_to(user)


def can_view_submission(user: AnyUser, submission: Submission) -> bool:
    """Return whether ``user`` may read ``submission``."""
    return submissions_visible_to(user).filter(pk=submission.pk).exists()


def access_submission(user: AnyUser, submission_id: int) -> Submission:
    """Return submission ``submission_id`` if ``user`` may read it; else raise ``Http404``.

    404 rather than 403 for someone else's submission: ids are sequential and must
    not reveal how many submissions exist.
    """
    submission = (
        submissions_visible_to(user)
        .select_related("exercise", "course", "user", "reviewed_by")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise Http404("No such submission.")
    return submission


def can_see_hidden_feedback(user: AnyUser, submission: Submission) -> bool:
    """Return whether ``user`` sees hidden tests' messages and the raw verdict.

    Those who grade: an instructor of the submission's course, or a superuser.
    """
    if not _is_active(user):
        return False
    if is_superuser(user):
        return True
    return _has_role_in(user, submission.course_id, Membership.Role.INSTRUCTOR)


def can_review_submission(user: AnyUser, submission: Submission) -> bool:
    """Return whether ``user`` may review or regrade ``submission``."""
    if not _is_active(user):
        return False
    if is_superuser(user):
        return True
    return _has_role_in(user, submission.course_id, Membership.Role.INSTRUCTOR)


def access_reviewable_submission(user: AnyUser, submission_id: int) -> Submission:
    """Return the submission if ``user`` may review it.

    Raises ``Http404`` when the user may not see it and ``PermissionDenied`` when
    they see it (their own) but may not review it.
    """
    submission = access_submission(user, submission_id)
    if not can_review_submission(user, submission):
        raise PermissionDenied("Only an instructor of this course may do this.")
    return submission


# Grading service.


def is_grader_account(user: AnyUser) -> bool:
    """Return whether ``user`` is a grader account of any kind (group or membership)."""
    if not _is_active(user):
        return False
    if _in_grader_group(user):
        return True
    return Membership.objects.filter(user=user, role=Membership.Role.GRADER).exists()


def can_post_results(user: AnyUser, submission: Submission) -> bool:
    """Return whether ``user`` may report grading progress and results for ``submission``."""
    if not _is_active(user):
        return False
    if _in_grader_group(user):
        return True
    return _has_role_in(user, submission.course_id, Membership.Role.GRADER)


def _in_grader_group(user: AnyUser) -> bool:
    """Whether ``user`` is in the graders group, asked once per user object.

    A worker's every call is checked twice (any grader, then this submission's): the
    answer is kept on the object, which lives for one request.
    """
    known = getattr(user, "_actquiz_in_grader_group", None)
    if known is None:
        known = user.groups.filter(name=settings.ACTQUIZ_GRADER_GROUP).exists()
        user._actquiz_in_grader_group = known
    return known


# Runs, regrades, API tokens.


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
    return is_superuser(user)


def courses_to_regrade_in(user: AnyUser, exercise: Exercise) -> QuerySet[Course]:
    """Return the courses offering ``exercise`` whose submissions ``user`` may regrade."""
    offering = Course.objects.filter(offerings__exercise=exercise)
    if not _is_active(user):
        return Course.objects.none()
    if is_superuser(user):
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

    Their own, those limited to a course they teach, or all for superusers.
    """
    if not _is_active(user):
        return RegradeJob.objects.none()
    if is_superuser(user):
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


# Elsewhere: the LMS and the admin.


def can_pick_exercises_from_lms(launch_role: str) -> bool:
    """Return whether an LTI launch with ``launch_role`` may add exercises to the LMS course."""
    return launch_role == Membership.Role.INSTRUCTOR


def can_use_admin(user: AnyUser) -> bool:
    """Return whether ``user`` may enter the Django admin (superusers; not ``is_staff``)."""
    return is_superuser(user)


# Authoring.


def can_post_validation_results(user: AnyUser) -> bool:
    """Return whether ``user`` may report an exercise validation (the workers' account).

    Only the graders group: a validation belongs to no course, so a course's grader
    membership does not cover it.
    """
    if not _is_active(user):
        return False
    return user.groups.filter(name=settings.ACTQUIZ_GRADER_GROUP).exists()


def can_manage_course_webhooks(user: AnyUser, course: Course) -> bool:
    """Return whether ``user`` may register, change and inspect ``course``'s webhooks.

    Instructors of the course only: a webhook sends its students' scores out.
    """
    if not _is_active(user):
        return False
    return Membership.objects.filter(
        user=user, course=course, role=Membership.Role.INSTRUCTOR
    ).exists()


# Course policy.


def is_exempt_from_course_policy(user: AnyUser, course: Course) -> bool:
    """Return whether ``user`` may submit in ``course`` regardless of dates and limits.

    Those who run the course try its exercises before they open and as often as they like.
    """
    return can_manage_course(user, course)


def access_course_offering(user: AnyUser, slug: str, exercise_slug: str) -> CourseExercise:
    """Return exercise ``exercise_slug`` as offered by course ``slug``, which ``user`` manages.

    Its policy is read and changed through this. A course the user is not in, or an
    exercise it does not offer, is a 404; a member who does not manage it gets a 403.
    """
    course = access_managed_course(user, slug)
    offering = (
        CourseExercise.objects.select_related("course", "exercise")
        .filter(course=course, exercise__slug=exercise_slug)
        .first()
    )
    if offering is None:
        raise Http404("This course does not offer that exercise.")
    return offering
