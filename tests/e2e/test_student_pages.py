"""The student's exercise page, second pass, in real headless Chromium: Run on the
visible tests, the plot of their function, the language switch, numeric answers as
people type them, and the course page on a phone.

Fixtures (the live site, the real worker, the browser) come from test_pages.py.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from exercises.models import Submission
from tests.e2e import test_pages
from tests.e2e.test_pages import (
    CORRECT_SIGMOID,
    GRADING_WAIT,
    MIRRORED_SIGMOID,
    STUDENT,
    Site,
)

# The browser, the live site and the real worker, shared with test_pages.py.
chromium = test_pages.chromium
no_leftover_connections = test_pages.no_leftover_connections
site = test_pages.site

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PRINTING_MIRRORED_SIGMOID = MIRRORED_SIGMOID.replace(
    "    return", '    print("looking at", x)\n    return'
)


def wait_for_run(site: Site) -> str:
    site.wait(
        lambda d: (
            d.find_element(By.ID, "run-result").get_attribute("data-status") in ("done", "failed")
        ),
        "no run result appeared",
        timeout=GRADING_WAIT,
    )
    return site.text("#run-result")


def test_run_shows_the_visible_results_and_a_print_line_without_adding_an_attempt(
    site: Site,
) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(PRINTING_MIRRORED_SIGMOID)

    site.find("#run-button").click()
    text = wait_for_run(site)

    assert "Visible tests:" in site.text("[data-testid=run-score]")
    assert "Not an attempt" in text
    names = [item.get_attribute("data-test") for item in site.find_all("#run-result .test")]
    assert "course_values" in names and "random_batch" not in names
    assert site.find_all("#run-result .test-fail")
    assert "looking at [-1.  0.  1.]" in site.text("[data-testid=run-output]")
    assert not Submission.objects.exists()
    assert site.find_all("#history .empty-row"), "the history still has no attempt"
    assert site.console_errors() == []


def test_after_a_run_a_submission_is_attempt_one(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(CORRECT_SIGMOID)
    site.find("#run-button").click()
    wait_for_run(site)

    site.submit()
    site.wait(
        lambda d: "Attempt 1: 10 / 10" in d.find_element(By.ID, "submit-status").text,
        "the submission after a run is not attempt 1 with full marks",
        timeout=GRADING_WAIT,
    )
    assert Submission.objects.get().attempt == 1


def test_a_wrong_submission_draws_its_curve_against_the_reference_with_the_mismatch(
    site: Site,
) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(MIRRORED_SIGMOID)
    site.submit()
    site.wait_for_verdict()

    figure = site.find("#result [data-testid=plot]")
    assert figure.get_attribute("data-kind") == "curve"
    assert int(figure.get_attribute("data-mismatches")) > 100
    assert site.find_all("#result .plot-mismatch"), "the region where they differ is shaded"
    assert site.find_all("#result path.plot-student") and site.find_all(
        "#result path.plot-reference"
    )
    svg = site.find("#result svg.plot-svg")
    assert svg.get_attribute("role") == "img"
    assert "differs from the reference" in site.text("#result [data-testid=plot-summary]")
    assert site.console_errors() == []


def test_softmax_draws_the_distribution_of_a_visible_example(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("softmax-numpy")
    site.paste_code("import numpy as np\n\ndef softmax(x, axis=-1):\n    return x / x.sum()\n")
    site.find("#run-button").click()
    wait_for_run(site)

    figure = site.find("#run-result [data-testid=plot]")
    assert figure.get_attribute("data-kind") == "distribution"
    assert len(site.find_all("#run-result .plot-bar-reference")) == 3
    assert len(site.find_all("#run-result .plot-bar-student")) == 3
    assert site.console_errors() == []


def test_a_numeric_answer_typed_as_1_4_is_graded_as_0_25_and_echoed(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-grad-max")
    site.find("#answer-number").send_keys("1/4")
    site.submit()
    site.wait_for_verdict()

    assert (
        site.text("[data-testid=score]").split(" / ")[0]
        == site.text("[data-testid=score]").split(" / ")[1]
    )
    assert "Your answer 1/4 was read as 0.25." in site.text("#result")
    assert Submission.objects.get().answer == "1/4"


def test_a_number_the_server_cannot_read_is_refused_before_it_counts(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-grad-max")
    site.find("#answer-number").send_keys("one quarter")
    site.submit()
    site.wait(lambda d: d.find_element(By.ID, "submit-error").is_displayed(), "no error shown")

    assert "is not a number" in site.text("#submit-error")
    assert not Submission.objects.exists()


def test_switching_to_korean_reads_the_same_verdict_in_korean(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(MIRRORED_SIGMOID)
    site.submit()
    site.wait_for_verdict()
    english = site.text("#result")
    assert "expected" in english

    site.find("[data-set-lang=ko]").click()
    site.wait(
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko", "no reload"
    )
    site.wait_for_verdict()
    korean = site.text("#result")

    assert "기대값" in korean and "결과값" in korean
    assert "expected" not in korean and "Hidden test" not in korean
    assert "숨겨진 테스트" in korean and "힌트" in korean
    assert "제출" in site.text("#submit-button")
    assert site.console_errors() == []


def test_the_course_page_fits_a_390_px_phone_in_sections(site: Site) -> None:
    site.log_in(*STUDENT)
    site.driver.set_window_size(390, 844)
    try:
        site.open("/courses/e2e/")
        overflow = site.driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth;"
        )
        sections = [s.get_attribute("data-section") for s in site.find_all(".course-section")]
        link = site.find('[data-section="sigmoid"] tr[data-exercise="sigmoid-numpy"] a')
        visible = link.is_displayed()
    finally:
        site.driver.set_window_size(1280, 900)

    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    assert sections[:3] == ["step-function", "sigmoid", "tanh"]
    assert visible
    assert site.console_errors() == []


def test_an_earlier_attempt_is_restored_into_the_editor_and_the_counted_one_is_marked(
    site: Site,
) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait_for_verdict()
    site.paste_code(MIRRORED_SIGMOID)
    site.submit()
    site.wait(
        lambda d: "Attempt 2:" in d.find_element(By.ID, "submit-status").text,
        "the second attempt was not graded",
        timeout=GRADING_WAIT,
    )

    site.open_exercise("sigmoid-numpy")
    rows = site.find_all("#history tbody tr[data-submission]")
    oldest = rows[-1]
    # The course counts the best attempt: the first, with full marks.
    assert oldest.find_elements(By.CSS_SELECTOR, "[data-testid=counted-attempt]")
    assert not rows[0].find_elements(By.CSS_SELECTOR, "[data-testid=counted-attempt]")
    oldest.find_element(By.CSS_SELECTOR, "button[data-restore]").click()
    site.wait(
        lambda d: "1 / (1 + z)" in d.find_element(By.ID, "code").get_attribute("value"),
        "attempt 1 was not restored into the editor",
    )
    assert "Attempt 1 is in the editor" in site.text("#submit-status")
