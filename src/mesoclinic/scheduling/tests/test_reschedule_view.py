"""Pick to reschedule: the day's free starts for one session; choosing one moves it through the service."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.forms import encode_slot
from mesoclinic.scheduling.selectors import SessionChoice, available_starts, day_bounds
from mesoclinic.testing import checked_in, client_for, make_clinic, make_schedulable
from mesoclinic.testing.scheduling import WARSAW, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(clinic, setup):
    """Session 2 of a needle series (every 14 days ± 2): Mon 17 Mar 2031 09:00."""
    return book(clinic, setup.location).appointments.get(session_index=2)


def url(appointment):
    return reverse("scheduling:reschedule", args=[appointment.pk])


def slot(setup, when, *, room=None):
    return encode_slot(SessionChoice(start=when, practitioner=setup.practitioner, room=room or setup.room))


def test_it_requires_login(client, second):
    response = client.get(url(second))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_get_and_post(receptionist, second):
    assert client_for(receptionist).put(url(second)).status_code == 405


def test_it_refuses_an_auditor(auditor, second):
    assert client_for(auditor).get(url(second)).status_code == 403


def test_it_does_not_show_or_move_another_clinics_appointment(outsider, setup, second):
    client = client_for(outsider)
    assert client.get(url(second)).status_code == 404
    before = second.starts_at
    when = before + timedelta(hours=2)
    assert client.post(url(second), {"slot": slot(setup, when)}).status_code == 404
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_lists_the_free_starts_on_the_sessions_own_day(receptionist, second):
    response = client_for(receptionist).get(url(second))
    offers = response.context["offers"]
    assert response.status_code == 200
    assert response.context["day"] == second.starts_at.astimezone(WARSAW).date()
    starts = [o.choice.start.astimezone(WARSAW).strftime("%H:%M") for o in offers]
    assert starts[0] == "09:00" and offers[0].current  # its own time is offered, marked as current
    assert "16:15" in starts and "16:30" not in starts  # 30 min + 15 cleaning; Nina works until 17:00
    assert response.context["window"] == (date(2031, 3, 15), date(2031, 3, 19))


def test_it_lists_another_day_with_anyone_free(receptionist, second):
    response = client_for(receptionist).get(url(second), {"date": "2031-03-18", "practitioner": "any"})
    assert response.context["day"].isoformat() == "2031-03-18"
    assert response.context["offers"]
    assert response.context["window_ok"]


def test_it_moves_the_session_to_an_offered_time(receptionist, setup, second):
    when = datetime(2031, 3, 18, 11, 0, tzinfo=WARSAW)
    response = client_for(receptionist).post(url(second), {"date": "2031-03-18", "slot": slot(setup, when)})
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:appointment", args=[second.pk])
    second.refresh_from_db()
    assert second.starts_at == when
    assert AuditEvent.objects.filter(action="appointment.reschedule", object_id=str(second.pk)).exists()


def test_it_refuses_a_time_outside_the_series_tolerance_and_keeps_the_time(receptionist, setup, second):
    before = second.starts_at
    far = datetime(2031, 3, 24, 10, 0, tzinfo=WARSAW)  # 21 days after session 1; 12–16 allowed
    assert available_starts(setup.location, second.protocol, *day_bounds(setup.location, far.date()))
    response = client_for(receptionist).post(url(second), {"date": "2031-03-24", "slot": slot(setup, far)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "The appointment was not moved; nothing has changed." in body
    assert "Session 2 is 21 days after session 1; this protocol needs 12–16 days." in body
    second.refresh_from_db()
    assert second.starts_at == before
    assert not response.context["window_ok"]


def test_it_refuses_a_time_that_is_taken(clinic, receptionist, setup, second):
    other = book(clinic, setup.location, earliest=datetime(2031, 3, 18, 11, 0, tzinfo=WARSAW))
    taken = other.appointments.get(session_index=1).starts_at
    before = second.starts_at
    response = client_for(receptionist).post(url(second), {"slot": slot(setup, taken)})
    assert "is not free on" in response.content.decode()
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_refuses_rows_of_another_clinic_in_the_slot(receptionist, setup, second):
    foreign = make_schedulable(make_clinic("Other Clinic"))
    when = second.starts_at + timedelta(hours=2)
    before = second.starts_at
    response = client_for(receptionist).post(url(second), {"slot": slot(setup, when, room=foreign.room)})
    assert "That time is no longer offered" in response.content.decode()
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_asks_for_a_time_when_none_was_chosen(receptionist, second):
    response = client_for(receptionist).post(url(second), {"slot": "nonsense"})
    assert "That time could not be read" in response.content.decode()


def test_it_only_moves_booked_appointments(receptionist, setup, second):
    checked_in(second)
    page = client_for(receptionist).get(url(second))
    assert "Only a booked appointment can be moved" in page.content.decode()
    before = second.starts_at
    client_for(receptionist).post(url(second), {"slot": slot(setup, before + timedelta(hours=2))})
    second.refresh_from_db()
    assert second.starts_at == before
