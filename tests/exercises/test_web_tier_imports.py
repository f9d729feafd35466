"""The web tier never loads torch: it only sends tasks by name and checks answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "actquiz.settings"
import django
django.setup()
from django.test import Client  # noqa: F401 - loads the whole URL map below
from django.urls import resolve
resolve("/api/v1/exercises/")
import actquiz.wsgi, exercises.apis, exercises.services, exercises.selectors  # noqa: F401
from graders.engine import ExerciseSpec, load_catalog, variant
from graders.engine.answers import public_spec, validate_answer
from exercises import specs
from django.conf import settings
for entry in load_catalog(settings.ACTQUIZ_CATALOG_DIR):
    spec = ExerciseSpec.from_dict(specs.spec_dict(specs.fields_from_catalog(entry)))
    variant(spec, 1)
    if spec.kind != "code":
        public_spec(spec)
print("torch" in sys.modules, "graders.sandbox" in sys.modules)
"""


def test_serving_the_api_and_checking_answers_does_not_import_torch_or_the_sandbox():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
