# noqa: N999 — Django names a command after its module, and the command is spelt with a hyphen
"""``mesoclinic fhir-export DIR [--clinic SLUG] [--type T ...] [--validate]``: the clinic as NDJSON files.

Writes one ``<Type>.ndjson`` per resource type into DIR (a Bulk Data export on disk), streaming rows from
the database in chunks so that memory stays flat whatever the clinic's size; prints a line per file with
its count. The export is audit-logged (channel ``cli``). ``--validate`` parses each resource with
``fhir.resources`` first (slower; for checking a new mapping).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.accounts.commands import clinic_from_option
from mesoclinic.interop.fhir.bundles import BULK_TYPES, InvalidResourceError, validate
from mesoclinic.interop.selectors import clinic_resources, export_context
from mesoclinic.interop.services import record_export


class Command(BaseCommand):
    help = "Export a clinic as FHIR R4 NDJSON, one file per resource type."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument("--clinic", metavar="SLUG", help="the clinic, when the database holds several")
        parser.add_argument("--type", dest="types", action="append", choices=BULK_TYPES, metavar="TYPE")
        parser.add_argument("--validate", action="store_true", help="validate every resource first")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = clinic_from_option(options["clinic"])
        directory = Path(options["directory"])
        directory.mkdir(parents=True, exist_ok=True)
        types = options["types"] or list(BULK_TYPES)
        record_export(clinic, scope="clinic", channel="cli", types=types, actor=None)
        ctx = export_context(clinic)
        for kind in types:
            started = time.perf_counter()
            count = 0
            with (directory / f"{kind}.ndjson").open("w", encoding="utf-8") as out:
                for resource in clinic_resources(ctx, clinic, kind):
                    if options["validate"]:
                        try:
                            validate(resource)
                        except InvalidResourceError as exc:
                            raise CommandError(f"{kind}/{resource.get('id')}: {exc}") from None
                    out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
                    out.write("\n")
                    count += 1
            self.stdout.write(f"{kind:<26} {count:>9}  {time.perf_counter() - started:7.1f} s")
