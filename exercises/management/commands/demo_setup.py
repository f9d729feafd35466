"""``manage.py demo_setup``: the demo course, its users and the grader service account.

Idempotent: running it again keeps the accounts and their tokens and resets the demo
passwords. Used by ``./run demo``; never run it on a production database.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from exercises.management.commands.grader_account import GRADER_USERNAME
from exercises.models import Course, CourseExercise, Exercise, Membership

COURSE_SLUG = "demo"
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
            token, _ = Token.objects.get_or_create(user=user)
            credentials[role] = {"username": username, "password": password, "token": token.key}

        # The workers' service account, exactly as production creates it.
        token_out = io.StringIO()
        call_command("grader_account", print_token=True, stdout=token_out)
        credentials["grader"] = {"username": GRADER_USERNAME, "token": token_out.getvalue().strip()}

        if options["json"]:
            self.stdout.write(json.dumps(credentials))
            return
        for role in ("student", "instructor"):
            c = credentials[role]
            self.stdout.write(f"{role}: {c['username']} / {c['password']}  token {c['token']}")
        self.stdout.write(f"grader token: {credentials['grader']['token']}")
