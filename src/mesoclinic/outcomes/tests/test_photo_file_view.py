"""Serving photo files: only after the access check, never cached, full views audited."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, give_consent, skin_jpeg
from mesoclinic.testing import client_for, make_patient


@pytest.fixture
def photo(patient):
    photo = upload_photo(
        patient, io.BytesIO(skin_jpeg()), view="close_up", taken_at=TAKEN, conditions={}, actor=None
    )
    analyze_photo.enqueue(photo.pk)
    return photo


def _url(photo, kind="image"):
    return reverse("outcomes:photo_file", args=[photo.pk, kind])


def test_it_streams_the_image_with_no_store(photo, practitioner):
    response = client_for(practitioner).get(_url(photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize("kind", ["image", "thumbnail"])
def test_it_audits_every_file_served(photo, physician, kind):
    client_for(physician).get(_url(photo, kind))
    event = AuditEvent.objects.get(action="photo.read")
    assert event.actor == physician.user
    assert event.object_id == str(photo.pk)
    assert event.patient_id == photo.patient_id


def test_it_serves_an_overlay_as_png(photo, owner):
    response = client_for(owner).get(_url(photo, "spots"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_it_404s_for_an_unknown_kind(photo, owner):
    assert client_for(owner).get(_url(photo, "secrets")).status_code == 404


@pytest.mark.parametrize("role", ["receptionist", "auditor"])
def test_it_refuses_roles_without_photos(photo, role, request):
    response = client_for(request.getfixturevalue(role)).get(_url(photo))
    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="photo.read").exists()


def test_it_404s_for_another_clinics_photo(other_clinic, outsider, practitioner):
    foreign = make_patient(other_clinic)
    give_consent(foreign)
    photo = upload_photo(
        foreign, io.BytesIO(skin_jpeg()), view="close_up", taken_at=TAKEN, conditions={}, actor=None
    )
    assert client_for(practitioner).get(_url(photo)).status_code == 404
    assert client_for(outsider).get(_url(photo)).status_code == 200


def test_it_only_allows_get(photo, owner):
    assert client_for(owner).post(_url(photo)).status_code == 405


def test_the_model_never_exposes_a_media_url_in_pages(photo, owner):
    body = client_for(owner).get(reverse("outcomes:patient_photos", args=[photo.patient_id])).content.decode()
    assert "/media/" not in body
    assert _url(photo, "thumbnail") in body
