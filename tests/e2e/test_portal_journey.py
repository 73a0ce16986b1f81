"""Issue 18, item 11: a patient moves one session of their series from the portal on a phone, and the series
stays within its interval ± tolerance; the portal's pages work at 375 px and on a tablet and pass axe-core."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.services import register_patient
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import make_clinic, take_history
from mesoclinic.testing.portal import NEEDLE, open_booking
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import AXE, violations
from tests.e2e.test_public_booking_journey import PHONE, TABLET, context_page, no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def patient_with_a_series(clinic):
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
    sessions = propose_series(setup.location, needle, earliest=timezone.now() + timedelta(days=3)).sessions
    course = book_series(patient, needle, setup.location, sessions, actor=None)
    return setup, patient, course


def sign_in(page, clinic) -> None:
    page.goto(f"/c/{clinic.slug}/portal/")
    page.get_by_label("E-mail").fill("ola@example.com")
    page.get_by_label("Date of birth").fill("1990-05-06")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code from the e-mail").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Ola")).to_be_visible()


def test_a_patient_moves_one_session_from_a_phone_and_the_series_stays_within_tolerance(browser, live_server):
    clinic = make_clinic("Rosa Aesthetics")
    setup, patient, course = patient_with_a_series(clinic)
    second = course.appointments.get(session_index=2)
    context, page, blocked = context_page(browser, live_server, PHONE)
    sign_in(page, clinic)
    no_sideways_scroll(page)
    screenshot(page, "patient-portal-home-phone")
    page.locator(".portal-sessions li").nth(1).get_by_role("link", name=re.compile("Change date")).click()
    expect(page.get_by_role("heading", name="Change the date")).to_be_visible()
    choices = page.get_by_role("radio")
    expect(choices.first).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "patient-portal-reschedule-phone")
    choices.last.check()
    page.get_by_role("button", name="Move my session").click()
    expect(page.get_by_text(re.compile("Your session is moved to"))).to_be_visible()
    context.close()
    assert not blocked, blocked

    moved = Appointment.objects.get(pk=second.pk)
    assert moved.starts_at != second.starts_at and moved.status == "booked"
    tz = ZoneInfo(setup.location.timezone)
    days = [a.starts_at.astimezone(tz).date() for a in course.appointments.order_by("session_index")]
    low, high = course.interval_days - course.tolerance_days, course.interval_days + course.tolerance_days
    assert all(low <= (b - a).days <= high for a, b in itertools.pairwise(days)), days
    assert Appointment.objects.filter(patient=patient, status="booked").count() == 4


def test_the_portal_pages_fit_a_tablet_and_a_phone_and_pass_axe(browser, live_server):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make test installs it)")
    clinic = make_clinic("Rosa Aesthetics")
    _setup, _patient, course = patient_with_a_series(clinic)
    last = course.appointments.get(session_index=4)
    for viewport, name in ((PHONE, "phone"), (TABLET, "tablet")):
        context, page, _blocked = context_page(browser, live_server, viewport, bypass_csp=True)
        page.goto(f"/c/{clinic.slug}/portal/")
        assert violations(page) == []
        sign_in(page, clinic)
        for path in (
            f"/c/{clinic.slug}/portal/me/",
            f"/c/{clinic.slug}/portal/me/sessions/{last.pk}/move/",
            f"/c/{clinic.slug}/portal/me/sessions/{last.pk}/cancel/",
            f"/c/{clinic.slug}/portal/me/details/",
        ):
            page.goto(path)
            no_sideways_scroll(page)
            assert violations(page) == [], path
        page.goto(f"/c/{clinic.slug}/portal/me/")
        screenshot(page, f"patient-portal-home-{name}")
        context.close()
