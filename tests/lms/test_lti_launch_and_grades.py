"""LTI 1.3 against a Moodle-like platform on loopback: launch, refusals, grades, deep links."""

from __future__ import annotations

import json
import re
from io import StringIO
from typing import Any

import jwt
import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command

from exercises import services as exercise_services
from exercises.models import Exercise, Submission
from lms import ags
from lms.models import GradeSync, PassbackAttempt
from tests.lms.platform import CLAIM, FakeMoodle

STUDENT = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]


def launch(
    platform: FakeMoodle, browser: requests.Session, claims: dict[str, Any], **overrides: Any
) -> tuple[requests.Response, tuple[str, dict[str, str]]]:
    """OIDC login initiation -> platform auth -> the form post of the id_token."""
    platform.next_claims = claims
    target = platform.tool_urls["launch_url"]
    login = browser.post(
        platform.tool_urls["login_url"], data=platform.login_params(target),
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert login.status_code == 302, login.text
    action, fields = platform.authorize(login.headers["Location"], **overrides)
    response = browser.post(action, data=fields, timeout=30)
    return response, (action, fields)


def test_register_prints_every_url_the_lms_needs_absolute(platform: FakeMoodle) -> None:
    urls = platform.tool_urls
    base = django_settings.ACTQUIZ_PUBLIC_URL
    assert urls["login_url"] == f"{base}/lti/login/"
    assert urls["launch_url"] in urls["redirect_uris"]
    assert all(
        value.startswith(base)
        for value in [
            urls["login_url"],
            urls["launch_url"],
            urls["deep_link_url"],
            urls["jwks_url"],
        ]
    )


def test_a_student_launch_lands_on_the_exercise_page_signed_in(platform: FakeMoodle) -> None:
    browser = requests.Session()
    claims = platform.resource_link_claims(
        sub="42", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    response, _ = launch(platform, browser, claims)
    assert response.status_code == 200, response.text
    assert "/exercises/sigmoid-numpy/" in response.url
    assert Exercise.objects.get(slug="sigmoid-numpy").title in response.text
    # The LMS may frame the page it launched.
    assert f"frame-ancestors 'self' {platform.url}" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers


def test_login_initiation_works_by_get_as_well(platform: FakeMoodle) -> None:
    params = platform.login_params(platform.tool_urls["launch_url"])
    response = requests.get(
        platform.tool_urls["login_url"], params=params, allow_redirects=False, timeout=10
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{platform.url}/mod/lti/auth.php?")


@pytest.mark.parametrize(
    ("overrides", "status", "words"),
    [
        ({"aud": "another-tool"}, 401, "wrong audience"),
        ({"exp": 1_000_000_000, "iat": 999_999_940}, 401, "expired"),
        ({CLAIM + "deployment_id": "99"}, 403, "Deployment"),
        ({CLAIM + "version": "1.1"}, 400, "1.3.0"),
    ],
)
def test_a_bad_id_token_gets_a_clear_error_page(
    platform: FakeMoodle, overrides: dict[str, Any], status: int, words: str
) -> None:
    claims = platform.resource_link_claims(
        sub="42", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    response, _ = launch(platform, requests.Session(), claims, **overrides)
    assert response.status_code == status
    assert words in response.text
    assert "ActQuiz could not open this link" in response.text


def test_a_tampered_id_token_is_refused(platform: FakeMoodle) -> None:
    browser = requests.Session()
    claims = platform.resource_link_claims(
        sub="42", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    platform.next_claims = claims
    login = browser.post(
        platform.tool_urls["login_url"],
        data=platform.login_params(platform.tool_urls["launch_url"]),
        allow_redirects=False,
        timeout=10,
    )
    action, fields = platform.authorize(login.headers["Location"])
    header, _payload, signature = fields["id_token"].split(".")
    body = jwt.decode(fields["id_token"], options={"verify_signature": False})
    body[CLAIM + "roles"] = INSTRUCTOR
    forged = jwt.utils.base64url_encode(json.dumps(body).encode()).decode()
    response = browser.post(
        action, data={**fields, "id_token": f"{header}.{forged}.{signature}"}, timeout=10
    )
    assert response.status_code == 401
    assert "signature does not verify" in response.text


def test_a_replayed_launch_is_refused(platform: FakeMoodle) -> None:
    claims = platform.resource_link_claims(
        sub="42", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    first, (action, fields) = launch(platform, requests.Session(), claims)
    assert first.status_code == 200
    replay = requests.post(action, data=fields, timeout=10)
    assert replay.status_code == 409
    assert "already used" in replay.text


def _graded_submission(platform: FakeMoodle, sub: str, score: float) -> Submission:
    from lms.models import LtiUser

    user = LtiUser.objects.get(sub=sub).user
    exercise = Exercise.objects.get(slug="sigmoid-numpy")
    course = user.memberships.get().course
    submission = exercise_services.submission_create(
        user=user, exercise=exercise, code="def sigmoid(x):\n    return x\n", course=course
    )
    verdict = {"status": "graded", "score": score, "max_score": exercise.points, "tests": []}
    exercise_services.submission_record_result(
        submission_id=submission.pk, grading_attempt=submission.grading_attempt, verdict=verdict
    )
    return submission


def test_a_graded_score_reaches_the_lms_once_even_after_a_500(platform: FakeMoodle) -> None:
    claims = platform.resource_link_claims(
        sub="42", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    launch(platform, requests.Session(), claims)
    _graded_submission(platform, "42", 7.5)
    sync = GradeSync.objects.get()
    platform.score_statuses = [500]

    with pytest.raises(ags.RetryableDelivery):
        ags.score_deliver(sync_id=sync.pk)
    assert ags.score_deliver(sync_id=sync.pk).sent
    # A duplicate delivery of the same state sends nothing.
    assert not ags.score_deliver(sync_id=sync.pk).sent

    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["url"].endswith("/lineitems/1/lineitem/scores?type_id=1")
    assert score["userId"] == "42"
    assert score["scoreGiven"] == 7.5
    assert score["scoreMaximum"] == Exercise.objects.get(slug="sigmoid-numpy").points
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    # One line item was created (found by resourceId afterwards, never twice).
    assert [item["resourceId"] for item in platform.lineitems] == ["sigmoid-numpy"]
    statuses = list(
        PassbackAttempt.objects.filter(url__contains="/scores").values_list(
            "http_status", flat=True
        )
    )
    assert sorted(statuses) == [200, 500]
    assert platform.token_requests == 1


def test_the_latest_score_wins_and_the_instructor_sees_the_attempts(platform: FakeMoodle) -> None:
    claims = platform.resource_link_claims(
        sub="42", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    launch(platform, requests.Session(), claims)
    _graded_submission(platform, "42", 3)
    _graded_submission(platform, "42", 9)
    sync = GradeSync.objects.get()
    # Two deliveries queued for two events both send the current (best) state once.
    ags.score_deliver(sync_id=sync.pk)
    ags.score_deliver(sync_id=sync.pk)
    assert [score["scoreGiven"] for score in platform.scores] == [9]

    teacher = requests.Session()
    launch(
        platform, teacher,
        platform.resource_link_claims(sub="1", roles=INSTRUCTOR, custom={"exercise": "sigmoid-numpy"}),
    )  # fmt: skip
    course = sync.resource_link.context.course
    page = teacher.get(
        f"{platform.tool_urls['login_url'][: -len('/lti/login/')]}/lti/courses/{course.slug}/",
        timeout=10,
    )
    assert page.status_code == 200
    assert "HTTP 200" in page.text and "Send again" in page.text


def test_the_lms_gets_the_score_the_course_policy_counts(platform: FakeMoodle) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from exercises.models import CourseExercise

    claims = platform.resource_link_claims(
        sub="42", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    launch(platform, requests.Session(), claims)
    on_time = _graded_submission(platform, "42", 6)
    late = _graded_submission(platform, "42", 10)
    # The second attempt came after the due date: it loses half, so the 6 still counts.
    due = timezone.now() - timedelta(days=1)
    CourseExercise.objects.filter(exercise__slug="sigmoid-numpy").update(
        due_at=due, late_penalty_percent_per_day=50
    )
    Submission.objects.filter(pk=on_time.pk).update(created_at=due - timedelta(hours=1))
    Submission.objects.filter(pk=late.pk).update(created_at=due + timedelta(hours=1))
    ags.score_deliver(sync_id=GradeSync.objects.get().pk)
    assert platform.scores[-1]["scoreGiven"] == 6


def test_deep_linking_answers_the_platform_with_signed_content_items(platform: FakeMoodle) -> None:
    teacher = requests.Session()
    claims = {
        "sub": "1",
        CLAIM + "message_type": "LtiDeepLinkingRequest",
        CLAIM + "roles": INSTRUCTOR,
        CLAIM + "context": {"id": "2", "title": "Neural networks 101"},
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": f"{platform.url}/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_multiple": True,
            "data": "moodle-data-7",
        },
    }
    picker, _ = launch(platform, teacher, claims)
    assert picker.status_code == 200, picker.text
    token = re.search(r'name="deep_link" value="([^"]+)"', picker.text).group(1)
    answer = teacher.post(
        f"{platform.tool_urls['launch_url'][: -len('/lti/launch/')]}/lti/deep-link/respond/",
        data={"deep_link": token, "exercise": ["sigmoid-numpy", "relu-numpy"]},
        timeout=10,
    )
    assert answer.status_code == 200
    action = re.search(r'action="([^"]+)"', answer.text).group(1)
    message = re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1)
    assert action == f"{platform.url}/deep-link-return"
    requests.post(action, data={"JWT": message}, timeout=10)

    jwks = requests.get(platform.tool_jwks_url, timeout=10).json()
    kid = jwt.get_unverified_header(platform.deep_link_responses[0])["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    body = jwt.decode(
        platform.deep_link_responses[0],
        jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key)),
        algorithms=["RS256"],
        audience=platform.issuer,
    )
    assert body[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert body["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "moodle-data-7"
    items = body["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [item["lineItem"]["resourceId"] for item in items] == ["sigmoid-numpy", "relu-numpy"]
    assert items[0]["lineItem"]["scoreMaximum"] == Exercise.objects.get(slug="sigmoid-numpy").points
    assert items[0]["custom"] == {"exercise": "sigmoid-numpy"}


def test_rotating_the_key_keeps_the_old_one_published_for_the_overlap(platform: FakeMoodle) -> None:
    before = requests.get(platform.tool_jwks_url, timeout=10).json()["keys"]
    call_command("lti_rotate_key", "--overlap-hours", "1", stdout=StringIO())
    after = requests.get(platform.tool_jwks_url, timeout=10).json()["keys"]
    assert len(after) == len(before) + 1
    assert before[0]["kid"] in [key["kid"] for key in after]


def test_roster_sync_adds_the_lms_members_to_the_course(platform: FakeMoodle) -> None:
    claims = platform.resource_link_claims(
        sub="1", roles=INSTRUCTOR, custom={"exercise": "sigmoid-numpy"}
    )
    launch(platform, requests.Session(), claims)
    platform.members = [
        {"user_id": "50", "roles": STUDENT, "status": "Active", "given_name": "Ana"},
        {"user_id": "51", "roles": INSTRUCTOR, "status": "Active"},
        {"user_id": "52", "roles": STUDENT, "status": "Inactive"},
    ]
    out = StringIO()
    call_command("lti_sync_roster", stdout=out)
    assert "1 students, 1 instructors" in out.getvalue()
