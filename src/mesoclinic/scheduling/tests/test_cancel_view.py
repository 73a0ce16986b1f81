"""Cancelling needs a reason, kept with the appointment; the time is freed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.testing import client_for, make_schedulable, treated_elsewhere
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(clinic):
    return book(clinic, make_schedulable(clinic).location).appointments.get(session_index=1)


def url(appointment):
    return reverse("scheduling:cancel", args=[appointment.pk])


def test_it_requires_login(client, first):
    assert client.post(url(first), {"reason": "x"}).status_code == 302


def test_it_only_allows_post(receptionist, first):
    assert client_for(receptionist).get(url(first)).status_code == 405


def test_it_refuses_an_auditor(auditor, first):
    assert client_for(auditor).post(url(first), {"reason": "x"}).status_code == 403


def test_it_does_not_touch_another_clinics_appointment(outsider, first):
    assert client_for(outsider).post(url(first), {"reason": "x"}).status_code == 404
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_cancels_with_the_reason(receptionist, first):
    response = client_for(receptionist).post(url(first), {"reason": "Patient called: flu"})
    assert response["Location"] == reverse("scheduling:appointment", args=[first.pk])
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED
    assert first.cancel_reason == "Patient called: flu"


def test_it_asks_for_a_reason_and_changes_nothing_without_one(receptionist, first):
    response = client_for(receptionist).post(url(first), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the appointment is cancelled" in response.content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_explains_why_a_completed_session_cannot_be_cancelled(receptionist, physician, first):
    treated_elsewhere(first, physician)
    response = client_for(receptionist).post(url(first), {"reason": "Changed mind"}, follow=True)
    assert "A completed appointment cannot be cancelled." in response.content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.COMPLETED
