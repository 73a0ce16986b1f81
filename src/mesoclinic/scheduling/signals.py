"""Keep each location's schedule version honest: any saved or deleted row that changes what can be booked
there bumps it in the same transaction (see ``models.ScheduleVersion``).

Signals cover every ORM ``save()`` and ``delete()``, including writes made outside the services (the demo,
tests, the admin). ``bulk_create`` and ``QuerySet.update`` send none: code using them calls
``bump_schedule_versions`` itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.actors import Actor
from mesoclinic.patients.signals import medical_history_changed
from mesoclinic.scheduling.models import (
    Appointment,
    Device,
    DeviceDowntime,
    ExtraHours,
    Holiday,
    OpeningHours,
    Room,
    ScheduleVersion,
    TimeOff,
    WorkingHours,
    bump_schedule_versions,
)

_BY_LOCATION = (OpeningHours, WorkingHours, ExtraHours, Holiday, Room, Device)


def _location_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump_schedule_versions(location_id=instance.location_id)


def _appointment_saved(sender: Any, instance: Appointment, **kwargs: Any) -> None:
    """Every save but a status change that keeps the time held (``services._transition`` says so)."""
    if instance.__dict__.pop("keeps_schedule", False):
        return
    bump_schedule_versions(location_id=instance.location_id)


def _clinic_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A practitioner's role, modalities or time off: every location of their clinic."""
    clinic_id = StaffMember.objects.filter(pk=instance.staff_id).values("clinic_id")
    bump_schedule_versions(location__clinic_id__in=clinic_id)


def _staff_changed(sender: Any, instance: StaffMember, **kwargs: Any) -> None:
    bump_schedule_versions(location__clinic_id=instance.clinic_id)


def _downtime_changed(sender: Any, instance: DeviceDowntime, **kwargs: Any) -> None:
    bump_schedule_versions(location__devices=instance.device_id)


def _location_saved(sender: Any, instance: Location, created: bool, **kwargs: Any) -> None:
    if created:
        ScheduleVersion.objects.get_or_create(location=instance)
    else:  # its time zone, say
        bump_schedule_versions(location_id=instance.pk)


def _history_changed(
    sender: Any, patient: Any, before: Any, after: Any, actor: Actor = None, **kwargs: Any
) -> None:
    """A patient's medical history changed: re-screen their future appointments at once (same transaction)."""
    from mesoclinic.scheduling.services import rescreen_future_appointments  # noqa: PLC0415 — services import this app's models

    rescreen_future_appointments(patient, before=before, after=after, actor=actor)


def connect() -> None:
    medical_history_changed.connect(_history_changed, dispatch_uid="rescreen-future-appointments")
    for model in _BY_LOCATION:
        for signal in (post_save, post_delete):
            signal.connect(_location_changed, sender=model, dispatch_uid=f"schedule-version-{model.__name__}")
    post_save.connect(_appointment_saved, sender=Appointment, dispatch_uid="schedule-version-Appointment")
    post_delete.connect(_location_changed, sender=Appointment, dispatch_uid="schedule-version-Appointment")
    for signal in (post_save, post_delete):
        signal.connect(_clinic_changed, sender=TimeOff, dispatch_uid="schedule-version-TimeOff")
        signal.connect(_staff_changed, sender=StaffMember, dispatch_uid="schedule-version-StaffMember")
        signal.connect(_downtime_changed, sender=DeviceDowntime, dispatch_uid="schedule-version-Downtime")
    post_save.connect(_location_saved, sender=Location, dispatch_uid="schedule-version-Location")
