"""Large imports run by the worker: 202 with the run to follow, progress, the report, all or nothing.

``IMPORT_BACKGROUND_OVER`` is lowered to 2 here; the tests' task backend runs the job at once, in the
request (the worker's own tests run a real consumer), except where a test holds it back.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mesoclinic import testing
from mesoclinic.accounts.models import Role
from mesoclinic.interop import selectors, services
from mesoclinic.interop.models import ImportRun, ImportRunStatus
from mesoclinic.interop.tests.test_fhir_import import bundle, patient
from mesoclinic.patients.models import Patient
from mesoclinic.worker.models import Job, JobStatus

pytestmark = pytest.mark.django_db

CSV = b"First,Last,DOB\nZofia,Kowalska,1985-03-14\nAnna,Nowak,1979-11-02\nEwa,Lis,1990-01-20\n"
HELD = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.IMPORT_BACKGROUND_OVER = 2


def send_csv(staff, data=CSV, **form):
    return testing.client_for(staff).post(
        "/api/v1/interop/csv/patients", {"file": SimpleUploadedFile("p.csv", data), **form}
    )


def follow(staff, response):
    return testing.client_for(staff).get(response["Location"]).json()


def test_a_large_csv_answers_202_with_the_run_and_its_report(owner, clinic):
    response = send_csv(owner, dry_run="false")
    assert response.status_code == 202
    run = response.json()
    assert response["Location"] == f"/api/v1/interop/imports/{run['id']}"
    followed = follow(owner, response)
    assert followed["status"] == "done"
    assert followed["total"] == followed["processed"] == 3
    assert followed["result"] == {
        "kind": "patients", "dry_run": False, "rows": 3, "created": 3, "saved": True, "errors": [],
    }  # fmt: skip
    assert Patient.objects.filter(clinic=clinic).count() == 3


def test_a_large_dry_run_saves_nothing(owner, clinic):
    response = send_csv(owner)
    assert response.status_code == 202
    followed = follow(owner, response)
    assert (followed["status"], followed["dry_run"], followed["result"]["created"]) == ("done", True, 3)
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_one_bad_row_fails_the_run_names_the_row_and_saves_nothing(owner, clinic):
    response = send_csv(owner, CSV + b",Nowicka,1979-11-02\n", dry_run="false")
    followed = follow(owner, response)
    assert followed["status"] == "failed"
    assert followed["result"]["errors"] == [
        {"row": 5, "column": "First", "message": "This value is required."}
    ]
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_a_small_file_still_answers_in_the_request(owner):
    response = send_csv(owner, b"First,Last,DOB\nZofia,Kowalska,1985-03-14\n")
    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert not ImportRun.objects.exists()


def test_a_large_file_with_a_bad_mapping_is_refused_at_once(owner):
    response = send_csv(owner, b"X,Y\n1,2\n3,4\n5,6\n")
    assert response.status_code == 400
    assert "Choose the column" in response.json()["detail"]
    assert not ImportRun.objects.exists()


def test_a_large_fhir_bundle_answers_202_and_registers_every_patient(owner, clinic):
    payload = bundle(*(patient(family=f"Kowalska{n}") for n in range(3)))
    response = testing.client_for(owner).post(
        reverse("fhir:transaction"), json.dumps(payload), content_type="application/fhir+json"
    )
    assert response.status_code == 202
    assert response["Content-Location"].endswith(response["Location"].split("testserver")[-1])
    assert response.json()["resourceType"] == "OperationOutcome"
    followed = testing.client_for(owner).get(response["Location"]).json()
    assert (followed["kind"], followed["status"], followed["result"]["created"]) == (
        "fhir-patients",
        "done",
        3,
    )
    assert Patient.objects.filter(clinic=clinic).count() == 3


def test_a_large_fhir_bundle_with_a_bad_entry_names_the_entry_and_saves_nothing(owner, clinic):
    payload = bundle(patient(family="A"), patient(family="B", birthDate="1985-13-45"), patient(family="C"))
    response = testing.client_for(owner).post(
        reverse("fhir:transaction"), json.dumps(payload), content_type="application/fhir+json"
    )
    followed = testing.client_for(owner).get(response["Location"]).json()
    assert followed["status"] == "failed"
    assert [e["row"] for e in followed["result"]["errors"]] == [1]
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_another_clinics_run_is_not_found(owner, other_clinic):
    other_owner = testing.make_staff(other_clinic, Role.OWNER, name="Odile Owner")
    response = send_csv(owner)
    page = reverse("interop:import_run", kwargs={"run_id": response.json()["id"]})
    assert testing.client_for(other_owner).get(response["Location"]).status_code == 404
    assert testing.client_for(other_owner).get(page).status_code == 404


def test_following_a_run_needs_the_import_capability(owner, receptionist):
    response = send_csv(owner)
    assert testing.client_for(receptionist).get(response["Location"]).status_code == 403


@override_settings(TASKS=HELD)
def test_a_run_not_yet_taken_is_queued_then_shows_the_workers_progress(owner, clinic):
    response = send_csv(owner)
    assert response.json()["status"] == "queued"
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRunStatus.RUNNING)
    note = services._ProgressNote(run)
    note(2)
    try:
        followed = follow(owner, response)
        assert (followed["status"], followed["processed"], followed["total"]) == ("running", 2, 3)
        page = testing.client_for(owner).get(reverse("interop:import_run", kwargs={"run_id": run.pk}))
        assert b"2 of 3 rows read" in page.content
        assert b'hx-trigger="every 3s"' in page.content
    finally:
        note.clear()


@override_settings(TASKS=HELD)
def test_a_run_whose_job_the_worker_gave_up_on_is_failed(owner, clinic):
    send_csv(owner)
    run = ImportRun.objects.get()
    Job.objects.create(
        result_id=run.job_result_id, clinic=clinic, task_path="mesoclinic.interop.services.run_import",
        queue="default", status=JobStatus.FAILED, attempts=4, max_attempts=4, enqueued_at=timezone.now(),
        last_error="Worker lost during attempt 4: no sign of life for 60 s.",
    )  # fmt: skip
    state = selectors.import_run_state(run)
    assert state.status == "failed"
    assert "nothing was saved" in state.error


@override_settings(TASKS=HELD)
def test_a_run_left_running_by_a_killed_worker_is_imported_once_when_delivered_again(owner, clinic):
    send_csv(owner, dry_run="false")
    run = ImportRun.objects.get()
    # The killed attempt's transaction was rolled back: the run says running, nothing is saved.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRunStatus.RUNNING)
    assert services.run_import.call(run.pk) == "done"
    assert services.run_import.call(run.pk) == "finished"  # a late duplicate delivery does nothing
    assert Patient.objects.filter(clinic=clinic).count() == 3
    run.refresh_from_db()
    assert not default_storage.exists(run.payload)


def test_the_import_screen_runs_a_large_file_in_the_worker_and_shows_its_report(owner, clinic):
    client = testing.client_for(owner)
    upload = services.upload_csv(
        clinic, kind="patients", filename="p.csv", data=CSV, source="csv", actor=owner.user
    )
    mapping = {"given_name": "First", "family_name": "Last", "birth_date": "DOB"}
    response = client.post(reverse("interop:mapping", kwargs={"upload_id": upload.pk}), mapping)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interop:import_run", kwargs={"run_id": run.pk})
    page = client.get(response["Location"])
    assert b"3 records will be imported" in page.content
    assert b"every 3s" not in page.content
    response = client.post(reverse("interop:run", kwargs={"upload_id": upload.pk}))
    page = client.get(response["Location"])
    assert b"3 records imported" in page.content
    upload.refresh_from_db()
    assert upload.imported_at is not None
    assert Patient.objects.filter(clinic=clinic).count() == 3
