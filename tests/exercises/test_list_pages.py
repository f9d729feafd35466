"""Lists under /api/v1/: a plain JSON list body, pages by ?limit=&offset= with Link and
X-Total-Count headers, and strict filters (a bad value is a clear 400)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AbstractBaseUser
from rest_framework.test import APIClient

from exercises import services
from exercises.models import Course, Exercise, ExerciseVersion, Membership, Submission
from tests.exercises.conftest import verdict_for
from tests.tokens import issue_token
from webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

Client = Callable[[AbstractBaseUser | None], APIClient]
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def links(response: Any) -> dict[str, str]:
    """The Link header as {rel: path?query}."""
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))
    return {rel: url.removeprefix("http://testserver") for url, rel in found}


def make_submissions(
    user: AbstractBaseUser, exercise: Exercise, course: Course | None, count: int, **times: Any
) -> list[Submission]:
    """``count`` submissions, one hour apart from T0 (or all at ``at``), oldest first."""
    made = []
    for n in range(count):
        submission = services.submission_create(
            user=user, exercise=exercise, code=f"# {n}\n", course=course
        )
        at = times.get("at", T0 + timedelta(hours=n))
        Submission.objects.filter(pk=submission.pk).update(created_at=at)
        made.append(submission)
    return made


def grade(submission: Submission, score: float) -> None:
    services.submission_record_result(
        submission_id=submission.id,
        grading_attempt=1,
        verdict=verdict_for(submission.exercise, score),
    )


def walk(client: APIClient, url: str) -> list[int]:
    """Follow rel=next from ``url`` to the last page; the ids in the order served."""
    ids: list[int] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        ids += [item["id"] for item in response.json()]
        url = links(response).get("next", "")
    return ids


# Pages.


def test_a_list_is_still_a_plain_json_list_with_its_total_in_a_header(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    make_submissions(student, sigmoid, course, 3)

    response = client_for(student).get("/api/v1/submissions/")

    assert response.status_code == 200
    assert isinstance(response.json(), list) and len(response.json()) == 3
    assert response.headers["X-Total-Count"] == "3"
    assert "Link" not in response.headers


def test_pages_follow_next_links_through_every_submission_once_newest_first(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    made = make_submissions(student, sigmoid, course, 7)
    client = client_for(student)

    first = client.get("/api/v1/submissions/?limit=3")
    ids = walk(client, "/api/v1/submissions/?limit=3")

    assert first.headers["X-Total-Count"] == "7"
    assert [item["id"] for item in first.json()] == [s.id for s in made[::-1][:3]]
    assert ids == [s.id for s in reversed(made)]


def test_a_middle_page_links_back_to_the_previous_one(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    make_submissions(student, sigmoid, course, 7)
    client = client_for(student)

    middle = client.get("/api/v1/submissions/?limit=3&offset=3")
    previous = client.get(links(middle)["prev"])

    assert parse_qs(urlsplit(links(middle)["next"]).query)["offset"] == ["6"]
    assert [item["id"] for item in previous.json()] == [
        item["id"] for item in client.get("/api/v1/submissions/?limit=3").json()
    ]


def test_pages_neither_repeat_nor_skip_submissions_made_in_the_same_instant(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    made = make_submissions(student, sigmoid, course, 5, at=T0)

    ids = walk(client_for(student), "/api/v1/submissions/?limit=2")

    assert sorted(ids) == sorted(s.id for s in made) and len(ids) == 5


def test_links_keep_the_filters(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    make_submissions(student, sigmoid, course, 4)
    since = "2026-03-01T18:00:00+09:00"  # 09:00 UTC: all four

    response = client_for(student).get(
        "/api/v1/submissions/", {"since": since, "status": "queued", "limit": 2}
    )
    query = parse_qs(urlsplit(links(response)["next"]).query)

    assert query["since"] == [since] and query["status"] == ["queued"]
    assert query["limit"] == ["2"] and query["offset"] == ["2"]


def test_an_offset_past_the_end_is_an_empty_page_with_the_total(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    make_submissions(student, sigmoid, course, 2)

    response = client_for(student).get("/api/v1/submissions/?offset=50")

    assert response.json() == [] and response.headers["X-Total-Count"] == "2"
    assert "offset=0" in links(response)["prev"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("limit=%EF%BC%93", "limit"),  # a full-width digit
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
    ],
)
def test_a_bad_limit_or_offset_is_a_clear_400(
    query: str, field: str, student: AbstractBaseUser, client_for: Client
) -> None:
    response = client_for(student).get(f"/api/v1/submissions/?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert field in response.json()["error"]["message"]


def test_every_list_answers_pages_with_the_paging_headers(
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    add_exercise: Callable[..., Exercise],
    course: Course,
    client_for: Client,
) -> None:
    add_exercise("relu-torch")
    make_submissions(student, sigmoid, course, 2)
    Course.objects.create(slug="act102", title="More")
    Membership.objects.create(user=instructor, course=Course.objects.get(slug="act102"))
    issue_token(instructor)
    webhook = Webhook.objects.create(course=course, url="https://a.example/", secret="s")
    Webhook.objects.create(course=course, url="https://b.example/", secret="s")
    for _ in range(2):
        WebhookDelivery.objects.create(webhook=webhook, event="submission.graded", payload={})
        ExerciseVersion.objects.create(
            exercise=sigmoid, number=ExerciseVersion.objects.count() + 1, document={}
        )
    client = client_for(instructor)

    for url in (
        "/api/v1/exercises/",
        "/api/v1/exercises/?course=act101",
        "/api/v1/courses/",
        "/api/v1/courses/act101/submissions/",
        "/api/v1/tokens/",
        "/api/v1/courses/act101/webhooks/",
        f"/api/v1/courses/act101/webhooks/{webhook.id}/deliveries/",
        "/api/v1/exercises/sigmoid-numpy/versions/",
    ):
        whole = client.get(url)
        page = client.get(f"{url}{'&' if '?' in url else '?'}limit=1&offset=1")

        assert whole.status_code == 200, (url, whole.json())
        assert len(whole.json()) == 2 and whole.headers["X-Total-Count"] == "2", url
        assert page.json() == whole.json()[1:], url
        assert "prev" in links(page) and "next" not in links(page), url
    own = client_for(student).get("/api/v1/exercises/sigmoid-numpy/submissions/?limit=1")
    assert own.headers["X-Total-Count"] == "2" and len(own.json()) == 1


# Submission filters.


def test_submissions_filter_by_status(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    graded, queued = make_submissions(student, sigmoid, course, 2)
    grade(graded, 10.0)
    client = client_for(student)

    assert [s["id"] for s in client.get("/api/v1/submissions/?status=graded").json()] == [graded.id]
    assert [s["id"] for s in client.get("/api/v1/submissions/?status=queued").json()] == [queued.id]
    bad = client.get("/api/v1/submissions/?status=done")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_submissions_filter_by_exercise_and_course(
    student: AbstractBaseUser,
    sigmoid: Exercise,
    add_exercise: Callable[..., Exercise],
    course: Course,
    other_course: Course,
    client_for: Client,
) -> None:
    relu = add_exercise("relu-torch", to=other_course)
    Membership.objects.create(user=student, course=other_course)
    (in_101,) = make_submissions(student, sigmoid, course, 1)
    (in_201,) = make_submissions(student, relu, other_course, 1)
    client = client_for(student)

    by_exercise = client.get("/api/v1/submissions/?exercise=relu-torch").json()
    by_course = client.get("/api/v1/submissions/?course=act101").json()
    nowhere = client.get("/api/v1/submissions/?course=no-such-course").json()

    assert [s["id"] for s in by_exercise] == [in_201.id]
    assert [s["id"] for s in by_course] == [in_101.id]
    assert nowhere == []


def test_submissions_filter_by_a_time_window_with_offsets(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Client
) -> None:
    made = make_submissions(student, sigmoid, course, 4)  # 09:00, 10:00, 11:00, 12:00 UTC
    client = client_for(student)

    window = client.get(
        "/api/v1/submissions/",
        {"since": "2026-03-01T19:00:00+09:00", "until": "2026-03-01T12:00:00Z"},
    ).json()

    # since is inclusive (10:00), until exclusive (12:00).
    assert [s["id"] for s in window] == [made[2].id, made[1].id]


@pytest.mark.parametrize(
    "query, field, words",
    [
        ("since=2026-03-01T10:00:00", "since", "UTC offset"),
        ("until=yesterday", "until", "ISO-8601"),
        ("since=2026-02-30T10:00:00Z", "since", "ISO-8601"),
        ("since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", "since", "after until"),
        ("needs_review=maybe", "needs_review", "1 or 0"),
    ],
)
def test_a_bad_filter_value_is_a_clear_400(
    query: str, field: str, words: str, student: AbstractBaseUser, client_for: Client
) -> None:
    response = client_for(student).get(f"/api/v1/submissions/?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert words in response.json()["error"]["message"]


@pytest.fixture
def waiting_answer(
    student: AbstractBaseUser, add_exercise: Callable[..., Exercise], course: Course
) -> Submission:
    """A graded text answer of the student's waiting for an instructor."""
    essay = add_exercise("dying-relu-explain")
    answer = services.submission_create(
        user=student, exercise=essay, answer="ReLU is zero for negatives.", course=course
    )
    services.submission_record_result(
        submission_id=answer.id,
        grading_attempt=1,
        verdict=verdict_for(essay, 2.0, needs_review=True),
    )
    return answer


