"""A backup taken while the clinic keeps writing is one consistent snapshot, not tables from different moments."""

from __future__ import annotations

import json
import tarfile
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from mesoclinic.backup.archive import write_backup
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import register_patient
from mesoclinic.testing import make_clinic

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(tmp_path: Path) -> Iterator[None]:
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield


class Writer(threading.Thread):
    """Registers patients one transaction at a time (patient, history, audit row together) until stopped."""

    def __init__(self, clinic) -> None:
        super().__init__(daemon=True)
        self.clinic = clinic
        self.committed = 0
        self.progress = threading.Condition()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                register_patient(
                    self.clinic,
                    given_name="Wanda",
                    family_name=f"Writer {self.committed}",
                    birth_date=date(1990, 1, 1),
                    actor=None,
                )
                with self.progress:
                    self.committed += 1
                    self.progress.notify_all()
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            connection.close()

    def wait_for(self, more: int) -> None:
        with self.progress:
            target = self.committed + more
            assert self.progress.wait_for(lambda: self.committed >= target or self.error, timeout=30)


def _rows(archive: Path, label: str) -> list[dict]:
    with tarfile.open(archive) as tar:
        return [json.loads(line) for line in tar.extractfile(f"db/{label}.jsonl")]


def test_rows_committed_while_the_backup_runs_are_wholly_out_of_it(tmp_path):
    clinic = make_clinic()
    for n in range(3):
        register_patient(
            clinic, given_name="Ada", family_name=f"Before {n}", birth_date=date(1980, 1, 1), actor=None
        )
    writer = Writer(clinic)

    def between_tables(label: str, rows: int) -> None:
        # Let the writer commit several registrations between the audit table and the patient tables,
        # and again between the patients' histories and the patients themselves.
        if label == "accounts.clinic":
            writer.start()
        if label in {"accounts.clinic", "audit.auditevent", "patients.medicalhistory"}:
            writer.wait_for(3)

    try:
        write_backup(tmp_path / "b.tar", on_table=between_tables)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None
    assert Patient.objects.count() >= 3 + 9  # the writer really did write during the backup

    patients = {row["id"] for row in _rows(tmp_path / "b.tar", "patients.patient")}
    histories = {row["patient_id"] for row in _rows(tmp_path / "b.tar", "patients.medicalhistory")}
    created = {
        int(row["object_id"])
        for row in _rows(tmp_path / "b.tar", "audit.auditevent")
        if row["action"] == "patient.create"
    }
    assert len(patients) >= 3
    assert patients == histories == created
