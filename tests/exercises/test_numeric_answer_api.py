"""Numeric answers typed as text through the API: read before they count, or refused."""

from __future__ import annotations

import pytest

from exercises.models import Submission

pytestmark = pytest.mark.django_db


def test_a_typed_fraction_is_accepted_and_stored_as_typed(submit, student, add_exercise):
    add_exercise("sigmoid-grad-max")

    response = submit(student, "sigmoid-grad-max", {"answer": "1/4"})

    assert response.status_code == 202, response.content
    assert Submission.objects.get().answer == "1/4"


def test_text_that_is_not_a_number_is_refused_and_counts_no_attempt(submit, student, add_exercise):
    add_exercise("sigmoid-grad-max")

    response = submit(student, "sigmoid-grad-max", {"answer": "1,000"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_answer"
    assert "could be a thousand or a decimal" in error["message"]
    assert not Submission.objects.exists()
