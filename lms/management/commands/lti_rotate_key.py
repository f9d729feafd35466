"""Rotate the tool's signing key; the old key stays published for the overlap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lms import keys


class Command(BaseCommand):
    help = "Make a new LTI signing key; old keys stay in the JWKS for --overlap-hours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--overlap-hours",
            type=float,
            default=24.0,
            help="how long platforms may still verify with the old key (default 24)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        new_key, retired = keys.key_rotate(overlap=timedelta(hours=options["overlap_hours"]))
        self.stdout.write(f"Signing with {new_key.kid} now.")
        for key in retired:
            self.stdout.write(f"{key.kid} stays in the JWKS until {key.retire_at.isoformat()}.")