def test_needs_review_keeps_or_drops_the_answers_waiting_for_an_instructor(
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
    waiting_answer: Submission,
    client_for: Client,
) -> None:
    (code,) = make_submissions(student, sigmoid, course, 1)
    own = client_for(student)
    staff = client_for(instructor)

    assert [s["id"] for s in own.get("/api/v1/submissions/?needs_review=1").json()] == [
        waiting_answer.id
    ]
    assert [s["id"] for s in own.get("/api/v1/submissions/?needs_review=0").json()] == [code.id]
    course_url = "/api/v1/courses/act101/submissions/"
    assert [s["id"] for s in staff.get(f"{course_url}?needs_review=true").json()] == [
        waiting_answer.id
    ]
    assert [s["id"] for s in staff.get(f"{course_url}?needs_review=false").json()] == [code.id]


def test_an_instructor_lists_a_students_submissions_by_username_or_id(
    student: AbstractBaseUser,
    other_student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
    client_for: Client,
) -> None:
    alice = make_submissions(student, sigmoid, course, 2)
    make_submissions(other_student, sigmoid, course, 1)
    client = client_for(instructor)

    by_name = client.get("/api/v1/submissions/?user=alice").json()
    by_id = client.get(f"/api/v1/submissions/?user={student.pk}").json()
    in_course = client.get("/api/v1/courses/act101/submissions/?user=alice").json()
    old_name = client.get("/api/v1/courses/act101/submissions/?student=alice").json()

    expected = [s.id for s in reversed(alice)]
    assert [s["id"] for s in by_name] == expected
    assert [s["id"] for s in by_id] == expected
    assert [s["id"] for s in in_course] == expected == [s["id"] for s in old_name]
    # The instructor sees the full feedback of a student's submission.
    assert by_name[0]["code"] is not None


