"""Settings for the test suite: the production settings with a local test environment.

DEBUG stays off (as in production); what a developer machine lacks is set here, in the
environment, so the processes tests start (gunicorn, celery, manage.py) inherit it:
a test-only SECRET_KEY, cookies over plain HTTP, and a cache key prefix private to
this test run (other runs share the Redis server; ``cache.clear()`` clears only ours).
"""

from __future__ import annotations

import os
import secrets

os.environ.setdefault("SECRET_KEY", f"test-only-{secrets.token_hex(24)}")
os.environ.setdefault("ACTQUIZ_CACHE_PREFIX", f"actquiz-test-{os.getpid()}-{secrets.token_hex(4)}")
# Test servers speak plain HTTP on loopback.
for _name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(_name, "0")

from actquiz.settings import *
