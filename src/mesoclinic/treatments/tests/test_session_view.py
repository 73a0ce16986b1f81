"""The session record page: clinical staff only, another clinic's record is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.catalog.data_file import zone_names
from mesoclinic.testing import client_for
from mesoclinic.testing.treatments import ready_draft
from mesoclinic.treatments.services import amend_session, sign_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(clinic):
    return ready_draft(clinic)


def url(record):
    return reverse("treatments:session", args=[record.pk])


def test_it_only_allows_get(practitioner, record):
    assert client_for(practitioner).post(url(record)).status_code == 405


def test_it_hides_another_clinics_record(outsider, record):
    assert client_for(outsider).get(url(record)).status_code == 404


def test_a_receptionist_cannot_see_clinical_notes(receptionist, record):
    assert client_for(receptionist).get(url(record)).status_code == 403


def test_it_shows_the_draft_form_with_day_of_questions_and_the_map(practitioner, record):
    page = client_for(practitioner).get(url(record)).content.decode()
    assert "Is the patient pregnant" in page
    assert 'data-zone="forehead"' in page
    assert "HA-2031" in page
    assert 'name="param_depth_mm"' in page


def test_a_signed_record_shows_the_lock_and_no_edit_form(practitioner, record):
    sign_session(record, actor=practitioner.user)
    page = client_for(practitioner).get(url(record)).content.decode()
    assert "Signed by Nina Nurse" in page
    assert 'id="session-form"' not in page
    assert "Amend" in page


def test_a_signed_record_names_its_zones_in_words(practitioner, record):
    sign_session(record, actor=practitioner.user)
    page = client_for(practitioner).get(url(record)).content.decode()
    zone = record.zones.first()
    assert zone is not None
    assert zone_names()[zone.zone] in page


def test_it_names_choices_and_changes_in_words_never_by_their_codes(practitioner, record):
    page = client_for(practitioner).get(url(record)).content.decode()
    assert '<option value="point_by_point">Point by point</option>' in page
    assert ">point_by_point<" not in page and ">linear_retrograde<" not in page
    sign_session(record, actor=practitioner.user)
    amend_session(record, reason="typo", actor=practitioner.user, duration_minutes="35")
    signed = client_for(practitioner).get(url(record)).content.decode()
    assert "<dt>Technique</dt><dd>Nappage</dd>" in signed
    assert "<li>Duration (minutes): " in signed and "<li>duration_minutes" not in signed
