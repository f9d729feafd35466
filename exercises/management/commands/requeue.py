"""``manage.py requeue``: send again the submissions that would otherwise never be graded.

Run periodically (``./run`` does every 30 s; ``--every`` loops by itself): a submission
whose enqueue failed (dead broker), whose message was lost, or whose grading failed on
our side gets a new grading attempt. ``--id`` regrades chosen submissions.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exercises import services
from exercises.models import Submission


class Command(BaseCommand):
    help = "Re-enqueue stale submissions (or the ones given with --id)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--id", type=int, action="append", default=[], help="submission id")
        parser.add_argument(
            "--every", type=float, default=0, help="repeat every N seconds until stopped"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["id"]:
            missing = set(options["id"]) - set(
                Submission.objects.filter(pk__in=options["id"]).values_list("id", flat=True)
            )
            if missing:
                raise CommandError(f"no submission with id {sorted(missing)}")
            for submission_id in options["id"]:
                services.submission_requeue(submission_id=submission_id)
            self._report(options["id"], options["verbosity"])
            return
        while True:
            self._report(services.submission_requeue_stale(), options["verbosity"])
            if options["every"] <= 0:
                return
            time.sleep(options["every"])

    def _report(self, ids: list[int], verbosity: int) -> None:
        if ids and verbosity >= 1:
            self.stdout.write(f"requeued {len(ids)}: {', '.join(map(str, ids))}")
