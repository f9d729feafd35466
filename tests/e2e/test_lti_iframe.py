"""A Moodle course page embedding ActQuiz in an iframe, in real headless Chromium.

The tool runs on ``localhost`` (the live server) and the platform on ``127.0.0.1``: two
sites, as a real Moodle and ActQuiz are, so the browser applies its cross-site rules to the frame
(frame-ancestors, X-Frame-Options, SameSite). The cookies are ``SameSite=None;
Secure`` as in production (Chromium accepts Secure cookies from localhost over HTTP); with
``SameSite=Lax``, or without ``Partitioned`` in a Chromium that blocks third-party
cookies, this test fails: the frame's requests arrive without the session.
The student launches inside the frame, submits there, and the real worker grades it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import redis
from django.core.management import call_command
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from exercises.models import Submission
from tests.e2e.conftest import Pipeline
from tests.e2e.test_pages import (  # noqa: F401  (fixtures)
    CORRECT_SIGMOID,
    Site,
    chromium,
    no_leftover_connections,
)
from tests.lms.platform import FakeMoodle

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STUDENT = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]


@pytest.fixture
def moodle_site(
    no_leftover_connections: None,  # noqa: F811
    pipeline: Pipeline,
    chromium: WebDriver,  # noqa: F811
    settings: Any,
) -> Iterator[tuple[FakeMoodle, Site]]:
    settings.ACTQUIZ_PUBLIC_URL = pipeline.base_url
    settings.ACTQUIZ_LMS_QUEUE = f"lms-e2e-{uuid.uuid4().hex[:10]}"
    # Production's cookies: a frame of another site sends no other kind.
    for name in ("SESSION_COOKIE", "CSRF_COOKIE"):
        setattr(settings, f"{name}_SECURE", True)
        setattr(settings, f"{name}_SAMESITE", "None")
    settings.ACTQUIZ_PARTITIONED_COOKIES = True
    # The live server is http://localhost:<port>: the platform on 127.0.0.1 is another site.
    assert pipeline.base_url.startswith("http://localhost:")
    platform = FakeMoodle()
    out = StringIO()
    call_command("lti_register", *platform.register_args(), "--json", stdout=out)
    platform.tool_urls = json.loads(out.getvalue())
    platform.redirect_uris = platform.tool_urls["redirect_uris"]
    platform.tool_jwks_url = platform.tool_urls["jwks_url"]
    platform.next_claims = platform.resource_link_claims(
        sub="2042", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    site = Site(pipeline.base_url, chromium)
    site.fresh_browser()
    site.console_errors()
    yield platform, site
    chromium.switch_to.default_content()
    site.fresh_browser()
    platform.close()
    redis.Redis.from_url(settings.REDIS_URL).delete(settings.ACTQUIZ_LMS_QUEUE)


def test_a_student_launched_in_moodles_iframe_submits_and_sees_the_grade_there(
    moodle_site: tuple[FakeMoodle, Site],
) -> None:
    platform, site = moodle_site
    site.driver.get(f"{platform.url}/course/view.php")
    site.driver.switch_to.frame(site.find("#contentframe"))
    site.wait(
        lambda d: "/exercises/sigmoid-numpy/" in d.execute_script("return location.href"),
        "the launch did not land on the exercise inside the frame",
        timeout=30,
    )
    site.wait(lambda d: d.find_elements(By.ID, "submit-button"), "no exercise page in the frame")

    assert "Sigmoid in NumPy" in site.text("h1")
    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait_for_verdict()

    # Graded inside the frame: the session and CSRF cookies reached it cross-site.
    assert site.text("[data-testid=score]") == "10 / 10"
    assert Submission.objects.get().user.lti_identities.get().sub == "2042"
    site.driver.switch_to.default_content()
    refused = [line for line in site.console_errors() if "frame" in line.lower()]
    assert refused == []


def test_the_same_launch_opens_in_a_new_window(moodle_site: tuple[FakeMoodle, Site]) -> None:
    platform, site = moodle_site

    site.driver.get(f"{platform.url}/mod/lti/launch.php")
    site.wait(
        lambda d: "/exercises/sigmoid-numpy/" in d.current_url,
        "the launch did not land on the exercise",
        timeout=30,
    )

    assert "Sigmoid in NumPy" in site.text("h1")
    assert site.find_all("#submit-button")
