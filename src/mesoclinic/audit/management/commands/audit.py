"""``mesoclinic audit verify [--clinic SLUG] [--json]``: is the audit log's hash chain intact?

Exit 0 with "N events, chain intact" (and each chain's head hash: keep a copy elsewhere, it is what shows a
rewritten tail); exit 1 naming the first broken event (its number in the chain and its id) when a row was
altered, removed or inserted; exit 2 for an unknown clinic.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.audit.selectors import ChainReport, UnknownClinicError, verify_chains

BROKEN = 1
USAGE_ERROR = 2


def _as_dict(report: ChainReport) -> dict[str, Any]:
    out: dict[str, Any] = {"clinic": report.clinic, "events": report.events, "head": report.head}
    if report.broken is not None:
        out["broken"] = {"seq": report.broken.seq, "id": report.broken.id, "reason": report.broken.reason}
    return out


class Command(BaseCommand):
    help = "Work with the audit log; 'verify' checks its hash chains."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="check that no event was altered, removed or inserted")
        verify.add_argument("--clinic", metavar="SLUG", help="only this clinic's chain")
        verify.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            reports = verify_chains(options["clinic"])
        except UnknownClinicError as exc:
            raise CommandError(f"no audit events for clinic {exc}", returncode=USAGE_ERROR) from None
        total = sum(r.events for r in reports)
        broken = [r for r in reports if r.broken is not None]
        if options["json"]:
            self.stdout.write(
                json.dumps({"events": total, "intact": not broken, "chains": [_as_dict(r) for r in reports]})
            )
        else:
            for r in reports:
                name = r.clinic or "(no clinic)"
                state = "intact" if r.broken is None else "BROKEN"
                self.stdout.write(f"{name}: {r.events} events, {state}, head {r.head}")
            if not broken:
                self.stdout.write(f"{total} events, chain intact")
        for r in broken:
            assert r.broken is not None  # noqa: S101 — filtered above
            self.stderr.write(
                f"chain {r.clinic or '(no clinic)'} broken at event seq {r.broken.seq} (id {r.broken.id}): "
                f"{r.broken.reason}"
            )
        if broken:
            raise SystemExit(BROKEN)
