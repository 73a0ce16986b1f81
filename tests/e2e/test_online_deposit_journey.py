"""On the patient's phone: take a deposit by card through Stripe (localstripe and its Stripe.js shim) from the
patient-facing payment page, and see it paid; the desk sees the deposit held on the chart."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesoclinic.billing import online
from mesoclinic.billing.models import Deposit
from mesoclinic.billing.services import ensure_price_list, set_cancellation_policy
from mesoclinic.testing import make_schedulable
from mesoclinic.testing import stripe_server as ls
from mesoclinic.testing.billing import pl_clinic
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 375, "height": 812}
TABLET = {"width": 820, "height": 1180}
SHOTS = Path(os.environ.get("MESOCLINIC_JOURNEY_SHOTS", "/tmp/mesoclinic-billing"))  # noqa: S108 — a developer's look, not the repo


@pytest.fixture
def localstripe(settings) -> Iterator[str]:
    with ls.localstripe_server() as base:
        ls.configure(settings, base)
        yield base


def look(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_take_a_deposit_by_card_through_stripe_from_the_patient_page(page, localstripe, viewport) -> None:
    clinic = pl_clinic()
    ensure_price_list(clinic, actor=None)
    set_cancellation_policy(clinic, deposit_kind="fixed", deposit_value="100.00", actor=None)
    first = book(clinic, make_schedulable(clinic).location).appointments.get(session_index=1)
    deposit = online.start_deposit(first, actor=None)
    page.set_default_timeout(30_000)
    page.set_viewport_size(viewport)

    page.goto(f"/pay/{deposit.reference}/")
    expect(page.get_by_test_id("amount")).to_have_text("100.00 PLN")
    # localstripe's Stripe.js shim mounts plain inputs named by placeholder where Stripe mounts its frame.
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill("4000000000000341")  # declined when charged
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("00950")
    page.get_by_role("button", name="Pay 100.00 PLN").click()
    expect(page.locator(".form-errors")).to_contain_text("declined")
    assert not Deposit.objects.exists()

    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("00950")
    look(page, f"online-deposit-{viewport['width']}")
    page.get_by_role("button", name="Pay 100.00 PLN").click()
    expect(page.get_by_test_id("paid")).to_be_visible()
    look(page, f"online-deposit-paid-{viewport['width']}")
    held = Deposit.objects.get()
    assert (held.method, held.amount, held.status) == ("online_card", Decimal("100.00"), "held")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
