"""Authoring on the real worker: an instructor writes GELU, validates it until it is
right, publishes it, and a student is graded by the published version.

Validation runs as ``graders.tasks.validate_exercise`` in a real ``celery worker``
process (no database), in the sandbox students are graded in, and comes back through
``POST /api/v1/validations/{id}/result/``. No mocks anywhere.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model

from exercises.models import Course, Membership
from tests.e2e.conftest import Pipeline
from tests.exercises.authoring_fixtures import GELU_REFERENCE, gelu_document
from tests.tokens import issue_token

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# math.tanh takes one number: the reference breaks on the first array it is given.
BROKEN_REFERENCE = GELU_REFERENCE.replace("np.tanh(inner)", "math.tanh(inner)").replace(
    "import numpy as np", "import math\n\nimport numpy as np"
)
# Right values, but it overwrites the caller's array: no test of the first draft checks.
OVERWRITES_INPUT = """import numpy as np


def gelu(x):
    inner = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
    x *= 0.5 * (1.0 + np.tanh(inner))
    return x
"""
NO_MUTATION_TEST = {
    "name": "input_not_modified",
    "check": "no_mutation",
    "points": 1,
    "hidden": False,
    "args": [{"values": [[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]]}],
}
# sqrt(2/pi) rounded to 8 digits: right within the default tolerance (rtol 1e-6), wrong
# once an instructor asks for rtol 1e-12.
STUDENT_GELU = """import numpy as np


def gelu(x):
    c = 0.79788456
    return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * np.power(x, 3))))
