"""Daily use on a tablet and a phone (issue 12, item 8): a practitioner's Today lists their own patients, with
"Record session" and a "Take photos" link for that session; the booking wizard registers a new patient in
place; a check-in updates Today's counters; a refused signature is shown where the eye is.

Screenshots of each step go to <temp dir>/mesoclinic-daily/ (looked at by hand; not committed).
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import publish_consent_template, record_consent
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.scheduling.services import start_course
from mesoclinic.testing import make_clinic, make_staff
from mesoclinic.treatments.models import SessionRecord
from tests.e2e.test_booking_journey import NEEDLE, busy_clinic, late_morning_zone, log_in, patient

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(tempfile.gettempdir()) / "mesoclinic-daily"
VIEWPORTS = {"tablet": {"width": 820, "height": 1180}, "phone": {"width": 390, "height": 844}}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def appointment_now(clinic, setup, who, room, person, *, minutes: int, template):
    """A needle appointment ``minutes`` from now (rounded down to a quarter), with consent signed."""
    needle = get_protocol_for_clinic(clinic, NEEDLE)
    record_consent(person, template=template, signed_by=person.full_name, photo_use=["clinical"], actor=None)
    now = timezone.now().astimezone(ZoneInfo(setup.location.timezone))
    starts = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0) + timedelta(
        minutes=minutes
    )
    ends = starts + timedelta(minutes=needle.session_minutes)
    return Appointment.objects.create(
        clinic=clinic,
        location=setup.location,
        patient=person,
        protocol=needle,
        course=start_course(person, needle, actor=None),
        session_index=1,
        practitioner=who,
        room=room,
        starts_at=starts,
        ends_at=ends,
        buffer_minutes=needle.buffer_minutes,
        blocked_until=ends + timedelta(minutes=needle.buffer_minutes),
        status=AppointmentStatus.BOOKED,
    )


@pytest.mark.parametrize("device", ["tablet", "phone"])
def test_a_practitioner_records_a_session_from_today_and_takes_its_photos(page, device):
    page.set_viewport_size(VIEWPORTS[device])
    page.set_default_timeout(30_000)  # a loaded shared machine: pages can take a while
    page.set_default_navigation_timeout(90_000)  # the server's very first page most of all
    clinic = make_clinic("Rosa Aesthetics", timezone=late_morning_zone())
    setup, doctor = busy_clinic(clinic)
    room2 = setup.location.rooms.get(name="Room 2")
    needle = get_protocol_for_clinic(clinic, NEEDLE)
    consent = publish_consent_template(
        clinic, modality=needle.modality, title="Needle consent", body="Risks explained.", actor=None
    )
    maria, julia = patient(clinic, "Maria", "Kowalczyk"), patient(clinic, "Julia", "Mazur")
    mine = appointment_now(
        clinic, setup, setup.practitioner, setup.room, maria, minutes=-15, template=consent
    )
    appointment_now(clinic, setup, doctor, room2, julia, minutes=0, template=consent)
    log_in(page, setup.practitioner.user.username)

    page.goto("/")
    expect(page.get_by_role("link", name="My patients")).to_have_attribute("aria-current", "page")
    rows = page.locator("table.today-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Maria Kowalczyk")
    counts = page.locator("#today-counts")
    expect(counts).to_contain_text("0 ➜ checked in")
    shot(page, f"{device}-1-my-patients")

    rows.first.get_by_role("button", name="Check in Maria Kowalczyk").click()
    expect(rows.first).to_contain_text("Checked in")
    expect(counts).to_contain_text("1 ➜ checked in")  # the counters follow the check-in
    expect(counts).to_contain_text("0 ⚠ late")

    page.get_by_role("link", name="Everyone").click()
    expect(page.locator("table.today-table tbody tr")).to_have_count(2)
    page.get_by_role("link", name="My patients").click()

    page.get_by_role("button", name="Record session Maria Kowalczyk").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session record")
    record = SessionRecord.objects.get(appointment=mine)
    shot(page, f"{device}-2-session-record")

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign", exact=True).click()
    summary = page.locator("#sign-errors")
    expect(summary).to_be_focused()  # the refusal is where the eye is, not at the top of a long page
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Not signed")
    shot(page, f"{device}-3-refused")

    page.get_by_role("link", name="Take photos").click()
    expect(page).to_have_url(re.compile(rf"/photos/take/\?session={record.pk}$"))
    expect(page.locator("#capture-session")).to_contain_text("For the session of")
    shot(page, f"{device}-4-take-photos")
    page.get_by_role("link", name="Back to the session record").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session record")

    page.get_by_role("link", name="Maria Kowalczyk").first.click()
    page.get_by_role("link", name="Appointments & sessions").click()
    expect(page.locator("#past-appointments, #upcoming-appointments")).to_contain_text(["session 1 of 4"])
    shot(page, f"{device}-5-chart-appointments")


@pytest.mark.parametrize("device", ["tablet", "phone"])
def test_a_receptionist_registers_a_new_patient_inside_the_booking_wizard(page, device):
    page.set_viewport_size(VIEWPORTS[device])
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(90_000)
    clinic = make_clinic("Rosa Aesthetics")
    busy_clinic(clinic)
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Rita Evans")
    log_in(page, receptionist.user.username)

    page.goto("/")
    page.get_by_role("link", name="Book a series").first.click()
    page.get_by_label(re.compile("^Find the patient")).fill("Zielinska")
    expect(page.locator("#book-patients")).to_contain_text("No patient matches")
    shot(page, f"{device}-6-wizard-no-match")
    page.get_by_role("link", name="Register a new patient").click()

    expect(page.locator("#booking-note")).to_contain_text("Booking a series")
    expect(page.get_by_label("Last name")).to_have_value("Zielinska")  # as searched, not typed twice
    page.get_by_label("First name").fill("Ewa")
    page.get_by_label("Date of birth").fill(date(1990, 6, 1).isoformat())
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("group", name=re.compile("^May we send reminders")).get_by_label(
        "No", exact=True
    ).check()
    shot(page, f"{device}-7-register-in-wizard")
    page.get_by_role("button", name="Register and go on booking").click()

    ewa = Patient.objects.get(family_name="Zielinska")
    expect(page).to_have_url(re.compile(rf"/schedule/book/\?.*patient={ewa.pk}"))
    expect(page.get_by_text("Ewa Zielinska is registered.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Choose Face hydration"))).to_be_visible()
    shot(page, f"{device}-8-wizard-treatment-step")
