"""``manage.py import_exercise FILE --course C [--slug NEW]``: a document as a new draft."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from actquiz.exceptions import ApiError
from exercises import authoring
from exercises.models import Course


class Command(BaseCommand):
    help = (
        "Create an unpublished exercise in a course from a JSON document (as the API's "
        "POST /api/v1/courses/{course}/exercises/ does); validate and publish it next."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the JSON document; - reads standard input")
        parser.add_argument("--course", required=True, help="the course slug to add it to")
        parser.add_argument("--slug", help="import under this slug instead of the document's")

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(slug=options["course"]).first()
        if course is None:
            raise CommandError(f"no course {options['course']!r}")
        try:
            if options["file"] == "-":
                document = json.load(sys.stdin)
            else:
                document = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        try:
            exercise = authoring.exercise_import(
                course=course, document=document, slug=options["slug"]
            )
        except ApiError as exc:
            problems = "".join(
                f"\n  {field}: {text}"
                for field, texts in (exc.fields or {}).items()
                for text in texts
            )
            raise CommandError(f"{exc.detail}{problems}") from exc
        self.stdout.write(
            f"imported {exercise.slug} into {course.slug} as an unpublished draft; "
            f"validate it: POST /api/v1/exercises/{exercise.slug}/validate/"
        )
