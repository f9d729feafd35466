"""``manage.py api_token create|list|revoke``: API tokens from the shell (secrets shown once)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from actquiz.exceptions import ApiError
from apitokens import services
from apitokens.models import ApiToken


class Command(BaseCommand):
    help = "Issue, list and revoke a user's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a token and print its secret once")
        create.add_argument("--user", required=True)
        create.add_argument("--name", required=True, help="what the token is for")
        lifetime = create.add_mutually_exclusive_group()
        lifetime.add_argument("--days", type=int, default=settings.ACTQUIZ_API_TOKEN_DEFAULT_DAYS)
        lifetime.add_argument("--never-expires", action="store_true", help="for a service account")
        create.add_argument("--json", action="store_true")
        listing = actions.add_parser("list", help="list a user's tokens (never a secret)")
        listing.add_argument("--user", required=True)
        listing.add_argument("--json", action="store_true")
        revoke = actions.add_parser("revoke", help="revoke a token by name, or all of them")
        revoke.add_argument("--user", required=True)
        target = revoke.add_mutually_exclusive_group(required=True)
        target.add_argument("--name")
        target.add_argument("--all", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        try:
            user = users.objects.get(**{users.USERNAME_FIELD: options["user"]})
        except users.DoesNotExist as exc:
            raise CommandError(f"no user {options['user']!r}") from exc
        getattr(self, f"_{options['action']}")(user, options)

    def _create(self, user: Any, options: dict[str, Any]) -> None:
        if not options["never_expires"] and options["days"] < 1:
            raise CommandError("--days must be at least 1")
        expires_at = (
            None if options["never_expires"] else timezone.now() + timedelta(days=options["days"])
        )
        try:
            issued = services.token_create(user=user, name=options["name"], expires_at=expires_at)
        except ApiError as exc:
            raise CommandError(str(exc.detail)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({**_row(issued.token), "token": issued.secret}))
            return
        self.stdout.write(issued.secret)
        self.stderr.write(f"token {issued.token.name!r} issued; the secret is not shown again")

    def _list(self, user: Any, options: dict[str, Any]) -> None:
        rows = [_row(token) for token in ApiToken.objects.filter(user=user)]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['id']:>5}  {row['prefix']:<12} {row['state']:<8} "
                f"expires {row['expires_at'] or 'never':<32} {row['name']}"
            )

    def _revoke(self, user: Any, options: dict[str, Any]) -> None:
        if options["all"]:
            count = services.tokens_revoke_for_user(user=user, reason="revoked by an administrator")
        else:
            live = ApiToken.objects.filter(user=user, name=options["name"], revoked_at__isnull=True)
            if not live.exists():
                raise CommandError(f"{user.get_username()} has no live token {options['name']!r}")
            for token in live:
                services.token_revoke(token=token, reason="revoked by an administrator")
            count = len(live)
        self.stdout.write(f"{count} token(s) revoked")


def _row(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "state": token.state_at(timezone.now()),
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
