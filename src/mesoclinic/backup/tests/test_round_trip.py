"""Backup and restore: every table's rows and every media file come back identical, on this database."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.services import record_event
from mesoclinic.backup.archive import (
    BackupError,
    Manifest,
    backed_up_models,
    restore_backup,
    storage_files,
    table_rows,
    write_backup,
)
from mesoclinic.demo import load_demo
from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import skin_jpeg
from mesoclinic.patients.models import Consent, Patient
from mesoclinic.treatments.models import SessionRecord

# One worker runs the module, so that the demo behind ``built`` is built once (``--dist loadgroup``).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("backup_round_trip")]


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=str(root)):
        yield root


def fill_every_app() -> None:
    """The demo clinic (every app's tables) plus analysed photos (files, thumbnails, overlays)."""
    with time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=UTC), tick=True):
        load_demo()
    consent = Consent.objects.filter(withdrawn_at__isnull=True).select_related("patient").first()
    assert consent is not None
    session = SessionRecord.objects.filter(patient=consent.patient).first()
    for seed in (1, 2):
        photo = upload_photo(
            consent.patient,
            io.BytesIO(skin_jpeg(seed)),
            view="close_up",
            taken_at=datetime(2026, 3, seed, 10, tzinfo=UTC),
            conditions={"skin_cleansed": True},
            session=session if seed == 2 else None,
            actor=None,
        )
        analyze_photo.enqueue(photo.pk)


def every_row() -> dict[str, list[dict[str, Any]]]:
    return {model._meta.label_lower: list(table_rows(model)) for model in backed_up_models()}


def every_file() -> dict[str, str]:
    return {
        name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
        for name in storage_files(default_storage)
    }


def empty_database_and_media(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media, ignore_errors=True)


@dataclass(frozen=True)
class Built:
    """The demo and its photos, built and backed up once for the module (see ``built``)."""

    archive: Path
    manifest: Manifest
    rows: dict[str, list[dict[str, Any]]]
    files: dict[str, str]


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every app filled (``fill_every_app``: the demo clinic, ~7 CPU-seconds, and analysed photos), its rows and
    files read, and ``write_backup`` of it, once for the module; then the database and the media emptied again.

    The first test restores this archive of a freshly built database; the others fill the database by
    restoring it (the same rows and files, for a fraction of the cost) and then back up and restore on their own.
    """
    folder = tmp_path_factory.mktemp("built")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(folder / "media")):
        fill_every_app()
        rows, files = every_row(), every_file()
        manifest = write_backup(folder / "clinic.tar.gz")
        empty_database_and_media(folder / "media")
    return Built(folder / "clinic.tar.gz", manifest, rows, files)


def filled(built: Built) -> None:
    """The database and the media as ``fill_every_app`` leaves them, restored from ``built``'s archive."""
    restore_backup(built.archive)
    assert every_row() == built.rows


def test_it_restores_every_row_and_every_file_identically(built, media):
    rows, files = built.rows, built.files
    assert sum(1 for name in files if "overlay" in name or "/thumbs/" in name) >= 2
    assert all(rows[label] for label in ("patients.patient", "treatments.sessionrecord", "outcomes.photo"))
    assert built.archive.stat().st_mode & 0o077 == 0
    assert built.manifest.tables["patients.patient"].rows == len(rows["patients.patient"])

    assert not Patient.objects.exists()  # emptied after the backup
    assert every_file() == {}
    restore_backup(built.archive)

    assert every_row() == rows
    assert every_file() == files


def test_new_rows_after_a_restore_get_fresh_ids(tmp_path, media, built):
    filled(built)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    write_backup(tmp_path / "b.tar")
    empty_database_and_media(media)
    restore_backup(tmp_path / "b.tar")
    event = record_event("test", None, actor=None)
    assert event.id > last


def test_the_commands_write_and_restore(tmp_path, media, capsys, built):
    filled(built)
    rows = every_row()
    call_command("backup", str(tmp_path / "c.tar"))
    assert "media files" in capsys.readouterr().out
    empty_database_and_media(media)
    call_command("restore", str(tmp_path / "c.tar"))
    assert every_row() == rows
    capsys.readouterr()
    call_command("audit", "verify")  # the restored audit trail is the same unbroken chain
    assert "chain intact" in capsys.readouterr().out


def test_it_refuses_a_database_with_data_unless_forced(tmp_path, media, built):
    filled(built)
    rows = every_row()
    write_backup(tmp_path / "b.tar")
    Patient.objects.filter(pk=Patient.objects.first().pk).update(given_name="Changed")
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(tmp_path / "b.tar"))
    assert Patient.objects.filter(given_name="Changed").exists()
    call_command("restore", str(tmp_path / "b.tar"), "--force")
    assert every_row() == rows


def _rewrite(source: Path, target: Path, change: dict[str, bytes]) -> None:
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old:
            data = old.extractfile(member).read()
            data = change.get(member.name, data)
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def test_it_refuses_an_archive_whose_part_does_not_match_its_hash(tmp_path, media, built):
    filled(built)
    write_backup(tmp_path / "b.tar")
    with tarfile.open(tmp_path / "b.tar") as tar:
        original = tar.extractfile("db/patients.patient.jsonl").read()
    _rewrite(
        tmp_path / "b.tar",
        tmp_path / "bad.tar",
        {"db/patients.patient.jsonl": original.replace(b"a", b"e", 1)},
    )
    empty_database_and_media(media)
    with pytest.raises(BackupError, match="does not match its sha256"):
        restore_backup(tmp_path / "bad.tar")
    assert not Patient.objects.exists()


def test_it_refuses_an_archive_from_other_migrations(tmp_path, media):
    write_backup(tmp_path / "b.tar")
    with tarfile.open(tmp_path / "b.tar") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    manifest["migrations"].append(["patients", "9999_from_the_future"])
    _rewrite(tmp_path / "b.tar", tmp_path / "future.tar", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(BackupError, match="not at the archive's migrations"):
        restore_backup(tmp_path / "future.tar")


def test_it_refuses_a_file_name_that_climbs_out_of_the_media_folder(tmp_path, media):
    evil = b"not a photo"
    manifest = {
        "format": "mesoclinic-backup/1",
        "created_at": "2026-11-25T00:00:00+00:00",
        "vendor": "sqlite",
        "migrations": [],
        "parts": {"media/../../evil.sh": {"sha256": hashlib.sha256(evil).hexdigest(), "size": len(evil)}},
    }
    with tarfile.open(tmp_path / "evil.tar", "w") as tar:
        for name, data in (("media/../../evil.sh", evil), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="Unsafe name"):
        restore_backup(tmp_path / "evil.tar")
    assert not (tmp_path / "evil.sh").exists()
