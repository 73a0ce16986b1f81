"""The owner edits a protocol's spacing (a new version, the earlier kept) and its price (in the price list,
linked from Settings), a message template with a preview and a screening rule with its source, on a tablet (1024×768) and a phone (390×844)
(issue 12, item 6). Screenshots go to /tmp/mesoclinic-settings/ for a person to look at."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.billing.models import PriceItem
from mesoclinic.billing.services import ensure_price_list
from mesoclinic.catalog.models import Protocol
from mesoclinic.notifications.models import MessageTemplate
from mesoclinic.safety.models import ClinicRuleTable
from mesoclinic.testing import make_clinic, make_staff
from tests.e2e.test_settings_journey import shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"tablet": {"width": 1024, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_owner_edits_a_protocols_spacing_and_price_and_a_message_template(page, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.set_default_timeout(30_000)  # a shared, busy machine: the page is slow, never wrong
    clinic = make_clinic("Rosa Aesthetics")
    ensure_price_list(clinic, actor=None)
    protocol = Protocol.objects.filter(clinic=clinic, is_active=True).order_by("name").first()
    interval = protocol.interval_days
    sign_in(page, make_staff(clinic, Role.OWNER, name="Olga Owner"))

    # Settings → Protocols: each with its series, version and price from the price list (with currency).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Protocols").click()
    expect(page.get_by_role("heading", name="Protocols", exact=True)).to_be_visible()
    shot(page, viewport, "p1-protocols")
    page.get_by_role("link", name=protocol.name, exact=True).click()

    # The spacing: a new version, the earlier one kept and listed.
    page.get_by_label("Days between sessions").fill(str(interval + 7))
    shot(page, viewport, "p2-protocol")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved as version 2")
    versions = page.get_by_role("region", name="Kept versions")
    expect(versions).to_contain_text("Version 1")
    expect(versions).to_contain_text("Version 2")
    expect(versions).to_contain_text(f"every {interval} ±")
    shot(page, viewport, "p3-versioned")
    protocol.refresh_from_db()
    assert (protocol.version, protocol.interval_days) == (2, interval + 7)

    # The price: changed where checkout reads it, the price list; Settings shows it with its currency.
    page.get_by_role("link", name="Change the price", exact=True).click()
    page.get_by_label("Gross price").fill("275.00")
    page.get_by_role("button", name="Save").click()
    session_price = PriceItem.objects.get(clinic=clinic, protocol=protocol, kind="session")
    assert session_price.unit_price == Decimal("275.00")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Protocols").click()
    expect(
        page.get_by_role("row").filter(has=page.get_by_role("link", name=protocol.name, exact=True))
    ).to_contain_text(re.compile(r"275[.,]00 [A-Z]{3}"))

    edit_a_message_template(page, viewport, clinic)
    edit_a_screening_rule(page, viewport, clinic)


def edit_a_message_template(page, viewport: str, clinic) -> None:
    # A message template: previewed with sample data, a wrong placeholder refused beside the text, saved.
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Message templates").click()
    page.locator('a[href$="/templates/reminder/sms/en/"]').click()
    body = page.get_by_label(re.compile(r"^Message"))
    body.fill(
        "Hello {{ name }}, see you {{ when }} at {{ location }}. Questions: {{ clinic_phone }}. {{ nme }}"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("Unknown placeholder"))).to_be_visible()
    body.fill("Hello {{ name }}, see you {{ when }} at {{ location }}. Questions: {{ clinic_phone }}")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("region", name="Preview")).to_contain_text("Hello Anna, see you 2026-05-14 10:30")
    expect(page.get_by_role("region", name="Preview")).to_contain_text(clinic.phone)
    shot(page, viewport, "p4-template-preview")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Template saved")
    saved = MessageTemplate.objects.get(clinic=clinic, kind="reminder", channel="sms", language="en")
    assert saved.body.startswith("Hello {{ name }}")


def edit_a_screening_rule(page, viewport: str, clinic) -> None:
    # A screening rule, with the source it rests on: the earlier table is kept.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Screening rules").click()
    page.get_by_role("link", name="Heart disease", exact=True).click()
    page.get_by_label("Needle mesotherapy").select_option("warn")
    page.get_by_label("Source", exact=True).select_option("")
    page.get_by_label("New source: title").fill("Medical lead's review, December 2026")
    page.get_by_label("New source: link").fill("https://clinic.example/policies/heart")
    page.get_by_label("New source: kind").select_option("VND")
    shot(page, viewport, "p5-screening-rule")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("status")).to_contain_text("the earlier table is kept")
    expect(
        page.get_by_role("row").filter(has=page.get_by_role("link", name="Heart disease", exact=True))
    ).to_contain_text("Medical lead's review")
    shot(page, viewport, "p6-screening-rules")
    assert ClinicRuleTable.objects.get(clinic=clinic).history.count() == 2
