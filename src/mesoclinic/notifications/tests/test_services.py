"""Services beside the sender: one row per message even when two runs race, retries held by quiet hours,
plain-text rendering, audit rows, settings and template checks."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from mesoclinic.audit.models import AuditEvent
from mesoclinic.notifications import selectors, services
from mesoclinic.notifications.channels import sms
from mesoclinic.notifications.models import Delivery, DeliveryStatus, Kind, MessageTemplate
from mesoclinic.testing import make_patient, make_schedulable
from mesoclinic.testing.notifications import contactable, make_appointment

START = datetime(2026, 6, 12, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    settings.SMS_BACKEND = "mesoclinic.notifications.channels.sms.LocmemSmsBackend"
    sms.outbox.clear()


def test_a_second_run_that_computed_the_same_message_does_not_insert_it_again(clinic):
    patient = contactable(make_patient(clinic))
    make_appointment(patient, make_schedulable(clinic), START)
    (due,) = selectors.due_messages(START - timedelta(hours=2))
    preference = selectors.preference_for(patient)
    first = services._create_delivery(due, "email", preference)
    second = services._create_delivery(due, "email", preference)  # as a concurrent worker would
    assert first is not None
    assert second is None
    assert Delivery.objects.count() == 1


def test_a_retry_waits_for_the_end_of_quiet_hours(clinic):
    MessageTemplate.objects.create(
        clinic=clinic, kind="reminder", channel="sms", language="en", body="FAIL-SMS"
    )
    patient = contactable(make_patient(clinic), email="", phone="+48600100200", sms=True)
    make_appointment(patient, make_schedulable(clinic), datetime(2026, 6, 12, 19, 30, tzinfo=UTC))
    services.send_due_notifications(
        datetime(2026, 6, 12, 18, 55, tzinfo=UTC)
    )  # 20:55 local: just before 21:00
    delivery = Delivery.objects.get()
    assert delivery.attempts == 1
    services.send_due_notifications(datetime(2026, 6, 12, 19, 5, tzinfo=UTC))  # 21:05 local: quiet
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    services.send_due_notifications(datetime(2026, 6, 13, 6, tzinfo=UTC))  # 08:00 local
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_messages_are_plain_text_not_html_escaped(clinic):
    clinic.name = "Rosa & Co <Aesthetics>"
    clinic.save(update_fields=["name"])
    subject, body = services.render_message(
        clinic.pk, Kind.AFTERCARE, "email", "en", {"clinic": clinic.name, "aftercare": "Don't rub"}
    )
    assert "Rosa & Co <Aesthetics>" in body
    assert "Don't rub" in body
    assert subject == "Aftercare after your treatment"


def test_a_run_writes_one_audit_row_per_clinic_with_the_counts(clinic):
    patient = contactable(make_patient(clinic))
    make_appointment(patient, make_schedulable(clinic), START)
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        services.send_due_notifications()
        services.send_due_notifications()
    (event,) = AuditEvent.objects.filter(action="notifications.run")
    assert event.clinic == clinic
    assert event.data == {"sent": 1}
    assert len(mail.outbox) == 1


def test_a_permanent_failure_is_not_retried(clinic, provider):
    provider.status, provider.body = 400, b'{"error": "invalid number"}'
    patient = contactable(make_patient(clinic), email="", phone="+4860", sms=True)
    make_appointment(patient, make_schedulable(clinic), START)
    services.send_due_notifications(START - timedelta(hours=2))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 1, None)
    assert delivery.error == "The SMS provider rejected the message: invalid number"
    assert provider.requests[0]["json"]["reference"] == str(delivery.pk)
    # Kept as English text and as words: the delivery log shows it in each reader's language (issue 15).
    assert delivery.error_template == "The SMS provider rejected the message: %(detail)s"
    with translation.override("pl"):
        assert delivery.error_text == "Dostawca SMS odrzucił wiadomość: invalid number"
    Delivery.objects.filter(pk=delivery.pk).update(error_template="", error_params={})
    delivery.refresh_from_db()
    with translation.override("pl"):
        assert delivery.error_text == "The SMS provider rejected the message: invalid number"  # an older row


def test_the_provider_id_is_kept(clinic, provider):
    patient = contactable(make_patient(clinic), email="", phone="+48600100200", sms=True)
    make_appointment(patient, make_schedulable(clinic), START)
    services.send_due_notifications(START - timedelta(hours=2))
    assert Delivery.objects.get().provider_id == "msg-123"


def test_settings_refuse_a_lead_time_of_zero(clinic, owner):
    with pytest.raises(ValidationError):
        services.update_notification_settings(
            clinic,
            reminder_lead_hours=[0],
            quiet_start=time(21),
            quiet_end=time(8),
            recall_lead_days=14,
            continuation_lead_days=7,
            actor=owner.user,
        )


def test_a_template_of_an_unknown_kind_is_refused(clinic, owner):
    with pytest.raises(ValidationError):
        services.save_message_template(
            clinic, kind="birthday", channel="email", language="en", subject="", body="Hi", actor=owner.user
        )


def test_an_sms_template_keeps_no_subject(clinic, owner):
    template = services.save_message_template(
        clinic,
        kind="recall",
        channel="sms",
        language="pl",
        subject="ignored",
        body="Hej {{ name }}",
        actor=owner.user,
    )
    assert (template.subject, template.body) == ("", "Hej {{ name }}")
    assert AuditEvent.objects.filter(action="notifications.template").count() == 1


def test_the_language_falls_back_to_the_patients_then_english(clinic):
    patient = make_patient(clinic)
    patient.preferred_language = "pl"
    assert selectors.language_for(patient, None) == "pl"
    patient.preferred_language = "fr"
    assert selectors.language_for(patient, None) == "en"


def _queries_to_send(clinic, where, count, offset):
    for n in range(count):
        patient = contactable(make_patient(clinic), email=f"p{offset + n}@example.org")
        make_appointment(patient, where, START + timedelta(days=offset, hours=n))
    with CaptureQueriesContext(connection) as queries:
        summary = services.send_due_notifications(START + timedelta(days=offset) - timedelta(hours=2))
    assert summary.sent == count
    return len(queries)


def test_each_message_costs_the_same_few_queries_whatever_their_number(clinic):
    """Reads are batched; what grows with the messages is the row's insert (in a savepoint) and its update."""
    where = make_schedulable(clinic)
    MessageTemplate.objects.create(clinic=clinic, kind="reminder", channel="email", language="en", body="Hi")
    two = _queries_to_send(clinic, where, 2, offset=0)
    six = _queries_to_send(clinic, where, 6, offset=10)
    # savepoint, the restriction guard's check (privacy), insert, release, update: none per template
    assert six - two == 4 * 5


def test_a_retry_with_nothing_else_due_is_sent_and_audited_under_its_clinic(clinic):
    patient = make_patient(clinic)
    delivery = Delivery.objects.create(
        clinic=clinic,
        patient=patient,
        kind=Kind.AFTERCARE,
        object_id=1,
        due_at=START - timedelta(days=3),
        channel="sms",
        status=DeliveryStatus.FAILED,
        attempts=1,
        to="+48600100200",
        body="Rest today.",
        next_attempt_at=START - timedelta(minutes=1),
    )
    summary = services.send_due_notifications(START)
    delivery.refresh_from_db()
    assert (summary.retried, delivery.status, delivery.attempts) == (1, DeliveryStatus.SENT, 2)
    assert [m.body for m in sms.outbox] == ["Rest today."]
    assert AuditEvent.objects.get(action="notifications.run").clinic == clinic


def test_the_service_refuses_a_template_that_would_print_an_empty_clinic_phone(clinic, owner):
    clinic.phone = ""
    with pytest.raises(ValidationError) as refused:
        services.save_message_template(
            clinic,
            kind="reminder",
            channel="sms",
            language="en",
            subject="",
            body="Call {{ clinic_phone }}",
            actor=owner.user,
        )
    assert "body" in refused.value.message_dict
