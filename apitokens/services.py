"""API token writes: issue, authenticate, revoke, and the grader account's long-lived token.

A secret is shown once, when it is issued; the database keeps its SHA-256 digest
(a token is a random 256-bit value, so a fast hash is enough: there is nothing to
guess) and a short prefix the owner recognises it by.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from actquiz.exceptions import ApiError, ConflictError
from apitokens.models import ApiToken

SECRET_PREFIX = "aq_"
SHOWN_PREFIX_LENGTH = 8
MIN_CONFIGURED_KEY_LENGTH = 20
MAX_CONFIGURED_KEY_LENGTH = 200
GRADER_TOKEN_NAME = "grader"
# last_used_at is written at most this often per token: reads should not all write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: ``secret`` exists only here, never in the database."""

    token: ApiToken
    secret: str


class TokenRefused(Exception):
    """A presented token that does not authenticate; ``code`` says why (for the 401)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def token_digest(secret: str) -> str:
    """Return the hex SHA-256 of ``secret``: what the database stores and looks up."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    """Return a fresh random token secret (``aq_`` and 43 URL-safe characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _shown_prefix(secret: str) -> str:
    if secret.startswith(SECRET_PREFIX):
        return secret[: len(SECRET_PREFIX) + SHOWN_PREFIX_LENGTH]
    return secret[:SHOWN_PREFIX_LENGTH]


def default_expiry(now: datetime | None = None) -> datetime:
    """Return when a token issued ``now`` expires unless its owner says otherwise."""
    return (now or timezone.now()) + timedelta(days=settings.ACTQUIZ_API_TOKEN_DEFAULT_DAYS)


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiError(
            "name must be 1 to 100 characters, e.g. the integration's name.",
            fields={"name": ["1 to 100 characters"]},
        )
    return name


def token_create(
    *,
    user: AbstractBaseUser,
    name: str,
    expires_at: datetime | None,
    secret: str | None = None,
) -> IssuedToken:
    """Issue a token named ``name`` for ``user``, valid until ``expires_at`` (None: never).

    ``secret`` adopts a given value (the configured grader token) instead of a random
    one. An expired token of the same name is retired; a live one is a 409.
    """
    name = _checked_name(name)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ApiError("expires_at must be in the future.", fields={"expires_at": ["in the past"]})
    secret = secret if secret is not None else new_secret()
    try:
        with transaction.atomic():
            ApiToken.objects.filter(
                user=user, name=name, revoked_at__isnull=True, expires_at__lte=now
            ).update(revoked_at=now, revoked_reason="expired; replaced by a new token")
            token = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=_shown_prefix(secret),
                digest=token_digest(secret),
                created_at=now,
                expires_at=expires_at,
            )
    except IntegrityError as exc:
        raise ConflictError(
            f"You already have a live token named {name!r}; revoke it or choose another name.",
            code="token_name_taken",
            fields={"name": ["taken"]},
        ) from exc
    return IssuedToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken, reason: str) -> ApiToken:
    """Revoke ``token`` (idempotent: a revoked token keeps its first reason)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_reason = reason[:200]
        token.save(update_fields=["revoked_at", "revoked_reason"])
    return token


def tokens_revoke_for_user(*, user: AbstractBaseUser, reason: str) -> int:
    """Revoke every live token of ``user``; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:200]
    )


def token_authenticate(*, secret: str) -> ApiToken:
    """Return the live token whose secret is ``secret``, its user loaded.

    Raises ``TokenRefused`` saying whether the token is unknown, expired, revoked or
    belongs to a deactivated user.
    """
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
    if token is None:
        raise TokenRefused("Invalid token.", code="token_invalid")
    now = timezone.now()
    state = token.state_at(now)
    if state == ApiToken.State.REVOKED:
        raise TokenRefused(
            f"This token ({token.prefix}…) was revoked at {token.revoked_at:%Y-%m-%d %H:%M} UTC"
            f" ({token.revoked_reason or 'revoked'}); create a new one at /api/v1/tokens/.",
            code="token_revoked",
        )
    if state == ApiToken.State.EXPIRED:
        raise TokenRefused(
            f"This token ({token.prefix}…) expired at {token.expires_at:%Y-%m-%d %H:%M} UTC;"
            " create a new one at /api/v1/tokens/.",
            code="token_expired",
        )
    if not token.user.is_active:
        raise TokenRefused("This token's user is deactivated.", code="user_inactive")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _grader_user(username: str) -> AbstractBaseUser:
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        # Token only: nobody logs in as the grader.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=settings.ACTQUIZ_GRADER_GROUP)[0])
    return user


