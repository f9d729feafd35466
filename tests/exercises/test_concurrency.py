"""Simultaneous submissions by one student: every one is stored, attempts stay unique."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from exercises import services
from exercises.models import Submission
from tests.exercises.conftest import SIGMOID_OK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite serialises writers; the race needs PostgreSQL"
)
def test_simultaneous_submissions_get_distinct_attempt_numbers(student, sigmoid, course):
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def submit() -> None:
        try:
            start.wait()
            services.submission_create(
                user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    attempts = sorted(Submission.objects.filter(user=student).values_list("attempt", flat=True))
    assert attempts == [1, 2, 3, 4, 5, 6]
