"""Marking a no-show frees the time for others; it can be done only once the appointment's start has passed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(clinic):
    return book(clinic, make_schedulable(clinic).location).appointments.get(session_index=1)


def url(appointment):
    return reverse("scheduling:no_show", args=[appointment.pk])


def test_it_requires_login(client, first):
    assert client.post(url(first)).status_code == 302


def test_it_only_allows_post(receptionist, first):
    assert client_for(receptionist).get(url(first)).status_code == 405


def test_it_refuses_an_auditor(auditor, first):
    assert client_for(auditor).post(url(first)).status_code == 403


def test_it_does_not_touch_another_clinics_appointment(outsider, first):
    assert client_for(outsider).post(url(first)).status_code == 404
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_refuses_before_the_start_and_says_why(receptionist, first):
    with time_machine.travel(first.starts_at - timedelta(minutes=5), tick=False):
        response = client_for(receptionist).post(url(first), follow=True)
    assert "only after the appointment&#x27;s start" in response.content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_marks_a_no_show_and_returns_to_today(receptionist, first):
    with time_machine.travel(first.starts_at + timedelta(minutes=20), tick=False):
        response = client_for(receptionist).post(url(first), {"next": "/"})
    assert response["Location"] == "/"
    first.refresh_from_db()
    assert first.status == AppointmentStatus.NO_SHOW
    assert not first.holds_resources
