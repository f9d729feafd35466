"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the webhook's secret.

Plain Python (no Django), so a receiver can copy it. The sender puts the Unix time in
``X-ActQuiz-Timestamp`` and ``sha256=<hex digest>`` in ``X-ActQuiz-Signature``; a
receiver recomputes the digest over the raw body and refuses a timestamp outside its
replay window (``REPLAY_WINDOW_SECONDS``) so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

REPLAY_WINDOW_SECONDS = 300
SIGNATURE_SCHEME = "sha256="


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``X-ActQuiz-Signature`` value for ``body`` sent at ``timestamp``.

    ``secret`` is the webhook's secret, ``timestamp`` Unix seconds, ``body`` the raw bytes.
    """
    signed = str(timestamp).encode("ascii") + b"." + body
    return SIGNATURE_SCHEME + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    *,
    timestamp: str | None,
    signature_header: str | None,
    body: bytes,
    now: float,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """Return whether a received webhook is authentic and fresh.

    ``timestamp`` and ``signature_header`` are the received header values, ``body``
    the raw request body, ``now`` the receiver's Unix time; a timestamp more than
    ``window`` seconds from ``now`` (either way) is refused.
    """
    if not timestamp or not signature_header or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > window:
        return False
    expected = signature(secret, int(timestamp), body)
    return hmac.compare_digest(expected, signature_header)