def test_a_student_may_not_list_another_students_submissions(
    student: AbstractBaseUser,
    other_student: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
    client_for: Client,
) -> None:
    make_submissions(other_student, sigmoid, course, 1)
    client = client_for(student)

    refused = client.get("/api/v1/submissions/?user=bob")
    own = client.get("/api/v1/submissions/?user=alice")

    assert refused.status_code == 403
    assert "instructors" in refused.json()["error"]["message"]
    assert own.status_code == 200 and own.json() == []


def test_an_instructor_sees_no_submissions_of_a_student_outside_their_courses(
    student: AbstractBaseUser,
    make_user: Callable[..., AbstractBaseUser],
    sigmoid: Exercise,
    course: Course,
    other_course: Course,
    client_for: Client,
) -> None:
    make_submissions(student, sigmoid, course, 1)
    stranger = make_user("elsewhere", course=other_course, role=Membership.Role.INSTRUCTOR)

    response = client_for(stranger).get("/api/v1/submissions/?user=alice")

    assert response.status_code == 200 and response.json() == []


def test_course_submissions_filter_by_status_exercise_and_time(
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    add_exercise: Callable[..., Exercise],
    course: Course,
    client_for: Client,
) -> None:
    relu = add_exercise("relu-numpy")
    first, second = make_submissions(student, sigmoid, course, 2)
    grade(second, 5.0)
    later = services.submission_create(user=student, exercise=relu, code="# r\n", course=course)
    Submission.objects.filter(pk=later.pk).update(created_at=T0 + timedelta(days=1))
    client = client_for(instructor)
    url = "/api/v1/courses/act101/submissions/"

    assert [s["id"] for s in client.get(f"{url}?status=graded").json()] == [second.id]
    assert [s["id"] for s in client.get(f"{url}?exercise=relu-numpy").json()] == [later.id]
    assert [s["id"] for s in client.get(f"{url}?until=2026-03-01T09:30:00Z").json()] == [first.id]
    assert client.get(f"{url}?status=nope").status_code == 400


