"""GET /calendar/feeds/<token>.ics: a resource's appointments for calendar apps, no login, no patient data."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.scheduling.models import Appointment, CalendarFeedKind, WorkingHours
from mesoclinic.scheduling.selectors import SessionChoice, propose_series
from mesoclinic.scheduling.services import (
    add_room,
    book_series,
    cancel_appointment,
    create_calendar_feed,
    revoke_calendar_feed,
)
from mesoclinic.testing import make_patient, make_schedulable, make_staff, no_show
from mesoclinic.testing.scheduling import named_patient, next_monday, protocol_for_modality

pytestmark = pytest.mark.django_db


@pytest.fixture
def ep_course(clinic, setup):
    """Nina's electroporation series in Room 1 with EP-1, from next week's Monday."""
    ep = protocol_for_modality(clinic)
    sessions = propose_series(setup.location, ep, earliest=next_monday(10)).sessions
    return book_series(named_patient(clinic, "Ada", "Lovelace"), ep, setup.location, sessions, actor=None)


@pytest.fixture
def needle_course(clinic, setup):
    """Another practitioner's needle series in Room 2, the same days: in neither Nina's nor Room 1's feed."""
    other = make_staff(
        clinic, Role.PRACTITIONER, name="Otto Other", modalities=["needle"], locations=[setup.location]
    )
    for weekday in range(5):
        WorkingHours.objects.create(
            staff=other, location=setup.location, weekday=weekday, starts=time(9), ends=time(17)
        )
    room = add_room(setup.location, name="Room 2", modalities=["needle"], actor=None)
    needle = protocol_for_modality(clinic, "needle")
    first = next_monday(10)
    sessions = [
        SessionChoice(first + timedelta(days=needle.interval_days * i), other, room)
        for i in range(needle.sessions)
    ]
    return book_series(make_patient(clinic), needle, setup.location, sessions, actor=None)


def feed_url(clinic, kind, object_id):
    _, token = create_calendar_feed(clinic, kind=kind, object_id=object_id, actor=None)
    return reverse("calendar_feeds:feed", kwargs={"token": token})


def events(response):
    assert response.status_code == 200, response.content
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def uid(appointment):
    return f"appointment-{appointment.pk}@testserver"


def test_a_practitioners_feed_holds_exactly_their_appointments(
    clinic, setup, ep_course, needle_course, client
):
    found = events(client.get(feed_url(clinic, CalendarFeedKind.PRACTITIONER, setup.practitioner.pk)))
    assert set(found) == {uid(a) for a in ep_course.appointments.all()}
    first = ep_course.appointments.get(session_index=1)
    event = found[uid(first)]
    assert event.decoded("dtstart") == first.starts_at
    assert event.decoded("dtstart").tzinfo.utcoffset(None) == timedelta(0)
    assert event.decoded("dtend") == first.ends_at
    assert str(event["summary"]) == "Appointment (electroporation) · Room 1"
    assert str(event["location"]) == "Room 1, Main"


def test_room_and_device_feeds_hold_their_own_appointments(clinic, setup, ep_course, needle_course, client):
    room_2 = needle_course.appointments.first().room
    room_1_events = events(client.get(feed_url(clinic, CalendarFeedKind.ROOM, setup.room.pk)))
    assert set(room_1_events) == {uid(a) for a in ep_course.appointments.all()}
    room_2_events = events(client.get(feed_url(clinic, CalendarFeedKind.ROOM, room_2.pk)))
    assert set(room_2_events) == {uid(a) for a in needle_course.appointments.all()}
    device_events = events(client.get(feed_url(clinic, CalendarFeedKind.DEVICE, setup.device.pk)))
    assert set(device_events) == {uid(a) for a in ep_course.appointments.all()}


def test_it_carries_no_patient_data(clinic, setup, ep_course, client):
    response = client.get(feed_url(clinic, CalendarFeedKind.PRACTITIONER, setup.practitioner.pk))
    body = response.content.decode()
    patient = ep_course.patient
    for revealing in (patient.given_name, patient.family_name, "A. L.", ep_course.protocol.name):
        assert revealing not in body


