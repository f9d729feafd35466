"""The start report of a grading: sent only for a grading that lasts, once, never fatal."""

from __future__ import annotations

import time

from graders.start_reports import POLL_SECONDS, StartReporter


def test_a_quick_grading_reports_nothing_and_a_long_one_reports_once() -> None:
    reporter = StartReporter()
    reports: list[str] = []

    with reporter.grading(lambda: reports.append("quick"), after_seconds=0.5):
        pass
    with reporter.grading(lambda: reports.append("long"), after_seconds=0.05):
        time.sleep(0.05 + 6 * POLL_SECONDS)
    time.sleep(3 * POLL_SECONDS)

    assert reports == ["long"]


def test_a_failing_report_does_not_stop_later_reports(caplog) -> None:
    reporter = StartReporter()
    reports: list[str] = []

    def broken() -> None:
        raise ConnectionError("web tier down")

    with reporter.grading(broken, after_seconds=0.0):
        time.sleep(4 * POLL_SECONDS)
    with reporter.grading(lambda: reports.append("second"), after_seconds=0.0):
        time.sleep(4 * POLL_SECONDS)

    assert reports == ["second"]
    assert "not reported" in caplog.text
