"""Signing a session record: all checks first, then stock, lock and completion in one transaction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from mesoclinic.audit.models import AuditEvent
from mesoclinic.inventory.models import MovementKind, StockMovement
from mesoclinic.scheduling.models import AppointmentStatus, Course, MaintenanceRecall
from mesoclinic.scheduling.services import cancel_appointment, record_treated_elsewhere
from mesoclinic.testing.treatments import balance, ready_draft
from mesoclinic.treatments.dayof import NOTHING_NEW
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.services import (
    SessionSignError,
    record_day_of_screening,
    sign_session,
    update_session_draft,
)

pytestmark = pytest.mark.django_db


def test_it_locks_the_record_with_the_signer(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    record.refresh_from_db()
    assert record.status == SessionRecord.Status.SIGNED
    assert record.signed_by == practitioner.user
    assert record.signed_at is not None
    assert record.consent is not None


def test_it_deducts_each_lot_and_links_the_movement(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    for line in record.products.all():
        assert line.movement.kind == MovementKind.USE
        assert line.movement.quantity == -line.quantity
    ha = record.products.get(lot__lot_number="HA-2031").lot
    assert balance(ha) == Decimal(8)


def test_it_completes_the_appointment(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    record.appointment.refresh_from_db()
    assert record.appointment.status == AppointmentStatus.COMPLETED
    assert record.appointment.completion == "signed_record"
    event = AuditEvent.objects.get(action="appointment.completed", object_id=str(record.appointment_id))
    assert event.data == {"completion": "signed_record"} and event.actor == practitioner.user


def test_it_refuses_to_sign_before_the_appointments_day(clinic, practitioner):
    record = ready_draft(clinic)
    with (
        time_machine.travel(record.appointment.starts_at - timedelta(days=1), tick=False),
        pytest.raises(SessionSignError) as refused,
    ):
        sign_session(record, actor=practitioner.user)
    assert any("cannot be completed before its day" in reason for reason in refused.value.reasons)
    record.refresh_from_db()
    record.appointment.refresh_from_db()
    assert record.status == SessionRecord.Status.DRAFT
    assert record.appointment.status == AppointmentStatus.BOOKED


def test_it_refuses_to_sign_the_record_of_a_cancelled_appointment(clinic, practitioner):
    record = ready_draft(clinic)
    cancel_appointment(record.appointment, reason="Patient called: flu", actor=None)
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=practitioner.user)
    assert "A cancelled appointment cannot be completed." in refused.value.reasons
    record.refresh_from_db()
    assert record.status == SessionRecord.Status.DRAFT


def test_signing_the_last_session_of_a_course_creates_its_recall(clinic, practitioner, physician):
    record = ready_draft(clinic)
    course = record.appointment.course
    later = list(course.appointments.exclude(pk=record.appointment_id).order_by("session_index"))
    with time_machine.travel(later[-1].starts_at + timedelta(hours=1), tick=False):
        for appointment in later:
            record_treated_elsewhere(
                appointment, reason="Treated at the partner clinic.", actor=physician.user
            )
    assert not MaintenanceRecall.objects.filter(course=course).exists()
    with time_machine.travel(later[-1].starts_at + timedelta(hours=2), tick=False):
        sign_session(record, actor=practitioner.user)
    course.refresh_from_db()
    assert course.status == Course.Status.COMPLETED
    assert MaintenanceRecall.objects.filter(course=course).exists()


def test_it_refuses_an_expired_lot_and_writes_nothing(clinic, practitioner):
    record = ready_draft(clinic, expired=True)
    movements = StockMovement.objects.count()
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=practitioner.user)
    assert any("LI-OLD" in reason and "expired on 30 June 2030" in reason for reason in refused.value.reasons)
    record.refresh_from_db()
    assert record.status == SessionRecord.Status.DRAFT
    assert StockMovement.objects.count() == movements
    assert not record.products.filter(movement__isnull=False).exists()
    record.appointment.refresh_from_db()
    assert record.appointment.status == AppointmentStatus.BOOKED


def test_it_refuses_without_consent(clinic, practitioner):
    record = ready_draft(clinic, consent=False)
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=practitioner.user)
    assert any("no valid consent" in reason for reason in refused.value.reasons)
    record.refresh_from_db()
    assert record.status == SessionRecord.Status.DRAFT


def test_it_refuses_before_the_day_of_screening(clinic, practitioner):
    record = ready_draft(clinic)
    SessionRecord.objects.filter(pk=record.pk).update(screening=None)
    with pytest.raises(SessionSignError, match="day-of screening"):
        sign_session(record, actor=practitioner.user)


def test_it_refuses_a_blocking_day_of_screening(clinic, practitioner):
    record = ready_draft(clinic)
    record_day_of_screening(record, {**NOTHING_NEW, "active_herpes": True}, actor=None)
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=practitioner.user)
    assert any("Screening blocks" in reason for reason in refused.value.reasons)


def test_a_practitioner_cannot_override(clinic, practitioner):
    record = ready_draft(clinic, consent=False)
    with pytest.raises(SessionSignError):
        sign_session(record, actor=practitioner.user, override_reason="I am sure")


def test_a_physician_override_signs_and_is_audited(clinic, physician):
    record = ready_draft(clinic, consent=False)
    record_day_of_screening(record, {**NOTHING_NEW, "active_herpes": True}, actor=None)
    sign_session(record, actor=physician.user, override_reason="Lesion healed, checked by me")
    record.refresh_from_db()
    assert record.is_signed
    assert record.override_reason == "Lesion healed, checked by me"
    assert record.override_by == physician.user
    event = AuditEvent.objects.get(action="session.override", object_id=str(record.pk))
    assert event.data["reason"] == "Lesion healed, checked by me"


def test_it_refuses_a_needle_session_without_products(clinic, practitioner):
    record = ready_draft(clinic)
    update_session_draft(record, actor=None, products=[])
    with pytest.raises(SessionSignError, match="no product is recorded"):
        sign_session(record, actor=practitioner.user)


def test_it_refuses_when_a_cocktail_product_has_no_lot(clinic, practitioner):
    record = ready_draft(clinic)
    update_session_draft(
        record, actor=None, products=[(record.products.get(lot__lot_number="HA-2031").lot, 1)]
    )
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=practitioner.user)
    assert any("missing: Lidocaine" in reason for reason in refused.value.reasons)


def test_it_refuses_parameters_out_of_range(clinic, practitioner):
    record = ready_draft(clinic)
    # Saved in range, then the modality's range narrowed (the catalog changed): signing checks again.
    modality = record.protocol.modality
    modality.parameters = [{**d, "max": 1} if d["code"] == "depth_mm" else d for d in modality.parameters]
    modality.save(update_fields=["parameters"])
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=practitioner.user)
    assert any("Injection depth must be 0.5–1 mm" in reason for reason in refused.value.reasons)


def test_it_refuses_a_signed_record(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    with pytest.raises(Exception, match="signed and locked"):
        sign_session(record, actor=practitioner.user)


def test_it_refuses_while_a_day_of_question_is_unanswered(clinic, practitioner):
    record = ready_draft(clinic)
    answers = {**NOTHING_NEW}
    del answers["breastfeeding"]
    record_day_of_screening(record, answers, actor=None)
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=practitioner.user)
    assert any("Is the patient breastfeeding?" in reason for reason in refused.value.reasons)
    record.refresh_from_db()
    assert record.status == SessionRecord.Status.DRAFT


def test_it_refuses_a_patient_whose_history_was_never_taken_even_for_a_physician(clinic, physician):
    record = ready_draft(clinic)
    record.patient.medical_history.status = "not_taken"
    record.patient.medical_history.save(update_fields=["status"])
    record_day_of_screening(record, NOTHING_NEW, actor=None)
    with pytest.raises(SessionSignError) as refused:
        sign_session(record, actor=physician.user, override_reason="I know the patient")
    assert any(reason.startswith("History needed") for reason in refused.value.reasons)
    record.refresh_from_db()
    assert record.status == SessionRecord.Status.DRAFT
