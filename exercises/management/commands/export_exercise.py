"""``manage.py export_exercise SLUG [--output FILE] [--draft]``: print an exercise document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exercises import authoring, documents
from exercises.models import Exercise


class Command(BaseCommand):
    help = "Write an exercise as a JSON document (the format of the export API)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", help="write to this file instead of standard output")
        parser.add_argument(
            "--draft", action="store_true", help="the working draft instead of the live version"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        exercise = Exercise.objects.filter(slug=options["slug"]).first()
        if exercise is None:
            raise CommandError(f"no exercise {options['slug']!r}")
        if options["draft"]:
            document = authoring.working_document(exercise)
        else:
            document = documents.document_from_exercise(exercise)
        text = json.dumps(documents.to_json(document), ensure_ascii=False, indent=2) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"exported {exercise.slug} v{exercise.version} to {options['output']}"
            )
        else:
            self.stdout.write(text, ending="")
