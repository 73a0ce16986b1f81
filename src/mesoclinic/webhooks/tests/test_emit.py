"""Events come from the audit rows the services write: booked, cancelled, signed, reported — sent after commit,
to subscribed, active endpoints of the same clinic only, with ids and times and no personal data."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mesoclinic.audit.services import record_event
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series, cancel_appointment
from mesoclinic.testing import make_patient, make_schedulable, make_signed_session
from mesoclinic.vigilance.services import report_adverse_event
from mesoclinic.webhooks import services
from mesoclinic.webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
ALL = ["appointment.booked", "appointment.cancelled", "session.signed", "adverse_event.reported"]


@pytest.fixture
def endpoint(clinic, owner, receiver):
    endpoint = services.create_endpoint(clinic, url=receiver.url, events=ALL, actor=owner.user)
    receiver.secret = endpoint.secret
    return endpoint


def _book(clinic, patient=None):
    setup = make_schedulable(clinic)
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    sessions = propose_series(setup.location, protocol, earliest=MONDAY).sessions
    return book_series(patient or make_patient(clinic), protocol, setup.location, sessions, actor=None)


def test_booking_a_series_sends_one_signed_event_per_appointment(
    clinic, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        course = _book(clinic)
    appointments = list(course.appointments.order_by("session_index"))
    assert len(receiver.requests) == len(appointments) > 1
    assert all(r.verified for r in receiver.requests)
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert {b["type"] for b in bodies} == {"appointment.booked"}
    first = bodies[0]["data"]["appointment"]
    assert first == {
        "id": appointments[0].pk,
        "status": "booked",
        "starts_at": appointments[0].starts_at.isoformat(),
        "ends_at": appointments[0].ends_at.isoformat(),
        "patient_id": course.patient_id,
        "course_id": course.pk,
        "session_index": 1,
        "location_id": appointments[0].location_id,
        "practitioner_id": appointments[0].practitioner_id,
    }
    assert course.patient.family_name not in receiver.requests[0].body.decode()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_cancelling_sends_appointment_cancelled(
    clinic, endpoint, receiver, django_capture_on_commit_callbacks
):
    course = _book(clinic)
    first = course.appointments.get(session_index=1)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(first, reason="Patient called: flu", actor=None)
    (request,) = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "appointment.cancelled"
    assert body["data"]["appointment"]["id"] == first.pk
    assert body["data"]["appointment"]["status"] == "cancelled"
    assert body["data"]["appointment"]["cancelled_at"]
    assert "flu" not in request.body.decode()


def test_a_signed_session_and_a_reported_event_are_sent(
    clinic, practitioner, endpoint, receiver, django_capture_on_commit_callbacks
):
    patient = make_patient(clinic)
    record = make_signed_session(patient, practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        record_event("session.sign", record, actor=practitioner.user)
        event = report_adverse_event(
            patient,
            category="erythema",
            severity="mild",
            onset_on=date(2026, 6, 2),
            description="Redness on the left cheek",
            sessions=[record],
            actor=practitioner.user,
        )
    signed, reported = (json.loads(r.body) for r in receiver.requests)
    assert signed["type"] == "session.signed"
    assert signed["data"]["session"]["id"] == record.pk
    assert signed["data"]["session"]["signed_at"] == record.signed_at.isoformat()
    assert reported["type"] == "adverse_event.reported"
    assert reported["data"]["adverse_event"] == {
        "id": event.pk,
        "patient_id": patient.pk,
        "onset_on": "2026-06-02",
        "reported_at": event.reported_at.isoformat(),
        "session_ids": [record.pk],
    }
    assert "Redness" not in receiver.requests[1].body.decode()


def test_only_subscribed_active_endpoints_of_the_clinic_get_events(clinic, other_clinic, owner, endpoint):
    only_cancel = services.create_endpoint(
        clinic, url="https://a.example.com/h", events=["appointment.cancelled"], actor=owner.user
    )
    disabled = services.create_endpoint(clinic, url="https://b.example.com/h", events=ALL, actor=owner.user)
    services.set_endpoint_active(disabled, active=False, actor=owner.user)
    elsewhere = services.create_endpoint(other_clinic, url="https://c.example.com/h", events=ALL, actor=None)
    _book(clinic)
    targets = set(WebhookDelivery.objects.values_list("endpoint_id", flat=True))
    assert targets == {endpoint.pk}
    assert not {only_cancel.pk, disabled.pk, elsewhere.pk} & targets


def test_a_rolled_back_change_sends_nothing(clinic, endpoint, receiver, django_capture_on_commit_callbacks):
    course = _book(clinic)
    first = course.appointments.get(session_index=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        cancel_appointment(first, reason="", actor=None)
        assert WebhookEvent.objects.filter(type="appointment.cancelled").exists()
        transaction.set_rollback(True)
    assert callbacks == []
    assert receiver.requests == []
    assert not WebhookEvent.objects.filter(type="appointment.cancelled").exists()


def test_a_clinic_without_endpoints_writes_nothing(clinic, practitioner):
    record = make_signed_session(make_patient(clinic), practitioner)
    with CaptureQueriesContext(connection) as plain:  # an action no webhook carries: the audit row alone
        record_event("session.view", record, actor=None)
    with CaptureQueriesContext(connection) as signed:
        record_event("session.sign", record, actor=None)
    assert len(signed) == len(plain) + 1  # one look for endpoints
    assert not WebhookEvent.objects.exists()


def test_a_failing_receiver_costs_one_attempt_per_booking_the_sweep_sends_the_rest(
    clinic, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.script = [503]
    with django_capture_on_commit_callbacks(execute=True):
        course = _book(clinic)
    sessions = course.appointments.count()
    assert len(receiver.requests) == 1
    statuses = sorted(WebhookDelivery.objects.values_list("attempts", flat=True))
    assert statuses == [0] * (sessions - 1) + [1]
    assert services.deliver_due() == {"succeeded": sessions - 1}
    assert len(receiver.requests) == sessions
