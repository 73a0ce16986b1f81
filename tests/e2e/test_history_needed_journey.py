"""A new patient whose history was never taken is "history needed", not OK (issue 12, item 3), on a tablet.

The receptionist sees it on the chart and the booking wizard refuses a needle series with the reason; once
the physician has taken the history (a latex allergy outside the coded list among it), the series books.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.scheduling.models import Appointment
from mesoclinic.testing import make_clinic, make_staff
from tests.e2e.test_booking_journey import busy_clinic, log_in, monday_with_two_bookings, patient

pytestmark = pytest.mark.django_db(transaction=True)
TABLET = {"width": 820, "height": 1180}


def look(page, name: str) -> None:
    """With MESOCLINIC_LOOK=1, keep a full-page screenshot in the temporary directory to look at."""
    if os.environ.get("MESOCLINIC_LOOK") == "1":
        page.screenshot(path=str(Path(tempfile.gettempdir()) / f"safety-{name}.png"), full_page=True)


def test_a_needle_series_waits_for_the_history_and_then_books(page):
    page.set_viewport_size(TABLET)
    page.set_default_timeout(60_000)  # a shared, busy machine: the first page can take a while
    clinic = make_clinic("Rosa Aesthetics")
    setup, doctor = busy_clinic(clinic)
    monday = monday_with_two_bookings(clinic, setup)
    zofia = patient(clinic, "Zofia", "Wrona", date(1990, 7, 1), history_taken=False)
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Rita Evans")

    log_in(page, receptionist.user.username)
    page.goto(f"/patients/{zofia.pk}/")
    expect(page.locator("#history-status")).to_contain_text("History needed.")
    look(page, "history-needed-chart")
    page.get_by_role("link", name="Book a series").click()
    page.get_by_role("link", name="Choose Face hydration (HA)").click()
    expect(page.locator("#history-needed")).to_contain_text("History needed: do not book.")
    expect(page.locator("#history-needed")).to_contain_text(
        "Zofia Wrona's medical history has never been taken"
    )
    expect(page.get_by_role("link", name="Continue")).to_have_count(0)
    look(page, "history-needed-booking")
    assert not Appointment.objects.filter(patient=zofia).exists()

    page.context.clear_cookies()
    log_in(page, doctor.user.username)
    page.goto(f"/patients/{zofia.pk}/?tab=history")
    page.get_by_label("Other allergies (not in the list)").fill("latex")
    page.get_by_label("I went through it with the patient (confirmed by me, now)").check()
    page.get_by_label("Reason for the change").fill("Intake at the first visit")
    page.get_by_role("button", name="Save medical history").click()
    expect(page.locator("#history-status")).to_contain_text("History confirmed by Dr Anna Nowak")
    expect(page.locator("#patient-alerts")).to_contain_text("Allergy (not in the list): latex")
    look(page, "history-taken-chart")

    page.context.clear_cookies()
    log_in(page, receptionist.user.username)
    page.goto(f"/patients/{zofia.pk}/")
    page.get_by_role("link", name="Book a series").click()
    page.get_by_role("link", name="Choose Face hydration (HA)").click()
    expect(page.locator("#screening-result")).to_contain_text("Caution")
    expect(page.locator("#screening-result")).to_contain_text("Allergy not in the coded list: latex")
    look(page, "history-taken-booking")
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("button", name="Record the signature and continue").click()
    page.get_by_label("First session on or after").fill(monday.isoformat())
    page.get_by_role("button", name="Propose dates").click()
    expect(page.locator("#proposal > li")).to_have_count(4)
    page.get_by_role("link", name="Review and book").click()
    page.get_by_role("button", name="Book 4 sessions").click()
    expect(page.get_by_text("4 sessions booked for Zofia Wrona.")).to_be_visible()
    assert Appointment.objects.filter(patient=zofia).count() == 4
