"""The reports API: a patient's progress series and the cohort outcomes, as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.outcomes import make_analysed_photo, wrinkles
from mesoclinic.testing.scheduling import make_completed_course

pytestmark = pytest.mark.django_db
START = datetime(2026, 1, 10, 9, tzinfo=UTC)


def treat(clinic, practitioner, *, modality, after, baseline=0.050):
    patient = make_patient(clinic)
    make_analysed_photo(patient, START - timedelta(days=1), wrinkles(baseline))
    make_completed_course(patient, practitioner, START, modality=modality)
    make_analysed_photo(patient, START + timedelta(days=170), wrinkles(after))
    return patient


def test_it_gives_a_patients_progress_with_the_change(clinic, practitioner):
    patient = treat(clinic, practitioner, modality="needle", after=0.030)
    response = client_for(practitioner).get(f"/api/v1/reports/patients/{patient.pk}/progress")
    assert response.status_code == 200
    body = response.json()
    assert body["region"] == "forehead"
    assert [m["value"] for m in body["measurements"]] == [0.05, 0.03]
    assert round(body["change"]["percent"], 1) == -40.0
    assert body["beyond_repeatability"] is True


def test_it_refuses_an_unknown_metric(clinic, practitioner):
    patient = make_patient(clinic)
    response = client_for(practitioner).get(
        f"/api/v1/reports/patients/{patient.pk}/progress", {"metric": "beauty"}
    )
    assert response.status_code == 422
    assert "metric" in response.json()["errors"]


def test_it_hides_another_clinics_patient(clinic, outsider):
    patient = make_patient(clinic)
    assert client_for(outsider).get(f"/api/v1/reports/patients/{patient.pk}/progress").status_code == 404


def test_the_front_desk_sees_no_progress(clinic, receptionist):
    patient = make_patient(clinic)
    assert client_for(receptionist).get(f"/api/v1/reports/patients/{patient.pk}/progress").status_code == 403


def test_it_compares_needle_with_needle_free(clinic, owner, practitioner):
    for after in (0.040, 0.041, 0.042):
        treat(clinic, practitioner, modality="needle", after=after)
    treat(clinic, practitioner, modality="electroporation", after=0.049)
    body = client_for(owner).get("/api/v1/reports/outcomes").json()
    needle = next(g for g in body["by_delivery"] if g["label"] == "Needle")
    assert needle["summary"]["n"] == 3
    assert round(needle["summary"]["mean"], 1) == -18.0
    assert round(needle["summary"]["ci_low"], 2) == -22.97
    free = next(g for g in body["by_delivery"] if g["label"] == "Needle-free")
    assert free["summary"]["ci_low"] is None  # one course: no interval
    assert body["courses"] == 4


def test_a_practitioner_cannot_read_clinic_outcomes(practitioner):
    assert client_for(practitioner).get("/api/v1/reports/outcomes").status_code == 403


def test_it_refuses_a_silly_window(owner):
    assert client_for(owner).get("/api/v1/reports/outcomes", {"months": 0}).status_code == 422