# Exercise filters.


@pytest.fixture
def mixed_exercises(add_exercise: Callable[..., Exercise]) -> None:
    for slug in ("sigmoid-numpy", "relu-torch", "why-nonlinearity", "dying-relu-explain"):
        add_exercise(slug)
    add_exercise("tanh-numpy", published=False)


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["slug"] for item in response.json()]


def test_exercises_filter_by_kind_framework_and_concept(
    mixed_exercises: None, student: AbstractBaseUser, client_for: Client
) -> None:
    client = client_for(student)

    assert slugs(client.get("/api/v1/exercises/?kind=code")) == ["relu-torch", "sigmoid-numpy"]
    assert slugs(client.get("/api/v1/exercises/?framework=torch")) == ["relu-torch"]
    assert slugs(client.get("/api/v1/exercises/?framework=none")) == [
        "dying-relu-explain",
        "why-nonlinearity",
    ]
    assert slugs(client.get("/api/v1/exercises/?concept=relu")) == [
        "dying-relu-explain",
        "relu-torch",
    ]
    assert slugs(client.get("/api/v1/exercises/?kind=text&concept=relu")) == ["dying-relu-explain"]


def test_authors_filter_exercises_by_published_and_students_never_see_drafts(
    mixed_exercises: None,
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    client_for: Client,
) -> None:
    assert slugs(client_for(instructor).get("/api/v1/exercises/?published=0")) == ["tanh-numpy"]
    assert "tanh-numpy" not in slugs(client_for(instructor).get("/api/v1/exercises/?published=1"))
    assert slugs(client_for(student).get("/api/v1/exercises/?published=0")) == []


def test_a_course_list_of_exercises_stays_in_course_order_when_filtered(
    mixed_exercises: None, instructor: AbstractBaseUser, course: Course, client_for: Client
) -> None:
    order = list(course.offerings.values_list("exercise__slug", flat=True))
    client = client_for(instructor)

    every = slugs(client.get("/api/v1/exercises/?course=act101"))
    code = slugs(client.get("/api/v1/exercises/?course=act101&kind=code"))

    assert every == order
    assert code == [slug for slug in order if slug in ("sigmoid-numpy", "relu-torch", "tanh-numpy")]


@pytest.mark.parametrize(
    "query, field",
    [("kind=essay", "kind"), ("framework=jax", "framework"), ("published=yes", "published")],
)
def test_a_bad_exercise_filter_is_a_clear_400(
    query: str, field: str, student: AbstractBaseUser, client_for: Client
) -> None:
    response = client_for(student).get(f"/api/v1/exercises/?{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_schema_documents_the_paging_parameters_headers_and_filters(client: Any) -> None:
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]

    submissions = paths["/api/v1/submissions/"]["get"]
    names = {p["name"] for p in submissions["parameters"]}
    headers = submissions["responses"]["200"]["headers"]
    exercises = {p["name"] for p in paths["/api/v1/exercises/"]["get"]["parameters"]}

    assert {"limit", "offset", "status", "exercise", "course", "user", "since", "until"} <= names
    assert {"needs_review"} <= names
    assert {"X-Total-Count", "Link"} <= set(headers)
    assert {"kind", "framework", "concept", "published", "limit", "offset"} <= exercises
    for path in (
        "/api/v1/courses/{slug}/submissions/",
        "/api/v1/exercises/{slug}/submissions/",
        "/api/v1/tokens/",
        "/api/v1/courses/{slug}/webhooks/",
        "/api/v1/courses/{slug}/webhooks/{webhook_id}/deliveries/",
        "/api/v1/exercises/{slug}/versions/",
        "/api/v1/courses/",
    ):
        assert "X-Total-Count" in paths[path]["get"]["responses"]["200"]["headers"], path
