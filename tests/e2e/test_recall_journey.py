"""A practitioner recalls an ingredient lot that went into a preparation injected into a patient: the
recall page lists the patient with contact details and the session date; marking the lot recalled shows it
as recalled (screenshot "recall")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, StockMovement
from mesoclinic.patients.services import register_patient
from mesoclinic.testing import PASSWORD, make_clinic, make_lot, make_signed_session, make_staff
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_recall_an_ingredient_lot_and_see_the_patient(page):
    clinic = make_clinic("Rosa Aesthetics")
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle"])
    ingredient = make_lot(clinic, "lidocaine_2pct", lot_number="LID-2291")
    preparation = Lot.objects.create(
        clinic=clinic,
        kind=LotKind.PREPARATION,
        cocktail=Cocktail.objects.get(clinic=clinic, code="hydration_ha_lidocaine"),
        lot_number="PREP-0612",
        expires_on=date(2099, 1, 1),
        unit="ml",
    )
    at = datetime(2026, 6, 1, 8, tzinfo=UTC)
    StockMovement.objects.create(
        clinic=clinic,
        lot=ingredient,
        kind=MovementKind.USE,
        quantity=Decimal(-1),
        preparation=preparation,
        at=at,
    )
    StockMovement.objects.create(
        clinic=clinic, lot=preparation, kind=MovementKind.RECEIPT, quantity=Decimal(5), at=at
    )
    patient = register_patient(
        clinic,
        actor=None,
        given_name="Ewa",
        family_name="Kowalska",
        birth_date=date(1980, 2, 2),
        sex="female",
        phone="+48 600 100 200",
        email="ewa@example.org",
    )
    make_signed_session(
        patient, nurse, uses=[(preparation, 2)], performed_at=datetime(2026, 6, 12, 9, tzinfo=UTC)
    )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(nurse.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/vigilance/recall/")
    page.get_by_label("Lot number").fill("LID-2291")
    page.get_by_role("button", name="Find lot").click()

    patients = page.locator("#recall-patients")
    expect(patients).to_contain_text("Kowalska, Ewa")
    expect(patients).to_contain_text("+48 600 100 200")
    expect(patients).to_contain_text("ewa@example.org")
    expect(patients).to_contain_text("2026-06-12")
    expect(page.get_by_text("lot LID-2291 → preparation PREP-0612").first).to_be_visible()
    screenshot(page, "recall")

    page.get_by_label("Reason for the recall").fill("Supplier notice FSN-2026-14")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Mark recalled").click()
    expect(page.get_by_text("is recalled and can no longer be used")).to_be_visible()
    expect(page.get_by_role("cell", name="Recalled").first).to_be_visible()
    ingredient.refresh_from_db()
    assert ingredient.is_recalled