def test_it_keeps_cancelled_sessions_and_no_shows_marked_cancelled_with_a_higher_sequence(
    clinic, setup, ep_course, client
):
    """A client that copied the event must learn it is off: it stays, cancelled, at a higher revision."""
    url = feed_url(clinic, CalendarFeedKind.PRACTITIONER, setup.practitioner.pk)
    second, third = (ep_course.appointments.get(session_index=n) for n in (2, 3))
    before = events(client.get(url))
    cancel_appointment(second, reason="patient has influenza", actor=None)
    no_show(third)
    found = events(client.get(url))
    assert len(found) == ep_course.sessions
    for appointment in (second, third):
        event, earlier = found[uid(appointment)], before[uid(appointment)]
        assert (str(earlier["status"]), str(event["status"])) == ("CONFIRMED", "CANCELLED")
        assert event.decoded("sequence") > earlier.decoded("sequence")
        assert str(event["transp"]) == "TRANSPARENT"
        assert str(event["summary"]).startswith("Cancelled: ")
    assert (
        "influenza" not in client.get(url).content.decode()
    )  # the reason is the patient's, not the calendar's


def test_it_shows_30_days_back_and_365_days_ahead(clinic, setup, ep_course, client):
    now = timezone.now().replace(second=0, microsecond=0)
    first, second, third = (ep_course.appointments.get(session_index=n) for n in (1, 2, 3))
    length = first.blocked_until - first.starts_at
    # Test-only moves of stored rows to the edges of the window (the services never write the past).
    for appointment, start in (
        (first, now - timedelta(days=31)),
        (second, now - timedelta(days=29)),
        (third, now + timedelta(days=366)),
    ):
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=start, ends_at=start + timedelta(minutes=30), blocked_until=start + length
        )
    found = events(client.get(feed_url(clinic, CalendarFeedKind.PRACTITIONER, setup.practitioner.pk)))
    assert uid(second) in found
    assert uid(first) not in found and uid(third) not in found


def test_the_uid_is_stable_when_a_session_moves(clinic, setup, ep_course, client):
    url = feed_url(clinic, CalendarFeedKind.ROOM, setup.room.pk)
    before = events(client.get(url))
    second = ep_course.appointments.get(session_index=2)
    Appointment.objects.filter(pk=second.pk).update(
        starts_at=second.starts_at + timedelta(hours=1),
        ends_at=second.ends_at + timedelta(hours=1),
        blocked_until=second.blocked_until + timedelta(hours=1),
    )
    after = events(client.get(url))
    assert set(after) == set(before)
    assert after[uid(second)].decoded("dtstart") == second.starts_at + timedelta(hours=1)


def test_it_is_not_cached_and_is_a_calendar(clinic, setup, ep_course, client):
    response = client.get(feed_url(clinic, CalendarFeedKind.PRACTITIONER, setup.practitioner.pk))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == f"Nina Nurse · {clinic.name}"


def test_a_revoked_or_unknown_token_is_404(clinic, setup, ep_course, client):
    feed, token = create_calendar_feed(
        clinic, kind=CalendarFeedKind.ROOM, object_id=setup.room.pk, actor=None
    )
    url = reverse("calendar_feeds:feed", kwargs={"token": token})
    assert client.get(url).status_code == 200
    revoke_calendar_feed(feed, actor=None)
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendar_feeds:feed", kwargs={"token": "x" * 43})).status_code == 404
    # The stored hash is not a token: it opens nothing.
    assert client.get(reverse("calendar_feeds:feed", kwargs={"token": feed.token_hash})).status_code == 404


def test_a_practitioners_feed_stops_when_they_leave_the_clinic(clinic, setup, ep_course, client):
    url = feed_url(clinic, CalendarFeedKind.PRACTITIONER, setup.practitioner.pk)
    assert client.get(url).status_code == 200
    StaffMember.objects.filter(pk=setup.practitioner.pk).update(is_active=False)  # as leaving does
    assert client.get(url).status_code == 404


def test_it_shows_nothing_of_another_clinic(clinic, other_clinic, setup, ep_course, client):
    theirs = make_schedulable(other_clinic)
    found = events(client.get(feed_url(other_clinic, CalendarFeedKind.ROOM, theirs.room.pk)))
    assert found == {}


def test_it_only_allows_get(clinic, setup, client):
    assert client.post(feed_url(clinic, CalendarFeedKind.ROOM, setup.room.pk)).status_code == 405
