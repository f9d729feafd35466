"""Issue API tokens for test users (the secret exists only in the returned string)."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import AbstractBaseUser

from apitokens import services

_names = itertools.count(1)


def issue_token(user: AbstractBaseUser, *, secret: str | None = None) -> str:
    """Issue a never-expiring token for ``user`` (``secret`` if given); returns the secret."""
    issued = services.token_create(
        user=user, name=f"test token {next(_names)}", expires_at=None, secret=secret
    )
    return issued.secret
