"""iCalendar (RFC 5545) for appointments: plain event values in, ``.ics`` bytes out.

Two kinds of event, because the two audiences differ:

* **private feeds** (:func:`feed_event`) are read by phone and desktop calendar apps through a URL
  without a login, and such apps sync to third-party clouds. A feed event therefore carries no patient
  data at all: the summary is "Appointment (<modality>) · <room>", plus where and with whom (staff names);
* **the single-appointment download** (:func:`staff_event`) is behind a staff login and adds the patient's
  initials, enough to tell two sessions apart in a day, not enough to identify anyone.

Times are written in UTC (``DTSTART:20310303T080000Z``): every calendar app converts them to local time,
and no ``VTIMEZONE`` has to be shipped and kept right across DST changes. The UID is stable per
appointment, so a moved session moves in the subscriber's calendar instead of appearing twice, and
``SEQUENCE`` (the appointment's revision, raised by every reschedule and status change) tells clients that
an event they hold has changed: Google Calendar and Outlook keep their copy unless it rises. A cancelled
appointment (or a no-show) stays in the feed as ``STATUS:CANCELLED``, free time (``TRANSP:TRANSPARENT``),
its summary starting "Cancelled", so that every client shows it cancelled, including those that ignore
``STATUS`` (docs/calendar-feeds.md says what each client does).

Nothing here touches the database, settings or the clock: callers pass ``now`` and the rows' values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event, vDuration

if TYPE_CHECKING:
    from mesoclinic.scheduling.models import Appointment

PRODID = "-//MesoClinic//Scheduling//EN"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarEvent:
    """One ``VEVENT``; ``start`` and ``end`` are aware datetimes (written in UTC)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str = ""
    description: str = ""
    cancelled: bool = False
    sequence: int = 0


def _check_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def calendar_bytes(events: Iterable[CalendarEvent], *, name: str, now: datetime) -> bytes:
    """Serialize ``events`` as one ``VCALENDAR`` (``METHOD:PUBLISH``).

    Parameters
    ----------
    events : iterable of CalendarEvent
        In the order they should appear.
    name : str
        The calendar's display name (``X-WR-CALNAME``), shown by calendar apps when subscribing.
    now : datetime
        Aware; written as every event's ``DTSTAMP``.

    Returns
    -------
    bytes
        The ``text/calendar`` body, CRLF line endings, folded at 75 octets.
    """
    _check_aware("now", now)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # How often subscribers should poll (RFC 7986, and Outlook's older X- name), both ISO 8601 durations (PT1H):
    # an X- property has no known type, so the duration is given its type here (else it is written 1:00:00).
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    stamp = now.astimezone(UTC)
    for item in events:
        _check_aware("start", item.start)
        _check_aware("end", item.end)
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.start.astimezone(UTC))
        event.add("dtend", item.end.astimezone(UTC))
        event.add("summary", f"Cancelled: {item.summary}" if item.cancelled else item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        event.add("class", "PRIVATE")
        calendar.add_component(event)
    return calendar.to_ical()


def appointment_uid(appointment_id: int, domain: str) -> str:
    """The event UID of an appointment: the same in every feed and download of one installation."""
    return f"appointment-{appointment_id}@{domain}"


def initials(given_name: str, family_name: str) -> str:
    """``"Ada", "Lovelace" -> "A. L."``; empty names give no letter."""
    return " ".join(f"{part.strip()[0].upper()}." for part in (given_name, family_name) if part.strip())


def _modality(appointment: Appointment) -> str:
    return appointment.protocol.modality.code.replace("_", " ")


def _where(appointment: Appointment) -> str:
    return f"{appointment.room.name}, {appointment.location.name}"


def _who(appointment: Appointment) -> str:
    parts = [f"Practitioner: {appointment.practitioner.display_name}", f"Room: {appointment.room.name}"]
    if appointment.device is not None:
        parts.append(f"Device: {appointment.device.name}")
    return "\n".join(parts)


def feed_event(appointment: Appointment, *, domain: str) -> CalendarEvent:
    """An appointment as a private feed shows it: no patient data, only modality, room and staff."""
    return CalendarEvent(
        uid=appointment_uid(appointment.pk, domain),
        start=appointment.starts_at,
        end=appointment.ends_at,
        summary=f"Appointment ({_modality(appointment)}) · {appointment.room.name}",
        location=_where(appointment),
        description=_who(appointment),
        cancelled=not appointment.holds_resources,
        sequence=appointment.sequence,
    )


def staff_event(appointment: Appointment, *, domain: str) -> CalendarEvent:
    """An appointment as signed-in staff download it: the feed's event plus the patient's initials."""
    patient = appointment.booked_patient
    event = feed_event(appointment, domain=domain)
    who = initials(patient.given_name, patient.family_name)
    return CalendarEvent(
        uid=event.uid,
        start=event.start,
        end=event.end,
        summary=f"{event.summary} · {who}" if who else event.summary,
        location=event.location,
        description=f"Session {appointment.session_index}\n{event.description}",
        cancelled=event.cancelled,
        sequence=event.sequence,
    )
