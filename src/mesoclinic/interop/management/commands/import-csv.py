# noqa: N999 — Django names a command after its module, and the command is spelt with a hyphen
"""``mesoclinic import-csv patients|appointments FILE --mapping JSON [--dry-run] [--clinic SLUG] [--source NAME]``.

``--mapping`` is ``{"field": "column header"}`` as JSON text or a path to a JSON file; fields not named
are guessed from the header. Prints one line per bad row (row, column, message) and exits 2 when there
is any (nothing is saved then), else prints how many records were created (or would be, with
``--dry-run``). Appointments find patients by the external id imported from the same ``--source``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.accounts.commands import USAGE_ERROR, clinic_from_option
from mesoclinic.interop import csvfile
from mesoclinic.interop.services import import_csv


class Command(BaseCommand):
    help = "Import patients or appointments from another system's CSV file (all rows, or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["patients", "appointments"])
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--mapping", metavar="JSON", default="{}", help="field → column header")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--clinic", metavar="SLUG")
        parser.add_argument("--source", default="csv", help="name of the system the file comes from")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = clinic_from_option(options["clinic"])
        try:
            text = csvfile.decode(Path(options["file"]).read_bytes())
            parsed = csvfile.parse(text)
        except OSError as exc:
            raise CommandError(
                f"cannot read {options['file']}: {exc.strerror}", returncode=USAGE_ERROR
            ) from None
        except csvfile.CsvFileError as exc:
            raise CommandError(str(exc), returncode=USAGE_ERROR) from None
        mapping = {**csvfile.guess_mapping(options["kind"], parsed.headers), **_mapping(options["mapping"])}
        try:
            report = import_csv(
                clinic, options["kind"], text, mapping, source=options["source"],
                delimiter=parsed.delimiter, dry_run=options["dry_run"], actor=None,
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages), returncode=USAGE_ERROR) from None
        for error in report.errors:
            self.stderr.write(f"row {error.row}, {error.column or '-'}: {error.message}")
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} error(s) in {report.rows} row(s); nothing was imported",
                returncode=USAGE_ERROR,
            )
        verb = "would be imported (dry run)" if options["dry_run"] else "imported"
        self.stdout.write(f"{report.created} {options['kind']} {verb} from {report.rows} row(s)")


def _mapping(value: str) -> dict[str, str]:
    path = Path(value)
    text = (
        path.read_text(encoding="utf-8") if not value.lstrip().startswith("{") and path.is_file() else value
    )
    try:
        data = json.loads(text)
    except ValueError:
        raise CommandError("--mapping must be a JSON object or a JSON file", returncode=USAGE_ERROR) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise CommandError(
            '--mapping must map field names to column headers: {"given_name": "First"}',
            returncode=USAGE_ERROR,
        )
    return data
