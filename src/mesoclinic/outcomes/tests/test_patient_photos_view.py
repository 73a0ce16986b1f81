"""The chart's Photos tab as CSV: the patient's photos and their analysis state, audited, access-checked."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.outcomes.services import upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, give_consent, skin_jpeg
from mesoclinic.testing import client_for, csv_rows, make_patient


@pytest.fixture
def photo(patient):
    return upload_photo(
        patient, io.BytesIO(skin_jpeg()), view="close_up", taken_at=TAKEN, conditions={}, actor=None
    )


def _url(patient):
    return reverse("outcomes:patient_photos", args=[patient.pk])


def test_it_exports_the_patients_photos_as_csv(photo, practitioner, clinic):
    other = make_patient(clinic)
    give_consent(other)
    upload_photo(other, io.BytesIO(skin_jpeg(1)), view="close_up", taken_at=TAKEN, conditions={}, actor=None)
    rows = csv_rows(client_for(practitioner).get(_url(photo.patient), {"format": "csv"}))
    assert rows[0][:3] == ["photo_id", "taken_at", "view"]
    (row,) = rows[1:]
    assert (row[0], row[1], row[2]) == (str(photo.pk), "2026-03-02T11:00:00+01:00", "close_up")
    assert "/media/" not in ",".join(row)
    export = AuditEvent.objects.get(action="export")
    assert (export.object_id, export.data["list"]) == (str(photo.patient_id), "photos")


def test_the_tab_links_its_csv(photo, practitioner):
    assert 'href="?format=csv"' in client_for(practitioner).get(_url(photo.patient)).text


def test_its_csv_is_refused_without_photo_rights_and_across_clinics(photo, receptionist, outsider):
    assert client_for(receptionist).get(_url(photo.patient), {"format": "csv"}).status_code == 403
    assert client_for(outsider).get(_url(photo.patient), {"format": "csv"}).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
