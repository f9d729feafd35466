"""Who sees what, through the HTTP API: every role against every kind of object."""

from __future__ import annotations

import pytest

from exercises import services
from exercises.models import Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(add_exercise, course, other_course, student, other_student, make_user):
    """Two courses: act101 (sigmoid published, relu unpublished) and act201 (tanh)."""
    sigmoid = add_exercise("sigmoid-numpy")
    relu = add_exercise("relu-numpy", published=False)
    tanh = add_exercise("tanh-numpy", to=other_course)
    foreign = make_user("carol", course=other_course)
    subs = {
        "alice": services.submission_create(
            user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
        ),
        "bob": services.submission_create(
            user=other_student, exercise=sigmoid, code=SIGMOID_OK, course=course
        ),
        "carol": services.submission_create(
            user=foreign, exercise=tanh, code="def tanh(x): return x", course=other_course
        ),
    }
    return {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "subs": subs}


def listed_slugs(client) -> set[str]:
    return {e["slug"] for e in client.get("/api/v1/exercises/").json()}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("student", {"sigmoid-numpy"}),
        ("instructor", {"sigmoid-numpy", "relu-numpy"}),
        ("superuser", {"sigmoid-numpy", "relu-numpy", "tanh-numpy"}),
        ("staff", set()),
        ("outsider", set()),
        ("grader", set()),
    ],
)
def test_each_role_lists_exactly_the_exercises_it_may_see(
    request, client_for, world, who, expected
):
    assert listed_slugs(client_for(request.getfixturevalue(who))) == expected


def test_an_anonymous_caller_sees_no_exercises(client_for, world):
    assert client_for(None).get("/api/v1/exercises/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [
        ("student", "sigmoid-numpy", 200),
        ("student", "relu-numpy", 404),
        ("student", "tanh-numpy", 404),
        ("instructor", "relu-numpy", 200),
        ("instructor", "tanh-numpy", 404),
        ("superuser", "tanh-numpy", 200),
        ("staff", "sigmoid-numpy", 404),
        ("outsider", "sigmoid-numpy", 404),
    ],
)
def test_exercise_detail_follows_the_same_rules(request, client_for, world, who, slug, status):
    user = request.getfixturevalue(who)
    assert client_for(user).get(f"/api/v1/exercises/{slug}/").status_code == status


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("student", {"alice"}),
        ("other_student", {"bob"}),
        ("instructor", {"alice", "bob"}),
        ("superuser", {"alice", "bob", "carol"}),
        ("staff", set()),
        ("outsider", set()),
    ],
)
def test_each_role_reads_exactly_the_submissions_it_may_see(
    request, client_for, world, who, visible
):
    client = client_for(request.getfixturevalue(who))
    for owner, submission in world["subs"].items():
        status = client.get(f"/api/v1/submissions/{submission.id}/").status_code
        assert status == (200 if owner in visible else 404), owner


def test_the_submission_list_holds_only_the_callers_own(client_for, world, student, instructor):
    mine = client_for(student).get("/api/v1/submissions/").json()
    assert [s["user"] for s in mine] == ["alice"]
    assert client_for(instructor).get("/api/v1/submissions/").json() == []


def test_the_submission_list_filters_by_exercise(client_for, world, student):
    services.submission_create(user=student, exercise=world["relu"], code="def relu(x): return x")
    listed = client_for(student).get("/api/v1/submissions/?exercise=sigmoid-numpy").json()
    assert {s["exercise"] for s in listed} == {"sigmoid-numpy"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("instructor", 200),
        ("superuser", 200),
        ("student", 403),
        ("outsider", 404),
        ("staff", 404),
    ],
)
def test_only_instructors_and_superusers_read_the_gradebook(
    request, client_for, world, who, status
):
    user = request.getfixturevalue(who)
    assert client_for(user).get("/api/v1/courses/act101/gradebook/").status_code == status


def test_an_instructor_of_another_course_cannot_read_this_gradebook(
    client_for, world, make_user, other_course
):
    from exercises.models import Membership

    teacher = make_user("t2", course=other_course, role=Membership.Role.INSTRUCTOR)
    assert client_for(teacher).get("/api/v1/courses/act101/gradebook/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("instructor", 200),
        ("superuser", 200),
        ("student", 403),
        ("other_student", 404),
        ("staff", 404),
    ],
)
def test_only_the_courses_instructors_review_submissions(
    request, client_for, grader, world, who, status
):
    submission = world["subs"]["alice"]
    services.submission_record_result(
        submission_id=submission.id,
        grading_attempt=1,
        verdict=verdict_for(world["sigmoid"], 2.0),
    )
    client = client_for(request.getfixturevalue(who))
    response = client.post(
        f"/api/v1/submissions/{submission.id}/review/",
        {"score": 9.0, "comment": "Good explanation."},
        format="json",
    )
    assert response.status_code == status
    submission.refresh_from_db()
    assert submission.reviewed_score == (9.0 if status == 200 else None)


def test_an_inactive_user_sees_nothing(client_for, world, student):
    client = client_for(student)
    student.is_active = False
    student.save(update_fields=["is_active"])
    assert client.get("/api/v1/exercises/").status_code in (401, 403)


def test_the_course_list_shows_the_callers_courses_and_role(
    client_for, world, student, instructor, superuser, staff
):
    assert client_for(student).get("/api/v1/courses/").json() == [
        {"slug": "act101", "title": "Activation functions", "role": "student"}
    ]
    assert client_for(instructor).get("/api/v1/courses/").json()[0]["role"] == "instructor"
    assert {c["slug"] for c in client_for(superuser).get("/api/v1/courses/").json()} == {
        "act101",
        "act201",
    }
    assert client_for(staff).get("/api/v1/courses/").json() == []


def test_a_student_in_two_courses_submits_in_the_one_they_name(
    submit, world, student, other_course
):
    from exercises.models import CourseExercise, Membership

    Membership.objects.create(user=student, course=other_course)
    CourseExercise.objects.create(course=other_course, exercise=world["sigmoid"])
    response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK, "course": "act201"})
    assert response.status_code == 202
    assert Submission.objects.get(pk=response.json()["id"]).course == other_course
