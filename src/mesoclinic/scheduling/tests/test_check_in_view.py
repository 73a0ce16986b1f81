"""Checking a patient in: one click on Today (htmx swaps the row) or a plain form post, on the day only.

The tests run on the morning of the appointment (Monday 3 March 2031, 8:00 in Warsaw) unless they travel.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.scheduling.services import check_in
from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.scheduling import MONDAY, book

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _on_the_morning_of_the_appointment():
    with time_machine.travel(MONDAY - timedelta(hours=1), tick=True):
        yield


@pytest.fixture
def first(clinic):
    return book(clinic, make_schedulable(clinic).location).appointments.get(session_index=1)


def url(appointment):
    return reverse("scheduling:check_in", args=[appointment.pk])


def test_it_requires_login(client, first):
    response = client.post(url(first))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_post(receptionist, first):
    assert client_for(receptionist).get(url(first)).status_code == 405


def test_it_refuses_an_auditor(auditor, first):
    assert client_for(auditor).post(url(first)).status_code == 403
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_does_not_touch_another_clinics_appointment(outsider, first):
    assert client_for(outsider).post(url(first)).status_code == 404
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_lets_the_receptionist_check_a_patient_in(receptionist, first):
    response = client_for(receptionist).post(url(first), {"next": "/?location=1"})
    assert response.status_code == 302
    assert response["Location"] == "/?location=1"
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CHECKED_IN


def test_it_goes_back_to_the_appointment_rather_than_another_site(receptionist, first):
    response = client_for(receptionist).post(url(first), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("scheduling:appointment", args=[first.pk])


def test_it_answers_htmx_with_the_updated_row(receptionist, first):
    response = client_for(receptionist).post(url(first), {"next": "/"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="appt-{first.pk}"')
    assert "<html" not in body
    assert "Checked in" in body
    assert url(first) not in body  # no second check-in button
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CHECKED_IN


def test_it_explains_in_the_row_when_the_patient_is_already_checked_in(receptionist, first):
    check_in(first, actor=None)
    response = client_for(receptionist).post(url(first), **HTMX)
    assert "A checked-in appointment cannot be checked in." in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_it_explains_a_refusal_after_a_plain_post(receptionist, first):
    check_in(first, actor=None)
    response = client_for(receptionist).post(url(first), follow=True)
    assert "A checked-in appointment cannot be checked in." in response.content.decode()


def test_a_check_in_tells_todays_counters_to_refresh_and_a_refusal_does_not(receptionist, first):
    with time_machine.travel(first.starts_at, tick=False):
        client = client_for(receptionist)
        done = client.post(url(first), {"next": "/"}, **HTMX)
        refused = client.post(url(first), {"next": "/"}, **HTMX)
    assert done["HX-Trigger"] == "today-changed"
    assert "HX-Trigger" not in refused


@pytest.mark.parametrize("days", [-1, 1])
def test_it_refuses_on_another_day_and_says_which_day(receptionist, first, days):
    with time_machine.travel(first.starts_at + timedelta(days=days), tick=False):
        response = client_for(receptionist).post(url(first), follow=True)
    assert "only on the day of the appointment (Mon 3 Mar 2031)" in response.content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_refuses_in_the_today_row_on_another_day(receptionist, first):
    with time_machine.travel(first.starts_at - timedelta(days=1), tick=False):
        response = client_for(receptionist).post(url(first), **HTMX)
    body = response.content.decode()
    assert "only on the day of the appointment" in body and 'role="alert"' in body
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED
