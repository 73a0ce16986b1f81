"""Factories of the vigilance tests: preparations compounded from lots, zones on a session, events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, StockMovement
from mesoclinic.patients.models import Patient
from mesoclinic.treatments.models import SessionRecord, SessionZone
from mesoclinic.vigilance.models import AdverseEvent, Outcome

COCKTAIL = "hydration_ha_lidocaine"


def make_preparation(
    *ingredients: Lot,
    lot_number: str,
    cocktail_code: str = COCKTAIL,
    quantity: Decimal | int = 10,
    expires_on: date = date(2099, 1, 1),
) -> Lot:
    """A preparation lot compounded from ``ingredients`` (one ``use`` movement each, into it)."""
    clinic = ingredients[0].clinic
    preparation = Lot.objects.create(
        clinic=clinic,
        kind=LotKind.PREPARATION,
        cocktail=Cocktail.objects.get(clinic=clinic, code=cocktail_code),
        lot_number=lot_number,
        expires_on=expires_on,
        unit="ml",
    )
    at = datetime(2026, 2, 1, tzinfo=UTC)
    for lot in ingredients:
        StockMovement.objects.create(
            clinic=clinic,
            lot=lot,
            kind=MovementKind.USE,
            quantity=Decimal(-1),
            preparation=preparation,
            at=at,
        )
    StockMovement.objects.create(
        clinic=clinic, lot=preparation, kind=MovementKind.RECEIPT, quantity=Decimal(quantity), at=at
    )
    return preparation


def add_zones(record: SessionRecord, *codes: str) -> None:
    for code in codes:
        SessionZone.objects.create(record=record, zone=code, volume_ml=Decimal("0.5"))


def make_event(patient: Patient, **fields: Any) -> AdverseEvent:
    """An adverse event written straight to the table (for tests of reads)."""
    values: dict[str, Any] = {
        "category": "erythema",
        "severity": "mild",
        "onset_on": date(2026, 6, 3),
        "description": "Redness for two days.",
        "reported_at": datetime(2026, 6, 4, 10, tzinfo=UTC),
        "outcome": Outcome.ONGOING,
    }
    values.update(fields)
    return AdverseEvent.objects.create(clinic=patient.clinic, patient=patient, **values)


def make_reachable_patient(clinic: Any, given: str = "Ewa", family: str = "Kowalska") -> Patient:
    """A patient with a phone and an e-mail, as a recall must show them."""
    from mesoclinic.patients.services import register_patient  # noqa: PLC0415

    return register_patient(
        clinic,
        actor=None,
        given_name=given,
        family_name=family,
        birth_date=date(1980, 2, 2),
        sex="female",
        phone="+48 600 100 200",
        email=f"{given.lower()}@example.org",
        allow_duplicate=True,  # one household's phone, as several recalled patients may share
    )
