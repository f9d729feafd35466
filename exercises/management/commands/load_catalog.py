"""``manage.py load_catalog``: create or update the exercises from ``exercises/catalog/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exercises import services


class Command(BaseCommand):
    help = (
        "Load every exercise folder of the catalog; bump the version of changed ones; "
        "never overwrite an exercise edited in the product."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--path",
            default=str(settings.ACTQUIZ_CATALOG_DIR),
            help="catalog directory (default: exercises/catalog)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from graders.engine import CatalogError, load_catalog

        try:
            entries = load_catalog(Path(options["path"]))
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
        kept = []
        for entry in entries:
            exercise, outcome = services.exercise_upsert_from_catalog(entry)
            counts[outcome] += 1
            if outcome == "kept":
                kept.append(exercise.slug)
                # Always said: a file that did not win must never go unnoticed.
                if options["verbosity"] >= 1:
                    self.stdout.write(f"kept (edited in the product): {exercise.slug}")
            elif outcome != "unchanged" and options["verbosity"] >= 2:
                self.stdout.write(f"{outcome}: {exercise.slug} v{exercise.version}")
        if options["verbosity"] >= 1:
            line = (
                f"catalog: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )
            if kept:
                line += f", {len(kept)} kept (edited in the product: {', '.join(kept)})"
            self.stdout.write(line)
