"""A worker killed (SIGKILL) in the middle of a large import: nothing of it is saved, and the next worker
retries the run through the job's expired lease and imports every row once — real processes."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from django.conf import settings

from mesoclinic import testing
from mesoclinic.accounts.models import Role
from mesoclinic.interop import services
from mesoclinic.interop.models import ImportRun, ImportRunStatus
from mesoclinic.interop.selectors import progress_note_name
from mesoclinic.patients.models import Patient
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests.conftest import start_worker, wait_for, worker_backend

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 300


@pytest.fixture
def sqlite_backend(tmp_path: Path):
    with worker_backend("sqlite", tmp_path) as backend:
        yield backend


def test_an_import_whose_worker_is_killed_is_retried_whole_by_the_next_worker(sqlite_backend, clinic):
    owner = testing.make_staff(clinic, Role.OWNER, name="Olga Owner")
    lines = [f"Anna,Lost{n:04d},1980-01-{1 + n % 28:02d}" for n in range(ROWS)]
    data = ("First,Last,DOB\n" + "\n".join(lines) + "\n").encode()
    upload = services.upload_csv(
        clinic, kind="patients", filename="p.csv", data=data, source="csv", actor=owner.user
    )
    run = services.start_import(
        clinic, "patients", total=ROWS, dry_run=False, actor=owner.user, upload=upload,
        delimiter=upload.delimiter, mapping=upload.mapping,
    )  # fmt: skip
    note = Path(settings.MEDIA_ROOT) / progress_note_name(run)
    env = {"WORKER_LEASE_SECONDS": "2", "MEDIA_ROOT": str(settings.MEDIA_ROOT)}

    first = start_worker(sqlite_backend.options, env=env)
    try:
        wait_for(note.exists, timeout=180)  # the worker is inside the import's transaction
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    run.refresh_from_db()
    assert run.status == ImportRunStatus.RUNNING
    assert not Patient.objects.filter(clinic=clinic).exists()  # its transaction died with it

    second = start_worker(sqlite_backend.options, env=env)
    try:
        wait_for(lambda: ImportRun.objects.get(pk=run.pk).finished, timeout=300)
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
    run.refresh_from_db()
    assert run.status == ImportRunStatus.DONE, output
    assert run.result["created"] == ROWS
    assert Patient.objects.filter(clinic=clinic).count() == ROWS
    job = Job.objects.get(result_id=run.job_result_id)
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    assert job.last_error == "Worker lost during attempt 1: no sign of life for 2 s."
