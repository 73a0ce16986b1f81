"""Test factories and personas shared by every app's tests (pytest fixtures live in ``conftest.py``).

Personas, after healthchecks' Alice/Bob/Charlie: in clinic "Rosa" there is an owner, a physician, a
practitioner, a receptionist and an auditor; "Outsider" is a physician of another clinic.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.test import Client
from PIL import Image, ImageDraw

from mesoclinic.accounts.models import Clinic, Location, Role, StaffMember
from mesoclinic.accounts.services import (
    add_location,
    add_staff_member,
    create_clinic,
    update_clinic_details,
)
from mesoclinic.actors import Actor
from mesoclinic.catalog.models import Product
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, StockMovement
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import register_patient, update_medical_history
from mesoclinic.safety.services import load_default_rules
from mesoclinic.scheduling.models import Device, OpeningHours, Room, WorkingHours
from mesoclinic.scheduling.services import (
    add_device,
    add_room,
    check_in,
    mark_no_show,
    record_treated_elsewhere,
)
from mesoclinic.treatments.models import SessionProduct, SessionRecord

PASSWORD = "correct-horse-battery-staple"  # test accounts only
_serial = itertools.count(1)


def make_clinic(
    name: str = "Rosa Aesthetics", *, timezone: str = "Europe/Warsaw", language: str = "en"
) -> Clinic:
    """A clinic with a phone and e-mail, one location, the default catalog and the default screening rules.

    English unless ``language`` says otherwise (the suite's assertions read English text).
    """
    slug = f"{name.lower().split()[0]}-{next(_serial)}"
    clinic = create_clinic(name=name, slug=slug, timezone=timezone, language=language, actor=None)
    # Contact details every message prints (messages are held without them).
    update_clinic_details(clinic, phone="+48 22 555 00 00", email=f"desk@{slug}.example", actor=None)
    add_location(clinic, name="Main", timezone=timezone, actor=None)
    load_default_catalog(clinic, actor=None)
    load_default_rules(clinic, actor=None)
    return clinic


def make_staff(clinic: Clinic, role: Role | str, *, name: str | None = None, **extra: Any) -> StaffMember:
    n = next(_serial)
    return add_staff_member(
        clinic,
        username=f"{role}{n}",
        password=PASSWORD,
        role=role,
        display_name=name or f"{str(role).title()} {n}",
        actor=None,
        **extra,
    )


def make_patient(
    clinic: Clinic, *, birth_date: date = date(1985, 3, 14), history_taken: bool = True, **history: Any
) -> Patient:
    """A patient whose history was taken (confirmed by staff), optionally with findings in it
    (conditions=, medications=, implants=, allergies=, other_allergies=, ...).

    ``history_taken=False`` gives a new patient whose history was never asked (screening: history needed).
    """
    n = next(_serial)
    patient = register_patient(
        clinic, actor=None, given_name="Test", family_name=f"Patient{n}", birth_date=birth_date, sex="female"
    )
    if history_taken:
        take_history(patient, **history)
    elif history:
        raise TypeError("a history that was never taken has no findings")
    return patient


def take_history(patient: Patient, **history: Any) -> Patient:
    """Record ``patient``'s history as taken and confirmed (nothing to report unless ``history`` says)."""
    update_medical_history(patient, actor=None, reason="Intake", status="confirmed", **history)
    patient.refresh_from_db()
    return patient


def make_schedulable(clinic: Clinic) -> Schedulable:
    """Open the clinic's first location Mon–Sat 08:00–20:00 and give it a practitioner, a room and a device.

    The practitioner (needle and electroporation) works Mon–Fri 09:00–17:00.
    """
    location = clinic.locations.order_by("pk").first()
    assert location is not None  # make_clinic adds one
    for weekday in range(6):
        OpeningHours.objects.create(location=location, weekday=weekday, starts=time(8), ends=time(20))
    practitioner = make_staff(
        clinic,
        Role.PRACTITIONER,
        name="Nina Nurse",
        modalities=["needle", "electroporation"],
        locations=[location],
    )
    for weekday in range(5):
        WorkingHours.objects.create(
            staff=practitioner, location=location, weekday=weekday, starts=time(9), ends=time(17)
        )
    room = add_room(location, name="Room 1", modalities=["needle", "electroporation"], actor=None)
    device = add_device(location, name="EP-1", modality="electroporation", actor=None)
    return Schedulable(location, practitioner, room, device)


@dataclass(frozen=True)
class Schedulable:
    location: Location
    practitioner: StaffMember
    room: Room
    device: Device


def client_for(staff: StaffMember) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def make_lot(
    clinic: Clinic,
    product_code: str = "ha_1pct_ampoule",
    *,
    lot_number: str | None = None,
    expires_on: date = date(2099, 12, 31),
    quantity: Decimal | int | str = 20,
) -> Lot:
    """A supplied lot of one of the clinic's catalog products, received with ``quantity`` in stock.

    Written straight to the tables (a factory, not the inventory service) so that any app can test with it.
    """
    product = Product.objects.get(clinic=clinic, code=product_code)
    lot = Lot.objects.create(
        clinic=clinic,
        kind=LotKind.SUPPLIED,
        product=product,
        lot_number=lot_number or f"L{next(_serial):05d}",
        expires_on=expires_on,
        unit=product.unit,
    )
    if Decimal(quantity) > 0:
        StockMovement.objects.create(
            clinic=clinic,
            lot=lot,
            kind=MovementKind.RECEIPT,
            quantity=Decimal(quantity),
            at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    return lot


def make_signed_session(
    patient: Patient,
    practitioner: StaffMember,
    *,
    uses: Sequence[tuple[Lot, Decimal | int | str]] = (),
    performed_at: datetime = datetime(2026, 6, 1, 9, tzinfo=UTC),
    modality: str = "needle",
) -> SessionRecord:
    """A signed session record with the given lot uses (factory: straight to the tables, stock deducted)."""
    record = SessionRecord.objects.create(
        clinic=patient.clinic,
        patient=patient,
        practitioner=practitioner,
        modality=modality,
        performed_at=performed_at,
        status=SessionRecord.Status.SIGNED,
        signed_at=performed_at,
        signed_by=practitioner.user,
    )
    for lot, quantity in uses:
        movement = StockMovement.objects.create(
            clinic=patient.clinic,
            lot=lot,
            kind=MovementKind.USE,
            quantity=-Decimal(quantity),
            at=performed_at,
        )
        SessionProduct.objects.create(
            record=record, lot=lot, quantity=Decimal(quantity), unit=lot.unit, movement=movement
        )
    return record


# --- An appointment's life at the moment it may happen (the state machine allows each only then) ----------


def checked_in(appointment: Any, *, actor: Actor = None) -> Any:
    """Check the patient in a quarter of an hour before the start (on its day, as the rules require)."""
    with time_machine.travel(appointment.starts_at - timedelta(minutes=15), tick=False):
        return check_in(appointment, actor=actor)


def no_show(appointment: Any, *, actor: Actor = None) -> Any:
    """Mark a no-show half an hour after the start (not before it, as the rules require)."""
    with time_machine.travel(appointment.starts_at + timedelta(minutes=30), tick=False):
        return mark_no_show(appointment, actor=actor)


def treated_elsewhere(appointment: Any, physician: StaffMember, reason: str = "Recorded on paper.") -> Any:
    """Complete a visit without a session record here, as a physician may, an hour after its start."""
    with time_machine.travel(appointment.starts_at + timedelta(hours=1), tick=False):
        return record_treated_elsewhere(appointment, reason=reason, actor=physician.user)


def csv_text(response: Any) -> str:
    """The body of a streamed CSV export, after checking that it is one (with its UTF-8 byte-order mark)."""
    if response.status_code != 200 or not response["Content-Type"].startswith("text/csv"):
        raise AssertionError(f"not a CSV export: {response.status_code} {response['Content-Type']}")
    body = b"".join(response.streaming_content)
    if not body.startswith(b"\xef\xbb\xbf"):
        raise AssertionError("a CSV export without its UTF-8 byte-order mark")
    return body.decode("utf-8-sig")


def csv_rows(response: Any) -> list[list[str]]:
    """The rows of a streamed CSV export (header first), parsed as a spreadsheet would read them."""
    import csv  # noqa: PLC0415 — only CSV tests need it
    import io  # noqa: PLC0415

    return list(csv.reader(io.StringIO(csv_text(response))))


def signature_png(width: int = 480, height: int = 160) -> bytes:
    """A drawn signature as the tablet's signature pad sends it: a dark scrawl on a transparent PNG."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + i * (width - 40) // 12, height // 2 + (-1) ** i * height // 4) for i in range(13)]
    draw.line(points, fill=(20, 30, 60, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
