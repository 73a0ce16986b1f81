"""At the desk, on a phone and a tablet: a deposit paid online stays held after a cancel Stripe could not refund;
the owner gives it back to the card from the patient's Billing tab (a reason is needed: the browser asks for one,
a blank one is refused in words), and the chart shows it given back; a receptionist sees no such button."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.billing import online
from mesoclinic.billing.models import Deposit
from mesoclinic.billing.services import ensure_price_list, set_cancellation_policy
from mesoclinic.scheduling.services import cancel_appointment
from mesoclinic.testing import PASSWORD, make_schedulable, make_staff
from mesoclinic.testing import stripe_server as ls
from mesoclinic.testing.billing import pl_clinic
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 375, "height": 812}
TABLET = {"width": 1024, "height": 1366}
SHOTS = Path(os.environ.get("MESOCLINIC_JOURNEY_SHOTS", "/tmp/mesoclinic-billing"))  # noqa: S108 — a developer's look, not the repo


@pytest.fixture
def localstripe(settings) -> Iterator[str]:
    with ls.localstripe_server() as base:
        ls.configure(settings, base)
        yield base


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def look(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_the_owner_gives_a_held_online_deposit_back_to_the_card(
    page, localstripe, settings, viewport
) -> None:
    clinic = pl_clinic()
    ensure_price_list(clinic, actor=None)
    set_cancellation_policy(clinic, deposit_kind="fixed", deposit_value="100.00", actor=None)
    course = book(clinic, make_schedulable(clinic).location)
    started = online.start_deposit(course.appointments.get(session_index=1), actor=None)
    online.pay_with_token(started, ls.card_token(localstripe), actor=None)
    settings.STRIPE_SECRET_KEY = (
        ""  # Stripe unreachable when the series is cancelled: the cancel goes through
    )
    for appointment in course.appointments.filter(status="booked"):
        cancel_appointment(appointment, reason="Moved abroad", actor=None)
    ls.configure(settings, localstripe)
    assert django_settings.STRIPE_SECRET_KEY
    assert Deposit.objects.get().status == "held"

    page.set_default_timeout(30_000)
    page.set_viewport_size(viewport)
    desk = make_staff(clinic, Role.RECEPTIONIST, name="Rita Reception")
    log_in(page, desk.user.username)
    page.goto(f"/billing/patients/{course.patient_id}/account/")
    expect(page.get_by_test_id("deposit")).to_contain_text("Held")
    expect(page.get_by_test_id("refund-deposit")).to_have_count(0)
    page.context.clear_cookies()

    owner = make_staff(clinic, Role.OWNER, name="Olga Owner")
    log_in(page, owner.user.username)
    page.goto(f"/billing/patients/{course.patient_id}/account/")
    form = page.get_by_test_id("refund-deposit")
    look(page, f"deposit-refund-held-{viewport['width']}")
    form.get_by_role("button", name="Give back to the card").click()  # empty reason: the browser asks for one
    assert form.get_by_label("Why it is given back").evaluate("e => !e.validity.valid")
    form.get_by_label("Why it is given back").fill("   ")
    form.get_by_label("Why it is given back").evaluate("e => e.removeAttribute('required')")
    form.get_by_role("button", name="Give back to the card").click()
    expect(page.locator(".messages, [role=alert], .notice").first).to_contain_text(
        "Say why the deposit is given back."
    )
    look(page, f"deposit-refund-no-reason-{viewport['width']}")
    page.get_by_test_id("refund-deposit").get_by_label("Why it is given back").fill("Cancelled by phone")
    page.get_by_test_id("refund-deposit").get_by_role("button", name="Give back to the card").click()
    expect(page.get_by_text("The deposit is given back to the card.")).to_be_visible()
    expect(page.get_by_test_id("deposit-refund")).to_contain_text("Cancelled by phone")
    expect(page.get_by_test_id("deposit")).to_contain_text("Refunded")
    expect(page.get_by_test_id("refund-deposit")).to_have_count(0)
    look(page, f"deposit-refund-done-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    refunds = ls.client(localstripe).v1.refunds.list(params={"payment_intent": started.intent_id}).data
    assert [r.amount for r in refunds] == [10000]
