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
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand
from django.db import transaction

from apitokens import services as tokens
from apitokens.models import ApiToken
from exercises import authoring, documents
from exercises.management.commands.grader_account import GRADER_USERNAME
from exercises.models import Course, CourseExercise, Exercise, Membership

COURSE_SLUG = "demo"
DEMO_TOKEN_NAME = "demo"
# Unpublished drafts for the demo instructor to validate and publish (catalog format).
DEMO_DRAFTS_DIR = Path(__file__).resolve().parents[2] / "demo_drafts"
DEMO_USERS = (
    ("student", "demo-student", "student-pass-1"),
    ("instructor", "demo-teacher", "teacher-pass-1"),
)


class Command(BaseCommand):
    help = (
        "Create the demo course (every catalog exercise and a draft GELU exercise), a "
        "student, an instructor and the grader account."
    )

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
        drafts = self._add_drafts(course)
        users = get_user_model()
        credentials: dict[str, Any] = {"course": course.slug, "drafts": drafts}
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
        for slug in drafts:
            self.stdout.write(
                f"draft exercise {slug}: the instructor validates and publishes it "
                f"(POST /api/v1/exercises/{slug}/validate/, then .../publish/)"
            )

    def _add_drafts(self, course: Course) -> list[str]:
        from graders.engine.catalog import load_exercise

        slugs = []
        for folder in sorted(p for p in DEMO_DRAFTS_DIR.iterdir() if p.is_dir()):
            document = documents.document_from_catalog_entry(load_exercise(folder))
            if not Exercise.objects.filter(slug=document["slug"]).exists():
                authoring.exercise_create(course=course, document=documents.to_json(document))
            slugs.append(document["slug"])
        return slugs


def demo_token(username: str) -> str:
    """Return the demo token of ``username``: derived from SECRET_KEY, so stable across runs."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"demo-token:{username}".encode(), hashlib.sha256)
    return "aq_demo_" + mac.hexdigest()[:40]


def _hold_demo_token(user: AbstractBaseUser, secret: str) -> None:
    # Issued again under the same secret on every run, even if it was revoked (a
    # password change revokes a user's tokens) or deleted meanwhile.
    ApiToken.objects.filter(digest=tokens.token_digest(secret)).delete()
    tokens.token_create(user=user, name=DEMO_TOKEN_NAME, expires_at=None, secret=secret)
