"""The patient-facing pages behind signed links: opt-out (one button, then confirmation; RFC 8058 POST)
and the late-complication check ("no" logged; "yes" opens an adverse event and alerts Today)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from mesoclinic.notifications import tokens
from mesoclinic.notifications.models import ComplicationAnswer, ContactPreference
from mesoclinic.testing import client_for, make_lot, make_patient, make_schedulable, make_signed_session
from mesoclinic.vigilance.models import AdverseEvent


def test_opt_out_asks_first_then_stops_messages(clinic):
    patient = make_patient(clinic)
    ContactPreference.objects.create(patient=patient, consent=True)
    url = tokens.opt_out_url(patient.pk).removeprefix("http://localhost:8000")
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop all messages" in page.text
    assert (
        ContactPreference.objects.get(patient=patient).opted_out_at is None
    )  # a link scanner's GET does nothing
    done = client.post(url)  # mail clients' one-click POST carries no CSRF token
    assert done.status_code == 200
    assert "You will not receive any more messages" in done.text
    assert ContactPreference.objects.get(patient=patient).opted_out_at is not None


def test_opt_out_works_for_a_patient_without_preferences(clinic):
    patient = make_patient(clinic)
    Client().post(reverse("notifications:opt_out", args=[tokens.opt_out_token(patient.pk)]))
    assert ContactPreference.objects.get(patient=patient).opted_out_at is not None


def test_a_forged_opt_out_link_is_404(clinic):
    patient = make_patient(clinic)
    forged = signing.dumps({"p": patient.pk}, salt="something else")
    response = Client().post(reverse("notifications:opt_out", args=[forged]))
    assert response.status_code == 404
    assert not ContactPreference.objects.exists()


@pytest.fixture
def needle_session(clinic):
    where = make_schedulable(clinic)
    lot = make_lot(clinic)
    patient = make_patient(clinic)
    record = make_signed_session(
        patient, where.practitioner, uses=[(lot, 1)], performed_at=datetime(2026, 6, 1, 10, tzinfo=UTC)
    )
    return record, lot


def _check_url(record):
    due_at = record.performed_at + timedelta(weeks=4)
    return reverse("notifications:check", args=[tokens.check_token(record.pk, due_at)]), due_at


def test_no_is_logged_and_opens_nothing(needle_session):
    record, _ = needle_session
    url, due_at = _check_url(record)
    client = Client()
    assert "lumps, redness or discharge" in client.get(url).text
    response = client.post(url, {"answer": "no"})
    assert "everything is fine" in response.text
    answer = ComplicationAnswer.objects.get()
    assert (answer.answer, answer.session_id, answer.due_at, answer.adverse_event) == (
        "no",
        record.pk,
        due_at,
        None,
    )
    assert not AdverseEvent.objects.exists()


def test_yes_opens_an_adverse_event_linked_to_the_session_and_its_lots(needle_session, clinic, practitioner):
    record, lot = needle_session
    url, _ = _check_url(record)
    response = Client().post(
        url, {"answer": "yes", "description": "A red lump on the left cheek", "details": "Since Monday"}
    )
    assert "will contact you" in response.text
    event = AdverseEvent.objects.get()
    assert event.category == "atypical_mycobacterial_infection"
    assert "A red lump on the left cheek" in event.description
    assert "Since Monday" in event.description
    assert list(event.sessions.all()) == [record]
    assert list(event.lots.all()) == [lot]
    assert ComplicationAnswer.objects.get().adverse_event == event
    today = client_for(practitioner).get(reverse("web:home"))
    assert "Patients reporting a possible late complication" in today.text
    assert "A red lump on the left cheek" in today.text


def test_yes_without_a_description_is_explained_and_nothing_is_saved(needle_session):
    record, _ = needle_session
    url, _ = _check_url(record)
    response = Client().post(url, {"answer": "yes", "description": "  "})
    assert response.status_code == 422
    assert "Tell us what you notice" in response.text
    assert not ComplicationAnswer.objects.exists()
    assert not AdverseEvent.objects.exists()


def test_a_second_answer_to_the_same_check_changes_nothing(needle_session):
    record, _ = needle_session
    url, _ = _check_url(record)
    Client().post(url, {"answer": "no"})
    response = Client().post(url, {"answer": "yes", "description": "lump"})
    assert "Thank you for your answer" in response.text
    assert ComplicationAnswer.objects.get().answer == "no"
    assert not AdverseEvent.objects.exists()


def test_a_forged_check_link_is_404(needle_session):
    record, _ = needle_session
    url, _ = _check_url(record)
    assert Client().get(url[:-3] + "xx/").status_code == 404


def test_the_alert_leaves_today_once_acknowledged_and_only_for_clinical_roles(
    needle_session, clinic, practitioner, receptionist
):
    record, _ = needle_session
    url, _ = _check_url(record)
    Client().post(url, {"answer": "yes", "description": "Discharge from a papule"})
    assert "Discharge from a papule" not in client_for(receptionist).get(reverse("web:home")).text
    answer = ComplicationAnswer.objects.get()
    response = client_for(practitioner).post(reverse("notifications:acknowledge", args=[answer.pk]))
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.acknowledged_at is not None
    assert answer.acknowledged_by == practitioner.user
    assert "Discharge from a papule" not in client_for(practitioner).get(reverse("web:home")).text


def test_acknowledge_is_404_across_clinics_and_post_only(needle_session, outsider, practitioner):
    record, _ = needle_session
    url, _ = _check_url(record)
    Client().post(url, {"answer": "yes", "description": "Lump"})
    answer = ComplicationAnswer.objects.get()
    ack = reverse("notifications:acknowledge", args=[answer.pk])
    assert client_for(outsider).post(ack).status_code == 404
    assert client_for(practitioner).get(ack).status_code == 405
