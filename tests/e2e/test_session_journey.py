"""Record and sign a needle session with two lots; refuse an expired lot (issue 4) when it is scanned
(issue 12). The clock is the morning of the session: a record is signed from its appointment's day on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.testing import make_clinic, make_lot, make_staff
from mesoclinic.testing.treatments import NEEDLE_PARAMETERS, first_appointment
from mesoclinic.treatments.models import SessionRecord
from tests.e2e.conftest import screenshot
from tests.e2e.test_booking_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def answer_day_of_questions_no(page) -> None:
    """Answer every day-of yes/no question "No", one radio each (nothing is pre-selected)."""
    radios = page.locator('#screening input[type="radio"][value="no"]')
    # Wait for the session page itself: counting right after the click that opens it can still see the previous
    # page (no radios at all) on a loaded machine, and then nothing is answered and signing is refused.
    expect(radios.first).to_be_visible()
    for index in range(radios.count()):
        radios.nth(index).check()
        expect(radios.nth(index)).to_be_checked()


@pytest.fixture(autouse=True)
def _on_the_morning_of_the_session() -> Iterator[None]:
    with time_machine.travel(datetime(2031, 3, 3, 8, 30, tzinfo=ZoneInfo("Europe/Warsaw")), tick=True):
        yield


def record_session(page, appointment, lots: list[str]) -> None:
    page.goto(reverse("scheduling:appointment", args=[appointment.pk]))
    page.get_by_role("button", name="Record session").click()
    answer_day_of_questions_no(page)
    page.get_by_role("button", name="Run the day-of screening").click()
    expect(page.locator("#screening-result")).to_contain_text("OK")
    page.locator('[data-zone="forehead"]').click()
    page.locator('[data-zone="cheek_left"]').click()
    page.locator("#volume-forehead").fill("1")
    page.locator("#volume-cheek_left").fill("0.5")
    for lot in lots:
        page.locator("#scan").fill(lot)
        page.locator("#scan").press("Enter")
        expect(page.locator("#draft-lots")).to_contain_text(lot)
    for code, value in NEEDLE_PARAMETERS.items():
        field = page.locator(f"#param-{code}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign", exact=True).click()


def test_a_needle_session_is_signed_with_two_lots(page):
    clinic = make_clinic()
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle"])
    appointment = first_appointment(clinic)
    make_lot(clinic, "ha_1pct_ampoule", lot_number="HA-E2E")
    make_lot(clinic, "lidocaine_2pct", lot_number="LI-E2E")
    log_in(page, nurse.user.username)
    record_session(page, appointment, ["HA-E2E", "LI-E2E"])
    expect(page.get_by_text("Signed by Nina Nurse")).to_be_visible()
    expect(page.locator("#signed-lots")).to_contain_text("HA-E2E")
    expect(page.locator("#signed-lots")).to_contain_text("LI-E2E")
    screenshot(page, "session-record")


def test_an_expired_lot_is_refused_when_scanned_and_nothing_is_signed(page):
    clinic = make_clinic()
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle"])
    appointment = first_appointment(clinic)
    make_lot(clinic, "ha_1pct_ampoule", lot_number="HA-OK")
    make_lot(clinic, "lidocaine_2pct", lot_number="LI-EXPIRED", expires_on=date(2030, 6, 30))
    log_in(page, nurse.user.username)
    page.goto(reverse("scheduling:appointment", args=[appointment.pk]))
    page.get_by_role("button", name="Record session").click()
    page.locator("#scan").fill("LI-EXPIRED")
    page.locator("#scan").press("Enter")
    expect(page.locator("#scan_error")).to_contain_text("LI-EXPIRED")
    expect(page.locator("#scan_error")).to_contain_text("expired on 30 June 2030")
    expect(page.locator("#draft-lots")).not_to_contain_text("LI-EXPIRED")
    assert not SessionRecord.objects.filter(appointment=appointment, status="signed").exists()
