"""Reading exercises through the API: what a student gets, and what never leaves the server."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_a_code_exercise_shows_prompt_and_starter_but_never_the_reference(
    client_for, student, sigmoid
):
    response = client_for(student).get("/api/v1/exercises/sigmoid-numpy/")
    assert response.status_code == 200
    body = response.json()
    assert body["entry_point"] == "sigmoid"
    assert "def sigmoid" in body["starter_code"]
    assert body["prompt"] and body["prompt_ko"]
    text = json.dumps(body)
    assert "reference_code" not in body
    assert sigmoid.reference_code.strip().splitlines()[-1].strip() not in text
    assert body["spec"] == {}
    assert body["variant"] is None


def test_a_choice_question_shows_its_choices_but_not_the_answer_or_explanations(
    client_for, student, add_exercise
):
    add_exercise("cross-entropy-logits")
    body = client_for(student).get("/api/v1/exercises/cross-entropy-logits/").json()
    assert {c["id"] for c in body["spec"]["choices"]} >= {"logits", "softmax"}
    assert "answer" not in body["spec"]
    assert all(set(c) <= {"id", "en", "ko"} for c in body["spec"]["choices"])


def test_each_student_sees_the_choices_in_their_own_stable_order(
    client_for, make_user, course, add_exercise
):
    add_exercise("why-nonlinearity")
    orders = []
    for n in range(6):
        user = make_user(f"shuffled{n}", course=course)
        api = client_for(user)
        first = [
            c["id"]
            for c in api.get("/api/v1/exercises/why-nonlinearity/").json()["spec"]["choices"]
        ]
        again = [
            c["id"]
            for c in api.get("/api/v1/exercises/why-nonlinearity/").json()["spec"]["choices"]
        ]
        assert first == again
        orders.append(tuple(first))
    assert len(set(orders)) > 1
    assert len({order.index("collapse") for order in orders}) > 1


def test_a_variant_question_shows_each_student_their_own_numbers(
    client_for, student, other_student, add_exercise
):
    add_exercise("activation-values")
    mine = client_for(student).get("/api/v1/exercises/activation-values/").json()["variant"]
    again = client_for(student).get("/api/v1/exercises/activation-values/").json()["variant"]
    theirs = client_for(other_student).get("/api/v1/exercises/activation-values/").json()
    assert mine == again
    assert mine["prompt"]["en"]
    assert mine["params"] != theirs["variant"]["params"]


def test_the_course_filter_lists_exercises_in_course_order(client_for, student, add_exercise):
    add_exercise("softmax-numpy")
    add_exercise("relu-numpy")
    listed = client_for(student).get("/api/v1/exercises/?course=act101").json()
    assert [e["slug"] for e in listed] == ["softmax-numpy", "relu-numpy"]
    assert client_for(student).get("/api/v1/exercises/?course=nope").status_code == 404
