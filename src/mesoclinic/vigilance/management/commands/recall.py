"""``mesoclinic recall LOT_NUMBER [--product CODE] [--clinic SLUG] [--json]``: who a lot reached.

Exit 0 with the recall (empty lists when the lot reached nobody); exit 2 with one line on stderr when
no lot has that number, or when several products share it and ``--product`` does not choose one.
Running it is audit-logged like the recall page: it prints patients' contact details.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.accounts.commands import USAGE_ERROR, clinic_from_option
from mesoclinic.vigilance.selectors import find_lots, item_code, recall, recall_as_dict
from mesoclinic.vigilance.services import record_recall_view


class Command(BaseCommand):
    help = "List every session and patient a lot reached, directly or through preparations made from it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lot_number", metavar="LOT_NUMBER")
        parser.add_argument(
            "--product", metavar="CODE", help="product or cocktail code, when several share the number"
        )
        parser.add_argument("--clinic", metavar="SLUG", help="the clinic, when the database holds several")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = clinic_from_option(options["clinic"])
        number = options["lot_number"]
        lots = find_lots(clinic, number, options["product"])
        if not lots:
            product = f" of {options['product']}" if options["product"] else ""
            raise CommandError(f"no lot {number}{product} in {clinic.slug}", returncode=USAGE_ERROR)
        if len(lots) > 1:
            codes = ", ".join(sorted(item_code(lot) for lot in lots))
            raise CommandError(
                f"lot {number} exists for several products; choose one with --product ({codes})",
                returncode=USAGE_ERROR,
            )
        result = recall(lots)
        record_recall_view(lots, patients=len(result.patients), channel="cli", actor=None)
        data = recall_as_dict(number, result, clinic)
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self._table(data)

    def _table(self, data: dict[str, Any]) -> None:
        write = self.stdout.write
        write("Lots")
        for lot in data["lots"]:
            recalled = "  RECALLED" if lot["recalled"] else ""
            write(f"  {lot['lot_number']:<16} {lot['name']:<40} exp {lot['expires_on']}{recalled}")
            write(f"  {'':<16} via {' → '.join(lot['via'])}")
        write(f"Patients ({len(data['patients'])})")
        for p in data["patients"]:
            last = (p["last"] or "")[:10]
            write(
                f"  {p['name']:<28} {p['phone'] or '-':<18} {p['email'] or '-':<30} {p['sessions']} session(s), last {last}"
            )
        write(f"Sessions ({len(data['sessions'])})")
        for s in data["sessions"]:
            zones = ", ".join(s["zones"]) or "-"
            write(
                f"  {s['performed_at'][:16]}  patient {s['patient_id']:<6} {s['quantity']} {s['unit']} "
                f"of {s['lot_number']}  zones: {zones}"
            )
