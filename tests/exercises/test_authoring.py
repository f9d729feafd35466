"""Authoring through the API: documents, drafts, validation jobs, publishing, versions.

The worker's side of validation is played here by posting a report as the grader
service; tests/e2e/test_authoring_pipeline.py runs it on a real worker.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.utils import timezone

from actquiz.celery import app as celery_app
from exercises import authoring, documents, services
from exercises.models import (
    Course,
    CourseExercise,
    Exercise,
    ExerciseVersion,
    Membership,
    Submission,
    ValidationJob,
)
from tests.exercises.authoring_fixtures import GELU_REFERENCE, gelu_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings: Any) -> Iterator[tuple[str, redis.Redis]]:
    name = f"test-validation-{uuid.uuid4().hex[:12]}"
    settings.ACTQUIZ_GRADING_QUEUE = name
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    yield name, client
    client.delete(name)


def sent_tasks(queue: tuple[str, redis.Redis]) -> list[dict[str, Any]]:
    name, client = queue
    tasks = []
    for raw in client.lrange(name, 0, -1):
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        tasks.append({"task": envelope["headers"]["task"], "args": args})
    return tasks


@pytest.fixture
def api(
    client_for: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> Callable[..., Any]:
    def call(user: AbstractBaseUser | None, method: str, path: str, body: Any = None) -> Any:
        client = client_for(user)
        # The test's transaction never commits: run what would follow the commit.
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(client, method)(f"/api/v1/{path}", body, format="json")

    return call


def passing_report() -> dict[str, Any]:
    return {"passed": True, "problems": [], "solutions": [], "duration_ms": 12.0}


def failing_report(problem: str) -> dict[str, Any]:
    return {"passed": False, "problems": [problem], "solutions": [], "duration_ms": 12.0}


# Documents


def test_every_catalog_exercise_round_trips_through_its_document(
    catalog: dict[str, dict[str, Any]],
) -> None:
    for slug, entry in catalog.items():
        exercise, _ = services.exercise_upsert_from_catalog(entry)
        from_files = documents.document_from_catalog_entry(entry)
        exported = documents.to_json(documents.document_from_exercise(exercise))
        # Exported as JSON text and read back, as another server would.
        imported = documents.validate_document(json.loads(json.dumps(exported)))
        assert documents.document_hash(imported) == documents.document_hash(from_files), slug
        assert imported["wrong"] == entry["wrong_solutions"]
        fields = documents.fields_from_document(imported)
        assert fields["reference_code"] == exercise.reference_code
        assert fields["spec"] == exercise.spec or slug in {"leaky-relu-torch", "sigmoid-torch"}


def test_a_document_with_problems_names_each_field() -> None:
    document = gelu_document(
        reference="def gelu(x:\n    return x\n",
        time_limit_seconds=500,
        title={"en": "GELU", "ko": ""},
    )
    with pytest.raises(Exception) as caught:
        documents.validate_document(document)

    fields = caught.value.fields
    assert fields["reference"] == ["syntax error on line 1: '(' was never closed"]
    assert fields["time_limit_seconds"] == ["must be above 0 and at most 30"]
    assert fields["title"] == ["needs a non-empty 'ko' text"]
    assert caught.value.status_code == 400


def test_an_unknown_check_probe_or_key_is_refused() -> None:
    spec = gelu_document()["spec"]
    spec["tests"][0]["check"] = "valuez"
    with pytest.raises(Exception) as caught:
        documents.validate_document(gelu_document(spec=spec))
    assert "unknown check 'valuez'" in caught.value.fields["spec"][0]

    spec = gelu_document()["spec"]
    spec["tests"].append({"name": "edges", "check": "stability", "points": 0, "probes": ["huge"]})
    with pytest.raises(Exception) as caught:
        documents.validate_document(gelu_document(spec=spec))
    assert "unknown probe 'huge'" in caught.value.fields["spec"][0]

    with pytest.raises(Exception) as caught:
        documents.validate_document(gelu_document(tests=[]))
    assert "tests" in caught.value.fields


# Create, edit, export


def test_an_instructor_creates_a_draft_exercise_in_their_course(
    api: Callable[..., Any], instructor: AbstractBaseUser, course: Course
) -> None:
    response = api(instructor, "post", f"courses/{course.slug}/exercises/", gelu_document())

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["published"], body["version"]) == ("gelu-authored", False, 0)
    assert body["has_draft"] and body["validation"] is None
    assert response["Location"].endswith("/api/v1/exercises/gelu-authored/draft/")
    exercise = Exercise.objects.get(slug="gelu-authored")
    assert exercise.edited_in_product and not exercise.published
    assert CourseExercise.objects.filter(course=course, exercise=exercise).exists()
    assert exercise.reference_code == GELU_REFERENCE


def test_a_taken_slug_is_a_conflict_and_a_bad_document_a_400(
    api: Callable[..., Any], instructor: AbstractBaseUser, course: Course, sigmoid: Exercise
) -> None:
    taken = api(
        instructor, "post", "courses/act101/exercises/", gelu_document(slug="sigmoid-numpy")
    )
    broken = api(instructor, "post", "courses/act101/exercises/", gelu_document(kind="essay"))

    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "slug_taken"
    assert broken.status_code == 400
    assert broken.json()["error"]["fields"]["kind"]
    assert not Exercise.objects.filter(slug="gelu-authored").exists()


def test_students_and_other_instructors_cannot_create_edit_or_export(
    api: Callable[..., Any],
    student: AbstractBaseUser,
    make_user: Callable[..., AbstractBaseUser],
    other_course: Course,
    sigmoid: Exercise,
) -> None:
    elsewhere = make_user("other-teacher", course=other_course, role=Membership.Role.INSTRUCTOR)

    assert api(student, "post", "courses/act101/exercises/", gelu_document()).status_code == 403
    assert api(student, "get", "exercises/sigmoid-numpy/export/").status_code == 403
    assert api(student, "patch", "exercises/sigmoid-numpy/", {"points": 5}).status_code == 403
    assert api(elsewhere, "get", "exercises/sigmoid-numpy/export/").status_code == 404
    assert api(elsewhere, "post", "courses/act101/exercises/", gelu_document()).status_code == 404
    assert api(None, "get", "exercises/sigmoid-numpy/export/").status_code in (401, 403)


def test_the_export_of_a_catalog_exercise_imports_under_a_new_slug(
    api: Callable[..., Any], instructor: AbstractBaseUser, sigmoid: Exercise
) -> None:
    exported = api(instructor, "get", "exercises/sigmoid-numpy/export/").json()
    assert exported["reference"] == sigmoid.reference_code
    assert set(exported["wrong"]) == set(sigmoid.wrong_solutions) != set()

    copy = {**exported, "slug": "sigmoid-copy"}
    response = api(instructor, "post", "courses/act101/exercises/", copy)

    assert response.status_code == 201, response.json()
    again = api(instructor, "get", "exercises/sigmoid-copy/export/?draft=1").json()
    assert again == copy


def test_editing_a_published_exercise_keeps_students_on_the_live_version(
    api: Callable[..., Any], instructor: AbstractBaseUser, sigmoid: Exercise
) -> None:
    live_reference = sigmoid.reference_code
    response = api(
        instructor,
        "patch",
        "exercises/sigmoid-numpy/",
        {
            "title": {"en": "Sigmoid, again"},
            "wrong": {"extra.py": "def sigmoid(x):\n    return x\n"},
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["has_draft"] and body["document"]["title"]["en"] == "Sigmoid, again"
    assert body["document"]["title"]["ko"] == sigmoid.title_ko
    assert "extra.py" in body["document"]["wrong"]
    sigmoid.refresh_from_db()
    assert (sigmoid.title, sigmoid.reference_code, sigmoid.version) == (
        "Sigmoid in NumPy",
        live_reference,
        1,
    )
    removed = api(instructor, "patch", "exercises/sigmoid-numpy/", {"wrong": {"extra.py": None}})
    assert "extra.py" not in removed.json()["document"]["wrong"]


def test_a_patch_cannot_rename_or_break_the_draft(
    api: Callable[..., Any], instructor: AbstractBaseUser, sigmoid: Exercise
) -> None:
    renamed = api(instructor, "patch", "exercises/sigmoid-numpy/", {"slug": "other"})
    broken = api(instructor, "patch", "exercises/sigmoid-numpy/", {"reference": "def sigmoid(:"})

    assert renamed.status_code == 400
    assert broken.status_code == 400
    assert broken.json()["error"]["fields"]["reference"][0].startswith("syntax error on line 1")
    sigmoid.refresh_from_db()
    assert sigmoid.draft is None


# Validate and publish


def test_validating_sends_the_draft_to_the_workers_and_answers_202(
    api: Callable[..., Any], instructor: AbstractBaseUser, course: Course, queue: Any
) -> None:
    api(instructor, "post", "courses/act101/exercises/", gelu_document())

    response = api(instructor, "post", "exercises/gelu-authored/validate/")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "running" and body["current"]
    assert ValidationJob.objects.get(pk=body["id"]).status == "running"
    assert body["url"].endswith(f"/api/v1/validations/{body['id']}/")
    [task] = sent_tasks(queue)
    assert task["task"] == "graders.tasks.validate_exercise"
    job_id, exercise, solutions = task["args"]
    assert job_id == body["id"]
    assert exercise["slug"] == "gelu-authored" and exercise["reference_code"] == GELU_REFERENCE
    assert solutions["wrong"] == gelu_document()["wrong"]


def test_a_static_problem_fails_the_validation_at_once(
    api: Callable[..., Any], instructor: AbstractBaseUser, sigmoid: Exercise, queue: Any
) -> None:
    # A draft stored before a rule existed (or by hand) is checked again on validate.
    sigmoid.draft = {**documents.document_from_exercise(sigmoid), "reference": "def sigmoid(:"}
    sigmoid.save(update_fields=["draft"])

    body = api(instructor, "post", "exercises/sigmoid-numpy/validate/").json()

    assert body["status"] == "failed"
    assert body["report"]["problems"] == ["reference: syntax error on line 1: invalid syntax"]
    assert sent_tasks(queue) == []


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_is_a_503_and_the_job_is_not_left_running(
    api: Callable[..., Any], instructor: AbstractBaseUser, sigmoid: Exercise
) -> None:
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = api(instructor, "post", "exercises/sigmoid-numpy/validate/")
    finally:
        celery_app.conf.broker_url = saved

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    job = ValidationJob.objects.get()
    assert job.status == "failed"
    assert "could not be reached" in job.report["problems"][0]


def test_a_validation_no_worker_reports_on_expires(
    api: Callable[..., Any], instructor: AbstractBaseUser, sigmoid: Exercise, queue: Any
) -> None:
    job_id = api(instructor, "post", "exercises/sigmoid-numpy/validate/").json()["id"]
    ValidationJob.objects.filter(pk=job_id).update(created_at=timezone.now() - timedelta(hours=1))

    body = api(instructor, "get", f"validations/{job_id}/").json()

    assert body["status"] == "failed"
    assert "No worker finished this validation" in body["report"]["problems"][0]


def test_publish_needs_a_passed_validation_of_exactly_this_draft(
    api: Callable[..., Any],
    instructor: AbstractBaseUser,
    grader: AbstractBaseUser,
    course: Course,
    queue: Any,
) -> None:
    api(instructor, "post", "courses/act101/exercises/", gelu_document())
    never = api(instructor, "post", "exercises/gelu-authored/publish/")
    assert never.status_code == 409 and never.json()["error"]["code"] == "not_validated"

    job_id = api(instructor, "post", "exercises/gelu-authored/validate/").json()["id"]
    running = api(instructor, "post", "exercises/gelu-authored/publish/")
    assert running.json()["error"]["code"] == "validation_running"

    problem = "wrong solution wrong/plain_relu.py scores full marks: no test catches it"
    posted = api(
        grader, "post", f"validations/{job_id}/result/", {"report": failing_report(problem)}
    )
    assert posted.status_code == 200 and posted.json()["status"] == "failed"
    shown = api(instructor, "get", f"validations/{job_id}/").json()
    assert shown["report"]["problems"] == [problem]
    failed = api(instructor, "post", "exercises/gelu-authored/publish/")
    assert failed.status_code == 409
    assert failed.json()["error"]["fields"]["report"] == [problem]
    assert problem in failed.json()["error"]["message"]

    api(instructor, "patch", "exercises/gelu-authored/", {"signature": "def gelu(x)"})
    changed = api(instructor, "post", "exercises/gelu-authored/publish/")
    assert changed.json()["error"]["code"] == "changed_since_validation"

    job_id = api(instructor, "post", "exercises/gelu-authored/validate/").json()["id"]
    api(grader, "post", f"validations/{job_id}/result/", {"report": passing_report()})
    published = api(instructor, "post", "exercises/gelu-authored/publish/")

    assert published.status_code == 200, published.json()
    assert published.json()["number"] == 1
    exercise = Exercise.objects.get(slug="gelu-authored")
    assert (exercise.published, exercise.version, exercise.draft) == (True, 1, None)
    assert exercise.signature == "def gelu(x)"
    version = ExerciseVersion.objects.get(exercise=exercise)
    assert version.document["signature"] == "def gelu(x)"
    assert version.published_by == instructor
    again = api(instructor, "post", "exercises/gelu-authored/publish/")
    assert again.json()["error"]["code"] == "nothing_to_publish"


def test_a_published_change_is_a_new_version_that_grades_new_submissions(
    api: Callable[..., Any],
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    grader: AbstractBaseUser,
    sigmoid: Exercise,
    submit: Callable[..., Any],
    queue: Any,
) -> None:
    before = submit(student, "sigmoid-numpy", {"code": "def sigmoid(x):\n    return x\n"}).json()
    api(instructor, "patch", "exercises/sigmoid-numpy/", {"title": {"en": "Sigmoid v2"}})
    job_id = api(instructor, "post", "exercises/sigmoid-numpy/validate/").json()["id"]
    api(grader, "post", f"validations/{job_id}/result/", {"report": passing_report()})

    published = api(instructor, "post", "exercises/sigmoid-numpy/publish/").json()
    after = submit(student, "sigmoid-numpy", {"code": "def sigmoid(x):\n    return x\n"}).json()

    assert published["number"] == 2
    assert Submission.objects.get(pk=before["id"]).exercise_version == 1
    assert api(student, "get", f"submissions/{after['id']}/").json()["exercise_version"] == 2
    versions = api(instructor, "get", "exercises/sigmoid-numpy/versions/").json()
    assert [v["number"] for v in versions] == [2]
    detail = api(instructor, "get", "exercises/sigmoid-numpy/versions/2/").json()
    assert detail["document"]["title"]["en"] == "Sigmoid v2"
    assert api(student, "get", "exercises/sigmoid-numpy/versions/").status_code == 403


def test_only_the_grader_service_reports_and_a_second_report_must_match(
    api: Callable[..., Any],
    instructor: AbstractBaseUser,
    grader: AbstractBaseUser,
    sigmoid: Exercise,
    queue: Any,
) -> None:
    job_id = api(instructor, "post", "exercises/sigmoid-numpy/validate/").json()["id"]
    path = f"validations/{job_id}/result/"

    assert api(instructor, "post", path, {"report": passing_report()}).status_code == 403
    assert (
        api(grader, "post", path, {"report": {"passed": True, "problems": ["x"]}}).status_code
        == 400
    )
    assert api(grader, "post", path, {"report": passing_report()}).json()["changed"] is True
    assert api(grader, "post", path, {"report": passing_report()}).json()["changed"] is False
    assert api(grader, "post", path, {"report": failing_report("late")}).status_code == 409
    assert api(grader, "post", "validations/999999/result/", {"report": {}}).status_code == 404


def test_students_never_see_a_validation(
    api: Callable[..., Any],
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    sigmoid: Exercise,
    queue: Any,
) -> None:
    job_id = api(instructor, "post", "exercises/sigmoid-numpy/validate/").json()["id"]

    assert api(student, "get", f"validations/{job_id}/").status_code == 404
    assert api(student, "post", "exercises/sigmoid-numpy/validate/").status_code == 403
    assert api(student, "post", "exercises/sigmoid-numpy/publish/").status_code == 403


# Catalog and product do not drift


def test_load_catalog_keeps_an_exercise_edited_in_the_product_and_says_so(
    catalog: dict[str, dict[str, Any]], capsys: Any
) -> None:
    call_command("load_catalog", verbosity=0)
    Exercise.objects.filter(slug="relu-numpy").update(edited_in_product=True, title="Mine")

    call_command("load_catalog", "--path", str(_catalog_dir()))
    out = capsys.readouterr().out

    assert "kept (edited in the product): relu-numpy" in out
    assert f"{len(catalog) - 1} unchanged, 1 kept (edited in the product: relu-numpy)" in out
    assert Exercise.objects.get(slug="relu-numpy").title == "Mine"


def test_load_catalog_stores_the_known_solutions(catalog: dict[str, dict[str, Any]]) -> None:
    call_command("load_catalog", verbosity=0)

    softmax = Exercise.objects.get(slug="softmax-numpy")
    assert softmax.wrong_solutions == catalog["softmax-numpy"]["wrong_solutions"]
    assert "textbook.py" in softmax.right_solutions


def test_export_and_import_commands_use_the_same_document(
    tmp_path: Any, sigmoid: Exercise, course: Course
) -> None:
    path = tmp_path / "sigmoid.json"
    call_command("export_exercise", "sigmoid-numpy", "--output", str(path))
    call_command("import_exercise", str(path), "--course", course.slug, "--slug", "sigmoid-2")

    copy = Exercise.objects.get(slug="sigmoid-2")
    assert (copy.published, copy.version, copy.edited_in_product) == (False, 0, True)
    assert documents.document_hash(authoring.working_document(copy)) == documents.document_hash(
        {**documents.document_from_exercise(sigmoid), "slug": "sigmoid-2"}
    )


def _catalog_dir() -> Any:
    from django.conf import settings

    return settings.ACTQUIZ_CATALOG_DIR
