"""At the desk, on a phone and a tablet: Billing → Payment links → Send by e-mail. A patient without an e-mail
address is marked in the list and refused in words; one with an address gets the link (in Polish, her
language) and the desk sees where it went."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.billing.models import OnlinePayment
from mesoclinic.billing.services import issue_invoice
from mesoclinic.patients.models import Patient
from mesoclinic.testing import PASSWORD, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 375, "height": 812}
TABLET = {"width": 1024, "height": 1366}
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


def _link(clinic, email: str, language: str) -> OnlinePayment:
    invoice = issue_invoice(draft(make_patient(clinic), line(unit_price="450.00")), actor=None)
    Patient.objects.filter(pk=invoice.patient_id).update(email=email, preferred_language=language)
    return OnlinePayment.objects.create(
        clinic=clinic,
        patient=invoice.patient,
        kind="balance",
        reference=f"ref-journey-{invoice.pk}",
        invoice=invoice,
        amount=Decimal("450.00"),
        currency="PLN",
        intent_id=f"pi_journey_{invoice.pk}",
        created_at=timezone.now(),
    )


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_the_desk_e_mails_a_payment_link(page, settings, viewport) -> None:
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = (
        "sk_test_x",
        "pk_test_x",
    )  # offered; no call made
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    clinic = pl_clinic()
    nowhere = _link(clinic, "", "en")
    anna = _link(clinic, "anna@example.com", "pl")
    desk = make_staff(clinic, Role.RECEPTIONIST, name="Rita Reception")
    page.set_default_timeout(30_000)
    page.set_viewport_size(viewport)
    log_in(page, desk.user.username)
    page.goto("/billing/online-payments/")
    expect(page.locator(f"#no-email-{nowhere.pk}")).to_have_text("No e-mail address on the chart")
    look(page, f"payment-links-{viewport['width']}")

    page.locator(f"form[action$='/online-payments/{nowhere.pk}/email/'] button").click()
    expect(page.get_by_text(f"{nowhere.patient.full_name} has no e-mail address")).to_be_visible()
    look(page, f"payment-link-no-email-{viewport['width']}")
    assert mail.outbox == []

    page.locator(f"form[action$='/online-payments/{anna.pk}/email/'] button").click()
    expect(page.get_by_text("Sent to anna@example.com.")).to_be_visible()
    look(page, f"payment-link-sent-{viewport['width']}")
    [sent] = mail.outbox
    assert sent.subject.startswith("Link do płatności") and f"/pay/{anna.reference}/" in sent.body
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
