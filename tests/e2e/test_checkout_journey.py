"""At the desk, on a tablet: check out a session, paid half in cash and half by card terminal, and see the
receipt issued with its number; then the patient's Billing tab shows nothing owed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.billing.services import create_price_item
from mesoclinic.testing import PASSWORD, make_staff
from mesoclinic.testing.billing import pl_clinic
from mesoclinic.testing.treatments import first_appointment
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("MESOCLINIC_JOURNEY_SHOTS", "/tmp/mesoclinic-billing"))  # noqa: S108 — a developer's look, not the repo


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def look(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_check_out_a_session_paid_half_in_cash_and_half_by_card(page) -> None:
    clinic = pl_clinic()
    appointment = first_appointment(clinic)
    create_price_item(
        clinic,
        kind="session",
        name="Hydration, face — session",
        unit_price="450.00",
        vat_rate="23",
        protocol=appointment.protocol,
        actor=None,
    )
    desk = make_staff(clinic, Role.RECEPTIONIST, name="Rita Reception")
    page.set_default_timeout(30_000)  # a shared machine: pages of a whole clinic can take a while
    page.set_viewport_size(TABLET)
    log_in(page, desk.user.username)

    page.goto(f"/schedule/appointments/{appointment.pk}/")
    page.get_by_role("button", name="Checkout").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checkout")
    expect(page.get_by_test_id("total")).to_have_text("450.00 PLN")
    look(page, "checkout-tablet")

    page.get_by_label("Cash").check()
    pay = page.locator(".pay-form")
    pay.get_by_label("Amount").fill("225")
    page.get_by_role("button", name="Take the payment").click()
    expect(page.get_by_test_id("balance")).to_have_text("225.00 PLN")
    page.get_by_label("Card terminal").check()
    expect(page.locator(".pay-form").get_by_label("Amount")).to_have_value("225.00")  # the balance, offered
    page.get_by_role("button", name="Take the payment").click()
    expect(page.get_by_test_id("balance")).to_have_text("0.00 PLN")
    screenshot(page, "checkout")

    page.get_by_role("button", name="Issue the receipt").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("PAR/")
    expect(page.get_by_text("this document can no longer change")).to_be_visible()
    expect(page.get_by_role("button", name="Take the payment")).to_have_count(0)
    look(page, "receipt-tablet")
    page.set_viewport_size(PHONE)
    look(page, "receipt-phone")

    page.set_viewport_size(TABLET)
    page.get_by_role("link", name=appointment.patient.full_name).click()
    expect(page.get_by_test_id("account-balance")).to_contain_text("Nothing owed.")
    look(page, "chart-billing-tablet")
