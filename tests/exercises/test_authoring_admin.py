"""The Django admin edits exercises through the same checks as the authoring API."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from exercises.admin import ExerciseAdminForm
from exercises.models import Course, Exercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Any) -> Any:
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456")
    client.force_login(user)
    return client


def form_data(exercise: Exercise, **changes: Any) -> dict[str, Any]:
    form = ExerciseAdminForm(instance=exercise)
    data = {name: form[name].value() for name in form.fields if name != "slug"}
    data.update(changes)
    return {key: "" if value is None else value for key, value in data.items()}


def change_url(exercise: Exercise) -> str:
    return f"/admin/exercises/exercise/{exercise.pk}/change/"


def test_the_admin_refuses_a_reference_with_a_syntax_error(
    admin_client: Any, sigmoid: Exercise
) -> None:
    response = admin_client.post(
        change_url(sigmoid), form_data(sigmoid, reference_code="def sigmoid(x:\n    return x\n")
    )

    assert response.status_code == 200
    assert "reference: syntax error on line 1" in response.content.decode()
    sigmoid.refresh_from_db()
    assert sigmoid.draft is None and "np.exp" in sigmoid.reference_code


def test_the_admin_refuses_an_unknown_check(admin_client: Any, sigmoid: Exercise) -> None:
    spec = copy.deepcopy(sigmoid.spec)
    spec["tests"][0]["check"] = "valuez"

    response = admin_client.post(change_url(sigmoid), form_data(sigmoid, spec=json.dumps(spec)))

    assert response.status_code == 200
    assert "unknown check &#x27;valuez&#x27;" in response.content.decode()
    assert Exercise.objects.get(pk=sigmoid.pk).draft is None


def test_an_admin_change_becomes_a_draft_that_students_do_not_see_yet(
    admin_client: Any, sigmoid: Exercise
) -> None:
    response = admin_client.post(change_url(sigmoid), form_data(sigmoid, title="Sigmoid (edited)"))

    assert response.status_code == 302
    sigmoid.refresh_from_db()
    assert (sigmoid.title, sigmoid.version) == ("Sigmoid in NumPy", 1)
    assert sigmoid.draft["title"]["en"] == "Sigmoid (edited)"
    assert sigmoid.edited_in_product
    # The form continues the draft next time.
    page = admin_client.get(change_url(sigmoid)).content.decode()
    assert "Sigmoid (edited)" in page


def test_demo_setup_adds_a_gelu_draft_the_instructor_may_publish(
    make_user: Callable[..., Any],
) -> None:
    call_command("load_catalog", verbosity=0)
    call_command("demo_setup", json=True, stdout=io.StringIO())

    gelu = Exercise.objects.get(slug="gelu-numpy")
    assert (gelu.published, gelu.version, gelu.kind, gelu.framework) == (False, 0, "code", "numpy")
    assert len(gelu.wrong_solutions) >= 2 and gelu.right_solutions
    assert gelu.prompt_ko and "tanh" in gelu.prompt
    assert Course.objects.get(slug="demo").offerings.filter(exercise=gelu).exists()
    # Idempotent: a second run keeps the draft as it is.
    call_command("demo_setup", json=True, stdout=io.StringIO())
    assert Exercise.objects.filter(slug="gelu-numpy").count() == 1
