"""Amending a signed session record: who, when, what changed (old → new), why; lines added or voided."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.inventory.models import MovementKind
from mesoclinic.testing import make_lot
from mesoclinic.testing.treatments import balance, ready_draft
from mesoclinic.treatments.services import amend_session, sign_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    record.refresh_from_db()
    return record


def test_it_records_old_and_new_values_and_bumps_the_count(signed, physician):
    amendment = amend_session(signed, reason="Typo in the notes", actor=physician.user, notes="Mild erythema")
    signed.refresh_from_db()
    assert signed.notes == "Mild erythema"
    assert signed.amendment_count == 1
    assert amendment.changes == {"notes": ["", "Mild erythema"]}
    assert (amendment.number, amendment.actor, amendment.reason) == (1, physician.user, "Typo in the notes")


def test_history_keeps_the_old_values(signed, physician):
    amend_session(signed, reason="Typo", actor=physician.user, notes="Second")
    versions = list(signed.history.order_by("history_date").values_list("notes", flat=True))
    assert versions[-2:] == ["", "Second"]


def test_it_requires_a_reason(signed, physician):
    with pytest.raises(ValidationError, match="Say why"):
        amend_session(signed, reason="  ", actor=physician.user, notes="x")
    signed.refresh_from_db()
    assert signed.amendment_count == 0


def test_it_refuses_when_nothing_changes(signed, physician):
    with pytest.raises(ValidationError, match="Nothing would change"):
        amend_session(signed, reason="r", actor=physician.user, notes="")


def test_it_refuses_a_draft(clinic, physician):
    with pytest.raises(ValidationError, match="only a signed record is amended"):
        amend_session(ready_draft(clinic), reason="r", actor=physician.user, notes="x")


def test_it_refuses_invalid_parameters(signed, physician):
    with pytest.raises(ValidationError, match="Injection depth"):
        amend_session(
            signed, reason="r", actor=physician.user, parameters={**signed.parameters, "depth_mm": "50"}
        )


def test_adding_a_lot_takes_stock(clinic, signed, physician):
    lot = make_lot(clinic, quantity=5)
    amendment = amend_session(signed, reason="Forgot a vial", actor=physician.user, add_products=[(lot, "1")])
    line = signed.products.get(lot=lot)
    assert line.added_by == amendment
    assert balance(lot) == Decimal(4)


def test_voiding_a_line_returns_its_stock_with_an_adjustment(signed, physician):
    line = signed.products.get(lot__lot_number="HA-2031")
    amendment = amend_session(signed, reason="Wrong lot", actor=physician.user, void_products=[line])
    line.refresh_from_db()
    assert line.voided_by == amendment
    assert balance(line.lot) == Decimal(10)
    assert line.lot.movements.filter(kind=MovementKind.ADJUSTMENT, quantity=Decimal(2)).exists()
    assert amendment.changes == {"products_voided": [["lot HA-2031: 2.000 ml"], None]}


def test_zones_are_added_and_voided(signed, physician):
    forehead = signed.zones.get(zone="forehead")
    amendment = amend_session(
        signed, reason="Map", actor=physician.user, add_zones=[("chin", "0.3")], void_zones=[forehead]
    )
    forehead.refresh_from_db()
    assert forehead.voided_by == amendment
    assert signed.zones.get(zone="chin").added_by == amendment
