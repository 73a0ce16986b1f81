"""Photos and progress in the patient portal: staff choose which photos the patient sees (audited), the
patient sees only their own shared photos (served privately) and the progress of what those photos measured;
another patient's photo, an unshared one, or one whose consent was withdrawn is 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Modality
from mesoclinic.outcomes.services import set_photo_shared
from mesoclinic.patients.services import publish_consent_template, record_consent, withdraw_consent
from mesoclinic.portal.views import SESSION_KEY
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.outcomes import make_analysis, make_photo, wrinkles

pytestmark = pytest.mark.django_db
TAKEN = datetime(2030, 3, 2, 10, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0 not really a jpeg"


@pytest.fixture(autouse=True)
def _media(tmp_path: Path) -> Iterator[None]:
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield


def consenting(clinic, **fields):
    patient = make_patient(clinic, **fields)
    template = publish_consent_template(
        clinic,
        modality=Modality.objects.get(clinic=clinic, code="needle"),
        title="Needle",
        body="v1",
        actor=None,
    )
    consent = record_consent(patient, template=template, signed_by=patient.full_name, actor=None)
    return patient, consent


def photo_of(patient, consent, *, days=0, shared=False, wrinkle=None):
    photo = make_photo(patient, TAKEN + timedelta(days=days))
    default_storage.save(photo.image.name, ContentFile(JPEG))
    default_storage.save(photo.thumbnail.name, ContentFile(JPEG))
    photo.consent = consent
    photo.shared_with_patient = shared
    photo.save(update_fields=["consent", "shared_with_patient"])
    if wrinkle is not None:
        make_analysis(photo, wrinkles(wrinkle), method_version="test")
    return photo


def portal_session(clinic, patient) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {
        "clinic": clinic.pk,
        "patient": patient.pk,
        "until": timezone.now().timestamp() + 1800,
    }
    session.save()
    return client


def photos_url(clinic) -> str:
    return reverse("portal_photos", args=[clinic.slug])


def file_url(clinic, photo, kind="image") -> str:
    return reverse("portal_photo_file", args=[clinic.slug, photo.pk, kind])


def test_it_shares_and_unshares_a_photo_from_the_chart_with_an_audit_event(clinic, practitioner):
    patient, consent = consenting(clinic)
    photo = photo_of(patient, consent)
    client = client_for(practitioner)
    url = reverse("outcomes:share_photo", args=[photo.pk])

    assert client.post(url, {"shared": "1"}).status_code == 302
    photo.refresh_from_db()
    assert photo.shared_with_patient
    page = client.get(reverse("outcomes:patient_photos", args=[patient.pk])).content.decode()
    assert f'id="shared-{photo.pk}"' in page and "Stop showing to the patient" in page

    client.post(url, {"shared": "0"})
    photo.refresh_from_db()
    assert not photo.shared_with_patient
    events = list(
        AuditEvent.objects.filter(object_id=str(photo.pk), action__startswith="photo.")
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert events[-2:] == [("photo.share", practitioner.user.pk), ("photo.unshare", practitioner.user.pk)]


def test_it_writes_no_event_when_nothing_changes(clinic):
    patient, consent = consenting(clinic)
    photo = photo_of(patient, consent, shared=True)
    set_photo_shared(photo, shared=True, actor=None)
    assert not AuditEvent.objects.filter(action__in=["photo.share", "photo.unshare"]).exists()


def test_a_receptionist_or_another_clinic_cannot_share(clinic, receptionist, outsider):
    patient, consent = consenting(clinic)
    photo = photo_of(patient, consent)
    url = reverse("outcomes:share_photo", args=[photo.pk])
    assert client_for(receptionist).post(url, {"shared": "1"}).status_code == 403
    assert client_for(outsider).post(url, {"shared": "1"}).status_code == 404
    photo.refresh_from_db()
    assert not photo.shared_with_patient


def test_a_photo_whose_consent_was_withdrawn_cannot_be_shared_and_is_hidden_from_the_portal(clinic):
    patient, consent = consenting(clinic)
    shared = photo_of(patient, consent, shared=True)
    other = photo_of(patient, consent, days=7)
    withdraw_consent(consent, reason="Changed my mind", actor=None)
    with pytest.raises(ValidationError):
        set_photo_shared(other, shared=True, actor=None)
    client = portal_session(clinic, patient)
    assert client.get(file_url(clinic, shared)).status_code == 404
    assert 'id="no-shared-photos"' in client.get(photos_url(clinic)).content.decode()


def test_the_patient_sees_only_their_shared_photos_served_privately(clinic):
    patient, consent = consenting(clinic)
    shared = photo_of(patient, consent, shared=True)
    unshared = photo_of(patient, consent, days=7)
    client = portal_session(clinic, patient)

    page = client.get(photos_url(clinic))
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert file_url(clinic, shared, "thumbnail") in html
    assert f"/photos/{unshared.pk}/" not in html

    response = client.get(file_url(clinic, shared))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="photo.read", patient_id=patient.pk).exists()
    assert client.get(file_url(clinic, unshared)).status_code == 404
    assert client.get(file_url(clinic, shared, "overlay")).status_code == 404


def test_another_patients_shared_photo_is_404(clinic):
    patient, _consent = consenting(clinic)
    other, other_consent = consenting(clinic)
    theirs = photo_of(other, other_consent, shared=True)
    client = portal_session(clinic, patient)
    assert client.get(file_url(clinic, theirs)).status_code == 404
    assert client.get(file_url(clinic, theirs, "thumbnail")).status_code == 404
    assert f"/photos/{theirs.pk}/" not in client.get(photos_url(clinic)).content.decode()


def test_signed_in_to_another_clinic_or_signed_out_sees_no_photo(clinic, other_clinic):
    patient, consent = consenting(clinic)
    photo = photo_of(patient, consent, shared=True)
    client = portal_session(clinic, patient)
    assert client.get(file_url(other_clinic, photo)).status_code == 302  # sign in there first
    signed_out = Client().get(file_url(clinic, photo))
    assert signed_out.status_code == 302 and "/portal/" in signed_out["Location"]


def test_the_progress_chart_counts_only_the_shared_photos(clinic):
    patient, consent = consenting(clinic)
    photo_of(patient, consent, shared=True, wrinkle=4.0)
    photo_of(patient, consent, days=30, wrinkle=99.0)  # not shared: not in the chart
    photo_of(patient, consent, days=60, shared=True, wrinkle=3.0)
    html = (
        portal_session(clinic, patient)
        .get(photos_url(clinic), {"metric": "wrinkle_area_fraction"})
        .content.decode()
    )
    assert "<svg" in html and 'id="progress-data"' in html
    table = html.split('id="progress-data"')[1].split("</table>")[0]
    assert ">4<" in table and ">3<" in table and "99" not in table
    assert "Before and after" in html


def test_bad_metric_choices_fall_back_to_a_measured_one(clinic):
    patient, consent = consenting(clinic)
    photo_of(patient, consent, shared=True, wrinkle=4.0)
    response = portal_session(clinic, patient).get(photos_url(clinic), {"metric": "nope", "region": "<x>"})
    assert response.status_code == 200 and "<svg" in response.content.decode()
