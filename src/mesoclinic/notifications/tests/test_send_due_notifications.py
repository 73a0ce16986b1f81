"""send_due_notifications with a frozen clock: each kind once when due, never before, never twice; not to
patients without consent or who opted out; held back by quiet hours; retried when a channel fails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mesoclinic.notifications.channels import sms
from mesoclinic.notifications.models import (
    ContactPreference,
    Delivery,
    DeliveryStatus,
    Kind,
    MessageTemplate,
    SkipReason,
)
from mesoclinic.notifications.selectors import due_messages
from mesoclinic.notifications.services import (
    MAX_ATTEMPTS,
    send_due_notifications,
    send_due_notifications_task,
)
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import AppointmentStatus, Course, MaintenanceRecall
from mesoclinic.testing import make_patient, make_schedulable, make_signed_session
from mesoclinic.testing.notifications import contactable, make_appointment, make_course
from mesoclinic.treatments.models import SessionRecord

LOCMEM_SMS = "mesoclinic.notifications.channels.sms.LocmemSmsBackend"


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    settings.SMS_BACKEND = LOCMEM_SMS
    sms.outbox.clear()


@pytest.fixture
def where(clinic):
    return make_schedulable(clinic)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return send_due_notifications()


# --- Appointment reminders ---------------------------------------------------------------------------------

# 12:00 UTC is 14:00 in Warsaw (the test clinic's zone) in June: outside the default quiet hours 21–08.
START = at(2026, 6, 12, 12)


def test_it_sends_the_48_hour_reminder_once_when_due_and_not_before(clinic, where):
    patient = contactable(make_patient(clinic))
    appointment = make_appointment(patient, where, START)
    run(START - timedelta(hours=48, minutes=1))
    assert mail.outbox == []
    run(START - timedelta(hours=48))
    run(START - timedelta(hours=47, minutes=55))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.org"]
    assert "2026-06-12 14:00" in mail.outbox[0].body  # the clinic's local time
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.object_id, delivery.status) == (Kind.REMINDER, appointment.pk, "sent")
    assert delivery.due_at == START - timedelta(hours=48)
    assert delivery.provider_id == mail.outbox[0].extra_headers["Message-ID"]


def test_it_sends_the_2_hour_reminder_as_a_second_message(clinic, where):
    patient = contactable(make_patient(clinic))
    make_appointment(patient, where, START)
    run(START - timedelta(hours=48))
    run(START - timedelta(hours=2, minutes=1))
    assert len(mail.outbox) == 1
    run(START - timedelta(hours=2))
    run(START - timedelta(hours=1))
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(status="sent").count() == 2


def test_a_cancelled_appointment_gets_no_reminder(clinic, where):
    patient = contactable(make_patient(clinic))
    make_appointment(patient, where, START, status=AppointmentStatus.CANCELLED)
    run(START - timedelta(hours=48))
    run(START - timedelta(hours=2))
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_a_patient_without_consent_gets_nothing_and_the_skip_is_logged(clinic, where):
    patient = make_patient(clinic)
    patient.email = "nina@example.org"
    patient.save(update_fields=["email"])
    make_appointment(patient, where, START)
    run(START - timedelta(hours=48))
    run(START - timedelta(hours=47))
    assert mail.outbox == []
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.reason, delivery.body) == (
        DeliveryStatus.SKIPPED,
        SkipReason.NO_CONSENT,
        "",
    )


def test_a_patient_who_opted_out_gets_nothing(clinic, where):
    patient = contactable(make_patient(clinic))
    ContactPreference.objects.filter(patient=patient).update(opted_out_at=START - timedelta(days=5))
    make_appointment(patient, where, START)
    run(START - timedelta(hours=48))
    assert mail.outbox == []
    assert Delivery.objects.get().reason == SkipReason.OPTED_OUT


def test_a_patient_without_an_address_for_the_channel_is_skipped(clinic, where):
    patient = contactable(make_patient(clinic), sms=True)  # SMS chosen, no phone number
    make_appointment(patient, where, START)
    run(START - timedelta(hours=48))
    assert len(mail.outbox) == 1
    assert sms.outbox == []
    assert Delivery.objects.get(channel="sms").reason == SkipReason.NO_ADDRESS


def test_quiet_hours_hold_a_reminder_until_they_end(clinic, where):
    patient = contactable(make_patient(clinic))
    early = at(2026, 6, 12, 7)  # 09:00 in Warsaw; the 2-hour reminder falls at 07:00 local, in quiet hours
    make_appointment(patient, where, early)
    summary = run(early - timedelta(hours=2))
    assert mail.outbox == []
    assert summary.deferred == 1
    run(at(2026, 6, 12, 5, 55))
    assert mail.outbox == []
    run(at(2026, 6, 12, 6))  # 08:00 local: quiet hours are over
    assert len(mail.outbox) == 1
    # Both lead times had passed by then: the patient gets the nearer one only.
    assert Delivery.objects.get().due_at == early - timedelta(hours=2)


def test_a_clinic_without_its_phone_holds_every_message_until_the_owner_gives_it(clinic, where):
    """No patient ever reads "please call us on ." (issue 12, item 7)."""
    from mesoclinic.accounts.services import update_clinic_details  # noqa: PLC0415

    update_clinic_details(clinic, phone="", actor=None)
    patient = contactable(make_patient(clinic))
    make_appointment(patient, where, START)
    summary = run(START - timedelta(hours=48))
    assert mail.outbox == []
    assert summary.deferred == 1
    assert not Delivery.objects.exists()
    update_clinic_details(clinic, phone="+48 22 555 01 01", actor=None)
    run(START - timedelta(hours=47, minutes=55))
    [message] = mail.outbox
    assert "+48 22 555 01 01" in message.body


def test_sms_goes_out_in_the_patients_language(clinic, where):
    patient = contactable(make_patient(clinic), email="", phone="+48600100200", sms=True, language="pl")
    make_appointment(patient, where, START)
    run(START - timedelta(hours=2))
    assert len(sms.outbox) == 1
    assert sms.outbox[0].to == "+48600100200"
    assert "przypomnienie o wizycie 12.06.2026 14:00" in sms.outbox[0].body  # Polish date and time
    assert "/notifications/opt-out/" in sms.outbox[0].body
    assert Delivery.objects.get(channel="sms").language == "pl"


def test_a_clinic_template_replaces_the_default(clinic, where, owner):
    MessageTemplate.objects.create(
        clinic=clinic,
        kind="reminder",
        channel="email",
        language="en",
        subject="See you {{ when }}",
        body="Hi {{ name }}",
    )
    patient = contactable(make_patient(clinic))
    make_appointment(patient, where, START)
    run(START - timedelta(hours=2))
    message = mail.outbox[0]
    assert message.subject == "See you 2026-06-12 14:00"
    assert message.body.startswith("Hi Test\n\nhttp://localhost:8000/notifications/opt-out/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_failed_message_is_retried_with_backoff_then_left_failed(clinic, where):
    MessageTemplate.objects.create(
        clinic=clinic, kind="reminder", channel="sms", language="en", body="FAIL-SMS"
    )
    patient = contactable(make_patient(clinic), email="", phone="+48600100200", sms=True)
    make_appointment(patient, where, START)
    first = START - timedelta(hours=48)
    run(first)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.next_attempt_at == first + timedelta(minutes=5)
    run(first + timedelta(minutes=4))
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    moment = first
    for attempt in range(2, MAX_ATTEMPTS + 1):
        moment = delivery.next_attempt_at
        run(moment)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
    assert delivery.next_attempt_at is None
    run(moment + timedelta(hours=5))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (
        DeliveryStatus.FAILED,
        MAX_ATTEMPTS,
        "Test backend told to fail.",
    )
    assert Delivery.objects.count() == 1


# --- Series continuation -----------------------------------------------------------------------------------


def _course_with_first_session_done(clinic, where, patient):
    course = make_course(patient, sessions=4, interval_days=14, tolerance_days=2)
    make_appointment(
        patient, where, at(2026, 6, 1, 10), status=AppointmentStatus.COMPLETED, course=course, session_index=1
    )
    return course


def test_it_asks_to_book_the_next_session_a_week_before_its_window(clinic, where):
    patient = contactable(make_patient(clinic))
    course = _course_with_first_session_done(clinic, where, patient)
    make_appointment(
        patient,
        where,
        at(2026, 6, 15, 10),
        status=AppointmentStatus.CANCELLED,
        course=course,
        session_index=2,
    )
    # Window 13–17 June; ask on 6 June, local midnight (quiet hours): sent when they end at 08:00 local.
    run(at(2026, 6, 5, 12))
    run(at(2026, 6, 6, 5, 59))
    assert mail.outbox == []
    run(at(2026, 6, 6, 6))
    run(at(2026, 6, 7, 12))
    assert len(mail.outbox) == 1
    assert "between 2026-06-13 and 2026-06-17" in mail.outbox[0].body
    assert Delivery.objects.get().object_id == course.pk


def test_a_booked_next_session_stops_the_continuation_message(clinic, where):
    patient = contactable(make_patient(clinic))
    course = _course_with_first_session_done(clinic, where, patient)
    make_appointment(patient, where, at(2026, 6, 15, 10), course=course, session_index=2)
    run(at(2026, 6, 6, 12))
    run(at(2026, 6, 10, 12))
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_a_finished_series_gets_no_continuation_message(clinic, where):
    patient = contactable(make_patient(clinic))
    course = make_course(patient, sessions=1)
    make_appointment(
        patient, where, at(2026, 6, 1, 10), status=AppointmentStatus.COMPLETED, course=course, session_index=1
    )
    run(at(2026, 6, 10, 12))
    assert mail.outbox == []


# --- Maintenance recall ------------------------------------------------------------------------------------


def test_it_sends_the_maintenance_recall_two_weeks_before_it_is_due(clinic, where):
    patient = contactable(make_patient(clinic))
    course = make_course(patient, sessions=1)
    MaintenanceRecall.objects.create(clinic=clinic, patient=patient, course=course, due_on=date(2026, 12, 1))
    run(at(2026, 11, 16, 12))
    assert mail.outbox == []
    run(at(2026, 11, 17, 12))
    run(at(2026, 11, 18, 12))
    assert len(mail.outbox) == 1
    assert "around 2026-12-01" in mail.outbox[0].body


def test_a_dismissed_recall_is_not_sent(clinic, where):
    patient = contactable(make_patient(clinic))
    MaintenanceRecall.objects.create(
        clinic=clinic,
        patient=patient,
        course=make_course(patient),
        due_on=date(2026, 12, 1),
        status="dismissed",
    )
    run(at(2026, 11, 20, 12))
    assert mail.outbox == []


# --- Aftercare ---------------------------------------------------------------------------------------------


def test_it_sends_the_aftercare_text_once_the_session_is_signed(clinic, where):
    patient = contactable(make_patient(clinic))
    signed = at(2026, 6, 1, 10)
    record = make_signed_session(patient, where.practitioner, performed_at=signed)
    SessionRecord.objects.filter(pk=record.pk).update(aftercare="No make-up for 12 hours.")
    run(signed - timedelta(minutes=1))
    assert mail.outbox == []
    run(signed + timedelta(minutes=5))
    run(signed + timedelta(minutes=10))
    assert len(mail.outbox) == 1
    assert "No make-up for 12 hours." in mail.outbox[0].body


def test_a_draft_session_gets_no_aftercare_message(clinic, where):
    patient = contactable(make_patient(clinic))
    SessionRecord.objects.create(
        clinic=clinic,
        patient=patient,
        practitioner=where.practitioner,
        modality="needle",
        performed_at=at(2026, 6, 1, 10),
        aftercare="Rest.",
    )
    run(at(2026, 6, 1, 11))
    assert mail.outbox == []


# --- Late-complication checks ------------------------------------------------------------------------------


def test_it_asks_about_late_complications_at_4_and_8_weeks_after_a_needle_session(clinic, where):
    patient = contactable(make_patient(clinic))
    performed = at(2026, 6, 1, 10)
    record = make_signed_session(patient, where.practitioner, performed_at=performed)
    run(performed + timedelta(weeks=4) - timedelta(minutes=1))
    assert mail.outbox == []
    run(performed + timedelta(weeks=4))
    run(performed + timedelta(weeks=4, days=1))
    assert len(mail.outbox) == 1
    assert "lumps, redness or discharge" in mail.outbox[0].body
    assert "/notifications/check/" in mail.outbox[0].body
    run(performed + timedelta(weeks=8))
    run(performed + timedelta(weeks=8, hours=3))
    assert len(mail.outbox) == 2
    assert sorted(Delivery.objects.values_list("due_at", flat=True)) == [
        performed + timedelta(weeks=4),
        performed + timedelta(weeks=8),
    ]
    assert set(Delivery.objects.values_list("object_id", flat=True)) == {record.pk}


def test_a_needle_free_session_gets_no_complication_check(clinic, where):
    patient = contactable(make_patient(clinic))
    performed = at(2026, 6, 1, 10)
    make_signed_session(patient, where.practitioner, performed_at=performed, modality="electroporation")
    run(performed + timedelta(weeks=4))
    assert mail.outbox == []


# --- The worker's task -------------------------------------------------------------------------------------


def test_the_task_sends_what_is_due_at_the_frozen_now(clinic, where):
    patient = contactable(make_patient(clinic))
    make_appointment(patient, where, START)
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        result = send_due_notifications_task.enqueue()
    assert result.return_value == {"sent": 1, "failed": 0, "skipped": 0, "deferred": 0, "retried": 0}
    assert len(mail.outbox) == 1


def test_computing_what_is_due_costs_the_same_queries_for_one_course_or_many(clinic, where):
    def queries_with(courses: int) -> int:
        for _ in range(courses):
            patient = contactable(make_patient(clinic))
            course = make_course(patient, sessions=4, interval_days=14, tolerance_days=2)
            done = at(2026, 6, 1, 8) + timedelta(hours=Course.objects.count())  # one practitioner: no overlap
            make_appointment(patient, where, done, status=AppointmentStatus.COMPLETED, course=course)
        with CaptureQueriesContext(connection) as queries:
            due = due_messages(at(2026, 6, 7, 12))
        assert {d.kind for d in due} == {Kind.CONTINUATION}
        return len(queries)

    assert queries_with(1) == queries_with(3)


def test_a_restricted_patient_is_sent_nothing(clinic, where):
    patient = contactable(make_patient(clinic))
    make_appointment(patient, where, START)
    Patient.objects.filter(pk=patient.pk).update(restricted_at=START - timedelta(days=1))
    summary = run(START - timedelta(hours=2))
    assert (summary.sent, Delivery.objects.count(), len(mail.outbox)) == (0, 0, 0)
