"""``mesoclinic send_notifications [--at ISO-8601]``: send what is due now, once, and print the counts.

The worker runs the same thing every five minutes (``send_due_notifications_task``); this command is for
a cron line where there is no worker, and for looking at what a given instant would send (``--at``).
Sending twice for the same instant sends nothing new: the delivery log keeps one row per message.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.notifications.services import send_due_notifications

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Send the reminders, recalls, aftercare and complication checks due now (or at --at)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at", metavar="ISO-8601", help="the instant, with its UTC offset (default: now)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            try:
                now = datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(
                    f"--at is not an ISO-8601 instant: {options['at']}", returncode=USAGE_ERROR
                ) from None
            if now.tzinfo is None:
                raise CommandError(
                    "--at needs a UTC offset, e.g. 2026-06-10T12:00+00:00", returncode=USAGE_ERROR
                )
        summary = send_due_notifications(now)
        self.stdout.write(json.dumps(vars(summary)))