"""


class Author:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Token {token}"}

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, f"{self.base_url}/api/v1/{path}", json=body, headers=self.headers, timeout=30
        )

    def validate(self, slug: str, pipeline: Pipeline, within: float = 240) -> dict[str, Any]:
        started = self.call("post", f"exercises/{slug}/validate/")
        assert started.status_code == 202, started.text
        job = started.json()
        deadline = time.monotonic() + within
        while job["status"] == "running":
            if pipeline.worker.process.poll() is not None:
                pytest.fail(f"the worker exited:\n{pipeline.worker.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"validation still running; worker log:\n{pipeline.worker.log_tail()}")
            time.sleep(0.2)
            job = self.call("get", f"validations/{job['id']}/").json()
        return job


@pytest.fixture
def author(pipeline: Pipeline) -> Author:
    teacher = get_user_model().objects.create_user("e2e-teacher")
    Membership.objects.create(
        user=teacher, course=Course.objects.get(slug="e2e"), role=Membership.Role.INSTRUCTOR
    )
    return Author(pipeline.base_url, issue_token(teacher))


def regrade(author: Author, slug: str, pipeline: Pipeline, within: float = 240) -> dict[str, Any]:
    """Start a regrade of ``slug`` and follow it to the end; returns every state seen."""
    started = author.call("post", f"exercises/{slug}/regrade/", {"course": "e2e"})
    assert started.status_code == 202, started.text
    job = started.json()
    seen = [job]
    deadline = time.monotonic() + within
    while job["status"] != "done":
        if time.monotonic() > deadline:
            pytest.fail(f"regrade still running; worker log:\n{pipeline.worker.log_tail()}")
        time.sleep(0.2)
        job = requests.get(job["url"], headers=author.headers, timeout=30).json()
        seen.append(job)
    return {"final": job, "seen": seen}


def test_an_instructor_validates_gelu_until_it_is_right_and_a_student_solves_it(
    pipeline: Pipeline, author: Author
) -> None:
    document = gelu_document(
        slug="gelu-e2e",
        reference=BROKEN_REFERENCE,
        wrong={**gelu_document()["wrong"], "overwrites_input.py": OVERWRITES_INPUT},
    )
    created = author.call("post", "courses/e2e/exercises/", document)
    assert created.status_code == 201, created.text

    # 1. The reference is broken: validation fails and says where; publishing is refused.
    job = author.validate("gelu-e2e", pipeline)
    assert job["status"] == "failed", job
    first = job["report"]["problems"][0]
    assert first.startswith("the reference could not be graded")
    assert "course_values" in first and "TypeError" in first
    refused = author.call("post", "exercises/gelu-e2e/publish/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "validation_failed"
    assert refused.json()["error"]["fields"]["report"][0] == first

    # 2. Fixed reference: now a wrong solution passes every test, and the report says so.
    author.call("patch", "exercises/gelu-e2e/", {"reference": GELU_REFERENCE})
    job = author.validate("gelu-e2e", pipeline)
    assert job["status"] == "failed", job
    assert job["report"]["problems"] == [
        "wrong solution wrong/overwrites_input.py scores full marks: no test catches it"
    ]
    assert author.call("post", "exercises/gelu-e2e/publish/").status_code == 409

    # 3. A test that catches it (the points still add up): validation passes, publish.
    spec = gelu_document()["spec"]
    spec["tests"][1]["points"] = 5
    spec["tests"].append(NO_MUTATION_TEST)
    patched = author.call("patch", "exercises/gelu-e2e/", {"spec": spec})
    assert patched.status_code == 200, patched.text
    job = author.validate("gelu-e2e", pipeline)
    assert job["status"] == "passed", job["report"]
    scores = {(s["name"], s["seed"]): s["score"] for s in job["report"]["solutions"]}
    assert all(score == 10 for (name, _), score in scores.items() if name == "reference.py")
    assert all(score < 10 for (name, _), score in scores.items() if name.startswith("wrong/"))
    published = author.call("post", "exercises/gelu-e2e/publish/")
    assert published.status_code == 200, published.text
    assert published.json()["number"] == 1

    # 4. A student of the course sees it and is graded by the published version.
    response = pipeline.submit("gelu-e2e", STUDENT_GELU)
    assert response.status_code == 202, response.text
    body = pipeline.wait_final(response.json()["id"])
    assert body["status"] == "graded", body
    assert body["score"] == body["max_score"] == 10, body["tests"]
    assert body["exercise_version"] == 1
    assert {t["name"] for t in body["tests"]} >= {"course_values", "input_not_modified"}

    # 5. Tighten the tolerance: a new version, a regrade, the new score in the gradebook.
    for test in spec["tests"]:
        if test["check"] == "values":
            test.update(rtol=1e-12, atol=0.0)
    assert author.call("patch", "exercises/gelu-e2e/", {"spec": spec}).status_code == 200
    job = author.validate("gelu-e2e", pipeline)
    assert job["status"] == "passed", job["report"]
    published = author.call("post", "exercises/gelu-e2e/publish/")
    assert published.status_code == 200, published.text
    assert published.json()["number"] == 2
    run = regrade(author, "gelu-e2e", pipeline)
    final = run["final"]
    assert (final["total"], final["done"], final["changed"], final["failed"]) == (1, 1, 1, 0)
    assert all(0 <= state["done"] <= state["total"] == 1 for state in run["seen"])
    [change] = final["changes"]
    assert (change["user"], change["old_score"], change["new_score"]) == ("e2e-student", 10, 0)
    regraded = pipeline.get(body["id"])
    # Both value tests fail now, and a function that computes the wrong values earns
    # nothing for leaving its input alone.
    assert regraded["score"] == 0 and regraded["exercise_version"] == 2

    book = author.call("get", "courses/e2e/gradebook/").json()
    [column] = [e for e in book["exercises"] if e["slug"] == "gelu-e2e"]
    assert (column["title"], column["max_score"]) == ("GELU in NumPy", 10)
    [row] = [s for s in book["students"] if s["username"] == "e2e-student"]
    assert row["exercises"]["gelu-e2e"]["counted_score"] == 0
    csv_response = author.call("get", "courses/e2e/gradebook.csv")
    assert csv_response.status_code == 200
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, *lines = list(csv.reader(io.StringIO(text[1:])))
    position = header.index("GELU in NumPy (max 10)")
    [student_line] = [line for line in lines if line[0] == "e2e-student"]
    assert student_line[position] == "0"


def test_an_exported_catalog_exercise_reimports_validates_and_publishes(
    pipeline: Pipeline, author: Author
) -> None:
    exported = author.call("get", "exercises/softmax-numpy/export/")
    assert exported.status_code == 200, exported.text

    created = author.call(
        "post", "courses/e2e/exercises/", {**exported.json(), "slug": "softmax-copy"}
    )
    assert created.status_code == 201, created.text
    job = author.validate("softmax-copy", pipeline)
    assert job["status"] == "passed", job["report"]
    assert {s["name"] for s in job["report"]["solutions"]} >= {
        "reference.py",
        "right/textbook.py",
        "wrong/global_max.py",
    }
    published = author.call("post", "exercises/softmax-copy/publish/")
    assert published.status_code == 200, published.text
    assert author.call("get", "exercises/softmax-copy/").json()["published"] is True
