"""Shared set-up for the session record tests: a booked needle series with consent and a ready draft."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from mesoclinic.inventory.models import StockMovement
from mesoclinic.patients.services import record_consent
from mesoclinic.testing import make_lot, make_schedulable
from mesoclinic.testing.scheduling import book, consent_template
from mesoclinic.treatments.dayof import NOTHING_NEW
from mesoclinic.treatments.models import SessionProduct, SessionRecord
from mesoclinic.treatments.services import open_session, record_day_of_screening, update_session_draft

NEEDLE_PARAMETERS = {
    "gauge": "30G",
    "needle_length_mm": "4",
    "depth_mm": "1.5",
    "technique": "nappage",
    "injection_volume_ml": "2",
}


def first_appointment(clinic: Any, *, consent: bool = True) -> Any:
    """Session 1 of a needle hydration series (HA 1% + lidocaine) for a healthy patient."""
    course = book(clinic, make_schedulable(clinic).location)
    appointment = course.appointments.get(session_index=1)
    if consent:
        record_consent(
            appointment.booked_patient,
            template=consent_template(clinic),
            signed_by=appointment.booked_patient.full_name,
            photo_use=["clinical"],
            actor=None,
        )
    return appointment


def ready_draft(clinic: Any, *, consent: bool = True, expired: bool = False) -> SessionRecord:
    """A draft with day-of screening done, both cocktail products' lots, zones and valid parameters.

    ``expired``: the lidocaine line is an expired lot, written straight to the table as a draft saved
    before lots were checked on entry would hold it (saving the draft refuses one now); signing re-checks.
    """
    appointment = first_appointment(clinic, consent=consent)
    record = open_session(appointment, actor=None)
    record_day_of_screening(record, NOTHING_NEW, actor=None)
    ha = make_lot(clinic, "ha_1pct_ampoule", lot_number="HA-2031", quantity=10)
    lido = make_lot(
        clinic,
        "lidocaine_2pct",
        lot_number="LI-OLD" if expired else "LI-2031",
        quantity=10,
        expires_on=date(2030, 6, 30) if expired else date(2099, 1, 1),
    )
    update_session_draft(
        record,
        actor=None,
        products=[(ha, "2")] if expired else [(ha, "2"), (lido, "0.5")],
        zones=[("forehead", "1"), ("cheek_left", "0.5")],
        parameters=NEEDLE_PARAMETERS,
    )
    if expired:
        SessionProduct.objects.create(record=record, lot=lido, quantity=Decimal("0.5"), unit=lido.unit)
    record.refresh_from_db()
    return record


def balance(lot: Any) -> Decimal:
    return sum((m.quantity for m in StockMovement.objects.filter(lot=lot)), Decimal(0))
