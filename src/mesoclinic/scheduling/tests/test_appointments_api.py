"""/api/v1/scheduling/appointments: list and read, then cancel, check in, no-show, treated elsewhere,
reschedule. There is no plain "complete": signing the session record completes a visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import AppointmentStatus, MaintenanceRecall
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series, cancel_appointment
from mesoclinic.testing import client_for, make_patient, make_schedulable
from mesoclinic.testing.scheduling import MONDAY, call, protocol_for_modality

pytestmark = pytest.mark.django_db
URL = "/api/v1/scheduling/appointments"


@pytest.fixture
def course(clinic, setup):
    ep = protocol_for_modality(clinic)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    return book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)


def nth(course, n):
    return course.appointments.get(session_index=n)


def window(setup, days=60, **extra):
    return {
        "location_id": setup.location.pk,
        "start": MONDAY.isoformat(),
        "end": (MONDAY + timedelta(days=days)).isoformat(),
        **extra,
    }


def test_it_lists_a_locations_appointments_in_a_window_page_by_page(setup, course, receptionist):
    client = client_for(receptionist)
    everything = client.get(URL, window(setup))
    assert everything.status_code == 200, everything.content
    assert everything.json()["count"] == course.sessions
    page = client.get(URL, {**window(setup), "limit": 2, "offset": 2}).json()
    assert [a["session_index"] for a in page["items"]] == [3, 4]
    first_week = client.get(URL, window(setup, days=7)).json()
    assert [a["id"] for a in first_week["items"]] == [nth(course, 1).pk]


def test_it_filters_by_status(setup, course, receptionist):
    cancel_appointment(nth(course, 2), reason="ill", actor=None)
    body = client_for(receptionist).get(URL, window(setup, status="cancelled")).json()
    assert [a["id"] for a in body["items"]] == [nth(course, 2).pk]
    assert body["items"][0]["cancel_reason"] == "ill"


def test_it_shows_one_appointment(setup, course, receptionist):
    first = nth(course, 1)
    response = client_for(receptionist).get(f"{URL}/{first.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["patient"] == {"id": course.patient_id, "name": course.patient.full_name}
    assert (body["protocol"], body["modality"]) == (course.protocol.slug, "electroporation")
    assert body["practitioner"] == {"id": setup.practitioner.pk, "name": "Nina Nurse"}
    assert body["device"] == {"id": setup.device.pk, "name": "EP-1"}
    assert datetime.fromisoformat(body["starts_at"]) == MONDAY.astimezone(UTC)
    assert body["course_id"] == course.pk


def test_it_cancels_with_a_reason(course, receptionist):
    second = nth(course, 2)
    response = call(client_for(receptionist), "post", f"{URL}/{second.pk}/cancel", {"reason": "Patient ill"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    second.refresh_from_db()
    assert (second.status, second.cancel_reason) == (AppointmentStatus.CANCELLED, "Patient ill")


def test_it_requires_a_cancel_reason(course, receptionist):
    second = nth(course, 2)
    response = call(client_for(receptionist), "post", f"{URL}/{second.pk}/cancel", {"reason": ""})
    assert response.status_code == 422
    second.refresh_from_db()
    assert second.status == AppointmentStatus.BOOKED


def at(moment):
    return time_machine.travel(moment, tick=False)


def test_it_checks_in_on_the_day(course, receptionist):
    first = nth(course, 1)
    with at(first.starts_at - timedelta(minutes=15)):
        response = call(client_for(receptionist), "post", f"{URL}/{first.pk}/check-in")
    assert response.json()["status"] == "checked_in"
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CHECKED_IN and first.status_changed_at is not None


def test_it_refuses_a_check_in_on_another_day_with_409(course, receptionist):
    second = nth(course, 2)
    with at(second.starts_at - timedelta(days=7)):
        response = call(client_for(receptionist), "post", f"{URL}/{second.pk}/check-in")
    assert response.status_code == 409
    assert "only on the day of the appointment" in response.json()["detail"]
    second.refresh_from_db()
    assert second.status == AppointmentStatus.BOOKED


def test_there_is_no_plain_completion(course, receptionist, physician):
    first = nth(course, 1)
    for member in (receptionist, physician):
        with at(first.starts_at + timedelta(hours=1)):
            response = call(client_for(member), "post", f"{URL}/{first.pk}/complete")
        assert response.status_code in (404, 405)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_a_physician_records_a_visit_treated_elsewhere(course, physician):
    first = nth(course, 1)
    with at(first.starts_at + timedelta(hours=1)):
        response = call(
            client_for(physician),
            "post",
            f"{URL}/{first.pk}/treated-elsewhere",
            {"reason": "Recorded on paper during the outage"},
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed"
    assert (body["completion"], body["completion_reason"]) == (
        "elsewhere",
        "Recorded on paper during the outage",
    )
    first.refresh_from_db()
    assert (first.status, first.completion) == (AppointmentStatus.COMPLETED, "elsewhere")
    assert AuditEvent.objects.filter(action="appointment.completed", actor=physician.user).exists()


def test_treated_elsewhere_is_for_physicians_only(course, receptionist, practitioner):
    first = nth(course, 1)
    for member in (receptionist, practitioner):
        with at(first.starts_at + timedelta(hours=1)):
            response = call(
                client_for(member), "post", f"{URL}/{first.pk}/treated-elsewhere", {"reason": "paper"}
            )
        assert response.status_code == 403
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_treated_elsewhere_needs_a_reason_and_its_day(course, physician):
    first, second = nth(course, 1), nth(course, 2)
    with at(first.starts_at + timedelta(hours=1)):
        client = client_for(physician)
        empty = call(client, "post", f"{URL}/{first.pk}/treated-elsewhere", {"reason": ""})
        early = call(client, "post", f"{URL}/{second.pk}/treated-elsewhere", {"reason": "paper"})
    assert empty.status_code == 422
    assert early.status_code == 409
    assert "cannot be completed before its day" in early.json()["detail"]


def test_completing_the_last_session_creates_the_recall(course, physician):
    last = course.appointments.order_by("-starts_at").first()
    with at(last.starts_at + timedelta(hours=1)):
        client = client_for(physician)
        for appointment in course.appointments.all():
            response = call(client, "post", f"{URL}/{appointment.pk}/treated-elsewhere", {"reason": "paper"})
            assert response.status_code == 200
    assert MaintenanceRecall.objects.filter(course=course).exists()


def test_it_marks_a_no_show_after_the_start(course, receptionist):
    first = nth(course, 1)
    with at(first.starts_at - timedelta(minutes=5)):
        early = call(client_for(receptionist), "post", f"{URL}/{first.pk}/no-show")
    assert early.status_code == 409
    assert "only after the appointment's start" in early.json()["detail"]
    with at(first.starts_at + timedelta(minutes=20)):
        response = call(client_for(receptionist), "post", f"{URL}/{first.pk}/no-show")
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == AppointmentStatus.NO_SHOW


def test_it_answers_409_to_a_change_the_status_does_not_allow(course, receptionist):
    first = nth(course, 1)
    cancel_appointment(first, reason="x", actor=None)
    with at(first.starts_at):
        response = call(client_for(receptionist), "post", f"{URL}/{first.pk}/check-in")
    assert response.status_code == 409
    assert "A cancelled appointment cannot be checked in." in response.json()["detail"]
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED


def test_it_reschedules_within_the_tolerance(course, receptionist):
    second = nth(course, 2)
    new_start = second.starts_at + timedelta(days=1, hours=2)
    response = call(
        client_for(receptionist), "post", f"{URL}/{second.pk}/reschedule", {"start": new_start.isoformat()}
    )
    assert response.status_code == 200, response.content
    second.refresh_from_db()
    assert second.starts_at == new_start
    assert datetime.fromisoformat(response.json()["starts_at"]) == new_start


def test_it_answers_409_to_a_move_outside_the_tolerance(course, receptionist):
    second = nth(course, 2)
    before = second.starts_at
    late = before + timedelta(days=course.tolerance_days + 1)
    response = call(
        client_for(receptionist), "post", f"{URL}/{second.pk}/reschedule", {"start": late.isoformat()}
    )
    assert response.status_code == 409
    assert "days after session 1" in response.json()["detail"]
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_rejects_a_naive_time(course, receptionist):
    second = nth(course, 2)
    response = call(
        client_for(receptionist), "post", f"{URL}/{second.pk}/reschedule", {"start": "2031-03-11T09:00:00"}
    )
    assert response.status_code == 422


def test_it_never_moves_a_session_into_another_clinics_room(other_clinic, course, receptionist):
    theirs = make_schedulable(other_clinic)
    second = nth(course, 2)
    before = (second.starts_at, second.room_id)
    move = {"start": (second.starts_at + timedelta(hours=1)).isoformat(), "room_id": theirs.room.pk}
    response = call(client_for(receptionist), "post", f"{URL}/{second.pk}/reschedule", move)
    assert response.status_code == 404
    second.refresh_from_db()
    assert (second.starts_at, second.room_id) == before


def test_it_hides_other_clinics_appointments(setup, course, outsider):
    first = nth(course, 1)
    client = client_for(outsider)
    assert client.get(f"{URL}/{first.pk}").status_code == 404
    assert client.get(URL, window(setup)).status_code == 404
    for action, body in (
        ("cancel", {"reason": "x"}),
        ("check-in", None),
        ("no-show", None),
        ("complete", None),
    ):
        assert call(client, "post", f"{URL}/{first.pk}/{action}", body).status_code == 404, action
    move = {"start": (first.starts_at + timedelta(hours=1)).isoformat()}
    assert call(client, "post", f"{URL}/{first.pk}/reschedule", move).status_code == 404
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED and first.starts_at == MONDAY


def test_it_refuses_the_auditor_and_anonymous(setup, course, auditor, client):
    first = nth(course, 1)
    assert client_for(auditor).get(f"{URL}/{first.pk}").status_code == 403
    assert client_for(auditor).get(URL, window(setup)).status_code == 403
    assert call(client_for(auditor), "post", f"{URL}/{first.pk}/check-in").status_code == 403
    assert client.get(f"{URL}/{first.pk}").status_code == 401
    assert call(client, "post", f"{URL}/{first.pk}/cancel", {"reason": "x"}).status_code == 401
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_it_only_allows_post_for_changes(course, receptionist):
    first = nth(course, 1)
    assert client_for(receptionist).get(f"{URL}/{first.pk}/cancel").status_code == 405
    assert client_for(receptionist).post(f"{URL}/{first.pk}").status_code == 405


def test_it_lists_without_a_query_per_appointment(setup, course, receptionist, django_assert_max_num_queries):
    client = client_for(receptionist)
    # Session (read and its refresh: 4), user, staff membership; then location, count, and one page with
    # every relation joined, however many appointments there are.
    with django_assert_max_num_queries(9):
        assert client.get(URL, window(setup)).json()["count"] == course.sessions


def test_it_lists_one_patients_appointments_latest_first_cancelled_ones_too(
    clinic, setup, course, receptionist
):
    cancel_appointment(nth(course, 2), reason="ill", actor=None)
    other = book_series(
        make_patient(clinic),
        course.protocol,
        setup.location,
        propose_series(setup.location, course.protocol, earliest=MONDAY + timedelta(hours=2)).sessions,
        actor=None,
    )
    response = client_for(receptionist).get(f"/api/v1/scheduling/patients/{course.patient_id}/appointments")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [a["session_index"] for a in items] == list(range(course.sessions, 0, -1))
    assert {a["patient"]["id"] for a in items} == {course.patient_id} != {other.patient_id}
    assert items[-2]["status"] == "cancelled"


def test_another_clinic_gets_404_for_a_patients_appointments(course, outsider):
    url = f"/api/v1/scheduling/patients/{course.patient_id}/appointments"
    assert client_for(outsider).get(url).status_code == 404
