"""Drag to move: the calendar posts the slot a block was dropped on; the move goes through the same service
and checks as "pick to reschedule", and the answer is JSON for the calendar's script."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.forms import encode_slot
from mesoclinic.scheduling.selectors import SLOT_MINUTES, SessionChoice
from mesoclinic.scheduling.services import add_room
from mesoclinic.testing import checked_in, client_for, make_clinic, make_schedulable
from mesoclinic.testing.scheduling import WARSAW, book

pytestmark = pytest.mark.django_db
REFUSED = "The appointment was not moved; nothing has changed."


@pytest.fixture
def second(clinic, setup):
    """Session 2 of a needle series (every 14 days ± 2): Mon 17 Mar 2031 09:00 with Nina in Room 1."""
    return book(clinic, setup.location).appointments.get(session_index=2)


def url(appointment):
    return reverse("scheduling:move", args=[appointment.pk])


def slot(setup, when, *, room=None, practitioner=None):
    return encode_slot(
        SessionChoice(start=when, practitioner=practitioner or setup.practitioner, room=room or setup.room)
    )


def move(staff, appointment, token):
    return client_for(staff).post(url(appointment), {"slot": token}, headers={"accept": "application/json"})


def test_it_requires_login(client, setup, second):
    response = client.post(url(second), {"slot": slot(setup, second.starts_at + timedelta(hours=2))})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_post(receptionist, second):
    assert client_for(receptionist).get(url(second)).status_code == 405


def test_it_refuses_a_role_without_book(auditor, setup, second):
    before = second.starts_at
    assert move(auditor, second, slot(setup, before + timedelta(hours=2))).status_code == 403
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_does_not_move_another_clinics_appointment(outsider, setup, second):
    before = second.starts_at
    assert move(outsider, second, slot(setup, before + timedelta(hours=2))).status_code == 404
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_moves_the_appointment_to_the_dropped_time(receptionist, setup, second):
    when = datetime(2031, 3, 17, 11, 15, tzinfo=WARSAW)
    response = move(receptionist, second, slot(setup, when))
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    second.refresh_from_db()
    assert second.starts_at == when
    assert second.ends_at == when + timedelta(minutes=30)
    assert (second.practitioner, second.room, second.device) == (setup.practitioner, setup.room, None)
    assert AuditEvent.objects.filter(action="appointment.reschedule", object_id=str(second.pk)).exists()


def test_it_leaves_the_success_message_for_the_reloaded_calendar(receptionist, setup, second):
    client = client_for(receptionist)
    client.post(url(second), {"slot": slot(setup, datetime(2031, 3, 17, 11, 15, tzinfo=WARSAW))})
    page = client.get(reverse("scheduling:calendar"), {"location": setup.location.pk, "date": "2031-03-17"})
    assert (
        "Moved from Mon 17 Mar 2031, 09:00 to Mon 17 Mar 2031, 11:15 with Nina Nurse."
        in page.content.decode()
    )


def test_it_moves_it_into_another_rooms_column_keeping_the_practitioner(receptionist, setup, second):
    room = add_room(setup.location, name="Room 2", modalities=["needle"], actor=None)
    response = move(receptionist, second, slot(setup, second.starts_at, room=room))
    assert response.status_code == 200
    second.refresh_from_db()
    assert (second.room, second.practitioner) == (room, setup.practitioner)
    assert second.starts_at == datetime(2031, 3, 17, 9, 0, tzinfo=WARSAW)


def test_it_refuses_a_time_that_is_taken_and_keeps_the_appointment(clinic, receptionist, setup, second):
    other = book(clinic, setup.location, earliest=datetime(2031, 3, 17, 11, 0, tzinfo=WARSAW))
    taken = other.appointments.get(session_index=1).starts_at
    before = second.starts_at
    response = move(receptionist, second, slot(setup, taken + timedelta(minutes=SLOT_MINUTES)))
    answer = response.json()
    assert response.status_code == 409
    assert answer["ok"] is False
    assert answer["summary"] == REFUSED
    assert "Nina Nurse is not free on Mon 17 Mar 2031 11:15" in answer["error"]
    second.refresh_from_db()
    assert second.starts_at == before
    assert not AuditEvent.objects.filter(action="appointment.reschedule", object_id=str(second.pk)).exists()


def test_it_refuses_a_day_outside_the_series_tolerance(receptionist, setup, second):
    before = second.starts_at
    response = move(receptionist, second, slot(setup, datetime(2031, 3, 24, 10, 0, tzinfo=WARSAW)))
    assert response.status_code == 409
    assert response.json()["error"] == "Session 2 is 21 days after session 1; this protocol needs 12–16 days."
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_refuses_a_time_that_has_passed(receptionist, setup, second):
    past = (timezone.now() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    before = second.starts_at
    response = move(receptionist, second, slot(setup, past))
    assert response.status_code == 409
    assert response.json()["error"] == "That time has passed; choose a later one."
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_refuses_rows_of_another_clinic_in_the_slot(receptionist, setup, second):
    foreign = make_schedulable(make_clinic("Other Clinic"))
    before = second.starts_at
    response = move(receptionist, second, slot(setup, before, room=foreign.room))
    assert response.status_code == 409
    assert response.json()["error"] == "That time is no longer offered; choose another one."
    second.refresh_from_db()
    assert second.room == setup.room


def test_it_answers_400_to_an_unreadable_slot(receptionist, second):
    response = move(receptionist, second, "nonsense")
    assert response.status_code == 400
    assert response.json()["error"] == "That time could not be read; choose one of the free times."


def test_it_only_moves_booked_appointments(receptionist, setup, second):
    checked_in(second)
    before = second.starts_at
    response = move(receptionist, second, slot(setup, before + timedelta(hours=2)))
    assert response.status_code == 409
    assert response.json()["error"] == "Only a booked appointment can be moved."
    second.refresh_from_db()
    assert second.starts_at == before
