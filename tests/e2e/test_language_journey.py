"""A receptionist of a Polish clinic on a tablet: the pages are in Polish, the language switch in the top bar
(Django's set_language) changes them to English and back, and no Polish page is wider than the screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.accounts.services import update_clinic_details
from mesoclinic.testing import PASSWORD, make_clinic, make_patient, make_schedulable, make_staff
from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True)
TABLET = {"width": 1024, "height": 768}


def fits_the_screen(page) -> None:
    """Nothing on the page is wider than the viewport (a long Polish word must wrap, not overflow)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the tablet screen"


def shot(page, name: str) -> None:
    if os.environ.get("MESOCLINIC_SCREENSHOTS") == "1" or os.environ.get("MESOCLINIC_I18N_SHOTS"):
        folder = Path(os.environ.get("MESOCLINIC_I18N_SHOTS") or SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


@pytest.fixture
def tablet(browser, live_server):
    """A tablet whose browser asks for Polish (Accept-Language: pl)."""
    context = browser.new_context(viewport=TABLET, base_url=live_server.url, locale="pl-PL")
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded test machine: the first page compiles every template
    yield page
    context.close()


def test_a_polish_receptionist_switches_language_on_a_tablet(tablet):
    page = tablet
    clinic = make_clinic("Gabinet Róża", language="pl")
    update_clinic_details(clinic, country="PL", actor=None)  # prices in złoty
    clinic.locations.update(name="Centrum")
    make_schedulable(clinic)
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Renata Recepcja")
    patient = make_patient(clinic)

    # The sign-in page follows the browser (Accept-Language: pl).
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    page.get_by_label("Nazwa użytkownika lub e-mail").fill(receptionist.user.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()

    # The clinic's language: Polish.
    nav = page.get_by_role("navigation", name="Menu główne")
    expect(nav.get_by_role("link", name="Kalendarz")).to_be_visible()
    fits_the_screen(page)
    shot(page, "polish-today")

    for path, heading in (
        ("/patients/", "Pacjenci"),
        (f"/patients/{patient.pk}/", patient.full_name),
        ("/schedule/", "Kalendarz"),
        (f"/schedule/book/?patient={patient.pk}", "Umów serię zabiegów"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        fits_the_screen(page)
    shot(page, "polish-booking")

    # The switch: Django's set_language, one button per other language.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar")).to_be_visible()
    # The explicit choice sticks in this browser, whatever the clinic's language.
    page.goto("/")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")).to_be_visible()

    page.get_by_role("button", name="Polski").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(
        page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="Pacjenci")
    ).to_be_visible()
