"""The author page in real Chromium: create a draft, preview, dry run, validate, publish.

Real all the way: the live server, a ``celery worker`` process that validates and dry
runs in the sandbox, and headless Chromium with the pages' content security policy.
"""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By

from exercises.models import Exercise, Run, Submission
from tests.e2e.test_pages import (  # noqa: F401 (fixtures)
    INSTRUCTOR,
    Site,
    chromium,
    no_leftover_connections,
    site,
)
from tests.exercises.authoring_fixtures import GELU_REFERENCE, gelu_document

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER_WAIT = 240
STUDENT_GELU = """import numpy as np


def gelu(x):
    c = np.sqrt(2 / np.pi)
    return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * np.power(x, 3))))
"""
# math.tanh takes one number: the reference breaks on the first array it is given.
BROKEN_REFERENCE = GELU_REFERENCE.replace("np.tanh(inner)", "math.tanh(inner)").replace(
    "import numpy as np", "import math\n\nimport numpy as np"
)


def set_value(page: Site, css: str, text: str) -> None:
    # As a paste does: the whole value at once (typing would go through auto-indent).
    page.driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        page.find(css),
        text,
    )


def wait_attribute(page: Site, css: str, name: str, values: tuple[str, ...], what: str) -> str:
    page.wait(
        lambda d: d.find_element(By.CSS_SELECTOR, css).get_attribute(name) in values,
        what,
        timeout=WORKER_WAIT,
    )
    return page.find(css).get_attribute(name)


def test_an_instructor_creates_dry_runs_validates_and_publishes_an_exercise(site: Site) -> None:  # noqa: F811
    site.log_in(*INSTRUCTOR)
    site.open("/courses/e2e/")
    site.find("[data-testid=new-exercise]").click()
    site.find("#new-slug").send_keys("gelu-browser")
    site.find("input[name=source][value=document]").click()
    document = gelu_document(reference=BROKEN_REFERENCE)
    set_value(site, "#document-text", json.dumps(document))
    site.find("#create").click()
    site.wait(lambda d: "/exercises/gelu-browser/author/" in d.current_url, "no author page")
    site.wait(lambda d: d.find_element(By.ID, "author-state").text, "the draft did not load")
    assert "Not published" in site.text("#author-state")

    # The prompt preview is the student page's rendering: Markdown and maths.
    set_value(site, "#prompt-en", "GELU: $\\Phi(x)$ times **x**.")
    site.wait(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, "#preview-en math")
            and d.find_elements(By.CSS_SELECTOR, "#preview-en strong")
        ),
        "the preview shows no maths",
    )

    # A broken reference: validation names the failure and publishing is refused.
    site.find("#validate").click()
    status = wait_attribute(
        site, "#validation-status", "data-status", ("passed", "failed"), "no validation result"
    )
    assert status == "failed"
    assert "reference" in site.text("#validation-problems")
    site.find("#publish").click()
    assert (
        wait_attribute(
            site, "#publish-result", "data-outcome", ("refused", "published"), "no publish answer"
        )
        == "refused"
    )

    # Fix the reference in the editor, then try a student's solution: a dry run.
    set_value(site, "#reference", GELU_REFERENCE)
    set_value(site, "#try-code", STUDENT_GELU)
    site.find("#try-run").click()
    wait_attribute(site, "#try-result", "data-status", ("done", "failed"), "no dry run result")
    assert "Tests: 10 / 10" in site.text("[data-testid=run-score]")

    site.find("#validate").click()
    assert (
        wait_attribute(
            site, "#validation-status", "data-status", ("passed", "failed"), "no validation"
        )
        == "passed"
    ), site.text("#validation-problems")
    site.find("#publish").click()
    assert (
        wait_attribute(
            site, "#publish-result", "data-outcome", ("refused", "published"), "no publish answer"
        )
        == "published"
    ), site.text("#publish-result")
    site.wait(
        lambda d: d.find_element(By.ID, "author-state").get_attribute("data-version") == "1",
        "the page does not show version 1",
    )
    site.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#versions li[data-version='1']"), "v1")

    exercise = Exercise.objects.get(slug="gelu-browser")
    assert exercise.published and exercise.version == 1
    assert "$\\Phi(x)$" in exercise.prompt
    assert exercise.reference_code == GELU_REFERENCE
    # The dry run recorded no submission; it was a run of the draft.
    assert not Submission.objects.filter(exercise=exercise).exists()
    assert Run.objects.filter(exercise=exercise, draft=True).count() == 1
    # Only the refused publish, which the page showed, reached the console.
    errors = site.console_errors()
    assert [e for e in errors if "publish/" not in e or "409" not in e] == [], errors
