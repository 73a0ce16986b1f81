"""``manage.py deliver_webhooks``: send the webhook deliveries that are due (retries, lost enqueues).

For installations without the worker's periodic job: run it from cron every minute.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesoclinic.webhooks.services import deliver_due


class Command(BaseCommand):
    help = "Send the webhook deliveries that are due now (retries with backoff, lost enqueues)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = deliver_due()
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
