"""Services called directly: catalog loading, requeueing, reviews and the gradebook."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from actquiz.exceptions import ApiError, ConflictError
from exercises import reviews, selectors, services
from exercises.models import Exercise, Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db


def test_loading_the_catalog_twice_changes_nothing_the_second_time():
    call_command("load_catalog", verbosity=0)
    versions = dict(Exercise.objects.values_list("slug", "version"))
    call_command("load_catalog", verbosity=0)
    assert dict(Exercise.objects.values_list("slug", "version")) == versions
    assert {"sigmoid-numpy", "relu-numpy", "softmax-numpy"} <= set(versions)
    assert set(versions.values()) == {1}


def test_a_changed_catalog_entry_bumps_the_version(catalog):
    entry = copy.deepcopy(catalog["relu-numpy"])
    services.exercise_upsert_from_catalog(entry)
    entry["prompt"]["en"] += "\nNow with a clearer example."
    exercise, outcome = services.exercise_upsert_from_catalog(entry)
    assert (outcome, exercise.version) == ("updated", 2)
    assert exercise.prompt.endswith("clearer example.")


def test_reloading_the_catalog_keeps_an_instructors_unpublish(catalog):
    entry = copy.deepcopy(catalog["relu-numpy"])
    exercise, _ = services.exercise_upsert_from_catalog(entry)
    exercise.published = False
    exercise.save(update_fields=["published"])
    entry["points"] = 10.0 + 0  # same content: nothing changes
    entry["signature"] += "  # clarified"
    exercise, _ = services.exercise_upsert_from_catalog(entry)
    assert exercise.published is False


def test_a_submission_records_the_exercise_version_it_was_made_against(catalog, student, course):
    entry = copy.deepcopy(catalog["relu-numpy"])
    exercise, _ = services.exercise_upsert_from_catalog(entry)
    first = services.submission_create(
        user=student, exercise=exercise, code="def relu(x): return x", course=course
    )
    entry["prompt"]["en"] += " (v2)"
    exercise, _ = services.exercise_upsert_from_catalog(entry)
    second = services.submission_create(
        user=student, exercise=exercise, code="def relu(x): return x", course=course
    )
    assert (first.exercise_version, second.exercise_version) == (1, 2)


def test_the_sweep_leaves_fresh_and_finished_submissions_alone(student, sigmoid, course):
    queued = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    graded = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    services.submission_record_result(
        submission_id=graded.id, grading_attempt=1, verdict=verdict_for(sigmoid, 10.0)
    )
    assert services.stale_submission_ids() == []
    later = timezone.now() + timedelta(minutes=2)
    assert services.stale_submission_ids(now=later) == [queued.id]


def test_the_sweep_regrades_a_failed_submission_a_limited_number_of_times(student, sigmoid, course):
    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    Submission.objects.filter(pk=submission.id).update(enqueued_at=timezone.now())
    failed = verdict_for(sigmoid, 0.0, status="failed")
    for attempt in range(1, services.MAX_GRADING_ATTEMPTS + 1):
        services.submission_record_result(
            submission_id=submission.id, grading_attempt=attempt, verdict=failed
        )
        later = timezone.now() + timedelta(minutes=5)
        requeued = services.submission_requeue_stale(now=later)
        Submission.objects.filter(pk=submission.id).update(enqueued_at=timezone.now())
        expected = [submission.id] if attempt < services.MAX_GRADING_ATTEMPTS else []
        assert requeued == expected
    submission.refresh_from_db()
    assert (submission.status, submission.grading_attempt) == ("failed", 3)


def test_the_requeue_command_regrades_a_chosen_submission(student, sigmoid, course):
    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    services.submission_record_result(
        submission_id=submission.id, grading_attempt=1, verdict=verdict_for(sigmoid, 3.0)
    )
    call_command("requeue", id=[submission.id], verbosity=0)
    submission.refresh_from_db()
    assert (submission.status, submission.grading_attempt) == ("queued", 2)


def test_a_review_overrides_the_score_within_bounds(student, instructor, sigmoid, course):
    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    with pytest.raises(ConflictError):
        reviews.submission_review(submission=submission, reviewer=instructor, score=5.0)
    services.submission_record_result(
        submission_id=submission.id,
        grading_attempt=1,
        verdict=verdict_for(sigmoid, 3.0, needs_review=True),
    )
    submission.refresh_from_db()
    with pytest.raises(ApiError):
        reviews.submission_review(submission=submission, reviewer=instructor, score=11.0)
    reviews.submission_review(
        submission=submission, reviewer=instructor, score=8.0, comment="Fair point."
    )
    submission.refresh_from_db()
    assert (submission.effective_score, submission.needs_review) == (8.0, False)


def legacy(cell: dict) -> dict:
    """The gradebook cell's original keys (the policy's keys were added beside them)."""
    return {key: cell[key] for key in ("best_score", "max_score", "attempts")}


def test_the_gradebook_shows_best_scores_and_attempts_per_student(
    student, other_student, sigmoid, course, add_exercise
):
    relu = add_exercise("relu-numpy")
    scores = [4.0, 9.0, 6.0]
    for score in scores:
        s = services.submission_create(
            user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
        )
        services.submission_record_result(
            submission_id=s.id, grading_attempt=1, verdict=verdict_for(sigmoid, score)
        )
    services.submission_create(user=other_student, exercise=sigmoid, code=SIGMOID_OK, course=course)
    book = selectors.gradebook(course)
    assert [e["slug"] for e in book["exercises"]] == ["sigmoid-numpy", relu.slug]
    rows = {row["username"]: row for row in book["students"]}
    assert legacy(rows["alice"]["exercises"]["sigmoid-numpy"]) == {
        "best_score": 9.0,
        "max_score": 10.0,
        "attempts": 3,
    }
    assert rows["alice"]["exercises"]["relu-numpy"]["attempts"] == 0
    assert rows["bob"]["exercises"]["sigmoid-numpy"]["best_score"] is None
    assert rows["bob"]["exercises"]["sigmoid-numpy"]["attempts"] == 1


def test_the_gradebook_counts_reviews_over_automatic_scores_and_skips_failed_gradings(
    student, other_student, instructor, sigmoid, course, other_course, add_exercise
):
    relu = add_exercise("relu-numpy")
    add_exercise("sigmoid-numpy", to=other_course)

    def graded(exercise, score, *, reviewed=None, status="graded", in_course=course):
        submission = services.submission_create(
            user=student, exercise=exercise, code=SIGMOID_OK, course=in_course
        )
        submission, _ = services.submission_record_result(
            submission_id=submission.id,
            grading_attempt=1,
            verdict=verdict_for(exercise, score, status=status),
        )
        if reviewed is not None:
            reviews.submission_review(submission=submission, reviewer=instructor, score=reviewed)
        return submission

    # A review down to 0 beats the automatic 9, so the best is the other attempt's 5.
    graded(sigmoid, 9.0, reviewed=0.0)
    graded(sigmoid, 5.0)
    graded(sigmoid, 0.0, status="failed")
    # Being graded again, an attempt's old score no longer counts.
    services.submission_requeue(submission_id=graded(sigmoid, 9.5).id)
    graded(sigmoid, 10.0, in_course=other_course)
    # A review up to 7 counts, and still does once the exercise is unpublished.
    graded(relu, 3.0, reviewed=7.0)
    relu.published = False
    relu.save(update_fields=["published"])

    book = selectors.gradebook(course)
    assert [e["slug"] for e in book["exercises"]] == ["sigmoid-numpy", "relu-numpy"]
    assert book["max_total"] == 20.0
    rows = {row["username"]: row for row in book["students"]}
    assert {slug: legacy(cell) for slug, cell in rows["alice"]["exercises"].items()} == {
        "sigmoid-numpy": {"best_score": 5.0, "max_score": 10.0, "attempts": 4},
        "relu-numpy": {"best_score": 7.0, "max_score": 10.0, "attempts": 1},
    }
    assert rows["alice"]["total"] == 12.0
    assert {slug: legacy(cell) for slug, cell in rows["bob"]["exercises"].items()} == {
        "sigmoid-numpy": {"best_score": None, "max_score": 10.0, "attempts": 0},
        "relu-numpy": {"best_score": None, "max_score": 10.0, "attempts": 0},
    }
    assert rows["bob"]["total"] == 0.0
    assert list(rows) == ["alice", "bob"]


def test_a_spec_with_infinite_test_inputs_survives_the_database(catalog):
    exercise, _ = services.exercise_upsert_from_catalog(catalog["relu-torch"])
    stored = Exercise.objects.get(pk=exercise.pk)
    assert stored.spec == catalog["relu-torch"]["spec"]
    assert "inf" in repr(stored.spec)
