"""What a student waits for: click Submit -> score on screen, in headless Chromium.

Runs against a server that is already up with a worker (``./run demo``), as the demo
student, and prints one JSON object: median and p95 milliseconds over ``--n``
submissions of a correct ``sigmoid-numpy``, and the first one apart (a fresh worker
starts its sandbox). The page polls the API (first look after 250 ms, then 1.5x
longer each time), so the numbers include that polling delay.

Usage: .venv/bin/python bench/pages_browser.py [--url http://127.0.0.1:8000]
       [--user demo-student --password student-pass-1] [--course demo] [--n 10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time

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


def chromium(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,900",
    ):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def submit_once(driver: webdriver.Chrome, page: str) -> float:
    driver.get(page)
    driver.execute_script(
        "arguments[0].value = arguments[1];", driver.find_element(By.ID, "code"), CORRECT
    )
    button = driver.find_element(By.ID, "submit-button")
    start = time.perf_counter()
    button.click()
    WebDriverWait(driver, 300, poll_frequency=0.01).until(
        lambda d: d.find_element(By.ID, "result").get_attribute("data-status") == "graded"
    )
    return (time.perf_counter() - start) * 1000


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
        page = f"{args.url}/courses/{args.course}/exercises/sigmoid-numpy/"
        first = submit_once(driver, page)
        timings = sorted(submit_once(driver, page) for _ in range(args.n))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    print(
        json.dumps(
            {
                "exercise": "sigmoid-numpy",
                "submissions": args.n,
                "first_ms": round(first, 1),
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
                "min_ms": round(timings[0], 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
