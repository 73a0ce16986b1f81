"""Teaching and marketing use follows the consent as it stands now: withdrawal removes photos at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.patients.models import Consent
from mesoclinic.patients.services import withdraw_consent
from mesoclinic.privacy.selectors import photos_for_use
from mesoclinic.privacy.services import record_erasure_request
from mesoclinic.privacy.tests.conftest import consent_for, photo_of
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def teaching_photo(clinic):
    patient = make_patient(clinic)
    consent_for(patient, "teaching")
    return photo_of(patient)


def test_a_photo_taken_under_a_teaching_consent_may_be_used_for_teaching_only(teaching_photo, clinic):
    assert list(photos_for_use(clinic, "teaching")) == [teaching_photo]
    assert list(photos_for_use(clinic, "marketing")) == []


def test_a_clinical_only_consent_allows_neither(clinic):
    patient = make_patient(clinic)
    consent_for(patient)
    photo_of(patient)
    assert not photos_for_use(clinic, "teaching").exists()


def test_withdrawing_the_consent_removes_the_photo_at_once(teaching_photo, clinic, owner):
    withdraw_consent(teaching_photo.consent, reason="No longer", actor=owner.user)
    assert list(photos_for_use(clinic, "teaching")) == []


def test_a_restricted_patients_photos_are_not_eligible(teaching_photo, clinic, owner):
    record_erasure_request(teaching_photo.patient, requested_by="Patient", channel="letter", actor=owner.user)
    assert list(photos_for_use(clinic, "teaching")) == []


def test_another_clinics_photos_are_never_listed(teaching_photo, other_clinic):
    assert list(photos_for_use(other_clinic, "teaching")) == []


def test_it_refuses_the_clinical_purpose(clinic):
    with pytest.raises(ValueError, match="library purpose"):
        photos_for_use(clinic, "clinical")


# The library page -----------------------------------------------------------------------------------------


def _library(purpose="teaching"):
    return f"{reverse('privacy:library')}?purpose={purpose}"


@pytest.mark.parametrize("role", ["owner", "physician"])
def test_the_library_lists_eligible_photos(teaching_photo, role, request):
    page = client_for(request.getfixturevalue(role)).get(_library()).content.decode()
    assert f'data-photo="{teaching_photo.pk}"' in page


def test_the_library_drops_a_photo_as_soon_as_its_consent_is_withdrawn(teaching_photo, physician):
    client = client_for(physician)
    assert f'data-photo="{teaching_photo.pk}"' in client.get(_library()).content.decode()
    consent = Consent.objects.get(pk=teaching_photo.consent_id)
    patient_client = client_for(physician)
    patient_client.post(
        reverse("patients:consent_withdraw", args=[consent.patient_id, consent.pk]),
        {f"withdraw-{consent.pk}-reason": "Withdrawn by phone"},
    )
    assert f'data-photo="{teaching_photo.pk}"' not in client.get(_library()).content.decode()


def test_the_marketing_tab_does_not_show_teaching_photos(teaching_photo, owner):
    assert (
        f'data-photo="{teaching_photo.pk}"'
        not in client_for(owner).get(_library("marketing")).content.decode()
    )


@pytest.mark.parametrize("role", ["practitioner", "receptionist", "auditor"])
def test_the_library_is_for_owner_and_physician(role, request):
    assert client_for(request.getfixturevalue(role)).get(_library()).status_code == 403


def test_the_library_only_allows_get(owner):
    assert client_for(owner).post(_library()).status_code == 405


def test_the_library_api(teaching_photo, owner, practitioner):
    response = client_for(owner).get("/api/v1/privacy/library?purpose=teaching")
    assert [item["id"] for item in response.json()["items"]] == [teaching_photo.pk]
    assert client_for(owner).get("/api/v1/privacy/library?purpose=clinical").status_code == 422
    assert client_for(practitioner).get("/api/v1/privacy/library").status_code == 403
