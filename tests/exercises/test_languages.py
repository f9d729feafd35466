"""Every word in the reader's language: pages through Django's i18n (the actquiz_lang
cookie or Accept-Language), API verdicts rendered from their message ids, and
``manage.py grade --lang ko``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.exercises.conftest import SIGMOID_OK
from tests.exercises.test_grade_command import run_grade, verdict_of

MO = Path(__file__).resolve().parents[2] / "locale" / "ko" / "LC_MESSAGES" / "django.mo"


def graded_verdict(slug: str) -> dict[str, Any]:
    return {
        "exercise": slug,
        "status": "graded",
        "score": 2,
        "max_score": 10,
        "tests": [
            {
                "name": "course_values",
                "passed": True,
                "points": 2,
                "max_points": 2,
                "message": "all outputs match the reference",
                "message_id": "values.passed",
                "params": {},
                "title": "The course's values",
                "title_id": "test.course_values",
                "hidden": False,
            },
            {
                "name": "random_batch",
                "passed": False,
                "points": 0,
                "max_points": 8,
                "message": "128 of 128 values are wrong: x = 0.4242",
                "hidden": True,
            },
        ],
        "error": None,
        "seed": 1,
        "hints": ["The sigmoid is mirrored."],
        "hint_messages": [{"id": "hint.sigmoid_sign_flip", "params": {}}],
        "needs_review": False,
        "extra": {},
    }


@pytest.fixture
def graded(db, submit, client_for, student, grader, sigmoid) -> int:
    submission_id = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    response = client_for(grader).post(
        f"/api/v1/submissions/{submission_id}/result/",
        {"grading_attempt": 1, "verdict": graded_verdict("sigmoid-numpy")},
        format="json",
    )
    assert response.status_code == 200, response.content
    return submission_id


def test_a_verdict_reads_in_korean_for_a_korean_reader(graded, client_for, student):
    body = (
        client_for(student)
        .get(f"/api/v1/submissions/{graded}/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
        .json()
    )

    assert body["lang"] == "ko"
    shown, hidden = body["tests"]
    assert shown["message"] == "모든 출력이 정답과 일치합니다"
    assert shown["title"] != "The course's values" and shown["title"]
    assert hidden["message"] == "숨겨진 테스트입니다: 자세한 내용은 보이지 않습니다."
    assert "0.4242" not in str(body)
    assert body["hints"] and "mirrored" not in body["hints"][0]


def test_the_language_cookie_wins_over_the_browser_and_an_instructor_reads_english(
    graded, client_for, student, instructor
):
    student_client = client_for(student)
    student_client.cookies["actquiz_lang"] = "en"
    english = student_client.get(f"/api/v1/submissions/{graded}/", HTTP_ACCEPT_LANGUAGE="ko").json()
    teacher = client_for(instructor).get(f"/api/v1/submissions/{graded}/").json()

    assert english["tests"][0]["message"] == "all outputs match the reference"
    assert teacher["lang"] == "en"
    assert teacher["tests"][1]["message"] == "128 of 128 values are wrong: x = 0.4242"


def test_pages_are_rendered_in_the_cookies_language(client, student, sigmoid):
    if not MO.exists():
        pytest.fail(
            "the Korean catalog is not compiled: run manage.py compilemessages (./run does)"
        )
    client.force_login(student)

    english = client.get("/courses/act101/exercises/sigmoid-numpy/").content.decode()
    client.cookies["actquiz_lang"] = "ko"
    korean = client.get("/courses/act101/exercises/sigmoid-numpy/").content.decode()

    assert '<html lang="en"' in english and "Reset to starter code" in english
    assert '<html lang="ko"' in korean
    assert "처음 코드로 되돌리기" in korean and "Reset to starter code" not in korean
    assert "본문으로 건너뛰기" in korean


def test_the_404_page_is_korean_for_a_korean_browser(client, student):
    client.force_login(student)

    page = client.get("/courses/nowhere/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert "페이지를 찾을 수 없습니다" in page


def test_grade_prints_the_korean_verdict_with_lang_ko(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(x))\n")

    result = run_grade(tmp_path, "sigmoid-numpy", str(wrong), "--json", "--lang", "ko")

    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert verdict["lang"] == "ko" and verdict["plot"]["kind"] == "curve"
    course = next(t for t in verdict["tests"] if t["name"] == "course_values")
    assert "기대값" in course["message"] and "expected" not in course["message"]
    assert verdict["hints"] and all(re.search("[가-힣]", hint) for hint in verdict["hints"])


def test_every_page_string_has_a_korean_translation():
    po = (MO.parent / "django.po").read_text(encoding="utf-8")
    untranslated = [
        block
        for block in po.split("\n\n")
        if "msgid " in block
        and 'msgid ""\nmsgstr ""' not in block
        and block.rstrip().endswith('msgstr ""')
    ]

    assert untranslated == [], "translate these in locale/ko/LC_MESSAGES/django.po"
    assert "#, fuzzy" not in po
