"""Confirming the series: the server books the chosen sessions through ``book_series`` (all or nothing)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import Appointment, Course
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.scheduling import ELECTROPORATION, NEEDLE, book

pytestmark = pytest.mark.django_db
URL = reverse("scheduling:book_confirm")
BOOK = reverse("scheduling:book")


def chosen(staff, patient, setup, protocol=NEEDLE, **extra):
    """The confirm form's fields, as the dates step hands them over."""
    params = {
        "patient": patient.pk,
        "protocol": protocol,
        "location": setup.location.pk,
        "earliest": "2031-03-03",
        "consent": "later",
        "step": "dates",
        **extra,
    }
    page = client_for(staff).get(BOOK, params)
    assert page.context["step"] == "dates", page.context["step"]
    return dict(parse_qsl(urlparse(page.context["confirm_url"]).query))


def test_it_requires_login(client, clinic, setup):
    assert client.post(URL, {"patient": make_patient(clinic).pk}).status_code == 302


def test_it_only_allows_post(receptionist):
    assert client_for(receptionist).get(URL).status_code == 405


def test_it_refuses_an_auditor(auditor, receptionist, clinic, setup):
    data = chosen(receptionist, make_patient(clinic), setup)
    assert client_for(auditor).post(URL, data).status_code == 403
    assert not Appointment.objects.exists()


def test_it_does_not_book_another_clinics_patient(outsider, receptionist, clinic, setup):
    data = chosen(receptionist, make_patient(clinic), setup)
    assert client_for(outsider).post(URL, data).status_code == 404
    assert not Appointment.objects.exists()


def test_it_lets_the_receptionist_book_the_series(receptionist, clinic, setup):
    patient = make_patient(clinic)
    response = client_for(receptionist).post(URL, chosen(receptionist, patient, setup))
    course = Course.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:booked", args=[course.pk])
    appointments = list(course.appointments.order_by("session_index"))
    assert [a.session_index for a in appointments] == [1, 2, 3, 4]
    assert all(a.created_by == receptionist.user for a in appointments)
    assert patient.screenings.get().decision == "ok"


def test_it_books_a_swapped_session_as_chosen(receptionist, clinic, setup):
    patient = make_patient(clinic)
    client = client_for(receptionist)
    page = client.get(
        BOOK,
        {
            "patient": patient.pk,
            "protocol": NEEDLE,
            "earliest": "2031-03-03",
            "consent": "later",
            "step": "dates",
        },
    )
    alternative, link = page.context["sessions"][2].alternatives[-1]
    swapped = client.get(link.replace("&amp;", "&"))
    client.post(URL, dict(parse_qsl(urlparse(swapped.context["confirm_url"]).query)))
    third = Appointment.objects.get(patient=patient, session_index=3)
    assert third.starts_at == alternative.start


def test_it_shows_the_reasons_and_books_nothing_for_a_blocked_patient(receptionist, physician, clinic, setup):
    patient = make_patient(clinic, implants=["pacemaker"])
    data = chosen(physician, patient, setup, protocol=ELECTROPORATION, override="1")
    response = client_for(receptionist).post(URL, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["step"] == "screening"
    assert "Blocked: do not book." in body and "Pacemaker" in body
    assert not Appointment.objects.exists() and not Course.objects.exists()


def test_it_needs_a_physicians_reason_to_override(physician, clinic, setup):
    patient = make_patient(clinic, implants=["pacemaker"])
    data = chosen(physician, patient, setup, protocol=ELECTROPORATION, override="1")
    response = client_for(physician).post(URL, {**data, "override_reason": "  "})
    assert "Write why you override the screening block" in response.content.decode()
    assert not Appointment.objects.exists()


def test_it_books_a_physicians_override_and_records_why(physician, clinic, setup):
    patient = make_patient(clinic, implants=["pacemaker"])
    data = chosen(physician, patient, setup, protocol=ELECTROPORATION, override="1")
    reason = "Cardiologist confirmed the device is MRI-safe and switched off; written clearance on file."
    response = client_for(physician).post(URL, {**data, "override_reason": reason})
    assert response.status_code == 302
    assert Appointment.objects.filter(patient=patient).count() == 6
    override = AuditEvent.objects.get(action="screening.override")
    assert override.data["reason"] == reason
    assert override.actor == physician.user


def test_it_explains_a_time_taken_meanwhile_and_books_nothing(receptionist, clinic, setup):
    patient = make_patient(clinic)
    data = chosen(receptionist, patient, setup)
    book(clinic, setup.location)  # another receptionist takes Monday 09:00 first
    response = client_for(receptionist).post(URL, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was booked." in body
    assert "is not free on" in body
    assert not Appointment.objects.filter(patient=patient).exists()


def test_it_sends_unusable_times_back_to_a_fresh_proposal(receptionist, clinic, setup):
    patient = make_patient(clinic)
    data = {**chosen(receptionist, patient, setup), "s2": "garbage"}
    response = client_for(receptionist).post(URL, data)
    assert response.status_code == 302
    assert "step=dates" in response["Location"] and "s1=" not in response["Location"]
    assert not Appointment.objects.exists()


def test_it_does_not_ask_a_physician_for_a_reason_when_nothing_blocks(physician, clinic, setup):
    patient = make_patient(clinic)
    data = chosen(physician, patient, setup, override="1")
    response = client_for(physician).post(URL, data)
    assert response.status_code == 302
    assert Appointment.objects.filter(patient=patient).count() == 4
    assert not AuditEvent.objects.filter(action="screening.override").exists()


def test_booking_a_series_screens_the_patient_once(receptionist, clinic, setup, monkeypatch):
    from mesoclinic.safety import services as safety_services  # noqa: PLC0415
    from mesoclinic.scheduling.views import wizard  # noqa: PLC0415

    patient = make_patient(clinic)
    data = chosen(receptionist, patient, setup)
    calls = []
    for module in (safety_services, wizard):
        real = module.screen
        monkeypatch.setattr(module, "screen", lambda *a, _real=real, **k: calls.append(1) or _real(*a, **k))
    response = client_for(receptionist).post(URL, data)
    assert response.status_code == 302
    assert len(calls) == 1
    assert patient.screenings.count() == 1
