"""A patient's sessions: a receptionist sees the list but not the records."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.testing import client_for, make_patient, make_signed_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(clinic, practitioner):
    patient = make_patient(clinic)
    make_signed_session(patient, practitioner)
    return patient


def url(patient):
    return reverse("treatments:patient_sessions", args=[patient.pk])


def test_it_only_allows_get(practitioner, patient):
    assert client_for(practitioner).post(url(patient)).status_code == 405


def test_it_hides_another_clinics_patient(outsider, patient):
    assert client_for(outsider).get(url(patient)).status_code == 404


def test_a_receptionist_sees_no_link_to_the_record(receptionist, patient):
    page = client_for(receptionist).get(url(patient)).content.decode()
    assert "Signed" in page
    assert "/sessions/" not in page.split('id="sessions"')[1].split("</table>")[0].replace(url(patient), "")


def test_its_query_count_does_not_grow_with_the_rows(practitioner, patient):
    client = client_for(practitioner)
    client.get(url(patient))  # warm the session and the clinic's caches
    with CaptureQueriesContext(connection) as one_row:
        client.get(url(patient))
    for _ in range(5):
        make_signed_session(patient, practitioner)
    with CaptureQueriesContext(connection) as six_rows:
        client.get(url(patient))
    assert len(six_rows) == len(one_row)


def test_it_exports_the_sessions_as_csv_naming_the_patient_in_the_audit(receptionist, patient, practitioner):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    other = make_signed_session(make_patient(patient.clinic), practitioner)
    rows = csv_rows(client_for(receptionist).get(url(patient), {"format": "csv"}))
    assert rows[0][:2] == ["session_id", "performed_at"]
    (row,) = rows[1:]
    assert row[0] == str(patient.sessions.get().pk) != str(other.pk)
    assert row[1] == "2026-06-01T11:00:00+02:00"  # the clinic's time zone (Europe/Warsaw)
    assert row[7] == "signed"
    export = AuditEvent.objects.get(action="export")
    assert (export.object_type, export.object_id) == ("patients.patient", str(patient.pk))


def test_another_clinics_patient_has_no_csv(outsider, patient):
    assert client_for(outsider).get(url(patient), {"format": "csv"}).status_code == 404


def test_it_lists_upcoming_and_past_appointments_with_status_and_series(clinic, receptionist):
    import time_machine  # noqa: PLC0415

    from mesoclinic.scheduling.services import cancel_appointment  # noqa: PLC0415
    from mesoclinic.testing import make_schedulable  # noqa: PLC0415
    from mesoclinic.testing.scheduling import MONDAY, book  # noqa: PLC0415

    course = book(clinic, make_schedulable(clinic).location)
    cancel_appointment(course.appointments.get(session_index=3), reason="ill", actor=None)
    with time_machine.travel(MONDAY.replace(day=10), tick=False):  # after session 1, before session 2
        page = client_for(receptionist).get(url(course.patient)).content.decode()
    upcoming = page.split('id="upcoming-appointments"')[1].split("</table>")[0]
    past = page.split('id="past-appointments"')[1].split("</table>")[0]
    assert "session 1 of 4" in past and "Booked" in past
    assert [f"session {n} of 4" in upcoming for n in (1, 2, 3, 4)] == [False, True, True, True]
    assert "Cancelled" in upcoming
    assert upcoming.index("session 2 of 4") < upcoming.index("session 4 of 4")  # soonest first
    assert "/courses/" not in upcoming  # the course page is clinical


def test_a_patient_without_appointments_says_so(receptionist, patient):
    page = client_for(receptionist).get(url(patient)).content.decode()
    assert "No upcoming appointment." in page and "No past appointment." in page
