"""``mesoclinic inventory check-balances [--clinic SLUG]``: does every stored lot balance equal its ledger?

Exit 0 with "N lots, every balance equals its ledger"; exit 1 naming each lot whose stored balance differs
(lot id, stored, ledger sum); exit 2 for an unknown clinic. Reads the whole ledger: for audits, not pages.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.accounts.models import Clinic
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.selectors import balance_mismatches, format_quantity

MISMATCH = 1
USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Work with the stock; 'check-balances' compares every lot's stored balance with its ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("check-balances", help="compare each lot's stored balance with its ledger")
        check.add_argument("--clinic", metavar="SLUG", help="only this clinic's lots")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic_id = None
        if options["clinic"]:
            clinic_id = Clinic.objects.filter(slug=options["clinic"]).values_list("pk", flat=True).first()
            if clinic_id is None:
                raise CommandError(f"no clinic {options['clinic']}", returncode=USAGE_ERROR)
        mismatches = balance_mismatches(clinic_id)
        lots = Lot.objects.all() if clinic_id is None else Lot.objects.filter(clinic_id=clinic_id)
        for lot_id, stored, ledger in mismatches:
            self.stderr.write(
                f"lot {lot_id}: stored balance {format_quantity(stored)}, ledger {format_quantity(ledger)}"
            )
        if mismatches:
            raise SystemExit(MISMATCH)
        self.stdout.write(f"{lots.count()} lots, every balance equals its ledger")
