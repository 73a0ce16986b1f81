"""Every ``.ics`` and feed the demo clinic serves, read by an independent parser (vobject, not icalendar).

What clients rely on: each file parses; times are UTC and land on the clinic's local time across a DST
change; the refresh hints are ISO 8601 durations (``PT1H``); a change raises ``SEQUENCE`` and a
cancellation stays in the feed as ``STATUS:CANCELLED`` (docs/calendar-feeds.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.urls import reverse

from mesoclinic.accounts.models import StaffMember
from mesoclinic.scheduling.models import Appointment, CalendarFeedKind, Device, Room
from mesoclinic.scheduling.selectors import available_starts, day_bounds, practitioners_for_clinic
from mesoclinic.scheduling.services import cancel_appointment, create_calendar_feed, reschedule_appointment
from mesoclinic.testing import client_for

# One worker builds the demo for all its readers (once for the whole group, see the root conftest; `--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

DEMO_DAY = datetime(2026, 11, 25, 9, tzinfo=UTC)  # the root conftest's: the demo is loaded then
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture
def demo(demo_clinic):
    """The demo clinic, loaded on ``DEMO_DAY`` (built once for the demo group, see the root conftest)."""
    return demo_clinic


def parse(response) -> vobject.base.Component:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return vobject.readOne(response.content.decode("utf-8"))


def vevents(calendar) -> dict[str, vobject.base.Component]:
    return {event.uid.value: event for event in calendar.contents.get("vevent", [])}


def owner_of(clinic):
    return StaffMember.objects.filter(clinic=clinic, role="owner").order_by("pk").first()


def feed_urls(clinic):
    kinds = (
        (CalendarFeedKind.PRACTITIONER, practitioners_for_clinic(clinic.pk)),
        (CalendarFeedKind.ROOM, Room.objects.filter(clinic=clinic)),
        (CalendarFeedKind.DEVICE, Device.objects.filter(clinic=clinic)),
    )
    for kind, objects in kinds:
        for obj in objects.order_by("pk"):
            _, token = create_calendar_feed(clinic, kind=kind, object_id=obj.pk, actor=None)
            yield reverse("calendar_feeds:feed", kwargs={"token": token})


def assert_well_formed(calendar) -> None:
    assert calendar.version.value == "2.0"
    assert calendar.prodid.value
    assert calendar.contents["x-published-ttl"][0].value == "PT1H"
    refresh = calendar.contents["refresh-interval"][0]
    assert (refresh.value, refresh.params["VALUE"]) == ("PT1H", ["DURATION"])
    assert vobject.icalendar.stringToDurations("PT1H") == [timedelta(hours=1)]
    for event in calendar.contents.get("vevent", []):
        for name in ("uid", "dtstamp", "dtstart", "dtend", "summary", "sequence", "status"):
            assert name in event.contents, (name, event.uid.value)
        assert event.dtstart.value.utcoffset() == timedelta(0)
        assert event.dtend.value > event.dtstart.value
        assert int(event.sequence.value) >= 0
        assert event.status.value in {"CONFIRMED", "CANCELLED"}


def test_every_appointments_ics_parses_in_vobject(demo):
    client = client_for(owner_of(demo))
    appointments = Appointment.objects.filter(clinic=demo).order_by("pk")
    assert appointments.count() > 20
    for appointment in appointments:
        calendar = parse(client.get(reverse("calendar_feeds:appointment_ics", args=[appointment.pk])))
        assert_well_formed(calendar)
        (event,) = calendar.contents["vevent"]
        assert event.dtstart.value == appointment.starts_at
        assert event.dtend.value == appointment.ends_at


def test_every_feed_of_every_practitioner_room_and_device_parses_in_vobject(demo, client):
    count = 0
    with time_machine.travel(DEMO_DAY, tick=True):
        for url in feed_urls(demo):
            calendar = parse(client.get(url))
            assert_well_formed(calendar)
            count += len(calendar.contents.get("vevent", []))
    assert count > 0


def test_times_land_on_the_clinics_local_time_on_both_sides_of_a_dst_change(demo):
    """UTC in the file; Warsaw's 10:00 stays 10:00 whether the day is in summer or winter time."""
    client = client_for(owner_of(demo))
    seen = set()
    for appointment in Appointment.objects.filter(clinic=demo).order_by("starts_at"):
        local = appointment.starts_at.astimezone(WARSAW)
        calendar = parse(client.get(reverse("calendar_feeds:appointment_ics", args=[appointment.pk])))
        parsed = calendar.vevent.dtstart.value.astimezone(WARSAW)
        assert (parsed.date(), parsed.time()) == (local.date(), local.time())
        seen.add(local.utcoffset())
    assert seen == {timedelta(hours=1), timedelta(hours=2)}  # the demo spans winter and summer time


def test_a_cancelled_appointment_stays_in_its_feed_cancelled_with_a_higher_sequence(demo, client):
    appointment = Appointment.objects.filter(clinic=demo, status="booked").order_by("starts_at").first()
    _, token = create_calendar_feed(
        demo, kind=CalendarFeedKind.PRACTITIONER, object_id=appointment.practitioner_id, actor=None
    )
    url = reverse("calendar_feeds:feed", kwargs={"token": token})
    uid = f"appointment-{appointment.pk}@testserver"
    with time_machine.travel(DEMO_DAY, tick=True):
        before = vevents(parse(client.get(url)))[uid]
        cancel_appointment(appointment, reason="Patient ill", actor=None)
        after = vevents(parse(client.get(url)))[uid]
    assert (before.status.value, after.status.value) == ("CONFIRMED", "CANCELLED")
    assert int(after.sequence.value) > int(before.sequence.value)
    assert after.dtstart.value == before.dtstart.value


def test_a_moved_appointment_keeps_its_uid_and_raises_its_sequence(demo):
    appointment = Appointment.objects.filter(clinic=demo, status="booked").order_by("starts_at").first()
    day_start, day_end = day_bounds(appointment.location, appointment.starts_at.astimezone(WARSAW).date())
    offers = available_starts(
        appointment.location, appointment.protocol, day_start, day_end, exclude_appointments=[appointment.pk]
    )
    other = next(o for o in offers if o.start != appointment.starts_at)
    client = client_for(owner_of(demo))
    url = reverse("calendar_feeds:appointment_ics", args=[appointment.pk])
    before = parse(client.get(url)).vevent
    with time_machine.travel(DEMO_DAY, tick=True):
        reschedule_appointment(
            appointment, start=other.start, practitioner=other.practitioner, room=other.room, device=other.device,
            actor=None,
        )  # fmt: skip
    after = parse(client.get(url)).vevent
    assert after.uid.value == before.uid.value
    assert int(after.sequence.value) == int(before.sequence.value) + 1
    assert after.dtstart.value == other.start
