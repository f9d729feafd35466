"""Click to score, as a student sees it: Submit -> the score next to the button, and
Run -> the visible tests' results, in headless Chromium against the real stack.

Runs against a server that is already up with its workers (``./run demo``, or the
compose stack), signed in as the demo student, and prints one JSON object: for Submit
and for Run, the first click apart (a fresh worker starts its sandbox) and the median,
p95 and min milliseconds over ``--n`` clicks, from the click until the page shows the
score (``[data-testid=status-score]``, next to Submit) or the run's result. It also
says whether a score (next to Submit, or atop the result panel) was on screen without
the student scrolling, at 1366x900. The page polls
the API with long polls (`?wait=10`: the answer comes when the status changes).

Usage: .venv/bin/python bench/click_to_score.py [--url http://127.0.0.1:8000]
       [--user demo-student --password student-pass-1] [--course demo] [--n 10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CORRECT = """import numpy as np

def sigmoid(x):
    x = np.asarray(x, dtype=float)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
"""
IN_VIEW = (
    "var r = arguments[0].getBoundingClientRect();"
    "return r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0;"
)


def chromium(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1366,900",
    ):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def prepare(driver: webdriver.Chrome, page: str) -> None:
    driver.get(page)
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "code"))
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        driver.find_element(By.ID, "code"),
        CORRECT,
    )


def submit_once(driver: webdriver.Chrome, page: str) -> tuple[float, bool]:
    """Milliseconds from clicking Submit to the new attempt's score next to it."""
    prepare(driver, page)
    rows = driver.find_elements(By.CSS_SELECTOR, "#history tr[data-submission] a")
    wanted = f"Attempt {int(rows[0].text) + 1 if rows else 1}:"
    start = time.perf_counter()
    driver.find_element(By.ID, "submit-button").click()
    score = WebDriverWait(driver, 300, poll_frequency=0.01).until(
        lambda d: next(
            (
                e
                for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=status-score]")
                if e.text.startswith(wanted)
            ),
            None,
        )
    )
    elapsed = (time.perf_counter() - start) * 1000
    # The panel scrolls its head into view once graded: the score is on screen either
    # next to Submit or at the top of the panel.
    time.sleep(0.3)
    panel = driver.find_elements(By.CSS_SELECTOR, "#result [data-testid=score]")
    seen = driver.execute_script(IN_VIEW, score) or any(
        driver.execute_script(IN_VIEW, element) for element in panel
    )
    return elapsed, bool(seen)


def run_once(driver: webdriver.Chrome, page: str) -> float:
    """Milliseconds from clicking Run to the visible tests' results on the page."""
    prepare(driver, page)
    start = time.perf_counter()
    driver.find_element(By.ID, "run-button").click()
    WebDriverWait(driver, 300, poll_frequency=0.01).until(
        lambda d: d.find_element(By.ID, "run-result").get_attribute("data-status") == "done"
    )
    return (time.perf_counter() - start) * 1000


def summary(first: float, timings: list[float]) -> dict[str, Any]:
    timings = sorted(timings)
    return {
        "first_ms": round(first, 1),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "min_ms": round(timings[0], 1),
        "clicks": len(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="demo-student")
    parser.add_argument("--password", default="student-pass-1")
    parser.add_argument("--course", default="demo")
    parser.add_argument("--n", type=int, default=10)
    args = parser.parse_args()
    profile = tempfile.mkdtemp(prefix="actquiz-bench-chromium-")
    driver = chromium(profile)
    try:
        driver.get(f"{args.url}/login/")
        driver.find_element(By.ID, "id_username").send_keys(args.user)
        driver.find_element(By.ID, "id_password").send_keys(args.password)
        driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
        WebDriverWait(driver, 30).until(lambda d: "/login/" not in d.current_url)
        page = f"{args.url}/courses/{args.course}/exercises/sigmoid-numpy/"
        first_submit, _ = submit_once(driver, page)
        submits = [submit_once(driver, page) for _ in range(args.n)]
        first_run = run_once(driver, page)
        runs = [run_once(driver, page) for _ in range(args.n)]
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    result = {
        "exercise": "sigmoid-numpy",
        "window": "1366x900",
        "submit_to_score": summary(first_submit, [ms for ms, _ in submits]),
        "score_visible_without_scrolling": all(seen for _, seen in submits),
        "run_to_results": summary(first_run, runs),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
