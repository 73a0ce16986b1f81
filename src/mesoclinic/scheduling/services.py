"""Writes about rooms and devices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from mesoclinic.accounts.models import Location
from mesoclinic.audit.services import record_event
from mesoclinic.scheduling.models import Device, Room


@transaction.atomic
def add_room(location: Location, *, name: str, modalities: Iterable[str], actor: Any) -> Room:
    room = Room(clinic=location.clinic, location=location, name=name, modalities=sorted(set(modalities)))
    room.full_clean()
    room.save()
    record_event("room.create", room, actor=actor)
    return room


@transaction.atomic
def add_device(
    location: Location,
    *,
    name: str,
    modality: str,
    manufacturer: str = "",
    model_name: str = "",
    serial_number: str = "",
    actor: Any,
) -> Device:
    device = Device(
        clinic=location.clinic,
        location=location,
        name=name,
        modality=modality,
        manufacturer=manufacturer,
        model_name=model_name,
        serial_number=serial_number,
    )
    device.full_clean()
    device.save()
    record_event("device.create", device, actor=actor)
    return device
