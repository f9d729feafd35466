"""The environment in-process benchmarks run Django in: production settings, plain HTTP.

DEBUG stays off (what is measured is what production runs); what a benchmark on
loopback lacks is set here, unless the caller set it: Django's test client host,
no HTTPS redirect or Secure cookies, and a cache key prefix of its own so its
throttle counters meet no one else's.
"""

from __future__ import annotations

import os
import uuid


def use_plain_http_production_settings() -> None:
    """Fill in the environment for ``actquiz.settings`` before ``django.setup()``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actquiz.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        os.environ.setdefault(name, "0")
    os.environ.setdefault("ACTQUIZ_CACHE_PREFIX", f"bench-{uuid.uuid4().hex[:10]}")
