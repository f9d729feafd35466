"""The shared cache: Django's Redis backend, scoped to its key prefix, failing open.

Throttles, the login limits and the metrics' short-lived values live here so that
every gunicorn worker and every web host sees the same counters.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# One warning per this many seconds while Redis is down, not one per request.
_WARN_EVERY_SECONDS = 30.0


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every operation, and its constructor costs
    more CPU than the round trip (a throttled POST makes three). The client holds no
    connection of its own, only the pool, which redis-py resets in a forked process.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedRedisCache(RedisCache):
    """``RedisCache`` whose ``clear()`` removes only its own ``KEY_PREFIX``'s keys.

    Django's ``clear()`` is FLUSHDB, which would also wipe the Celery queues and other
    deployments (or other test runs) sharing the Redis database. And a Redis outage
    must not turn every request into a 500: reads answer the default and writes do
    nothing, so limits are briefly not enforced while submissions keep being stored
    (the grading queue is down then anyway, and the requeue sweep catches up).
    """

    _last_warning = 0.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        if not self.key_prefix:
            raise ValueError("SharedRedisCache needs a KEY_PREFIX to scope clear() to")

    def _unavailable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - SharedRedisCache._last_warning >= _WARN_EVERY_SECONDS:
            SharedRedisCache._last_warning = now
            logger.warning(
                "cache unavailable during %s; limits are not enforced: %s", operation, exc
            )

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except redis.RedisError as exc:
            self._unavailable("add", exc)
            return False

    def get(self, key: str, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except redis.RedisError as exc:
            self._unavailable("get", exc)
            return default

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except redis.RedisError as exc:
            self._unavailable("set", exc)

    def delete(self, key: str, version: Any = None) -> bool:
        try:
            return super().delete(key, version)
        except redis.RedisError as exc:
            self._unavailable("delete", exc)
            return False

    def get_many(self, keys: Any, version: Any = None) -> dict[str, Any]:
        try:
            return super().get_many(keys, version)
        except redis.RedisError as exc:
            self._unavailable("get_many", exc)
            return {}

    def incr(self, key: str, delta: int = 1, version: Any = None) -> int:
        """Add ``delta`` atomically; raises ``ValueError`` for a missing key as Django does.

        With Redis down it raises ``CacheUnavailable`` so a caller can fail open.
        """
        try:
            return super().incr(key, delta, version)
        except redis.RedisError as exc:
            self._unavailable("incr", exc)
            raise CacheUnavailable(str(exc)) from exc

    def clear(self) -> bool:
        """Delete every key under this cache's prefix (only), in batches."""
        pattern = _glob_escape(self.key_prefix) + ":*"
        try:
            client = self._cache.get_client(None, write=True)
            batch: list[bytes] = []
            for key in client.scan_iter(match=pattern, count=500):
                batch.append(key)
                if len(batch) >= 500:
                    client.delete(*batch)
                    batch.clear()
            if batch:
                client.delete(*batch)
        except redis.RedisError as exc:
            self._unavailable("clear", exc)
            return False
        return True


class CacheUnavailable(Exception):
    """The shared cache could not be reached."""


def _glob_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


def counter_add(cache: Any, key: str, *, timeout: int, delta: int = 1) -> int | None:
    """Add ``delta`` to the counter ``key`` (created at 0 with ``timeout``) and return it.

    Atomic across processes (Redis INCRBY). Returns None when the cache is down, so
    the caller can let the request through rather than fail it.
    """
    for _ in range(3):
        cache.add(key, 0, timeout)
        try:
            return int(cache.incr(key, delta))
        except ValueError:
            # The key expired between add and incr: create it again.
            continue
        except CacheUnavailable:
            return None
    return None
