"""The tool's signing keys (rotated with an overlap) and the platforms' public keys."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms import protocol
from lms.models import Registration, ToolKey

logger = logging.getLogger(__name__)


def _create_key() -> ToolKey:
    pair = protocol.generate_key_pair()
    return ToolKey.objects.create(
        kid=pair.kid, private_key_pem=pair.private_key_pem, public_jwk=pair.public_jwk
    )


def signing_key() -> ToolKey:
    """Return the key the tool signs with now (the newest unretired one), creating the first."""
    key = ToolKey.objects.filter(retire_at__isnull=True).first()
    if key is not None:
        return key
    with transaction.atomic():
        key = ToolKey.objects.select_for_update().filter(retire_at__isnull=True).first()
        return key or _create_key()


def tool_jwks() -> dict[str, Any]:
    """Return the tool's public JWKS: the signing key and retired keys still overlapping."""
    signing_key()
    now = timezone.now()
    keys = ToolKey.objects.filter(retire_at__isnull=True) | ToolKey.objects.filter(
        retire_at__gt=now
    )
    return {"keys": [key.public_jwk for key in keys.order_by("-created_at", "-id")]}


def key_rotate(*, overlap: timedelta) -> tuple[ToolKey, list[ToolKey]]:
    """Make a new signing key; the old ones stay published for ``overlap``, then drop out.

    Returns ``(new_key, retired_keys)``. Keys past their overlap are deleted.
    """
    now = timezone.now()
    with transaction.atomic():
        retiring = list(ToolKey.objects.select_for_update().filter(retire_at__isnull=True))
        for key in retiring:
            key.retire_at = now + overlap
            key.save(update_fields=["retire_at"])
        new_key = _create_key()
        ToolKey.objects.filter(retire_at__lte=now).delete()
    return new_key, retiring


def _fetch_platform_jwks(registration: Registration) -> dict[str, Any]:
    try:
        response = requests.get(registration.key_set_url, timeout=settings.ACTQUIZ_LTI_HTTP_TIMEOUT)
        response.raise_for_status()
        jwks = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("platform keyset %s unreadable: %s", registration.key_set_url, exc)
        raise protocol.LaunchError(
            "The platform's public keys could not be fetched; try again shortly.",
            status=424,
            code="platform_keys_unavailable",
        ) from exc
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise protocol.LaunchError(
            "The platform's keyset URL did not return a JWKS.", status=424, code="bad_jwks"
        )
    registration.platform_jwks = jwks
    registration.platform_jwks_fetched_at = timezone.now()
    registration.save(update_fields=["platform_jwks", "platform_jwks_fetched_at"])
    return jwks


def platform_public_key(registration: Registration, kid: str | None) -> Any:
    """Return the platform's public key ``kid`` from its cached JWKS.

    The JWKS is fetched when the cache is empty or older than
    ``ACTQUIZ_LTI_JWKS_TTL_SECONDS``, and again when ``kid`` is unknown (the platform
    rotated its key), at most once per ``ACTQUIZ_LTI_JWKS_REFETCH_SECONDS``.
    Raises ``LaunchError`` (401) when the platform has no such key.
    """
    now = timezone.now()
    fetched = registration.platform_jwks_fetched_at
    ttl = timedelta(seconds=settings.ACTQUIZ_LTI_JWKS_TTL_SECONDS)
    if not registration.platform_jwks or fetched is None or now - fetched > ttl:
        _fetch_platform_jwks(registration)
        fetched = registration.platform_jwks_fetched_at
    key = protocol.public_key_from_jwks(registration.platform_jwks, kid)
    min_gap = timedelta(seconds=settings.ACTQUIZ_LTI_JWKS_REFETCH_SECONDS)
    if key is None and fetched is not None and timezone.now() - fetched >= min_gap:
        _fetch_platform_jwks(registration)
        key = protocol.public_key_from_jwks(registration.platform_jwks, kid)
    if key is None:
        raise protocol.LaunchError(
            "The id_token is signed with a key the platform does not publish.",
            status=401,
            code="unknown_key",
        )
    return key
