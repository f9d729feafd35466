"""The shared sliding window: its Retry-After is exact, never early and never late."""

from __future__ import annotations

import pytest
from django.core.cache.backends.locmem import LocMemCache

from actquiz.throttles import SlidingWindow


@pytest.fixture
def window() -> SlidingWindow:
    cache = LocMemCache("window-test", {})
    cache.clear()
    return SlidingWindow(cache, limit=5, seconds=900)


@pytest.mark.parametrize("start", [0.0, 450.0, 899.0, 1350.5])
def test_a_refused_request_waits_exactly_its_retry_after(window, start):
    for offset in range(5):
        assert window.hit("k", start + offset) == 0
    now = start + 5
    wait = window.hit("k", now)
    assert wait > 0
    # The estimate weighs the previous window's count, so the wait can pass the
    # window (here up to 900 s * (1 + 1/5)), but a retry at Retry-After gets in.
    assert wait <= 900 * (1 + 1 / 5)
    assert window.hit("k", now + wait - 1) > 0
    assert window.hit("k", now + wait + 1e-6) == 0
