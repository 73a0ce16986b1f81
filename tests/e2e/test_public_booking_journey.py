"""A patient books a 4-session needle series on the clinic's public page from a phone, with the code from the
e-mail, and the receptionist finds it on the calendar; the public pages pass axe-core on a phone."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.services import register_patient
from mesoclinic.portal.models import OnlineBooking
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import PASSWORD, make_clinic, make_staff, take_history
from mesoclinic.testing.portal import NEEDLE, open_booking
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import AXE, violations

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 375, "height": 812}
TABLET = {"width": 1024, "height": 768}


def context_page(browser, live_server, viewport, *, bypass_csp=False):
    context = browser.new_context(viewport=viewport, base_url=live_server.url, bypass_csp=bypass_csp)
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded machine: the live server can be slow to answer
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    return context, page, blocked


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"


def test_a_patient_books_a_four_session_series_from_a_phone(browser, live_server):  # noqa: PLR0915 — one journey
    clinic = make_clinic("Rosa Aesthetics")
    setup = open_booking(clinic)
    context, page, blocked = context_page(browser, live_server, PHONE)
    page.goto(f"/c/{clinic.slug}/")
    expect(page.get_by_role("heading", name="Book a treatment")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "public-booking-treatments")
    card = page.locator(".treatment").filter(has_text="Hydration")
    expect(card.get_by_text("With fine needles")).to_be_visible()
    card.get_by_role("link", name=re.compile("Choose dates")).click()
    page.get_by_label("Time of day").select_option("morning")
    page.get_by_role("button", name="Show dates").click()
    offers = page.locator(".offer")
    expect(offers.first).to_be_visible()
    assert 1 <= offers.count() <= 3
    expect(offers.first.locator(".offer__sessions li")).to_have_count(4)
    no_sideways_scroll(page)
    screenshot(page, "public-booking-series")
    offers.first.get_by_role("button", name="Book option 1").click()

    page.get_by_label("First name").fill("Ola")
    page.get_by_label("Last name").fill("Nowak")
    page.get_by_label("Date of birth").fill("1990-05-06")
    page.get_by_label("E-mail").fill("ola@example.com")
    page.get_by_label("Phone").fill("07400 123456")
    page.get_by_label(re.compile("I have read the consent")).check()
    no_sideways_scroll(page)
    screenshot(page, "public-booking-details")
    page.get_by_role("button", name="Send me the code").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code from the e-mail").fill(code)
    page.get_by_role("button", name="Confirm my booking").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    expect(page.locator(".offer__sessions li")).to_have_count(4)
    screenshot(page, "public-booking-confirmed")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Add every session")).click()
    assert download.value.suggested_filename == "sessions.ics"
    context.close()
    assert not blocked, blocked

    wide, page, _blocked = context_page(browser, live_server, TABLET)
    page.goto(f"/c/{clinic.slug}/")
    no_sideways_scroll(page)
    screenshot(page, "public-booking-treatments-tablet")
    wide.close()

    booking = OnlineBooking.objects.get()
    first = Appointment.objects.filter(patient=booking.patient).order_by("starts_at").first()
    assert Appointment.objects.filter(patient=booking.patient).count() == 4
    local = first.starts_at.astimezone(ZoneInfo(setup.location.timezone))
    assert local.hour < 12  # the morning was asked for

    make_staff(clinic, Role.RECEPTIONIST, name="Rita Reception", locations=[setup.location])
    receptionist = clinic_user(clinic)
    context, page, blocked = context_page(browser, live_server, TABLET)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(receptionist)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/schedule/?location={setup.location.pk}&date={local.date().isoformat()}&view=day")
    expect(page.get_by_text("Nowak").first).to_be_visible()
    screenshot(page, "public-booking-on-the-calendar")
    context.close()
    assert not blocked, blocked


def clinic_user(clinic) -> str:
    from mesoclinic.accounts.models import StaffMember  # noqa: PLC0415

    return StaffMember.objects.get(clinic=clinic, role=Role.RECEPTIONIST).user.username


def test_the_public_pages_pass_axe_on_a_phone(browser, live_server):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make test installs it)")
    clinic = make_clinic("Rosa Aesthetics")
    open_booking(clinic)
    context, page, _blocked = context_page(browser, live_server, PHONE, bypass_csp=True)
    page.goto(f"/c/{clinic.slug}/")
    assert violations(page) == []
    page.goto(f"/c/{clinic.slug}/book/{NEEDLE}/")
    page.get_by_role("button", name="Show dates").click()
    expect(page.locator(".offer").first).to_be_visible()
    assert violations(page) == []
    page.locator(".offer").first.get_by_role("button").click()
    expect(page.get_by_label("First name")).to_be_visible()
    assert violations(page) == []
    context.close()


def test_a_patient_signs_in_to_the_portal_and_cancels_a_session(browser, live_server):
    clinic = make_clinic("Rosa Aesthetics")
    setup = open_booking(clinic)
    patient = register_patient(
        clinic,
        actor=None,
        given_name="Ola",
        family_name="Nowak",
        birth_date=date(1990, 5, 6),
        email="ola@example.com",
    )
    take_history(patient)
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    earliest = timezone.now() + timedelta(days=3)
    sessions = propose_series(setup.location, needle, earliest=earliest).sessions
    book_series(patient, needle, setup.location, sessions, actor=None)
    context, page, blocked = context_page(browser, live_server, PHONE)
    page.goto(f"/c/{clinic.slug}/portal/")
    page.get_by_label("E-mail").fill("ola@example.com")
    page.get_by_label("Date of birth").fill("1990-05-06")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code from the e-mail").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Ola")).to_be_visible()
    rows = page.get_by_test_id("upcoming").locator("li")  # (the waiting-list section lists them too)
    expect(rows).to_have_count(4)
    no_sideways_scroll(page)
    screenshot(page, "patient-portal-sessions")
    rows.last.get_by_role("link", name=re.compile("Cancel")).click()
    expect(page.get_by_text("Cancelling now costs nothing.")).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_role("button", name="Yes, cancel this session").click()
    expect(page.get_by_text("Your session is cancelled.")).to_be_visible()
    expect(page.get_by_test_id("upcoming").locator("li")).to_have_count(3)
    context.close()
    assert not blocked, blocked
    assert Appointment.objects.filter(patient=patient, status="cancelled").count() == 1


def _fill_details(page, email: str) -> None:
    page.get_by_label("First name").fill("Ola")
    page.get_by_label("Last name").fill("Nowak")
    page.get_by_label("Date of birth").fill("1990-05-06")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label(re.compile("I have read the consent")).check()


def test_two_browsers_race_for_one_offer_and_the_second_gets_new_dates(browser, live_server):
    """Two phones choose the same series; the first to send holds it, the second is told at once that the dates
    were just taken and shown new ones (issue 18, items 4 and 11)."""
    clinic = make_clinic("Rosa Aesthetics")
    open_booking(clinic)
    pages = []
    for _n in range(2):
        _context, page, _blocked = context_page(browser, live_server, PHONE)
        page.goto(f"/c/{clinic.slug}/")
        page.locator(".treatment").filter(has_text="Hydration").get_by_role(
            "link", name=re.compile("Choose dates")
        ).click()
        page.get_by_role("button", name="Show dates").click()
        page.locator(".offer").first.get_by_role("button", name="Book option 1").click()
        pages.append(page)
    first, second = pages
    _fill_details(first, "ola@example.com")
    _fill_details(second, "ewa@example.com")
    first.get_by_role("button", name="Send me the code").click()
    expect(first.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    chosen = Appointment.objects.filter(status="held").order_by("starts_at").first().starts_at
    second.get_by_role("button", name="Send me the code").click()
    alert = second.get_by_role("alert")
    expect(alert.get_by_role("heading", name="These dates were just taken")).to_be_visible()
    offers = second.locator(".offer")
    expect(offers.first).to_be_visible()
    shown = offers.first.locator("time").first.get_attribute("datetime")
    assert (
        shown is not None and datetime.fromisoformat(shown) != chosen
    )  # one practitioner, one room: new dates
    no_sideways_scroll(second)
    screenshot(second, "public-booking-just-taken")
    assert Appointment.objects.filter(status="held").count() == 4
