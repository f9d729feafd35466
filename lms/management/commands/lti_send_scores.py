"""Queue grade deliveries that have not reached the LMS (after a broker or LMS outage)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lms.enqueue import enqueue_delivery
from lms.models import GradeSync


class Command(BaseCommand):
    help = "Queue every grade delivery whose last attempt failed (or --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="resend every delivery")

    def handle(self, *args: Any, **options: Any) -> None:
        syncs = (
            GradeSync.objects.all() if options["all"] else GradeSync.objects.exclude(last_error="")
        )
        queued = sum(
            enqueue_delivery(pk, force=options["all"]) for pk in syncs.values_list("pk", flat=True)
        )
        self.stdout.write(f"{queued} deliveries queued")
