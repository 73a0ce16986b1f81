"""One appointment: who, what, when, the rest of the series, its history and what can happen next."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from mesoclinic.patients.services import record_consent
from mesoclinic.scheduling.services import check_in, record_treated_elsewhere, reschedule_appointment
from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.scheduling import book, consent_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic):
    return book(clinic, make_schedulable(clinic).location)


@pytest.fixture
def first(course):
    return course.appointments.get(session_index=1)


def url(appointment):
    return reverse("scheduling:appointment", args=[appointment.pk])


def test_it_requires_login(client, first):
    response = client.get(url(first))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist, first):
    assert client_for(receptionist).post(url(first)).status_code == 405


def test_it_refuses_an_auditor(auditor, first):
    assert client_for(auditor).get(url(first)).status_code == 403


def test_it_does_not_show_another_clinics_appointment(outsider, first):
    assert client_for(outsider).get(url(first)).status_code == 404


def test_it_answers_404_for_an_unknown_appointment(receptionist):
    assert client_for(receptionist).get("/schedule/appointments/999999/").status_code == 404


def test_it_shows_the_appointment_and_the_rest_of_the_series(receptionist, course, first):
    response = client_for(receptionist).get(url(first))
    body = response.content.decode()
    assert response.status_code == 200
    assert first.patient.full_name in body
    assert "session 1 of 4" in body
    assert "Mon 3 Mar 2031, 09:00–09:30" in body
    assert "Room 1" in body and "Nina Nurse" in body
    for other in course.appointments.exclude(pk=first.pk):
        assert url(other) in body
    assert "Consent needed" in body


def at(moment):
    return time_machine.travel(moment, tick=False)


def test_it_offers_the_actions_a_booked_appointment_allows_after_its_start(receptionist, first):
    with at(first.starts_at + timedelta(minutes=10)):
        body = client_for(receptionist).get(url(first)).content.decode()
    for name in ("check_in", "no_show", "cancel", "reschedule"):
        assert reverse(f"scheduling:{name}", args=[first.pk]) in body


def test_it_never_offers_a_plain_completion(receptionist, practitioner, first):
    for member in (receptionist, practitioner):
        with at(first.starts_at + timedelta(minutes=10)):
            body = client_for(member).get(url(first)).content.decode()
        assert "Mark as completed" not in body
        assert "/complete/" not in body
        assert "The visit is completed when its session record is signed." in body
        assert reverse("scheduling:treated_elsewhere", args=[first.pk]) not in body


def test_before_its_day_it_says_when_check_in_opens_and_offers_no_no_show(receptionist, first):
    with at(first.starts_at - timedelta(days=2)):
        body = client_for(receptionist).get(url(first)).content.decode()
    assert reverse("scheduling:check_in", args=[first.pk]) not in body
    assert reverse("scheduling:no_show", args=[first.pk]) not in body
    assert "A patient can be checked in only on the day of the appointment (Mon 3 Mar 2031)." in body
    assert reverse("scheduling:cancel", args=[first.pk]) in body


def test_on_its_day_before_the_start_it_offers_check_in_but_no_no_show(receptionist, first):
    with at(first.starts_at - timedelta(hours=1)):
        body = client_for(receptionist).get(url(first)).content.decode()
    assert reverse("scheduling:check_in", args=[first.pk]) in body
    assert reverse("scheduling:no_show", args=[first.pk]) not in body


def test_it_offers_a_physician_the_treated_elsewhere_path_from_its_day(physician, first):
    with at(first.starts_at - timedelta(days=1)):
        before = client_for(physician).get(url(first)).content.decode()
    with at(first.starts_at + timedelta(hours=1)):
        on_the_day = client_for(physician).get(url(first)).content.decode()
    target = reverse("scheduling:treated_elsewhere", args=[first.pk])
    assert target not in before
    assert target in on_the_day and "Treated elsewhere / recorded on paper" in on_the_day


def test_it_shows_how_a_completed_visit_was_completed(receptionist, physician, first):
    with at(first.starts_at + timedelta(hours=1)):
        record_treated_elsewhere(first, reason="Paper record, system down", actor=physician.user)
    response = client_for(receptionist).get(url(first))
    body = response.content.decode()
    assert "Treated elsewhere / recorded on paper: Paper record, system down" in body
    history = response.context["history"]
    assert history[-1].what == "Completed"
    assert history[-1].detail == "as treated elsewhere / recorded on paper: Paper record, system down"
    assert history[-1].who == "Dr Paula Physician"


def test_it_offers_nothing_once_completed(receptionist, physician, first):
    with at(first.starts_at + timedelta(hours=1)):
        record_treated_elsewhere(first, reason="Paper record", actor=physician.user)
        body = client_for(receptionist).get(url(first)).content.decode()
    assert reverse("scheduling:check_in", args=[first.pk]) not in body
    assert reverse("scheduling:cancel", args=[first.pk]) not in body
    assert "nothing more can happen to it" in body


def test_it_lists_the_status_history_with_who_did_it(receptionist, first):
    second = first.course.appointments.get(session_index=2)
    reschedule_appointment(second, start=second.starts_at + timedelta(hours=2), actor=receptionist.user)
    with at(first.starts_at - timedelta(minutes=10)):
        check_in(first, actor=receptionist.user)
    history = client_for(receptionist).get(url(first)).context["history"]
    assert [item.what for item in history] == ["Booked", "Checked in"]
    assert history[1].who == "Rita Reception"
    moved = client_for(receptionist).get(url(second)).context["history"]
    assert moved[1].what == "Moved"
    assert "to Mon 17 Mar 2031, 11:00" in moved[1].detail


def test_it_drops_the_consent_badge_once_consent_is_signed(clinic, receptionist, first):
    record_consent(first.patient, template=consent_template(clinic), signed_by="Test Patient", actor=None)
    assert "Consent needed" not in client_for(receptionist).get(url(first)).content.decode()


def test_it_lets_clinical_staff_act_on_it(practitioner, first):
    with at(first.starts_at):
        body = client_for(practitioner).get(url(first)).content.decode()
    assert reverse("scheduling:check_in", args=[first.pk]) in body
