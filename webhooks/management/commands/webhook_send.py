"""Queue webhook deliveries that have not arrived (after a broker or receiver outage)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webhooks.enqueue import enqueue_delivery
from webhooks.models import WebhookDelivery


class Command(BaseCommand):
    help = "Queue every pending webhook delivery (and with --failed, the failed ones too)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failed", action="store_true", help="also resend failed ones")

    def handle(self, *args: Any, **options: Any) -> None:
        states = [WebhookDelivery.State.PENDING]
        if options["failed"]:
            states.append(WebhookDelivery.State.FAILED)
        deliveries = WebhookDelivery.objects.filter(state__in=states, webhook__active=True)
        if options["failed"]:
            deliveries.filter(state=WebhookDelivery.State.FAILED).update(
                state=WebhookDelivery.State.PENDING
            )
        queued = sum(enqueue_delivery(pk) for pk in deliveries.values_list("pk", flat=True))
        self.stdout.write(f"{queued} deliveries queued")
