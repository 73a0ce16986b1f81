"""GET /calendar/appointments/<id>.ics: one appointment for signed-in staff, with the patient's initials."""

from __future__ import annotations

import pytest
from django.urls import reverse
from icalendar import Calendar

from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.scheduling import MONDAY, named_patient, protocol_for_modality

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(clinic):
    setup = make_schedulable(clinic)
    ep = protocol_for_modality(clinic)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    patient = named_patient(clinic, "Ada", "Lovelace")
    course = book_series(patient, ep, setup.location, sessions, actor=None)
    return course.appointments.get(session_index=1)


def url(appointment):
    return reverse("calendar_feeds:appointment_ics", kwargs={"appointment_id": appointment.pk})


def test_it_downloads_the_appointment_with_initials_only(appointment, receptionist):
    response = client_for(receptionist).get(url(appointment))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="appointment-{appointment.pk}.ics"'
    assert response["Cache-Control"] == "private, no-store"
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["uid"]) == f"appointment-{appointment.pk}@testserver"
    assert str(event["summary"]) == "Appointment (electroporation) · Room 1 · A. L."
    assert event.decoded("dtstart") == MONDAY
    assert "Lovelace" not in response.content.decode()


def test_it_hides_other_clinics_appointments(appointment, outsider):
    assert client_for(outsider).get(url(appointment)).status_code == 404


def test_it_needs_a_login_and_a_role(appointment, auditor, client):
    response = client.get(url(appointment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client_for(auditor).get(url(appointment)).status_code == 403


def test_it_only_allows_get(appointment, receptionist):
    assert client_for(receptionist).post(url(appointment)).status_code == 405
