"""Register (or update) an LTI 1.3 platform and print what to paste into the LMS."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lms import services


class Command(BaseCommand):
    help = "Create or update an LTI 1.3 platform registration; print the tool's URLs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--auth-login-url", required=True)
        parser.add_argument("--auth-token-url", required=True)
        parser.add_argument("--key-set-url", required=True)
        parser.add_argument("--deployment-id", required=True)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        registration, created = services.registration_upsert(
            issuer=options["issuer"],
            client_id=options["client_id"],
            auth_login_url=options["auth_login_url"],
            auth_token_url=options["auth_token_url"],
            key_set_url=options["key_set_url"],
            deployment_id=options["deployment_id"],
        )
        urls = services.tool_urls()
        if options["json"]:
            self.stdout.write(json.dumps(urls))
            return
        verb = "Registered" if created else "Updated"
        self.stdout.write(f"{verb} {registration}. Paste into the LMS:")
        for name, value in urls.items():
            shown = "\n    ".join(value) if isinstance(value, list) else value
            self.stdout.write(f"  {name}: {shown}")
