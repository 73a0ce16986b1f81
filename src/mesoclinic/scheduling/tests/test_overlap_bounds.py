"""The appointments overlapping a window are read from a range of ``starts_at`` bounded on both sides.

No appointment lasts longer than ``LONGEST_SESSION`` nor holds its resources longer than ``LONGEST_HOLD``
(protocols' validators; imports refuse longer ones), so one overlapping ``[start, end)`` starts after
``start - LONGEST_HOLD``: the calendar, the appointments API and the engine's busy time read that range of
the (location | clinic, starts_at) index, never the clinic's whole history before the window. The plan is
checked on PostgreSQL with scans forbidden (as the patients' trigram tests do): the index condition must
carry both bounds; which plan wins on a real clinic is the planner's choice, measured in ``benchmarks/``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from mesoclinic import testing
from mesoclinic.scheduling.models import LONGEST_HOLD, LONGEST_SESSION, Appointment, AppointmentStatus
from mesoclinic.scheduling.selectors import appointments_between, engine_clinic
from mesoclinic.testing.notifications import needle_protocol

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 4, 0, 0, tzinfo=UTC)  # a Tuesday: the window is that day
END = START + timedelta(days=1)
CANCELLED = AppointmentStatus.CANCELLED


def _appointment(site, patient, starts_at, minutes, *, buffer=0, status=AppointmentStatus.BOOKED):
    ends_at = starts_at + timedelta(minutes=minutes)
    return Appointment.objects.create(
        clinic=patient.clinic, location=site.location, patient=patient,
        protocol=needle_protocol(patient.clinic), practitioner=site.practitioner, room=site.room,
        starts_at=starts_at, ends_at=ends_at, buffer_minutes=buffer,
        blocked_until=ends_at + timedelta(minutes=buffer), status=status,
    )  # fmt: skip


@pytest.fixture
def site(clinic):
    return testing.make_schedulable(clinic)


def test_the_longest_appointment_spanning_the_window_start_still_shows(site, clinic):
    patient = testing.make_patient(clinic)
    longest = _appointment(site, patient, START - LONGEST_SESSION + timedelta(minutes=1), 240)
    # Cancelled ones are listed too (and, holding nothing, may overlap the others).
    ended = _appointment(site, patient, START - timedelta(hours=5), 240, status=CANCELLED)  # an hour before
    touching = _appointment(
        site, patient, START - timedelta(minutes=30), 30, status=CANCELLED
    )  # ends at START
    inside = _appointment(site, patient, START + timedelta(hours=9), 30, status=CANCELLED)
    at_end = _appointment(site, patient, END, 30, status=CANCELLED)  # starts when the window ends
    found = list(appointments_between(site.location, START, END))
    assert found == [longest, inside]
    assert {ended, touching, at_end}.isdisjoint(found)


def test_the_appointments_api_lists_one_spanning_the_window_start(site, clinic, receptionist):
    patient = testing.make_patient(clinic)
    spanning = _appointment(site, patient, START - timedelta(hours=2), 180)
    response = testing.client_for(receptionist).get(
        "/api/v1/scheduling/appointments",
        {"location_id": site.location.pk, "start": START.isoformat(), "end": END.isoformat()},
    )
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["items"]] == [spanning.pk]


def test_the_engine_counts_a_buffer_spanning_the_window_start_as_busy(site, clinic):
    """Busy time is start to ``blocked_until``: the longest session and buffer, started just inside
    ``LONGEST_HOLD`` before the window, still holds its practitioner when the window opens."""
    patient = testing.make_patient(clinic)
    held = _appointment(site, patient, START - LONGEST_HOLD + timedelta(minutes=15), 240, buffer=120)
    engine, resources = engine_clinic(site.location, "needle", window=(START, END))
    rid = resources.practitioner_id(site.practitioner)
    (practitioner,) = [r for r in engine.resources if r.id == rid]
    assert [b for b in practitioner.busy if b[1] > START] == [(held.starts_at, held.blocked_until)]


def test_the_calendar_query_reads_an_index_range_of_starts_at_bounded_on_both_sides(site, clinic):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's; the embedded SQLite default serves one clinic")
    patient = testing.make_patient(clinic)
    _appointment(site, patient, START, 30)
    # Years of history at the same location, analysed: with a handful of rows the planner may as well read the
    # location's own foreign-key index and filter (it did, in CI, after other tests had left their statistics);
    # with a history, only a range of starts_at is worth reading, as on a real clinic.
    protocol = needle_protocol(clinic)
    Appointment.objects.bulk_create(
        Appointment(
            clinic=clinic, location=site.location, patient=patient, protocol=protocol,
            practitioner=site.practitioner, room=site.room, starts_at=at, ends_at=at + timedelta(minutes=30),
            blocked_until=at + timedelta(minutes=30), status=CANCELLED,
        )
        for at in (START - timedelta(days=2 + day) for day in range(2000))
    )  # fmt: skip
    queryset = appointments_between(site.location, START, END)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE scheduling_appointment")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)  # nosec B608: Django's own SQL, parameters bound
        plan = "\n".join(row[0] for row in cursor.fetchall())
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("starts_at <" in line and "starts_at >" in line for line in conditions), plan
