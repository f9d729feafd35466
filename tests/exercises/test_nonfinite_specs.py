"""Catalog specs with inf/nan test inputs survive the database and reach the engine intact."""

from __future__ import annotations

import io
import json
import math

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from exercises import specs
from exercises.models import Exercise

pytestmark = pytest.mark.django_db


def test_the_whole_catalog_loads_although_some_specs_use_infinities() -> None:
    call_command("load_catalog", verbosity=0)
    out = io.StringIO()
    call_command("demo_setup", json=True, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {json.loads(out.getvalue())['student']['token']}")

    slugs = list(Exercise.objects.filter(published=True).values_list("slug", flat=True))
    statuses = {slug: client.get(f"/api/v1/exercises/{slug}/").status_code for slug in slugs}

    assert "relu-torch" in statuses
    assert set(statuses.values()) == {200}, statuses


def test_the_grading_message_carries_the_infinities_the_catalog_wrote() -> None:
    spec = {"cases": [{"values": [-math.inf, 0.0, math.inf, math.nan], "dtype": "float64"}]}
    exercise = Exercise.objects.create(slug="inf-probe", title="t", kind="code", spec=spec)
    exercise.refresh_from_db()

    carried = specs.spec_dict(exercise)["spec"]["cases"][0]["values"]

    assert carried[0] == -math.inf and carried[2] == math.inf and math.isnan(carried[3])
    assert carried[1] == 0.0
