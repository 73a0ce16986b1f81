"""A receptionist of a Polish clinic on a phone (375 px): the top bar (language switch, name, role, account,
log out) and the daily pages wrap to the screen; nothing makes the page scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.testing import PASSWORD, make_clinic, make_patient, make_schedulable, make_staff

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="pl-PL")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_the_daily_pages_fit_a_phone_in_polish(phone):
    page = phone
    clinic = make_clinic("Gabinet Róża", language="pl")
    make_schedulable(clinic)
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Renata Recepcjonistka-Wiśniewska")
    patient = make_patient(clinic)

    page.goto("/accounts/login/")
    page.get_by_label("Nazwa użytkownika lub e-mail").fill(receptionist.user.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("navigation", name="Menu główne")).to_be_visible()

    for path in ("/", "/patients/", f"/patients/{patient.pk}/", "/schedule/", "/billing/"):
        page.goto(path)
        expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than a 375 px phone"
