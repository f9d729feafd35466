"""What a real Moodle 4.5 does that a tool must accept: an empty 200 to a score post,
line-item URLs with a query string, lti_message_hint, string ids, a 60-second
id_token, and the tool shown in an iframe of the course page (or a new window)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings

from exercises.page_security import CONTENT_SECURITY_POLICY
from lms import ags, protocol
from lms.models import GradeSync, PassbackAttempt
from lms.tasks import deliver_score
from tests.exercises.test_production_settings import _probe
from tests.lms.platform import CLAIM, FakeMoodle
from tests.lms.test_lti_launch_and_grades import STUDENT, _graded_submission, launch

SIGMOID_LINK = {"exercise": "sigmoid-numpy"}


def student_claims(platform: FakeMoodle, sub: str = "42") -> dict[str, Any]:
    return platform.resource_link_claims(sub=sub, roles=STUDENT, custom=SIGMOID_LINK)


def base_url(platform: FakeMoodle) -> str:
    return platform.tool_urls["login_url"].removesuffix("/lti/login/")


# Grade passback.


def test_an_empty_200_answer_to_a_score_post_is_delivered_at_the_first_try(
    platform: FakeMoodle,
) -> None:
    launch(platform, requests.Session(), student_claims(platform))
    _graded_submission(platform, "42", 6.0)
    sync = GradeSync.objects.get()

    # The task, as the worker runs it: one try, no retry scheduled.
    result = deliver_score.apply(args=[sync.pk])

    assert result.successful() and result.result == "HTTP 200"
    assert len(platform.scores) == 1 and platform.scores[0]["scoreGiven"] == 6.0
    attempt = PassbackAttempt.objects.get(url__contains="/scores")
    assert (attempt.http_status, attempt.ok, attempt.body_excerpt) == (200, True, "")
    sync.refresh_from_db()
    assert sync.delivered_at is not None and sync.last_error == ""
    assert ags.score_deliver(sync_id=sync.pk).reason == "already delivered"


@pytest.mark.parametrize(
    ("lineitem", "scores"),
    [
        (
            "https://moodle.example.edu/mod/lti/services.php/2/lineitems/2/lineitem?type_id=1",
            "https://moodle.example.edu/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1",
        ),
        (
            "https://canvas.example.edu/api/lti/courses/1/line_items/5",
            "https://canvas.example.edu/api/lti/courses/1/line_items/5/scores",
        ),
        (
            "https://lms.example.edu/lineitems/5/?a=1&b=2",
            "https://lms.example.edu/lineitems/5/scores?a=1&b=2",
        ),
    ],
)
def test_the_scores_url_goes_before_the_line_items_query_string(lineitem: str, scores: str) -> None:
    assert protocol.scores_url(lineitem) == scores


# Login and launch.


def test_login_passes_lti_message_hint_and_the_registered_redirect_uri_back_unchanged(
    platform: FakeMoodle,
) -> None:
    params = platform.login_params(platform.tool_urls["launch_url"])

    login = requests.post(
        platform.tool_urls["login_url"], data=params, allow_redirects=False, timeout=10
    )
    query = parse_qs(urlsplit(login.headers["Location"]).query)

    assert query["lti_message_hint"] == [params["lti_message_hint"]]
    assert query["login_hint"] == [params["login_hint"]]
    assert query["redirect_uri"] == [platform.tool_urls["launch_url"]]
    assert query["redirect_uri"][0] in platform.tool_urls["redirect_uris"]


def test_a_moodle_launch_with_string_ids_signs_in_the_moodle_user(platform: FakeMoodle) -> None:
    from lms.models import LtiUser

    response, _ = launch(platform, requests.Session(), student_claims(platform, sub="1234"))

    assert response.status_code == 200
    identity = LtiUser.objects.get(sub="1234")
    assert identity.registration.issuer == platform.issuer


@pytest.mark.parametrize(
    ("overrides", "status", "words"),
    [
        ({"sub": 42}, 401, "Subject must be a string"),
        ({"sub": ""}, 400, "sub must be a non-empty string"),
        ({CLAIM + "deployment_id": 1}, 400, "deployment_id"),
    ],
)
def test_ids_that_are_not_strings_get_a_clear_error_page(
    platform: FakeMoodle, overrides: dict[str, Any], status: int, words: str
) -> None:
    response, _ = launch(platform, requests.Session(), student_claims(platform), **overrides)

    assert response.status_code == status
    assert words in response.text


@pytest.mark.parametrize(
    "skew",
    [
        pytest.param({"iat": 5, "exp": 65}, id="platform clock 5 s ahead"),
        pytest.param({"iat": -63, "exp": -3}, id="60 s token arriving 3 s after it expired"),
    ],
)
def test_a_60_second_id_token_survives_a_small_clock_skew(
    platform: FakeMoodle, skew: dict[str, int]
) -> None:
    assert django_settings.ACTQUIZ_LTI_LEEWAY_SECONDS >= 5
    now = int(time.time())
    overrides = {claim: now + offset for claim, offset in skew.items()}

    response, _ = launch(platform, requests.Session(), student_claims(platform), **overrides)

    assert response.status_code == 200, response.text
    assert "/exercises/sigmoid-numpy/" in response.url


def test_a_60_second_id_token_past_the_leeway_is_expired(platform: FakeMoodle) -> None:
    now = int(time.time())
    late = django_settings.ACTQUIZ_LTI_LEEWAY_SECONDS + 5

    response, _ = launch(
        platform,
        requests.Session(),
        student_claims(platform),
        iat=now - 60 - late,
        exp=now - late,
    )

    assert response.status_code == 401 and "expired" in response.text


# Framing: Moodle embeds the tool in an iframe of its course page.


def frame_ancestors(response: requests.Response) -> str:
    policy = response.headers.get("Content-Security-Policy", "")
    return next((part.strip() for part in policy.split(";") if "frame-ancestors" in part), "(none)")


def test_after_a_launch_the_platform_may_frame_the_pages_a_student_uses(
    platform: FakeMoodle,
) -> None:
    browser = requests.Session()
    page, _ = launch(platform, browser, student_claims(platform))
    _graded_submission(platform, "42", 6.0)
    from exercises.models import Submission

    submission = Submission.objects.get()
    course = submission.course.slug
    others = [
        f"{base_url(platform)}/submissions/{submission.pk}/",
        f"{base_url(platform)}/courses/{course}/",
        f"{base_url(platform)}/",
    ]

    for response in [page, *(browser.get(url, timeout=10) for url in others)]:
        assert response.status_code == 200, response.url
        assert frame_ancestors(response) == f"frame-ancestors 'self' {platform.url}", response.url
        assert "X-Frame-Options" not in response.headers, response.url
        # Only the frame policy changes; the rest of the page's policy stays.
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_sign_in_pages_the_admin_and_the_api_stay_unframeable_after_a_launch(
    platform: FakeMoodle,
) -> None:
    browser = requests.Session()
    launch(platform, browser, student_claims(platform))

    for path in ("/login/", "/admin/", "/api/v1/docs/", "/api/v1/exercises/"):
        # Signed in, /login/ redirects home: the redirect itself must not be framed.
        response = browser.get(f"{base_url(platform)}{path}", allow_redirects=False, timeout=10)

        assert response.headers.get("X-Frame-Options") == "DENY", path
        assert platform.url not in response.headers.get("Content-Security-Policy", ""), path


def test_without_a_launch_no_page_may_be_framed(platform: FakeMoodle) -> None:
    browser = requests.Session()
    launch(platform, browser, student_claims(platform))
    exercise_page = f"{base_url(platform)}/courses/{_course_slug()}/exercises/sigmoid-numpy/"
    stranger = requests.Session()
    login = stranger.get(f"{base_url(platform)}/login/", timeout=10)

    framed = browser.get(exercise_page, timeout=10)
    unlaunched = stranger.get(exercise_page, timeout=10)

    assert frame_ancestors(framed) == f"frame-ancestors 'self' {platform.url}"
    assert unlaunched.url.startswith(f"{base_url(platform)}/login/")
    for response in (login, unlaunched):
        assert frame_ancestors(response) == "frame-ancestors 'none'"
        assert response.headers["X-Frame-Options"] == "DENY"


def _course_slug() -> str:
    from lms.models import LtiContext

    return LtiContext.objects.get().course.slug


def test_an_lti_error_page_may_be_framed_by_registered_platforms_only(
    platform: FakeMoodle,
) -> None:
    response, _ = launch(platform, requests.Session(), student_claims(platform), aud="another-tool")

    assert response.status_code == 401
    assert frame_ancestors(response) == f"frame-ancestors 'self' {platform.url}"
    assert "*" not in frame_ancestors(response)
    assert "X-Frame-Options" not in response.headers
    assert CONTENT_SECURITY_POLICY.split("; ")[0] in response.headers["Content-Security-Policy"]


def test_a_launch_in_a_new_window_lands_on_the_exercise_page(platform: FakeMoodle) -> None:
    # A new window is a top-level navigation: the same launch, nothing framed.
    response, _ = launch(platform, requests.Session(), student_claims(platform))

    assert response.status_code == 200
    assert response.history[0].status_code == 302
    assert "/exercises/sigmoid-numpy/" in response.url


# Cookies: SameSite=None; Secure over HTTPS, so the iframe's requests carry them.


def test_a_launch_over_https_sets_cross_site_cookies(platform: FakeMoodle, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = "None"
    settings.ACTQUIZ_PARTITIONED_COOKIES = True
    platform.next_claims = student_claims(platform)
    browser = requests.Session()
    login = browser.post(
        platform.tool_urls["login_url"],
        data=platform.login_params(platform.tool_urls["launch_url"]),
        allow_redirects=False,
        timeout=10,
    )
    action, fields = platform.authorize(login.headers["Location"])

    launched = browser.post(action, data=fields, allow_redirects=False, timeout=10)

    assert launched.status_code == 302
    session_cookie = next(
        c for c in launched.raw.headers.getlist("Set-Cookie") if c.startswith("sessionid=")
    )
    attributes = {part.strip().lower() for part in session_cookie.split(";")}
    # Partitioned: kept in the LMS frame even where third-party cookies are blocked.
    assert {"samesite=none", "secure", "httponly", "partitioned"} <= attributes


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SECRET_KEY": "x" * 50}, "None True None True True"),
        ({"DEBUG": "1"}, "Lax False Lax False False"),
    ],
)
def test_cookies_are_cross_site_wherever_they_are_secure(
    env: dict[str, str], expected: str
) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE, s.ACTQUIZ_PARTITIONED_COOKIES)"
    )
    clean = {"SESSION_COOKIE_SECURE": "", "CSRF_COOKIE_SECURE": ""}
    result = _probe(code, **clean, **env)

    assert result.stdout.strip() == expected, result.stderr
