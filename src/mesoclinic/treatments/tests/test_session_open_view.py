"""Opening the session record from the appointment page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.testing import client_for
from mesoclinic.testing.treatments import first_appointment
from mesoclinic.treatments.models import SessionRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(clinic):
    return first_appointment(clinic)


def url(appointment):
    return reverse("treatments:open", args=[appointment.pk])


def test_it_only_allows_post(practitioner, appointment):
    assert client_for(practitioner).get(url(appointment)).status_code == 405


def test_it_does_not_touch_another_clinics_appointment(outsider, appointment):
    assert client_for(outsider).post(url(appointment)).status_code == 404


def test_a_receptionist_may_not_open_a_record(receptionist, appointment):
    assert client_for(receptionist).post(url(appointment)).status_code == 403


def test_it_opens_the_draft_and_goes_to_it(practitioner, appointment):
    response = client_for(practitioner).post(url(appointment))
    record = SessionRecord.objects.get(appointment=appointment)
    assert response["Location"] == reverse("treatments:session", args=[record.pk])


def test_the_appointment_page_offers_it(practitioner, appointment):
    page = (
        client_for(practitioner)
        .get(reverse("scheduling:appointment", args=[appointment.pk]))
        .content.decode()
    )
    assert url(appointment) in page
