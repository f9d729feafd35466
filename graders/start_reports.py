"""Tell the web tier a grading has started, but only for gradings that take a while.

Most gradings finish in tens of milliseconds and their result says everything; a
"started" request for each would cost the web tier a request per submission. One
watcher thread per process looks at the grading in progress a few times a second and
reports its start once it has run long enough: starting a grading costs an attribute
write, not a thread or a wake-up. Knows nothing of Celery or Django.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05


@dataclass(frozen=True, eq=False)
class _Grading:
    report: Callable[[], None]
    due: float


class StartReporter:
    """Runs a grading's start report once it has been running a while, at most once.

    The report runs on the watcher thread; an exception from it is logged, never
    retried (the result follows anyway). It can reach the web tier just after the
    result, which then ignores it.
    """

    def __init__(self) -> None:
        self._current: _Grading | None = None
        self._watcher: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @contextmanager
    def grading(self, report: Callable[[], None], *, after_seconds: float) -> Iterator[None]:
        """Mark the block as the grading in progress; ``report()`` if it lasts ``after_seconds``."""
        self._ensure_watcher()
        self._current = _Grading(report, time.monotonic() + after_seconds)
        try:
            yield
        finally:
            self._current = None

    def _ensure_watcher(self) -> None:
        with self._start_lock:
            # A forked process (a pool child) inherits the object but not the thread.
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(
                    target=self._watch, name="start-reports", daemon=True
                )
                self._watcher.start()

    def _watch(self) -> None:
        reported: _Grading | None = None
        while True:
            time.sleep(POLL_SECONDS)
            grading = self._current
            if grading is None or grading is reported or time.monotonic() < grading.due:
                continue
            reported = grading
            try:
                grading.report()
            except Exception:
                logger.info("the start of a grading was not reported", exc_info=True)
