"""A practitioner receives stock by scanning GS1 labels: the scan fills product, lot and expiry; the lot
appears in the list with its balance; an expired label is refused with the reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Product
from mesoclinic.inventory.services import receive_lot
from mesoclinic.testing import PASSWORD, make_clinic, make_staff
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
GTIN = "05012345678900"


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def clinic_knowing_the_barcode():
    """A clinic that has received this GTIN once before, so the scan can name the product."""
    clinic = make_clinic("Rosa Aesthetics")
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle"])
    product = Product.objects.get(clinic=clinic, code="ha_1pct_ampoule")
    receive_lot(
        clinic,
        product=product,
        lot_number="EARLIER1",
        expires_on=date(2049, 6, 30),
        quantity=2,
        gtin=GTIN,
        at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        actor=None,
    )
    return nurse, product


def test_receive_a_lot_by_scanning_its_label(page) -> None:
    nurse, product = clinic_knowing_the_barcode()
    log_in(page, nurse.user.username)
    page.goto("/inventory/receive/")
    scan = page.get_by_label("Scan the barcode")
    expect(scan).to_be_focused()
    scan.fill(f"]d201{GTIN}17491231" + "10AB12")
    scan.press("Enter")
    expect(page.get_by_label("Lot number")).to_have_value("AB12")
    expect(page.get_by_label("Expiry date")).to_have_value("2049-12-31")
    expect(page.get_by_label("Product", exact=False).first).to_have_value(str(product.pk))
    expect(page.get_by_label("Quantity received")).to_be_focused()
    page.get_by_label("Quantity received").fill("12.5")
    screenshot(page, "inventory-receive")
    page.get_by_role("button", name="Receive into stock").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("AB12")
    page.goto("/inventory/")
    row = page.get_by_role("row").filter(has_text="AB12")
    expect(row).to_contain_text("12.5 ml")
    expect(row).to_contain_text("In stock")
    screenshot(page, "inventory-list")


def test_an_expired_label_is_refused_with_the_reason(page) -> None:
    nurse, _ = clinic_knowing_the_barcode()
    log_in(page, nurse.user.username)
    page.goto("/inventory/receive/")
    scan = page.get_by_label("Scan the barcode")
    scan.fill(f"01{GTIN}17250131" + "10OLD1")
    scan.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("This lot expired on 31 January 2025")
    page.get_by_label("Quantity received").fill("3")
    page.get_by_role("button", name="Receive into stock").click()
    expect(page.get_by_text("Lot OLD1 expired on 31 January 2025")).to_be_visible()
    expect(page.get_by_label("Quantity received")).to_have_value("3")
