"""Writes about courses: starting one when a series is booked, completing it, the maintenance recall."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from mesoclinic.audit.services import record_event
from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.models import Patient
from mesoclinic.treatments.models import Course, MaintenanceRecall


def add_months(day: date, months: int) -> date:
    """The same calendar day ``months`` later, clamped to the month's end (31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def start_course(patient: Patient, protocol: Protocol, *, actor: Any) -> Course:
    """A new course of ``protocol``, its series parameters copied from the protocol as they are now."""
    course = Course.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=protocol,
        modality=protocol.modality.code,
        sessions=protocol.sessions,
        interval_days=protocol.interval_days,
        tolerance_days=protocol.tolerance_days,
        maintenance_interval_months=protocol.maintenance_interval_months,
        created_by=actor if isinstance(actor, User) else None,
    )
    record_event("course.start", course, actor=actor, data={"protocol": protocol.slug})
    return course


@transaction.atomic
def complete_course(course: Course, *, last_session_on: date, actor: Any) -> MaintenanceRecall:
    """Mark the series done and schedule its maintenance recall (idempotent)."""
    if course.status != Course.Status.COMPLETED:
        course.status = Course.Status.COMPLETED
        course.save(update_fields=["status"])
        record_event("course.complete", course, actor=actor)
    recall, created = MaintenanceRecall.objects.get_or_create(
        course=course,
        defaults={
            "clinic": course.clinic,
            "patient": course.patient,
            "due_on": add_months(last_session_on, course.maintenance_interval_months),
        },
    )
    if created:
        record_event("recall.create", recall, actor=actor, data={"due_on": recall.due_on.isoformat()})
    return recall
