"""The course page groups exercises as the course teaches them, with progress per group."""

from __future__ import annotations

import re

import pytest

from exercises.course_sections import section_of

pytestmark = pytest.mark.django_db

TEACHING_ORDER = [
    "step-function",
    "sigmoid",
    "tanh",
    "relu",
    "leaky-relu",
    "softmax",
    "derivatives",
    "concepts",
]


@pytest.mark.parametrize(
    ("kind", "concepts", "section"),
    [
        ("code", ["step-function", "perceptron"], "step-function"),
        ("code", ["sigmoid", "numerical-stability"], "sigmoid"),
        ("code", ["leaky-relu", "dying-relu"], "leaky-relu"),
        ("code", ["sigmoid", "derivative", "vanishing-gradient"], "derivatives"),
        ("numeric", ["sigmoid", "derivative"], "derivatives"),
        ("choice", ["nonlinearity", "linear-collapse"], "concepts"),
        ("code", ["why-nonlinearity", "linear-layers"], "more"),
    ],
)
def test_each_exercise_goes_to_the_section_of_its_function(kind, concepts, section):
    assert section_of(kind, concepts) == section


def test_the_course_page_lists_sections_in_teaching_order_with_progress(
    client, student, add_exercise, catalog
):
    for slug in sorted(catalog):
        add_exercise(slug)
    client.force_login(student)

    page = client.get("/courses/act101/").content.decode()

    order = re.findall(r'data-section="([a-z-]+)"', page)
    assert [key for key in order if key in TEACHING_ORDER] == TEACHING_ORDER
    sigmoid = page[page.index('data-section="sigmoid"') : page.index('data-section="tanh"')]
    assert "sigmoid-numpy" in sigmoid and "sigmoid-grad-numpy" not in sigmoid
    assert "0 of " in sigmoid and "solved" in sigmoid
