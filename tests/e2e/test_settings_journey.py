"""The owner sets the clinic up in the app, on a tablet and on a phone: invites a practitioner, gives her
weekly hours, closes a location on a public holiday picked from the country's list, edits the clinic phone
(issue 12, item 6). Screenshots of each step go to /tmp/mesoclinic-settings/ for a person to look at."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date, time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.scheduling.models import Holiday, WorkingHours
from mesoclinic.testing import PASSWORD, make_clinic, make_staff

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("MESOCLINIC_SHOTS_DIR", Path(tempfile.gettempdir()) / "mesoclinic-settings"))
VIEWPORTS = {"tablet": {"width": 820, "height": 1180}, "phone": {"width": 390, "height": 844}}


def shot(page, viewport: str, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{viewport}-{step}.png"), full_page=True)


def sign_in(page, member: StaffMember) -> None:
    page.goto("/accounts/login/", timeout=60_000)
    page.get_by_label("Username").fill(member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_owner_sets_up_staff_hours_holidays_and_the_clinic_phone(page, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.set_default_timeout(30_000)  # a shared, busy machine: the page is slow, never wrong
    clinic = make_clinic("Rosa Aesthetics")
    location = clinic.locations.get()
    sign_in(page, make_staff(clinic, Role.OWNER, name="Olga Owner"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    shot(page, viewport, "1-settings")

    # Invite a practitioner: she gets an e-mail to choose her password; the owner goes on to her hours.
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="Invite a staff member").click()
    page.get_by_label("E-mail").fill("nadia@example.org")
    page.get_by_role("textbox", name=re.compile(r"^Name")).fill("Nadia Nowak")
    page.get_by_label("Role").select_option("practitioner")
    page.get_by_role("checkbox", name="Needle mesotherapy").check()
    page.get_by_role("checkbox", name="Main").check()
    shot(page, viewport, "2-invite")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Nadia Nowak is invited")
    expect(page.get_by_role("heading", name="Hours of Nadia Nowak")).to_be_visible()
    member = StaffMember.objects.get(user__email="nadia@example.org")
    assert (member.role, member.modalities) == ("practitioner", ["needle"])

    # Her weekly hours at the location: Monday and Thursday.
    page.get_by_label("Monday from").fill("09:00")
    page.get_by_label("Monday until").fill("17:00")
    page.get_by_label("Thursday from").fill("12:00")
    page.get_by_label("Thursday until").fill("20:00")
    page.get_by_role("button", name="Save hours at Main").click()
    expect(page.get_by_role("status")).to_contain_text("Weekly hours of Nadia Nowak at Main saved")
    shot(page, viewport, "3-hours")
    spans = [(h.weekday, h.starts, h.ends) for h in WorkingHours.objects.filter(staff=member)]
    assert spans == [(0, time(9), time(17)), (3, time(12), time(20))]

    # A holiday from Poland's list for 2031 (computed by the holidays package, not a fixed list).
    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Locations, hours & holidays"
    ).click()
    page.get_by_role("link", name="Holidays", exact=True).click()
    page.get_by_label("Country", exact=True).select_option("PL")
    page.get_by_label("Year", exact=True).fill("2031")
    page.get_by_role("button", name="Show the list").click()
    page.get_by_label(re.compile(r"11 Nov · .*Independence Day")).check()
    shot(page, viewport, "4-holidays")
    page.get_by_role("button", name="Close on the ticked days").click()
    expect(page.get_by_role("status")).to_contain_text("1 holidays added")
    expect(page.get_by_role("region", name="Closed in 2031")).to_contain_text("Independence Day")
    assert list(Holiday.objects.filter(location=location).values_list("date", flat=True)) == [
        date(2031, 11, 11)
    ]

    # The clinic's phone, printed in every message to patients.
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Clinic").click()
    page.get_by_label("Phone").fill("+48 22 555 01 01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Clinic details saved")
    expect(page.get_by_label("Phone")).to_have_value("+48 22 555 01 01")
    shot(page, viewport, "5-clinic")
    clinic.refresh_from_db()
    assert clinic.phone == "+48 22 555 01 01"
