"""``manage.py demo_setup``: the demo course, its users and the grader service account.

Idempotent: running it again keeps the accounts and their tokens and resets the demo
passwords. Tokens are stored hashed, so the demo's are derived from ``SECRET_KEY``
(the same on every run, printable again). Used by ``./run demo``; never run it on a
production database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand
from django.db import transaction

from apitokens import services as tokens
from apitokens.models import ApiToken
from exercises.management.commands.grader_account import GRADER_USERNAME
from exercises.models import Course, CourseExercise, Exercise, Membership

COURSE_SLUG = "demo"
DEMO_TOKEN_NAME = "demo"
DEMO_USERS = (
    ("student", "demo-student", "student-pass-1"),
    ("instructor", "demo-teacher", "teacher-pass-1"),
)


class Command(BaseCommand):
    help = "Create the demo course (every catalog exercise), a student, an instructor and the grader account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print the credentials as JSON")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        course, _ = Course.objects.get_or_create(
            slug=COURSE_SLUG, defaults={"title": "Activation functions (demo)"}
        )
        for position, exercise in enumerate(Exercise.objects.order_by("slug")):
            CourseExercise.objects.update_or_create(
                course=course, exercise=exercise, defaults={"position": position}
            )
        users = get_user_model()
        credentials: dict[str, Any] = {"course": course.slug}
        for role, username, password in DEMO_USERS:
            user, _ = users.objects.get_or_create(username=username)
            user.set_password(password)
            user.save(update_fields=["password"])
            Membership.objects.update_or_create(user=user, course=course, defaults={"role": role})
            token = demo_token(username)
            _hold_demo_token(user, token)
            credentials[role] = {"username": username, "password": password, "token": token}

        # The workers' service account, exactly as production creates it from a
        # configured token.
        grader_token = settings.ACTQUIZ_GRADER_TOKEN.strip() or demo_token(GRADER_USERNAME)
        tokens.grader_account_ensure(
            username=GRADER_USERNAME, secret=grader_token, overlap=timedelta(0)
        )
        credentials["grader"] = {"username": GRADER_USERNAME, "token": grader_token}

        if options["json"]:
            self.stdout.write(json.dumps(credentials))
            return
        for role in ("student", "instructor"):
            c = credentials[role]
            self.stdout.write(f"{role}: {c['username']} / {c['password']}  token {c['token']}")
        self.stdout.write(f"grader token: {credentials['grader']['token']}")


def demo_token(username: str) -> str:
    """Return the demo token of ``username``: derived from SECRET_KEY, so stable across runs."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"demo-token:{username}".encode(), hashlib.sha256)
    return "aq_demo_" + mac.hexdigest()[:40]


def _hold_demo_token(user: AbstractBaseUser, secret: str) -> None:
    # Issued again under the same secret on every run, even if it was revoked (a
    # password change revokes a user's tokens) or deleted meanwhile.
    ApiToken.objects.filter(digest=tokens.token_digest(secret)).delete()
    tokens.token_create(user=user, name=DEMO_TOKEN_NAME, expires_at=None, secret=secret)
