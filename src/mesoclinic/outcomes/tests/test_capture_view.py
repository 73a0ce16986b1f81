"""The Take photos page: upload through the form, errors inline with the conditions kept."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mesoclinic.outcomes.models import Photo
from mesoclinic.outcomes.tests.conftest import face_jpeg, skin_jpeg
from mesoclinic.testing import client_for, make_patient


def _url(patient):
    return reverse("outcomes:capture", args=[patient.pk])


def _post(client, patient, data, name="photo.jpg"):
    return client.post(
        _url(patient),
        {
            "view": "close_up",
            "file": SimpleUploadedFile(name, data),
            "lighting": "flash",
            "camera": "Tablet 10",
        },
    )


def test_it_shows_the_capture_guide(patient, practitioner):
    body = client_for(practitioner).get(_url(patient)).content.decode()
    assert 'capture="user"' in body
    assert 'accept="image/*"' in body
    assert reverse("outcomes:precheck", args=[patient.pk]) in body


def test_it_saves_the_photo(patient, practitioner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client_for(practitioner), patient, skin_jpeg())
    assert response.status_code == 302
    photo = Photo.objects.get()
    photo.refresh_from_db()
    assert photo.conditions["camera"] == "Tablet 10"
    assert photo.uploaded_by == practitioner.user
    assert photo.analysis.status == "done"


def test_it_shows_a_bad_file_inline_and_keeps_the_conditions(patient, practitioner):
    response = _post(client_for(practitioner), patient, b"#!/bin/sh\nrm -rf /\n", "evil.jpg")
    assert response.status_code == 422
    body = response.content.decode()
    assert "not an image file" in body
    assert 'value="Tablet 10"' in body
    assert not Photo.objects.exists()


def test_it_says_when_consent_is_missing(clinic, practitioner):
    patient = make_patient(clinic)
    response = _post(client_for(practitioner), patient, skin_jpeg())
    assert response.status_code == 422
    assert "consent" in response.content.decode()


def test_it_refuses_the_receptionist(patient, receptionist):
    assert client_for(receptionist).get(_url(patient)).status_code == 403


def test_it_404s_for_another_clinics_patient(other_clinic, practitioner):
    assert client_for(practitioner).get(_url(make_patient(other_clinic))).status_code == 404


def test_it_only_allows_get_and_post(patient, practitioner):
    assert client_for(practitioner).put(_url(patient)).status_code == 405


def test_the_session_records_take_photos_link_links_the_photo_to_that_session(
    clinic, practitioner, django_capture_on_commit_callbacks
):
    from mesoclinic.testing.treatments import ready_draft  # noqa: PLC0415

    record = ready_draft(clinic)
    client = client_for(practitioner)
    page = client.get(reverse("treatments:session", args=[record.pk])).content.decode()
    link = f"{_url(record.patient)}?session={record.pk}"
    assert f'href="{link}"' in page and "Take photos" in page
    capture = client.get(link).content.decode()
    assert "For the session of" in capture
    assert reverse("treatments:session", args=[record.pk]) in capture
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            link, {"view": "close_up", "file": SimpleUploadedFile("p.jpg", skin_jpeg()), "lighting": "flash"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Photo.objects.get().session == record


def test_another_patients_session_is_not_found(patient, practitioner, clinic):
    from mesoclinic.testing.treatments import ready_draft  # noqa: PLC0415

    record = ready_draft(clinic)
    response = client_for(practitioner).get(f"{_url(patient)}?session={record.pk}")
    assert response.status_code == 404


def test_after_a_sessions_front_view_the_page_offers_the_next_view_still_linked(clinic, practitioner):
    from mesoclinic.testing.treatments import ready_draft  # noqa: PLC0415

    record = ready_draft(clinic)
    link = f"{_url(record.patient)}?session={record.pk}"
    response = client_for(practitioner).post(
        link, {"view": "front", "file": SimpleUploadedFile("f.jpg", face_jpeg()), "lighting": "flash"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"{_url(record.patient)}?session={record.pk}&view=left_45"
    page = client_for(practitioner).get(response["Location"]).content.decode()
    assert re.search(r'value="left_45"[^>]*checked', page)
