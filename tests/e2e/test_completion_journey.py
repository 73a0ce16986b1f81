"""A visit is done only through its signed session record (issue 12, items 1 and 2).

The receptionist checks the patient in on the day and finds no "Completed" button; in the treatment room,
on the tablet, an expired lot is refused the moment it is scanned, by name; signing the record completes
the visit. The clock is the morning of the appointment (Monday 3 March 2031, Warsaw), for the server too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.testing import make_lot, make_staff
from mesoclinic.testing.treatments import NEEDLE_PARAMETERS, first_appointment
from tests.e2e.test_booking_journey import log_in
from tests.e2e.test_session_journey import answer_day_of_questions_no

pytestmark = pytest.mark.django_db(transaction=True)
MORNING = datetime(2031, 3, 3, 8, 40, tzinfo=ZoneInfo("Europe/Warsaw"))  # the session starts at 9:00
TABLET = {"width": 820, "height": 1180}
SHOTS = Path(tempfile.gettempdir()) / "mesoclinic-completion-journey"  # to look at, never committed


@pytest.fixture(autouse=True)
def _on_the_morning_of_the_visit() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=True):
        yield


def new_page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def scan_and_sign(tablet, lot: str) -> None:
    tablet.locator("#scan").fill(lot)
    tablet.locator("#scan").press("Enter")
    expect(tablet.locator("#draft-lots")).to_contain_text(lot)
    for code, value in NEEDLE_PARAMETERS.items():
        field = tablet.locator(f"#param-{code}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    tablet.on("dialog", lambda dialog: dialog.accept())
    tablet.get_by_role("button", name="Sign", exact=True).click()


def test_reception_checks_in_and_only_the_signed_record_completes_the_visit(browser, live_server, clinic):
    SHOTS.mkdir(exist_ok=True)
    desk = make_staff(clinic, Role.RECEPTIONIST, name="Rita Reception")
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle"])
    appointment = first_appointment(clinic)
    make_lot(clinic, "ha_1pct_ampoule", lot_number="HA-OK")
    make_lot(clinic, "lidocaine_2pct", lot_number="LI-EXPIRED", expires_on=date(2030, 6, 30))
    make_lot(clinic, "lidocaine_2pct", lot_number="LI-OK")
    appointment_url = reverse("scheduling:appointment", args=[appointment.pk])

    # At the desk: check-in on the day; no way to mark the visit completed.
    desk_page = new_page(browser, live_server, {"width": 1280, "height": 860})
    log_in(desk_page, desk.user.username)
    desk_page.goto(appointment_url)
    expect(desk_page.get_by_text("The visit is completed when its session record is signed.")).to_be_visible()
    expect(desk_page.get_by_role("button", name="Mark as completed")).to_have_count(0)
    expect(desk_page.get_by_role("button", name="Complete without a record here")).to_have_count(0)
    expect(desk_page.get_by_role("button", name="Mark as no-show")).to_have_count(0)  # not before 9:00
    desk_page.screenshot(path=SHOTS / "desk-appointment.png")
    desk_page.get_by_role("button", name="Check in").click()
    expect(desk_page.locator("#appointment-status")).to_contain_text("Checked in")
    expect(desk_page.get_by_role("button", name="Mark as completed")).to_have_count(0)

    # In the treatment room, on the tablet: the expired lot is refused when scanned, by name.
    tablet = new_page(browser, live_server, TABLET)
    log_in(tablet, nurse.user.username)
    tablet.goto(appointment_url)
    tablet.get_by_role("button", name="Record session").click()
    answer_day_of_questions_no(tablet)
    tablet.get_by_role("button", name="Run the day-of screening").click()
    expect(tablet.locator("#screening-result")).to_contain_text("OK")
    tablet.locator('[data-zone="forehead"]').click()
    tablet.locator("#volume-forehead").fill("1")
    tablet.locator("#scan").fill("HA-OK")
    tablet.locator("#scan").press("Enter")
    expect(tablet.locator("#draft-lots")).to_contain_text("HA-OK")
    tablet.locator("#scan").fill("LI-EXPIRED")
    tablet.locator("#scan").press("Enter")
    refusal = tablet.locator("#scan_error")
    expect(refusal).to_contain_text("Lot LI-EXPIRED of")
    expect(refusal).to_contain_text("expired on 30 June 2030")
    expect(refusal).to_be_in_viewport()
    expect(tablet.locator("#draft-lots")).not_to_contain_text("LI-EXPIRED")
    expect(tablet.locator("#draft-lots")).to_contain_text("HA-OK")  # what was there stays
    tablet.screenshot(path=SHOTS / "tablet-expired-lot.png")
    scan_and_sign(tablet, "LI-OK")
    # signing re-checks everything: on a loaded machine it may take longer than five seconds
    expect(tablet.get_by_text("Signed by Nina Nurse")).to_be_visible(timeout=30_000)

    # Back at the desk: the visit is completed, and says how.
    desk_page.goto(appointment_url)
    expect(desk_page.locator("#appointment-status")).to_contain_text("Completed")
    expect(desk_page.locator("#appointment-completion")).to_contain_text("Session record signed")
    desk_page.screenshot(path=SHOTS / "desk-completed.png")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.completion) == (AppointmentStatus.COMPLETED, "signed_record")
