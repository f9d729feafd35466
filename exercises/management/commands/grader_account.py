"""``manage.py grader_account``: the service account Celery workers post results with.

Production hands one secret token to both the web tier and the workers
(``ACTQUIZ_GRADER_TOKEN`` or ``ACTQUIZ_GRADER_TOKEN_FILE``); running this command on
the web tier makes the account exist and hold exactly that token. Without a
configured token it keeps (or creates) a random one and prints it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

GRADER_USERNAME = "grader"


class Command(BaseCommand):
    help = "Create the grader service account and give it the configured token."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default=GRADER_USERNAME)
        parser.add_argument("--print-token", action="store_true", help="print the token")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        wanted = settings.ACTQUIZ_GRADER_TOKEN.strip()
        if wanted and not 20 <= len(wanted) <= 40:
            raise CommandError("ACTQUIZ_GRADER_TOKEN must be 20 to 40 characters long")
        user, created = get_user_model().objects.get_or_create(username=options["username"])
        if created:
            # Token only: nobody logs in as the grader.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=settings.ACTQUIZ_GRADER_GROUP)[0])
        token = Token.objects.filter(user=user).first()
        if wanted and (token is None or token.key != wanted):
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user, key=wanted)
        elif token is None:
            token = Token.objects.create(user=user)
        if options["print_token"]:
            self.stdout.write(token.key)
        else:
            self.stderr.write(f"grader account {user.username!r} is ready")
