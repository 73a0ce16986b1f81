"""The patient export: one streamed ZIP with patient.json, the photo files and a README; audited."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.outcomes.models import Photo
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db


def _zip(response) -> zipfile.ZipFile:
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _url(patient):
    return reverse("privacy:export", args=[patient.pk])


@pytest.mark.parametrize("role", ["owner", "physician"])
def test_it_streams_the_whole_record_as_one_zip(treated, role, request):
    response = client_for(request.getfixturevalue(role)).get(_url(treated))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="patient-{treated.pk}-export.zip"'
    assert response["Cache-Control"] == "private, no-store"
    archive = _zip(response)
    names = set(archive.namelist())
    assert {"README.txt", "patient.json"} <= names
    data = json.loads(archive.read("patient.json"))
    assert data["schema"] == "mesoclinic-patient-export/1"
    assert data["patient"]["family_name"] == treated.family_name
    assert data["medical_history"]["current"]["conditions"] == ["diabetes_uncontrolled"]
    assert len(data["medical_history"]["versions"]) == 2
    [session] = data["sessions"]
    assert session["products"][0]["lot_number"]
    [event] = data["adverse_events"]
    assert event["session_ids"] == [session["id"]] and len(event["follow_ups"]) == 1
    assert data["consents"][0]["photo_use"] == ["clinical", "teaching"]
    assert len(data["photos"]) == 2


def test_it_is_streamed_in_pieces(treated, owner):
    chunks = [chunk for chunk in client_for(owner).get(_url(treated)).streaming_content if chunk]
    assert len(chunks) > 2  # the record, then each photo as it is read


def test_the_photo_files_are_the_stored_bytes(treated, owner):
    archive = _zip(client_for(owner).get(_url(treated)))
    data = json.loads(archive.read("patient.json"))
    for entry in data["photos"]:
        photo = Photo.objects.get(pk=entry["id"])
        content = archive.read(entry["file"])
        assert hashlib.sha256(content).hexdigest() == photo.sha256 == entry["sha256"]


def test_it_is_audited_as_an_export(treated, physician):
    client_for(physician).get(_url(treated))
    event = AuditEvent.objects.get(action="patient.export")
    assert (event.actor, event.object_id, event.data) == (physician.user, str(treated.pk), {"channel": "web"})


@pytest.mark.parametrize("role", ["practitioner", "receptionist", "auditor"])
def test_other_roles_may_not_export(treated, role, request):
    assert client_for(request.getfixturevalue(role)).get(_url(treated)).status_code == 403
    assert not AuditEvent.objects.filter(action="patient.export").exists()


def test_it_404s_for_another_clinics_patient(other_clinic, owner):
    assert client_for(owner).get(_url(make_patient(other_clinic))).status_code == 404


def test_it_only_allows_get(treated, owner):
    assert client_for(owner).post(_url(treated)).status_code == 405


def test_the_api_streams_the_same_archive(treated, owner):
    response = client_for(owner).get(f"/api/v1/privacy/patients/{treated.pk}/export")
    assert response.status_code == 200
    assert "patient.json" in _zip(response).namelist()
    assert AuditEvent.objects.get(action="patient.export").data == {"channel": "api"}


def test_the_api_refuses_a_practitioner(treated, practitioner):
    assert client_for(practitioner).get(f"/api/v1/privacy/patients/{treated.pk}/export").status_code == 403


def test_the_chart_offers_export_to_those_who_may(treated, owner, practitioner):
    chart = reverse("patients:detail", args=[treated.pk])
    assert _url(treated) in client_for(owner).get(chart).content.decode()
    assert _url(treated) not in client_for(practitioner).get(chart).content.decode()
