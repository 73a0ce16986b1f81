"""``mesoclinic privacy purge [--dry-run] [--today YYYY-MM-DD]``: erase the patients whose retention period
has ended (the worker runs the same as the ``purge_expired`` task)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mesoclinic.privacy.services import purge_due_erasures


class Command(BaseCommand):
    help = "Privacy housekeeping. 'purge': erase restricted patients whose retention period has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="erase what is due")
        purge.add_argument("--dry-run", action="store_true", help="say who would be erased, erase nothing")
        purge.add_argument(
            "--today", type=date.fromisoformat, help="the date to judge retention by (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "purge":  # pragma: no cover - argparse allows only purge
            raise CommandError("unknown action")
        today = options.get("today") or timezone.localdate()
        results = purge_due_erasures(today=today, dry_run=options["dry_run"])
        verb = "would erase" if options["dry_run"] else "erased"
        for result in results:
            rows = sum(result.counts.values())
            self.stdout.write(
                f"request {result.request_id}: {verb} patient {result.patient_id} ({rows} rows)"
            )
        self.stdout.write(
            self.style.SUCCESS(f"{len(results)} patient(s) {verb} (as of {today.isoformat()}).")
        )
