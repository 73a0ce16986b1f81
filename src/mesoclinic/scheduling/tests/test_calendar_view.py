"""The calendar: day and week, columns by practitioner, room or device, free bands, closed hours."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.scheduling.models import Holiday
from mesoclinic.scheduling.services import cancel_appointment
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.scheduling import ELECTROPORATION, MONDAY, WARSAW, book

pytestmark = pytest.mark.django_db
URL = reverse("scheduling:calendar")
DAY = "2031-03-03"  # a Monday


def get(staff, **params):
    return client_for(staff).get(URL, params)


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_does_not_show_another_clinics_location(setup, outsider):
    assert get(outsider, location=setup.location.pk).status_code == 404


def test_it_places_the_days_appointments_in_practitioner_columns(clinic, setup, receptionist):
    course = book(clinic, setup.location)
    first = course.appointments.get(session_index=1)
    response = get(receptionist, location=setup.location.pk, date=DAY)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="col-practitioner-{setup.practitioner.pk}"' in body
    block = re.search(rf'<a class="cal-appt [^"]*"[^>]*data-appointment="{first.pk}"', body)
    assert block is not None
    assert "mod-needle" in block.group(0) and "st-booked" in block.group(0)
    assert reverse("scheduling:appointment", args=[first.pk]) in block.group(0)
    assert first.patient.full_name in body
    assert "Needle mesotherapy" in body  # the modality in words, not only a colour
    assert "Booked" in body


def test_it_shows_a_week_with_a_column_per_open_day(clinic, setup, receptionist):
    book(clinic, setup.location)
    response = get(receptionist, location=setup.location.pk, date="2031-03-05", view="week")
    columns = [c.day for c in response.context["columns"]]
    assert columns == [date(2031, 3, d) for d in range(3, 9)]  # Monday to Saturday; closed Sunday left out
    assert sum(len(c.blocks) for c in response.context["columns"]) == 1


def test_it_can_show_columns_by_room_and_by_device(clinic, setup, receptionist):
    book(clinic, setup.location)
    book(clinic, setup.location, slug=ELECTROPORATION)
    by_room = get(receptionist, location=setup.location.pk, date=DAY, by="room")
    assert [c.title for c in by_room.context["columns"]] == ["Room 1"]
    assert len(by_room.context["columns"][0].blocks) == 2
    by_device = get(receptionist, location=setup.location.pk, date=DAY, by="device")
    titles = [c.title for c in by_device.context["columns"]]
    assert titles == ["EP-1", "No device"]
    assert [len(c.blocks) for c in by_device.context["columns"]] == [1, 1]


def test_it_puts_overlapping_appointments_side_by_side(clinic, setup, receptionist):
    book(clinic, setup.location)
    book(clinic, setup.location, slug=ELECTROPORATION)
    response = get(receptionist, location=setup.location.pk, date=DAY, by="device")
    assert all(b.lane == 0 for c in response.context["columns"] for b in c.blocks)


def test_it_filters_by_modality(clinic, setup, receptionist):
    needle = book(clinic, setup.location).appointments.get(session_index=1)
    ep = book(clinic, setup.location, slug=ELECTROPORATION).appointments.get(session_index=1)
    body = get(
        receptionist, location=setup.location.pk, date=DAY, modality="electroporation"
    ).content.decode()
    assert f'data-appointment="{ep.pk}"' in body
    assert f'data-appointment="{needle.pk}"' not in body


def test_it_shows_where_the_chosen_modality_could_be_booked(clinic, setup, receptionist):
    book(clinic, setup.location)  # 09:00–09:30 with Nina, Room 1 held until 09:45
    response = get(receptionist, location=setup.location.pk, date=DAY, modality="needle")
    column = response.context["columns"][0]
    assert column.free, "a free band where a needle session fits"
    assert column.free[0].start.astimezone(WARSAW).strftime("%H:%M") == "09:45"
    assert (
        f"earliest=2031-03-03T09%3A45&amp;practitioner={setup.practitioner.pk}" in response.content.decode()
    )
    assert "session can start from 09:45 to" in response.content.decode()


def test_it_asks_for_a_modality_before_showing_free_time(setup, receptionist):
    response = get(receptionist, location=setup.location.pk, date=DAY)
    assert all(not c.free for c in response.context["columns"])
    assert "Choose a treatment type to see the free times" in response.content.decode()


def test_it_shades_closed_hours_and_says_why_a_day_is_closed(setup, receptionist):
    Holiday.objects.create(location=setup.location, date=date(2031, 3, 4), name="Clinic training day")
    day = get(receptionist, location=setup.location.pk, date=DAY).context["columns"][0]
    assert any(b.kind == "off" for b in day.shading)  # Nina starts at 09:00, the clinic opens at 08:00
    week = get(receptionist, location=setup.location.pk, date=DAY, view="week")
    tuesday = week.context["columns"][1]
    assert tuesday.closed == "Closed: Clinic training day"
    assert "Closed: Clinic training day" in week.content.decode()


def test_it_keeps_cancelled_appointments_off_the_grid(clinic, setup, receptionist):
    first = book(clinic, setup.location).appointments.get(session_index=1)
    cancel_appointment(first, reason="Patient is ill", actor=None)
    response = get(receptionist, location=setup.location.pk, date=DAY)
    assert not response.context["columns"][0].blocks
    assert response.context["cancelled"] == [first]
    assert "Patient is ill" in response.content.decode()


def test_it_falls_back_to_defaults_on_bad_filters(setup, receptionist):
    response = get(receptionist, date="not-a-date", view="year", by="colour", modality="magic")
    assert response.status_code == 200
    assert (response.context["view"], response.context["by"], response.context["modality"]) == (
        "day",
        "practitioner",
        "",
    )


def test_it_links_to_the_previous_and_next_day(setup, receptionist):
    response = get(receptionist, location=setup.location.pk, date=DAY)
    assert "date=2031-03-02" in response.context["prev_url"]
    assert "date=2031-03-04" in response.context["next_url"]
    week = get(receptionist, location=setup.location.pk, date=DAY, view="week")
    assert "date=2031-03-10" in week.context["next_url"]


def test_it_reads_the_same_number_of_rows_however_busy_the_day(clinic, setup, receptionist):
    book(clinic, setup.location)
    client = client_for(receptionist)
    params = {"location": setup.location.pk, "date": DAY, "modality": "needle"}
    with CaptureQueriesContext(connection) as quiet:
        client.get(URL, params)
    for hour in (11, 13, 15):
        book(clinic, setup.location, patient=make_patient(clinic), earliest=MONDAY.replace(hour=hour))
    with CaptureQueriesContext(connection) as busy:
        response = client.get(URL, params)
    assert sum(len(c.blocks) for c in response.context["columns"]) == 4
    assert len(busy) == len(quiet)


def _off_hours(column):
    return sorted(
        (b.start.astimezone(WARSAW).strftime("%H:%M"), b.end.astimezone(WARSAW).strftime("%H:%M"))
        for b in column.shading
        if b.kind == "off"
    )


def test_it_shows_a_practitioners_extra_hours_as_working_time(setup, receptionist):
    from datetime import datetime  # noqa: PLC0415

    from mesoclinic.scheduling.services import add_extra_hours  # noqa: PLC0415

    saturday = date(2031, 3, 8)  # the clinic opens 08:00–20:00; Nina has no Saturday hours
    add_extra_hours(
        setup.practitioner,
        setup.location,
        starts_at=datetime(2031, 3, 8, 10, tzinfo=WARSAW),
        ends_at=datetime(2031, 3, 8, 14, tzinfo=WARSAW),
        reason="Saturday clinic",
        actor=None,
    )
    column = get(receptionist, location=setup.location.pk, date=saturday.isoformat()).context["columns"][0]
    assert _off_hours(column) == [("08:00", "10:00"), ("14:00", "20:00")]


def test_it_shades_time_off_inside_working_hours(setup, receptionist):
    from datetime import datetime  # noqa: PLC0415

    from mesoclinic.scheduling.services import add_time_off  # noqa: PLC0415

    add_time_off(
        setup.practitioner,
        starts_at=datetime(2031, 3, 3, 12, tzinfo=WARSAW),
        ends_at=datetime(2031, 3, 3, 13, 30, tzinfo=WARSAW),
        reason="Training",
        actor=None,
    )
    column = get(receptionist, location=setup.location.pk, date=DAY).context["columns"][0]
    assert _off_hours(column) == [("08:00", "09:00"), ("12:00", "13:30"), ("17:00", "20:00")]


def test_it_exports_the_days_shown_as_csv_with_cancelled_ones(clinic, setup, receptionist):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    course = book(clinic, setup.location)
    first = course.appointments.get(session_index=1)
    cancel_appointment(first, reason="flu", actor=None)
    week = csv_rows(get(receptionist, location=setup.location.pk, date=DAY, view="week", format="csv"))
    assert week[0][:4] == ["appointment_id", "starts_at", "ends_at", "status"]
    (row,) = week[1:]  # the series' other sessions fall in later weeks
    assert row[0] == str(first.pk)
    assert row[1] == first.starts_at.astimezone(WARSAW).isoformat()
    assert (row[3], row[5]) == ("cancelled", first.patient.full_name)
    later = csv_rows(
        get(receptionist, location=setup.location.pk, date="2031-03-10", view="week", format="csv")
    )
    assert [r[0] for r in later[1:]] == [
        str(a.pk) for a in course.appointments.filter(starts_at__date__range=("2031-03-10", "2031-03-16"))
    ]
    exports = AuditEvent.objects.filter(action="export").order_by("pk")
    assert [e.data["filters"]["date"] for e in exports] == [DAY, "2031-03-10"]
    assert {e.data["list"] for e in exports} == {"appointments"}


def test_its_csv_is_404_for_another_clinics_location(setup, outsider):
    assert get(outsider, location=setup.location.pk, format="csv").status_code == 404
