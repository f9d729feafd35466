"""The whole grading path with real parts, as a student (and an outage) would meet it.

HTTP POST -> the row is committed and sent to Redis -> a real ``celery worker``
process grades it in the sandbox -> the worker posts the verdict to the result
endpoint -> HTTP GET shows it. No mocks anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.e2e.conftest import Pipeline

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CATALOG = Path(__file__).resolve().parents[2] / "exercises" / "catalog"

CORRECT = {
    "sigmoid-numpy": """
import numpy as np

def sigmoid(x):
    x = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out
""",
    "relu-numpy": """
import numpy as np

def relu(x):
    return np.maximum(x, 0).astype(x.dtype, copy=False)
""",
    "softmax-numpy": """
import numpy as np

def softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
""",
}

WRONG = {
    # tanh has the right shape but the wrong range, (-1, 1) instead of (0, 1).
    "sigmoid-numpy": "import numpy as np\n\ndef sigmoid(x):\n    return np.tanh(x)\n",
    # The identity is not ReLU.
    "relu-numpy": "def relu(x):\n    return x\n",
    # Normalises over the wrong axis (the whole array).
    "softmax-numpy": (
        "import numpy as np\n\ndef softmax(x, axis=-1):\n    e = np.exp(x)\n    return e / e.sum()\n"
    ),
}


@pytest.mark.parametrize("slug", sorted(CORRECT))
def test_a_correct_submission_comes_back_graded_with_full_marks(
    pipeline: Pipeline, slug: str
) -> None:
    response = pipeline.submit(slug, CORRECT[slug])
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["status"] == "queued"

    body = pipeline.wait_final(created["id"])

    assert body["status"] == "graded", body
    assert body["max_score"] > 0
    assert body["score"] == body["max_score"], body["tests"]
    assert body["tests"] and all(test["passed"] for test in body["tests"])


@pytest.mark.parametrize("slug", sorted(WRONG))
def test_a_wrong_submission_comes_back_graded_with_less_than_full_marks(
    pipeline: Pipeline, slug: str
) -> None:
    response = pipeline.submit(slug, WRONG[slug])
    assert response.status_code == 202, response.text

    body = pipeline.wait_final(response.json()["id"])

    assert body["status"] == "graded", body
    assert body["score"] < body["max_score"]
    failing = [test for test in body["tests"] if not test["passed"]]
    assert failing and all(test["message"] for test in failing if not test.get("hidden"))


def test_a_result_lands_once_the_web_tier_is_back_from_an_outage(pipeline: Pipeline) -> None:
    pipeline.web.down()
    response = pipeline.submit("relu-numpy", CORRECT["relu-numpy"])
    assert response.status_code == 202, response.text
    submission_id = response.json()["id"]

    # Wait until the worker has really tried (and failed) to report, several times.
    pipeline.wait_until(submission_id, lambda _: pipeline.web.refused >= 4)
    assert pipeline.get(submission_id)["status"] == "queued"

    pipeline.web.up()
    body = pipeline.wait_final(submission_id)

    assert body["status"] == "graded"
    assert body["score"] == body["max_score"]


def test_a_submission_made_while_the_broker_is_down_is_kept_and_graded_after_requeue(
    pipeline: Pipeline,
) -> None:
    pipeline.broker.down()
    response = pipeline.submit("sigmoid-numpy", WRONG["sigmoid-numpy"])

    assert response.status_code == 202, response.text
    submission_id = response.json()["id"]
    assert pipeline.get(submission_id)["status"] == "queued"

    pipeline.broker.up()
    with override_settings(ACTQUIZ_REQUEUE_UNSENT_AFTER_SECONDS=0):
        call_command("requeue", verbosity=0)
    body = pipeline.wait_final(submission_id)

    assert body["status"] == "graded"
    assert body["score"] < body["max_score"]


def test_a_torch_exercise_with_infinite_test_inputs_is_graded_through_the_queue(
    pipeline: Pipeline,
) -> None:
    # Its spec holds inf/nan inputs: they must survive the database and the JSON message.
    reference = (CATALOG / "relu-torch" / "reference.py").read_text()
    response = pipeline.submit("relu-torch", reference)
    assert response.status_code == 202, response.text

    body = pipeline.wait_final(response.json()["id"])

    assert body["status"] == "graded", body
    assert body["score"] == body["max_score"]
