"""Long polling: ``GET ...?wait=S`` answers as soon as a submission or run changes.

A client that polls sees a verdict up to one polling interval late and costs the web
tier a request per interval; with ``wait`` the detail request itself waits (at most
``MAX_WAIT_SECONDS``) for the moment the status changes (a submission starts running,
a result is stored). The services announce each change on a Redis channel after their
transaction commits; a waiting request subscribes *before* it reads the row, so an
announcement cannot slip in between.

Waiting holds a web thread, so each process lets only ``ACTQUIZ_LONG_POLL_SLOTS``
requests wait at once; beyond that, and whenever Redis is unreachable, a request
answers at once with the current state, as without ``wait``: the client's own backoff
takes over. ``wait`` is a bound, never a promise.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import transaction
from rest_framework.request import Request

from actquiz.exceptions import ApiError

logger = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 10.0

_client: redis.Redis | None = None
_client_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _redis() -> redis.Redis:
    global _client
    with _client_lock:
        if _client is None:
            # The read timeout bounds one get_message call, which waits far less.
            _client = redis.Redis.from_url(
                settings.ACTQUIZ_CACHE_URL,
                socket_connect_timeout=0.5,
                socket_timeout=MAX_WAIT_SECONDS + 5,
            )
        return _client


def _wait_slots() -> threading.BoundedSemaphore:
    global _slots
    with _client_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.ACTQUIZ_LONG_POLL_SLOTS)
        return _slots


def _channel(kind: str, key: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "actquiz")
    return f"{prefix}:changed:{kind}:{key}"


def wait_seconds(request: Request) -> float:
    """The ``wait`` query parameter in seconds (0 when absent); ``ApiError`` when invalid."""
    raw = request.query_params.get("wait")
    if raw is None or raw == "":
        return 0.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds <= MAX_WAIT_SECONDS:  # also refuses nan and inf
        raise ApiError(
            f"wait must be a number of seconds from 0 to {MAX_WAIT_SECONDS:g}.",
            fields={"wait": [f"not a number from 0 to {MAX_WAIT_SECONDS:g}"]},
        )
    return seconds


UNTIL_CHOICES = ("change", "finished")


def wait_until(request: Request) -> str:
    """The ``until`` query parameter: "change" (default) or "finished"; ``ApiError`` otherwise."""
    raw = request.query_params.get("until") or "change"
    if raw not in UNTIL_CHOICES:
        raise ApiError(
            "until must be one of: " + ", ".join(UNTIL_CHOICES) + ".",
            fields={"until": [f"not one of {', '.join(UNTIL_CHOICES)}"]},
        )
    return raw


def announce_changed(kind: str, key: int) -> None:
    """Wake the requests waiting on ``kind`` ``key`` once the current transaction commits."""

    def publish() -> None:
        try:
            _redis().publish(_channel(kind, key), b"1")
        except redis.RedisError as exc:
            # Waiters then answer when their wait ends, as a plain poll would.
            logger.debug("could not announce %s %s: %s", kind, key, exc)

    transaction.on_commit(publish)


def wait_for_change(kind: str, key: int, seconds: float, changed: Callable[[], bool]) -> None:
    """Return once ``changed()`` holds (checked after each announcement) or after ``seconds``.

    ``changed`` reads the row; it is called once after subscribing and once per
    announcement. The caller reads the row again afterwards to answer.
    """
    if seconds <= 0 or settings.ACTQUIZ_LONG_POLL_SLOTS <= 0:
        return
    slots = _wait_slots()
    if not slots.acquire(blocking=False):
        return
    try:
        _wait(kind, key, seconds, changed)
    finally:
        slots.release()


def _wait(kind: str, key: int, seconds: float, changed: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    # pubsub() connects only on subscribe, inside the try below.
    subscription = _redis().pubsub(ignore_subscribe_messages=True)
    try:
        subscription.subscribe(_channel(kind, key))
        while not changed():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if subscription.get_message(timeout=left) is None and time.monotonic() >= deadline:
                return
    except redis.RedisError as exc:
        logger.debug("long poll of %s %s ended early: %s", kind, key, exc)
    finally:
        try:
            subscription.close()
        except redis.RedisError:
            pass
