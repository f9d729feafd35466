"""Pull LMS rosters (NRPS) into course memberships."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.models import LtiContext
from lms.nrps import roster_sync
from lms.platform_api import PlatformError


class Command(BaseCommand):
    help = "Synchronise course memberships from the LMS rosters (all, or one --course)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", help="ActQuiz course slug (default: every LMS course)")

    def handle(self, *args: Any, **options: Any) -> None:
        contexts = LtiContext.objects.exclude(memberships_url="").select_related("course")
        if options["course"]:
            contexts = contexts.filter(course__slug=options["course"])
        failed = 0
        for context in contexts:
            try:
                result = roster_sync(context=context)
            except PlatformError as exc:
                failed += 1
                self.stderr.write(f"{context}: {exc}")
                continue
            self.stdout.write(
                f"{context.course.slug}: {result.students} students, "
                f"{result.instructors} instructors"
            )
        if failed:
            raise CommandError(f"{failed} roster(s) not synchronised")
