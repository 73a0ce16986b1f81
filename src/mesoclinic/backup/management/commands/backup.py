"""``mesoclinic backup PATH``: the whole installation (database + media) as one archive, while the app runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.backup.archive import BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Write every table's rows (one consistent snapshot), every media file and a manifest with their "
        "sha256 to PATH (.tar, or .tar.gz to compress). Safe while the application runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(label: str, rows: int) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {label}: {rows} rows")

        try:
            manifest = write_backup(options["path"], on_table=progress)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(part.rows or 0 for part in manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {options['path']}: {len(manifest.tables)} tables, {rows} rows, "
                f"{len(manifest.media)} media files ({manifest.vendor})."
            )
        )
