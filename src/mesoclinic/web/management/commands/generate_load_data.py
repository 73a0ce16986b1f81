"""``mesoclinic generate_load_data``: clinics with years of realistic history, fast, for benchmarks.

See ``mesoclinic.loadgen`` for what is made and how it stays valid. Never run it against real data: it adds
clinics named ``PREFIX-001``… (and ``PREFIX-big``) and refuses a prefix already in use.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mesoclinic.loadgen import PASSWORD, LoadSpec, generate


def _day(text: str) -> date:
    return date.fromisoformat(text)


class Command(BaseCommand):
    help = "Generate clinics with years of history (bulk inserts) for benchmarks and load tests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinics", type=int, default=1, help="clinics of realistic size (default 1)")
        parser.add_argument(
            "--clinic-patients",
            type=int,
            default=300,
            help="mean patients per clinic (0.4-1.6x; default 300)",
        )
        parser.add_argument(
            "--big-patients", type=int, default=0, help="patients of one extra very large clinic (0: none)"
        )
        parser.add_argument("--years", type=int, default=10, help="years of history (default 10)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same data")
        parser.add_argument(
            "--until", type=_day, default=None, help="the last day of history, YYYY-MM-DD (default today)"
        )
        parser.add_argument("--prefix", default="load", help="clinic slugs are PREFIX-001… (default load)")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("clinics", "clinic_patients", "big_patients", "years"):
            if options[name] < 0 or (name == "years" and not 1 <= options[name] <= 30):
                raise CommandError(f"--{name.replace('_', '-')} is out of range")
        spec = LoadSpec(
            until=options["until"] or timezone.localdate(),
            clinics=options["clinics"],
            clinic_patients=options["clinic_patients"],
            big_patients=options["big_patients"],
            years=options["years"],
            seed=options["seed"],
            prefix=options["prefix"],
        )
        try:
            report = generate(spec, progress=self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        rate = report.total / report.seconds if report.seconds else 0.0
        self.stdout.write(f"{report.total} rows in {report.seconds:.1f} s ({rate:,.0f} rows/s):")
        for kind, count in sorted(report.rows.items()):
            self.stdout.write(f"  {kind:<17} {count:>10}")
        self.stdout.write(f"Staff log in as <clinic>-own000 … with the password {PASSWORD}")
