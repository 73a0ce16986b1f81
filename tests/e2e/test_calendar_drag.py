"""A receptionist drags an appointment on the calendar: to a free time it moves; onto a busy time the
calendar says why not, the block goes back and nothing changes."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.patients.services import register_patient
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import PASSWORD, make_clinic, make_schedulable, make_staff, take_history

pytestmark = pytest.mark.django_db(transaction=True)
NEEDLE = "needle-hydration-face"  # 30 minutes + 15 cleaning


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar")).to_be_visible()


def first_session(clinic, location, given: str, earliest: datetime):
    """Book a needle series for a new patient; its first session starts at ``earliest``."""
    person = take_history(
        register_patient(
            clinic,
            actor=None,
            given_name=given,
            family_name="Test",
            birth_date=date(1984, 5, 17),
            sex="female",
        )
    )
    hydration = get_protocol_for_clinic(clinic, NEEDLE)
    proposal = propose_series(location, hydration, earliest=earliest)
    course = book_series(person, hydration, location, proposal.sessions, actor=None)
    session = course.appointments.get(session_index=1)
    assert session.starts_at == earliest
    return session


def drag_to(page, block, hour: int, minute: int = 0) -> None:
    """Hold ``block`` near its top edge and drop it so that it starts at ``hour:minute`` in its column.

    The grid of this calendar runs from 08:00 (the location opens) in 15-minute rows.
    """
    column = block.locator("xpath=..")
    body = column.bounding_box()
    rows = int(page.locator(".cal").get_attribute("data-rows"))
    row_height = body["height"] / rows
    box = block.bounding_box()
    x, grab = box["x"] + box["width"] / 2, 6
    page.mouse.move(x, box["y"] + grab)
    page.mouse.down()
    target = body["y"] + ((hour - 8) * 4 + minute // 15) * row_height + grab
    page.mouse.move(x, box["y"] + grab + 10, steps=2)
    page.mouse.move(x, target, steps=8)
    expect(block).to_have_attribute("data-drop-time", f"{hour:02d}:{minute:02d}")
    page.mouse.up()


def test_a_receptionist_drags_an_appointment_to_a_free_time_and_not_onto_a_busy_one(page):
    clinic = make_clinic("Rosa Aesthetics")
    setup = make_schedulable(clinic)  # Nina works 09:00–17:00; the location is open 08:00–20:00
    tz = ZoneInfo(setup.location.timezone)
    today = timezone.now().astimezone(tz).date()
    monday = today + timedelta(days=7 - today.weekday())
    maria = first_session(clinic, setup.location, "Maria", datetime.combine(monday, time(9), tz))
    olga = first_session(clinic, setup.location, "Olga", datetime.combine(monday, time(11), tz))
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Rita Evans")
    log_in(page, receptionist.user.username)
    page.set_viewport_size({"width": 1280, "height": 1700})

    page.goto(f"/schedule/?location={setup.location.pk}&date={monday.isoformat()}&view=day&by=practitioner")
    block = page.locator(f'a.cal-appt[data-appointment="{maria.pk}"]')
    expect(block).to_contain_text("09:00 Maria Test")
    drag_to(page, block, 13, 15)

    expect(page.locator(".messages")).to_contain_text(
        re.compile(r"Moved from .*09:00 to .*13:15 with Nina Nurse")
    )
    maria.refresh_from_db()
    assert maria.starts_at == datetime.combine(monday, time(13, 15), tz)
    block = page.locator(f'a.cal-appt[data-appointment="{maria.pk}"]')
    expect(block).to_contain_text("13:15 Maria Test")

    drag_to(page, block, 11, 15)  # Olga is there from 11:00 to 11:30, then the room is cleaned until 11:45
    error = page.locator("#cal-move-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The appointment was not moved; nothing has changed.")
    expect(error).to_contain_text("Nina Nurse is not free on")
    expect(block).not_to_have_attribute("data-drop-time", re.compile(".*"))
    assert block.evaluate("element => element.style.transform") == ""
    expect(block).to_contain_text("13:15 Maria Test")
    maria.refresh_from_db()
    olga.refresh_from_db()
    assert maria.starts_at == datetime.combine(monday, time(13, 15), tz)
    assert olga.starts_at == datetime.combine(monday, time(11), tz)
    assert page.url.endswith(f"date={monday.isoformat()}&view=day&by=practitioner")  # not sent to its page

    error.get_by_role("button", name="Dismiss").click()
    expect(error).to_be_hidden()


def touch(cdp, kind: str, x: float, y: float) -> None:
    points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_on_a_tablet_a_touch_and_hold_picks_an_appointment_up_and_a_swipe_still_scrolls(browser, live_server):
    clinic = make_clinic("Rosa Aesthetics")
    setup = make_schedulable(clinic)
    tz = ZoneInfo(setup.location.timezone)
    today = timezone.now().astimezone(tz).date()
    monday = today + timedelta(days=7 - today.weekday())
    maria = first_session(clinic, setup.location, "Maria", datetime.combine(monday, time(9), tz))
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Rita Evans")
    context = browser.new_context(
        viewport={"width": 800, "height": 1280}, has_touch=True, is_mobile=True, base_url=live_server.url
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, receptionist.user.username)
        page.goto(f"/schedule/?location={setup.location.pk}&date={monday.isoformat()}&view=day")
        block = page.locator(f'a.cal-appt[data-appointment="{maria.pk}"]')
        box = block.bounding_box()
        body = block.locator("xpath=..").bounding_box()
        row_height = body["height"] / int(page.locator(".cal").get_attribute("data-rows"))
        cdp = context.new_cdp_session(page)
        x, y = box["x"] + 20, box["y"] + 6

        # A quick swipe over the block is not a drag: nothing is picked up.
        touch(cdp, "touchStart", x, y)
        touch(cdp, "touchMove", x, y + 40)
        touch(cdp, "touchEnd", x, y + 40)
        expect(block).not_to_have_class(re.compile("is-dragging"))

        # The swipe may have scrolled the page: measure the block again once it has settled.
        page.wait_for_timeout(500)
        box = block.bounding_box()
        x, y = box["x"] + 20, box["y"] + 6

        # Touch and hold, then move down four rows (an hour) and let go.
        touch(cdp, "touchStart", x, y)
        page.wait_for_timeout(600)
        expect(block).to_have_class(re.compile("is-dragging"))
        for step in range(1, 9):
            touch(cdp, "touchMove", x, y + step * row_height / 2)
        expect(block).to_have_attribute("data-drop-time", "10:00")
        touch(cdp, "touchEnd", x, y + 4 * row_height)

        expect(page.locator(".messages")).to_contain_text(re.compile(r"Moved from .*09:00 to .*10:00"))
        maria.refresh_from_db()
        assert maria.starts_at == datetime.combine(monday, time(10), tz)
    finally:
        context.close()
