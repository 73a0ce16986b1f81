"""Factories of the notification tests: appointments and courses written straight to the tables."""

from __future__ import annotations

from datetime import datetime, timedelta

from mesoclinic.accounts.models import Clinic
from mesoclinic.catalog.models import Protocol
from mesoclinic.notifications.models import ContactPreference
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment, AppointmentCompletion, AppointmentStatus, Course
from mesoclinic.testing import Schedulable


def needle_protocol(clinic: Clinic) -> Protocol:
    found = Protocol.objects.filter(clinic=clinic, modality__code="needle").order_by("pk").first()
    assert found is not None
    return found


def make_appointment(
    patient: Patient,
    where: Schedulable,
    starts_at: datetime,
    *,
    status: str = AppointmentStatus.BOOKED,
    course: Course | None = None,
    session_index: int = 1,
) -> Appointment:
    return Appointment.objects.create(
        clinic=patient.clinic,
        location=where.location,
        patient=patient,
        protocol=course.protocol if course else needle_protocol(patient.clinic),
        course=course,
        session_index=session_index,
        practitioner=where.practitioner,
        room=where.room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        blocked_until=starts_at + timedelta(minutes=40),
        status=status,
        # A completed session counts only with a signed record or a physician's "treated elsewhere".
        completion=AppointmentCompletion.ELSEWHERE if status == AppointmentStatus.COMPLETED else "",
        completion_reason="Recorded on paper." if status == AppointmentStatus.COMPLETED else "",
    )


def make_course(
    patient: Patient, *, sessions: int = 4, interval_days: int = 14, tolerance_days: int = 2
) -> Course:
    return Course.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=needle_protocol(patient.clinic),
        modality="needle",
        sessions=sessions,
        interval_days=interval_days,
        tolerance_days=tolerance_days,
        maintenance_interval_months=6,
    )


def contactable(
    patient: Patient,
    *,
    email: str = "anna@example.org",
    phone: str = "",
    sms: bool = False,
    language: str = "",
) -> Patient:
    """Give the patient an address and consent to be contacted (by e-mail, and SMS when ``sms``)."""
    patient.email, patient.phone = email, phone
    patient.save(update_fields=["email", "phone"])
    ContactPreference.objects.update_or_create(
        patient=patient, defaults={"consent": True, "email": bool(email), "sms": sms, "language": language}
    )
    return patient
