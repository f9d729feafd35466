"""The author's pages and the prompt preview they use, through the Django test client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from exercises import documents
from exercises.models import Exercise


def test_the_preview_renders_markdown_and_maths_and_drops_scripts(
    client_for: Callable[..., Any], instructor: AbstractBaseUser
) -> None:
    text = "**Softmax**: $\\sigma(z)_i$ <script>alert(1)</script><img src=x onerror=alert(1)>"
    response = client_for(instructor).post("/api/v1/markup/preview/", {"text": text}, format="json")

    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>Softmax</strong>" in html
    assert "<math" in html
    assert "<script" not in html and "onerror" not in html


def test_the_preview_refuses_students_and_bad_bodies(
    client_for: Callable[..., Any], student: AbstractBaseUser, instructor: AbstractBaseUser
) -> None:
    assert (
        client_for(student)
        .post("/api/v1/markup/preview/", {"text": "x"}, format="json")
        .status_code
        == 403
    )
    teacher = client_for(instructor)
    missing = teacher.post("/api/v1/markup/preview/", {"txt": "x"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"text": ["required"]}
    huge = "x" * (documents.MAX_TEXT_CHARS + 1)
    assert teacher.post("/api/v1/markup/preview/", {"text": huge}, format="json").status_code == 413


def page_as(user: AbstractBaseUser) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_course_page_links_instructors_to_authoring(
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    sigmoid: Exercise,
) -> None:
    teacher_page = page_as(instructor).get("/courses/act101/").content.decode()
    assert f"/courses/act101/exercises/{sigmoid.slug}/author/" in teacher_page
    assert "/courses/act101/author/new/" in teacher_page
    student_page = page_as(student).get("/courses/act101/").content.decode()
    assert "/author/" not in student_page


def test_the_author_page_carries_the_api_urls_and_the_check_names(
    instructor: AbstractBaseUser, sigmoid: Exercise
) -> None:
    response = page_as(instructor).get(f"/courses/act101/exercises/{sigmoid.slug}/author/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"/api/v1/exercises/{sigmoid.slug}/draft/" in page
    assert '"values"' in page and '"no_mutation"' in page
    assert "Content-Security-Policy" in response.headers