def _retire_grader_tokens(user: AbstractBaseUser, *, keep: ApiToken, overlap: timedelta) -> None:
    # Workers still holding the previous token keep working for the overlap, so a
    # rotation never fails a result post mid-deploy.
    until = timezone.now() + overlap
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(pk=keep.pk)
    for token in live:
        if token.expires_at is None or token.expires_at > until:
            token.expires_at = until
            token.save(update_fields=["expires_at"])


def _rename_live_grader_token(user: AbstractBaseUser) -> None:
    # One live token per name: the outgoing token is renamed after its prefix.
    for token in ApiToken.objects.filter(
        user=user, name=GRADER_TOKEN_NAME, revoked_at__isnull=True
    ):
        token.name = f"{GRADER_TOKEN_NAME} (previous, {token.prefix})"
        token.save(update_fields=["name"])


def check_configured_grader_key(secret: str) -> None:
    """Raise ``ValueError`` unless ``secret`` is usable as the configured grader token."""
    if not MIN_CONFIGURED_KEY_LENGTH <= len(secret) <= MAX_CONFIGURED_KEY_LENGTH:
        raise ValueError(
            f"ACTQUIZ_GRADER_TOKEN must be {MIN_CONFIGURED_KEY_LENGTH} to"
            f" {MAX_CONFIGURED_KEY_LENGTH} characters long"
        )


@transaction.atomic
def grader_account_ensure(
    *, username: str, secret: str | None, overlap: timedelta
) -> tuple[AbstractBaseUser, IssuedToken | None]:
    """Make the grader service account exist, in the graders group, with a live token.

    With ``secret`` (the configured token) the account holds exactly that token
    (never expiring); any other live token of it expires after ``overlap``. Without
    one, a live token is kept, or a random one issued. Returns the user and the
    token issued now (None when the live one was kept). Raises ``ValueError`` when
    ``secret`` is a token this account already rotated out.
    """
    user = _grader_user(username)
    if secret is None:
        if (
            ApiToken.objects.filter(user=user, revoked_at__isnull=True)
            .exclude(expires_at__lte=timezone.now())
            .exists()
        ):
            return user, None
        return user, grader_token_rotate(user=user, overlap=overlap)
    check_configured_grader_key(secret)
    existing = ApiToken.objects.filter(digest=token_digest(secret)).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise ValueError("ACTQUIZ_GRADER_TOKEN is another user's token")
        if existing.state_at(timezone.now()) != ApiToken.State.ACTIVE:
            raise ValueError(
                "ACTQUIZ_GRADER_TOKEN was rotated out of the grader account; configure the new one"
            )
        _retire_grader_tokens(user, keep=existing, overlap=overlap)
        return user, None
    _rename_live_grader_token(user)
    issued = token_create(user=user, name=GRADER_TOKEN_NAME, expires_at=None, secret=secret)
    _retire_grader_tokens(user, keep=issued.token, overlap=overlap)
    return user, issued


@transaction.atomic
def grader_token_rotate(*, user: AbstractBaseUser, overlap: timedelta) -> IssuedToken:
    """Issue a new never-expiring token for grader ``user``; older ones expire after ``overlap``."""
    _rename_live_grader_token(user)
    issued = token_create(user=user, name=GRADER_TOKEN_NAME, expires_at=None)
    _retire_grader_tokens(user, keep=issued.token, overlap=overlap)
    return issued
