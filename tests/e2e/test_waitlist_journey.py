"""Issue 18, item 5: the portal's waiting-list card on a phone and a tablet: join, see an earlier date offered
(and until when it is open), try to take an offer that ran out (told kindly, still waiting), take the next one."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.services import register_patient
from mesoclinic.portal.models import WaitlistEntry, WaitlistStatus
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series, cancel_appointment
from mesoclinic.testing import make_clinic, take_history
from mesoclinic.testing.portal import NEEDLE, WARSAW, open_booking
from tests.e2e.test_portal_journey import sign_in
from tests.e2e.test_public_booking_journey import PHONE, context_page, no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)

TABLET = {"width": 1024, "height": 1366}
SATURDAY = datetime(2031, 3, 1, 10, 0, tzinfo=WARSAW)  # Ola's series from Wednesday; others earlier that week
SHOTS = Path(os.environ.get("MESOCLINIC_JOURNEY_SHOTS") or Path(tempfile.gettempdir()) / "waitlist-shots")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def series(clinic, location, given, email, earliest):
    patient = register_patient(
        clinic, actor=None, given_name=given, family_name="Nowak", birth_date=date(1990, 5, 6), email=email
    )
    take_history(patient)
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    return book_series(
        patient, needle, location, propose_series(location, needle, earliest=earliest).sessions, actor=None
    )


def test_the_waiting_list_card_on_a_phone_and_a_tablet(browser, live_server):
    with time_machine.travel(SATURDAY, tick=True):
        clinic = make_clinic("Rosa Aesthetics")
        setup = open_booking(clinic)
        ola = series(clinic, setup.location, "Ola", "ola@example.com", SATURDAY + timedelta(days=4, hours=-1))
        first = ola.appointments.get(session_index=1)
        ewa = series(clinic, setup.location, "Ewa", "ewa@example.com", first.starts_at - timedelta(days=1))
        iza = series(clinic, setup.location, "Iza", "iza@example.com", first.starts_at - timedelta(days=2))
        ewa_first, iza_first = ewa.appointments.get(session_index=1), iza.appointments.get(session_index=1)
        assert iza_first.starts_at < ewa_first.starts_at < first.starts_at

        # Phone: join, an earlier date is offered, the offer runs out before the patient takes it.
        context, page, blocked = context_page(browser, live_server, PHONE)
        sign_in(page, clinic)
        card = page.locator("#waitlist")
        card.locator("li").first.get_by_role("button", name=re.compile("Wait for an earlier date")).click()
        expect(page.get_by_text("You are on the waiting list")).to_be_visible()
        shot(page, "waitlist-joined-phone")
        cancel_appointment(ewa_first, reason="Patient ill", actor=None)
        page.reload()
        # Signed in from the e-mail, the offer is said at the top (the card is far below on a phone).
        notice = page.get_by_test_id("waitlist-offer-notice")
        expect(notice).to_be_in_viewport()
        notice.get_by_role("link", name="See it and take it").click()
        take = card.get_by_role("button", name="Take the earlier date")
        expect(take).to_be_in_viewport()
        expect(take).to_be_visible()
        expect(card.get_by_text(re.compile("Open until"))).to_be_visible()
        no_sideways_scroll(page)
        shot(page, "waitlist-offered-phone")
        WaitlistEntry.objects.filter(appointment=first).update(
            offer_expires_at=timezone.now() - timedelta(minutes=1)
        )
        take.click()
        expect(page.get_by_text(re.compile("This offer lapsed"))).to_be_visible()
        expect(card.get_by_text("On the waiting list")).to_be_visible()
        no_sideways_scroll(page)
        shot(page, "waitlist-lapsed-phone")
        context.close()
        assert not blocked, blocked
        assert Appointment.objects.get(pk=first.pk).starts_at == first.starts_at

        # Tablet: the next earlier date is offered and taken.
        context, page, blocked = context_page(browser, live_server, TABLET)
        sign_in(page, clinic)
        cancel_appointment(iza_first, reason="Patient ill", actor=None)
        page.reload()
        card = page.locator("#waitlist")
        expect(card.get_by_role("button", name="Take the earlier date")).to_be_visible()
        shot(page, "waitlist-offered-tablet")
        card.get_by_role("button", name="Take the earlier date").click()
        expect(
            page.get_by_text(re.compile("Your session is moved to the earlier date: Monday 3 March 2031"))
        ).to_be_visible()
        shot(page, "waitlist-accepted-tablet")
        context.close()
        assert not blocked, blocked
    assert Appointment.objects.get(pk=first.pk).starts_at == iza_first.starts_at
    assert WaitlistEntry.objects.get(appointment=first).status == WaitlistStatus.ACCEPTED
