"""``manage.py grader_account``: the service account Celery workers post results with.

Production hands one secret token to both the web tier and the workers
(``ACTQUIZ_GRADER_TOKEN`` or ``ACTQUIZ_GRADER_TOKEN_FILE``); running this command on
the web tier makes the account exist and hold exactly that token (stored hashed,
never expiring). To rotate it, put a new value there and run the command again: the
previous token keeps working for ``--overlap-minutes`` while workers restart.
Without a configured token it keeps the account's live token, or issues a random one
and prints it once; ``--rotate`` issues a new one the same way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apitokens import services

GRADER_USERNAME = "grader"


class Command(BaseCommand):
    help = "Create the grader service account and give it the configured (or a new) token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=GRADER_USERNAME)
        parser.add_argument(
            "--print-token", action="store_true", help="print only the token (to stdout)"
        )
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="issue a new random token (only without ACTQUIZ_GRADER_TOKEN)",
        )
        parser.add_argument(
            "--overlap-minutes",
            type=int,
            default=settings.ACTQUIZ_GRADER_TOKEN_OVERLAP_MINUTES,
            help="how long the previous token keeps working",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        configured = settings.ACTQUIZ_GRADER_TOKEN.strip() or None
        overlap = timedelta(minutes=max(options["overlap_minutes"], 0))
        if options["rotate"] and configured:
            raise CommandError(
                "ACTQUIZ_GRADER_TOKEN is set: put the new token there and run grader_account"
                " again (the old one keeps working for the overlap)."
            )
        try:
            if options["rotate"]:
                user, _ = services.grader_account_ensure(
                    username=options["username"], secret=None, overlap=overlap
                )
                issued = services.grader_token_rotate(user=user, overlap=overlap)
            else:
                user, issued = services.grader_account_ensure(
                    username=options["username"], secret=configured, overlap=overlap
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        secret = configured or (issued.secret if issued else None)
        if options["print_token"]:
            if secret is None:
                raise CommandError(
                    "The grader's token is stored hashed and cannot be shown again; run"
                    " grader_account --rotate for a new one, or configure ACTQUIZ_GRADER_TOKEN."
                )
            self.stdout.write(secret)
            return
        self.stderr.write(f"grader account {user.get_username()!r} is ready")
        if issued is not None and not configured:
            self.stdout.write(
                f"new grader token (shown once; give it to the workers as"
                f" ACTQUIZ_GRADER_TOKEN): {issued.secret}"
            )
