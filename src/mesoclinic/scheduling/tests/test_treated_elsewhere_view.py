"""A physician completes a visit that has no session record here ("treated elsewhere / recorded on paper"),
with a reason. It is the only way to complete a visit besides signing its session record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.testing import client_for, make_schedulable, make_staff
from mesoclinic.testing.scheduling import MONDAY, book

pytestmark = pytest.mark.django_db
REASON = "Treated at our partner clinic; its paper record is scanned into the chart."


@pytest.fixture(autouse=True)
def _after_the_first_session():
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=True):
        yield


@pytest.fixture
def first(clinic):
    with time_machine.travel(MONDAY - timedelta(days=7)):
        return book(clinic, make_schedulable(clinic).location).appointments.get(session_index=1)


def url(appointment):
    return reverse("scheduling:treated_elsewhere", args=[appointment.pk])


def test_it_requires_login(client, first):
    assert client.post(url(first), {"reason": REASON}).status_code == 302


def test_it_only_allows_post(physician, first):
    assert client_for(physician).get(url(first)).status_code == 405


@pytest.mark.parametrize("persona", ["receptionist", "practitioner", "owner", "auditor"])
def test_it_is_for_physicians_only(request, persona, first):
    member = request.getfixturevalue(persona)
    assert client_for(member).post(url(first), {"reason": REASON}).status_code == 403
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_does_not_touch_another_clinics_appointment(other_clinic, first):
    stranger = make_staff(other_clinic, "physician", name="Dr Other")
    assert client_for(stranger).post(url(first), {"reason": REASON}).status_code == 404
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_completes_the_visit_with_the_reason_audited(physician, first):
    response = client_for(physician).post(url(first), {"reason": REASON}, follow=True)
    body = response.content.decode()
    assert "is recorded as treated elsewhere / on paper" in body
    first.refresh_from_db()
    assert (first.status, first.completion, first.completion_reason) == ("completed", "elsewhere", REASON)
    event = AuditEvent.objects.get(action="appointment.completed", object_id=str(first.pk))
    assert event.actor == physician.user and event.data["reason"] == REASON


def test_it_asks_for_the_reason_and_keeps_the_visit_open(physician, first):
    response = client_for(physician).post(url(first), {"reason": "  "})
    assert response.status_code == 422
    assert "Say why the visit has no session record" in response.content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_refuses_a_visit_whose_day_has_not_come(physician, first):
    second = first.course.appointments.get(session_index=2)
    response = client_for(physician).post(url(second), {"reason": REASON}, follow=True)
    assert "cannot be completed before its day" in response.content.decode()
    second.refresh_from_db()
    assert second.status == AppointmentStatus.BOOKED
