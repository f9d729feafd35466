"""Rate limits that hold across processes and hosts: counters in the shared cache.

DRF's ``SimpleRateThrottle`` keeps a list of timestamps that each process reads,
appends to and writes back; two gunicorn workers doing that at once both win, so
with 3 workers 120 submissions in 20 s were all accepted against 60/min. Here every
request is one atomic increment (Redis INCRBY), and the limit is a sliding window
estimated from the current and the previous fixed window.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

from actquiz.cache import counter_add


class SlidingWindow:
    """A per-key request limit: ``limit`` requests per ``seconds``, shared via ``cache``."""

    def __init__(self, cache: Any, *, limit: int, seconds: int) -> None:
        self.cache = cache
        self.limit = limit
        self.seconds = seconds

    def hit(self, key: str, now: float) -> float:
        """Count one request for ``key`` at time ``now``.

        Returns 0 when it is allowed, else the seconds to wait before the next one
        would be (a refused request is not counted). The cache being down allows it.
        """
        window = int(now // self.seconds)
        into_window = now - window * self.seconds
        previous = int(self.cache.get(f"{key}:{window - 1}", 0) or 0)
        current_key = f"{key}:{window}"
        current = counter_add(self.cache, current_key, timeout=2 * self.seconds + 1)
        if current is None:
            return 0.0
        weight = 1 - into_window / self.seconds
        if previous * weight + current <= self.limit:
            return 0.0
        counter_add(self.cache, current_key, timeout=2 * self.seconds + 1, delta=-1)
        return self._wait(previous, current - 1, into_window)

    def uncount(self, key: str, now: float) -> None:
        """Take back one request that ``hit(key, now)`` counted (same ``now``)."""
        window_key = f"{key}:{int(now // self.seconds)}"
        counter_add(self.cache, window_key, timeout=2 * self.seconds + 1, delta=-1)

    def _wait(self, previous: int, accepted: int, into_window: float) -> float:
        # The next request fits once previous * (1 - t / seconds) + accepted + 1 <= limit.
        room = self.limit - accepted - 1
        if room >= 0 and previous > 0:
            return max(self.seconds * (1 - room / previous) - into_window, 0.0)
        # This window is full: wait for the next one, where it counts as the previous.
        next_room = self.limit - 1
        fits_at = self.seconds * max(0.0, 1 - next_room / accepted) if accepted else 0.0
        return self.seconds - into_window + fits_at


class SharedScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` (rates from ``DEFAULT_THROTTLE_RATES``) on shared counters."""

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window = SlidingWindow(self.cache, limit=self.num_requests, seconds=self.duration)
        self._wait = window.hit(self.key, self.timer())
        return self._wait == 0

    def wait(self) -> float:
        # Whole seconds, at least 1: it becomes the Retry-After header.
        return float(max(1, math.ceil(self._wait)))
