"""``mesoclinic restore PATH [--force]``: put an archive written by ``backup`` back, after checking it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesoclinic.backup.archive import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive: checks every part's sha256 and the migrations, refuses a database "
        "that holds data unless --force, then restores all rows and media files in one go."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH")
        parser.add_argument(
            "--force", action="store_true", help="replace the data of a database that is not empty"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore_backup(options["path"], force=options["force"])
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(part.rows or 0 for part in manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {rows} rows in {len(manifest.tables)} tables and {len(manifest.media)} media "
                f"files from a {manifest.vendor} backup of {manifest.created_at}."
            )
        )
