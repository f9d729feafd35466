"""The pages as students and instructors use them, in real headless Chromium.

Everything is real: the live Django server, Redis, a ``celery worker`` process that
grades in the sandbox and posts verdicts back through the REST API (the ``pipeline``
fixture from ``conftest.py``), and Chromium driven by chromedriver.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from exercises.models import Course, Membership
from tests.e2e.conftest import Pipeline

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
STUDENT = ("e2e-student", "student-pass-42")
INSTRUCTOR = ("e2e-teacher", "teacher-pass-42")
# Generous: the first grading in a fresh worker starts its sandbox. Not a timing check.
GRADING_WAIT = 240

CORRECT_SIGMOID = """import numpy as np

def sigmoid(x):
    x = np.asarray(x, dtype=float)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
"""
MIRRORED_SIGMOID = """import numpy as np

def sigmoid(x):
    return 1 / (1 + np.exp(x))
"""


@pytest.fixture(scope="session")
def chromium() -> Iterator[WebDriver]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail(
            "browser tests need Debian's chromium and chromium-driver (./run tests installs them)"
        )
    profile = tempfile.mkdtemp(prefix="actquiz-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,900",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait_for_live_server_connections_to_close(within: float = 15) -> None:
    # The browser kept HTTP connections alive, and each live-server thread holds a
    # database connection until its socket closes; PostgreSQL refuses to drop the test
    # database while any is open, which would leave it behind on the shared server.
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)


@pytest.fixture(scope="session")
def no_leftover_connections(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """After the live server and the browser are gone, wait until the test database is free."""
    yield
    with django_db_blocker.unblock():
        _wait_for_live_server_connections_to_close()


@pytest.fixture
def site(no_leftover_connections: None, pipeline: Pipeline, chromium: WebDriver) -> Iterator[Site]:
    """The live site with a student (password set) and an instructor of course ``e2e``."""
    users = get_user_model()
    student = users.objects.get(username=STUDENT[0])
    student.set_password(STUDENT[1])
    student.save(update_fields=["password"])
    teacher = users.objects.create_user(INSTRUCTOR[0], password=INSTRUCTOR[1])
    course = Course.objects.get(slug="e2e")
    Membership.objects.create(user=teacher, course=course, role=Membership.Role.INSTRUCTOR)
    site = Site(pipeline.base_url, chromium)
    site.fresh_browser()
    site.console_errors()  # start each test with an empty console log
    yield site
    site.fresh_browser()


class Site:
    """A person at the browser: logs in, opens pages, submits, waits for verdicts."""

    def __init__(self, base_url: str, driver: WebDriver) -> None:
        self.base_url = base_url
        self.driver = driver

    def fresh_browser(self) -> None:
        self.driver.get(f"{self.base_url}/login/")
        self.driver.delete_all_cookies()
        self.driver.execute_script("window.localStorage.clear()")

    def open(self, path: str) -> None:
        self.driver.get(f"{self.base_url}{path}")

    def log_in(self, username: str, password: str) -> None:
        self.open("/login/")
        self.find("#id_username").send_keys(username)
        self.find("#id_password").send_keys(password)
        self.find("main button[type=submit]").click()
        self.wait(lambda d: "/login/" not in d.current_url, "the login did not finish")

    def log_out(self) -> None:
        self.find(".site-header button[type=submit]").click()
        self.wait(lambda d: "/login/" in d.current_url, "the logout did not finish")

    def console_errors(self) -> list[str]:
        """Errors the page logged since the last call (script errors, CSP refusals)."""
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE"
        ]

    def find(self, css: str) -> Any:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[Any]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.find(css).text

    def wait(self, condition: Any, message: str, timeout: float = 20) -> Any:
        try:
            return WebDriverWait(self.driver, timeout).until(condition)
        except TimeoutException:
            pytest.fail(
                f"{message}; page text:\n{self.driver.find_element(By.TAG_NAME, 'body').text}"
            )

    def open_exercise(self, slug: str) -> None:
        self.open(f"/courses/e2e/exercises/{slug}/")

    def paste_code(self, code: str) -> None:
        # Pasting sets the whole value at once, as a real paste does; typing would go
        # through the editor's auto-indent.
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            self.find("#code"),
            code,
        )

    def submit(self) -> None:
        self.find("#submit-button").click()

    def wait_for_verdict(self) -> str:
        """Wait until the result panel shows a final verdict; returns its text."""
        self.wait(
            lambda d: (
                d.find_element(By.ID, "result").get_attribute("data-status") in ("graded", "failed")
            ),
            "no verdict appeared",
            timeout=GRADING_WAIT,
        )
        return self.text("#result")


def test_a_student_submits_a_correct_sigmoid_and_sees_full_marks(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open("/")
    site.driver.find_element(By.LINK_TEXT, "End to end").click()
    site.driver.find_element(By.LINK_TEXT, "Sigmoid in NumPy").click()
    assert "Sigmoid in NumPy" in site.text("h1")
    assert "def sigmoid" in site.text(".signature")
    assert "def sigmoid" in site.find("#code").get_attribute("value"), "starter code is prefilled"

    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    result = site.wait_for_verdict()

    assert site.text("[data-testid=score]") == "10 / 10"
    assert "Full marks" in result
    assert not site.find_all("#result .test-fail")
    assert "graded" in site.text("#history tbody tr:first-child")

    site.open("/courses/e2e/")
    row = site.find("tr[data-exercise=sigmoid-numpy]")
    assert "10 / 10" in row.text
    assert "Solved" in row.text
    assert site.console_errors() == []


def test_a_wrong_sigmoid_shows_the_failing_tests_message(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(MIRRORED_SIGMOID)
    site.submit()
    site.wait_for_verdict()

    score = site.text("[data-testid=score]")
    assert score != "10 / 10" and score.endswith("/ 10")
    failing = site.find("#result .test-fail")
    message = failing.find_element(By.CSS_SELECTOR, ".test-message").text
    assert "expected" in message and "got" in message, message


def test_a_syntax_error_is_reported_with_its_line(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code("def sigmoid(x):\n    return (\n")
    site.submit()
    site.wait_for_verdict()

    assert site.text("[data-testid=score]") == "0 / 10"
    error = site.find("#result .verdict-error")
    assert error.get_attribute("data-kind") == "syntax_error"
    assert "Syntax error" in error.text and "line 2" in error.text


def test_a_choice_question_is_answered_with_the_radio_buttons(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("why-nonlinearity")
    radios = site.find_all("input[type=radio][name=choice]")
    assert len(radios) >= 2

    site.submit()
    assert "Pick an answer first." in site.text("#submit-error")

    site.find("label[for=choice-collapse]").click()
    site.submit()
    site.wait_for_verdict()
    assert (
        site.text("[data-testid=score]").split(" / ")[0]
        == site.text("[data-testid=score]").split(" / ")[1]
    )


def test_an_instructor_sees_the_students_score_in_the_gradebook(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait_for_verdict()
    site.log_out()

    site.log_in(*INSTRUCTOR)
    site.open("/courses/e2e/")
    site.driver.find_element(By.PARTIAL_LINK_TEXT, "Gradebook").click()
    cell = site.find("tr[data-student=e2e-student] td[data-exercise=sigmoid-numpy]")
    assert cell.find_element(By.CSS_SELECTOR, ".cell-score").text == "10"
    assert "(1)" in cell.text, "one attempt"

    cell.find_element(By.TAG_NAME, "a").click()
    site.find("tbody tr td a").click()
    site.wait(
        lambda d: d.find_element(By.ID, "result").get_attribute("data-status") == "graded",
        "the submission page did not load its verdict",
    )
    assert site.text("[data-testid=student]") == "e2e-student"
    assert "def sigmoid" in site.text(".code-view")


def test_a_student_gets_no_gradebook(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open("/courses/e2e/gradebook/")
    assert "Page not found" in site.text("main")
    assert not site.find_all("#gradebook")


def test_code_over_the_size_limit_gets_a_clear_message_and_no_submission(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code("# padding\n" * 8000)
    site.submit()
    error = site.wait(
        lambda d: (
            d.find_element(By.ID, "submit-error").is_displayed()
            and d.find_element(By.ID, "submit-error")
        ),
        "no error message for oversized code",
    )
    assert "too large" in error.text and "Make it shorter" in error.text
    assert "No submissions yet." in site.text("#history")


def test_the_editor_indents_with_spaces_and_keeps_the_draft(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("relu-numpy")
    assert site.find("[data-testid=editor] .ace_gutter").is_displayed(), "line numbers shown"
    site.find("#reset-code").click()
    site.paste_code("")
    editor = site.find("[data-testid=editor] textarea")
    editor.send_keys("def relu(x):", Keys.ENTER, "return x", Keys.ENTER, Keys.TAB, "pass")
    assert site.find("#code").get_attribute("value") == "def relu(x):\n    return x\n        pass"

    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    site.wait_for_verdict()
    assert site.find("#result .verdict-error").get_attribute("data-kind") == "syntax_error"
    marked = site.find("[data-testid=editor]").get_attribute("data-marked-lines")
    assert marked == "3", "the line the syntax error names is marked in the editor"

    site.open_exercise("relu-numpy")
    assert site.find("#code").get_attribute("value") == "def relu(x):\n    return x\n        pass"
    site.find("#reset-code").click()
    starter = site.find("#code").get_attribute("value")
    assert "def relu" in starter and "        pass" not in starter
    site.find("[data-testid=editor] textarea").send_keys(Keys.CONTROL, "z")
    assert "        pass" in site.find("#code").get_attribute("value"), "undo survives Reset"


def test_the_korean_toggle_shows_the_korean_prompt_and_is_remembered(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    assert site.find("h1 .only-en").is_displayed()
    assert not site.find("h1 .only-ko").is_displayed()

    site.find("[data-set-lang=ko]").click()
    assert site.find("h1 .only-ko").is_displayed()
    assert "시그모이드" in site.text("h1")

    site.open("/courses/e2e/")
    assert site.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    assert "반영 점수" in site.text("thead")
    assert site.console_errors() == []


def test_an_instructor_reviews_a_short_answer_and_the_student_sees_the_new_score(
    site: Site,
) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("vanishing-gradient-explain")
    site.find("#answer-text").send_keys(
        "The sigmoid derivative is at most 0.25, and the chain rule multiplies one such "
        "factor per layer, so the gradient shrinks exponentially on its way back."
    )
    site.submit()
    site.wait_for_verdict()
    assert "An instructor will review this answer" in site.text("#result")
    submission_link = site.find("#history tbody tr:first-child a").get_attribute("href")
    site.log_out()

    site.log_in(*INSTRUCTOR)
    site.open("/courses/e2e/submissions/?review=1")
    site.driver.find_element(By.LINK_TEXT, submission_link.rstrip("/").rsplit("/", 1)[1]).click()
    assert "chain rule multiplies" in site.text("[data-testid=text-answer]")
    score = site.find("#review-score")
    score.clear()
    score.send_keys("4.5")
    site.find("#review-comment").send_keys("Good; name a remedy such as ReLU next time.")
    site.find("#review-form button[type=submit]").click()
    site.wait(
        lambda d: "Review saved." in d.find_element(By.ID, "review-status").text,
        "the review was not saved",
    )
    site.log_out()

    site.log_in(*STUDENT)
    site.driver.get(submission_link)
    site.wait(
        lambda d: d.find_element(By.ID, "result").get_attribute("data-status") == "graded",
        "the submission page did not load its verdict",
    )
    assert site.text("[data-testid=score]") == "4.5 / 5"
    assert "Good; name a remedy such as ReLU next time." in site.text("#result .review-note")
    site.open("/courses/e2e/")
    assert "4.5 / 5" in site.text("tr[data-exercise=vanishing-gradient-explain]")


def _set_number(site: Site, element: Any, value: str) -> None:
    element.clear()
    element.send_keys(value)


def test_the_review_queue_takes_the_instructor_through_latest_answers_item_by_item(
    site: Site,
) -> None:
    from exercises import services
    from exercises.models import Exercise, Submission

    # Bob answered first; Alice (the e2e student) twice, and only her second counts.
    course = Course.objects.get(slug="e2e")
    bob = get_user_model().objects.create_user("e2e-bob")
    Membership.objects.create(user=bob, course=course, role=Membership.Role.STUDENT)
    bobs = services.submission_create(
        user=bob,
        exercise=Exercise.objects.get(slug="vanishing-gradient-explain"),
        answer="Gradients get small in deep sigmoid networks.",
        course=course,
    )
    site.log_in(*STUDENT)
    site.open_exercise("vanishing-gradient-explain")
    answers = (
        "Deep networks are slow.",
        (
            "The sigmoid derivative is at most 0.25 and the chain rule multiplies one such "
            "factor per layer, so the gradient shrinks exponentially on its way back."
        ),
    )
    rows = "#history tbody tr[data-status]"
    for count, text in enumerate(answers, start=1):
        site.find("#answer-text").clear()
        site.find("#answer-text").send_keys(text)
        site.submit()
        site.wait(
            lambda d, count=count: len(d.find_elements(By.CSS_SELECTOR, rows)) == count,
            "the answer was not taken",
        )
        site.wait(
            lambda d: (
                d.find_element(By.CSS_SELECTOR, rows).get_attribute("data-status") == "graded"
            ),
            "the answer was not graded",
            timeout=GRADING_WAIT,
        )
    latest = Submission.objects.filter(user__username=STUDENT[0]).order_by("attempt").last()
    site.wait(
        lambda d: Submission.objects.get(pk=bobs.pk).status == "graded",
        "bob's answer was not graded",
        timeout=GRADING_WAIT,
    )
    site.log_out()

    site.log_in(*INSTRUCTOR)
    site.open("/courses/e2e/submissions/?review=1")
    listed = {link.text for link in site.find_all("table a[href^='/submissions/']")}
    assert listed == {str(bobs.pk), str(latest.pk)}, "only the latest attempts wait"
    site.find("#review-start").click()
    site.wait(lambda d: f"/submissions/{bobs.pk}/" in d.current_url, "the queue did not start")
    items = site.find_all(".review-item")
    assert len(items) == 5
    _set_number(site, items[0], "1")
    _set_number(site, items[1], "0.5")
    site.find("#review-save-next").click()
    site.wait(
        lambda d: f"/submissions/{latest.pk}/" in d.current_url,
        "Save and next did not go on to the next answer",
    )
    for item in site.find_all(".review-item"):
        _set_number(site, item, item.get_attribute("data-max"))
    assert site.find("#review-score").get_attribute("value") == "5"
    site.find("#review-comment").send_keys("Exactly: name the 0.25 bound every time.")
    site.find("#review-save").click()
    site.wait(
        lambda d: "Review saved." in d.find_element(By.ID, "review-status").text,
        "the review was not saved",
    )
    bobs.refresh_from_db()
    assert bobs.reviewed_items["chain-rule-product"] == 1.0
    assert bobs.reviewed_items["small-derivative"] == 0.5
    assert bobs.reviewed_score == sum(bobs.reviewed_items.values())
    site.log_out()

    site.log_in(*STUDENT)
    site.open(f"/submissions/{latest.pk}/")
    review = site.wait(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=review]"),
        "the student does not see the review",
    )[0]
    assert site.text("[data-testid=score]") == "5 / 5"
    assert "e2e-teacher" in site.text("[data-testid=reviewer]")
    assert "Exactly: name the 0.25 bound every time." in review.text
    assert len(review.find_elements(By.CSS_SELECTOR, "li[data-item]")) == 5
    site.open_exercise("vanishing-gradient-explain")
    assert "reviewed by e2e-teacher" in site.text("#history")
    assert site.console_errors() == []


def test_a_review_out_of_range_shows_the_apis_message(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("why-nonlinearity")
    site.find("label[for=choice-speed]").click()
    site.submit()
    site.wait_for_verdict()
    submission_link = site.find("#history tbody tr:first-child a").get_attribute("href")
    site.log_out()

    site.log_in(*INSTRUCTOR)
    site.driver.get(submission_link)
    score = site.find("#review-score")
    score.clear()
    score.send_keys("99")
    site.find("#review-form button[type=submit]").click()
    error = site.wait(
        lambda d: (
            d.find_element(By.ID, "review-error").is_displayed()
            and d.find_element(By.ID, "review-error")
        ),
        "no message for an out-of-range review score",
    )
    assert "between 0 and" in error.text


@pytest.mark.parametrize(
    ("code", "kind", "label"),
    [
        (
            "import os\n\ndef sigmoid(x):\n    os.system('cat /etc/passwd')\n    return x\n",
            "forbidden",
            "Forbidden call",
        ),
        ("def sigmoid(x):\n    while True:\n        pass\n", "timeout", "Time limit exceeded"),
    ],
)
def test_hostile_code_gets_zero_and_says_what_was_stopped(
    site: Site, code: str, kind: str, label: str
) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(code)
    site.submit()
    site.wait_for_verdict()

    assert site.text("[data-testid=score]") == "0 / 10"
    error = site.find("#result .verdict-error")
    assert error.get_attribute("data-kind") == kind
    assert label in error.text


def test_two_quick_submissions_end_showing_the_newest_with_its_score_by_the_button(
    site: Site,
) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(MIRRORED_SIGMOID)
    site.submit()
    site.wait(
        lambda d: (
            d.find_element(By.ID, "submit-button").is_enabled()
            and "Attempt" in d.find_element(By.ID, "submit-status").text
        ),
        "the first submission was not accepted",
    )
    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait(
        lambda d: "Attempt 2: 10 / 10" in d.find_element(By.ID, "submit-status").text,
        "the newest submission's score is not shown next to Submit",
        timeout=GRADING_WAIT,
    )
    assert site.text("[data-testid=score]") == "10 / 10"
    site.wait(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#history tr[data-status=graded]")) == 2,
        "both submissions end graded in the history",
        timeout=GRADING_WAIT,
    )
    assert site.text("[data-testid=score]") == "10 / 10", "the older verdict never replaces it"
    assert site.text("[data-testid=status-score]") == "Attempt 2: 10 / 10"


def test_a_late_submission_shows_the_student_its_penalty(site: Site) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from exercises.models import CourseExercise

    CourseExercise.objects.filter(course__slug="e2e", exercise__slug="sigmoid-numpy").update(
        due_at=timezone.now() - timedelta(hours=2), late_penalty_percent_per_day=20
    )
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    assert "−20 % of the score per started day late" in site.text("[data-testid=late-rule]")
    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait(
        lambda d: "loses 20 %" in d.find_element(By.ID, "submit-notice").text,
        "the submission did not say what the late penalty takes",
    )
    site.wait_for_verdict()

    site.open_exercise("sigmoid-numpy")
    assert "passed" in site.text("[data-testid=due-at]")
    assert site.text("[data-testid=counted-score]") == "8 / 10"
    assert "Attempt 1, 1 day late: 10 → 8 (late −20 %)" in site.text("[data-testid=penalties]")
    site.open("/courses/e2e/")
    assert "8 / 10" in site.text("tr[data-exercise=sigmoid-numpy] [data-testid=counted-score]")
    assert site.console_errors() == []


def test_the_instructor_downloads_the_gradebook_csv_with_korean_names(
    site: Site, tmp_path: Any
) -> None:
    student = get_user_model().objects.get(username=STUDENT[0])
    student.first_name, student.last_name = "민지", "김"
    student.save(update_fields=["first_name", "last_name"])
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait_for_verdict()
    site.log_out()

    site.driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    site.log_in(*INSTRUCTOR)
    site.open("/courses/e2e/gradebook/")
    header = site.find("#gradebook thead th[data-exercise=sigmoid-numpy]").text
    assert header.startswith("Sigmoid in NumPy (max 10)")
    site.find("#gradebook-csv").click()
    target = tmp_path / "e2e-gradebook.csv"
    site.wait(lambda d: target.exists() and target.stat().st_size > 0, "no CSV was downloaded")

    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads UTF-8"
    columns, *rows = csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""))
    assert columns[:2] == ["username", "name"]
    assert "Sigmoid in NumPy (max 10)" in columns
    total_column = next(i for i, name in enumerate(columns) if name.startswith("Total (max "))
    cells = next(row for row in rows if row[0] == "e2e-student")
    assert cells[1] == "민지 김"
    assert cells[columns.index("Sigmoid in NumPy (max 10)")] == "10"
    assert cells[total_column] == "10"


def test_the_instructor_opens_the_analytics_page_with_its_histogram(site: Site) -> None:
    site.log_in(*STUDENT)
    site.open_exercise("sigmoid-numpy")
    site.paste_code(MIRRORED_SIGMOID)
    site.submit()
    site.wait_for_verdict()
    site.paste_code(CORRECT_SIGMOID)
    site.submit()
    site.wait(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#history tr[data-status=graded]")) == 2,
        "both submissions end graded",
        timeout=GRADING_WAIT,
    )
    site.log_out()

    site.log_in(*INSTRUCTOR)
    site.open("/courses/e2e/gradebook/")
    site.find("th[data-exercise=sigmoid-numpy] [data-testid=analytics-link]").click()
    site.wait(lambda d: "Analytics" in d.find_element(By.TAG_NAME, "h1").text, "no analytics page")
    svg = site.find("svg#histogram")
    assert svg.get_attribute("role") == "img"
    bars = svg.find_elements(By.CSS_SELECTOR, "rect.bar")
    assert len(bars) == 10
    drawn = [bar for bar in bars if float(bar.get_attribute("height")) > 0]
    assert len(drawn) == 1, "one student, one counted score"
    assert drawn[0].size["height"] > 0, "the bar is visible on screen"
    assert "9–10 points: 1 student" in site.find("svg#histogram desc").get_attribute("textContent")
    assert site.text("[data-testid=median-attempts]") == "2"
    site.find("details[data-student=e2e-student] summary").click()
    from exercises.models import Exercise

    version = Exercise.objects.get(slug="sigmoid-numpy").version
    rows = site.find_all("details[data-student=e2e-student] tbody tr")
    assert len(rows) == 2
    assert all(row.text.endswith(f"v{version}") for row in rows)
    assert site.console_errors() == []
