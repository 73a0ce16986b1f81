"""Journeys driven entirely in Polish (issue 15): a receptionist of a Polish clinic books a needle series, and a
practitioner records and signs a session, each on a phone (375 px) and on a tablet. Every step is found by its
Polish label, the pages say what happened in Polish, and no page is wider than the screen (Polish words are
longer than English ones). Screenshots under MESOCLINIC_SCREENSHOTS=1 or MESOCLINIC_I18N_SHOTS=<folder>."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.accounts.services import update_clinic_details
from mesoclinic.catalog.models import Modality
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.patients.services import publish_consent_template
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import PASSWORD, make_clinic, make_lot, make_staff
from mesoclinic.testing.treatments import NEEDLE_PARAMETERS, first_appointment
from mesoclinic.treatments.models import SessionRecord
from tests.e2e.test_booking_journey import NEEDLE, busy_clinic, next_monday, patient
from tests.e2e.test_language_journey import shot

pytestmark = pytest.mark.django_db(transaction=True)
SCREENS = {"phone": {"width": 375, "height": 812}, "tablet": {"width": 1024, "height": 768}}


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser, live_server) -> Iterator[tuple[str, object]]:
    """A phone or a tablet whose browser asks for Polish; fails if the CSP blocked anything."""
    context = browser.new_context(viewport=SCREENS[request.param], base_url=live_server.url, locale="pl-PL")
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded test machine: the first page compiles every template
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    yield request.param, page
    context.close()
    assert not blocked, "the Content-Security-Policy blocked:\n" + "\n".join(blocked)


#: The innermost elements that stick out on the right, to say what overflows.
WIDEST = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > width + 1);
  return out.filter(e => !out.some(o => o !== e && e.contains(o))).slice(0, 6).map(e =>
    `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} "${(e.innerText || "").slice(0, 40)}" ` +
    `right=${Math.round(e.getBoundingClientRect().right)}`);
}"""


def fits(page) -> None:
    """Polish and nothing wider than the screen: a long Polish word wraps instead of pushing the page sideways."""
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen: {page.evaluate(WIDEST)}"


def polish_clinic():
    clinic = make_clinic("Gabinet Róża", language="pl")
    update_clinic_details(clinic, country="PL", actor=None)
    clinic.locations.update(name="Centrum")
    return clinic


def monday_with_two_bookings(clinic, setup):
    """Next Monday has two hydration series starting; the clinic's consent form is its own, in Polish."""
    tz = ZoneInfo(setup.location.timezone)
    monday = next_monday(tz)
    hydration = get_protocol_for_clinic(clinic, NEEDLE)
    for hour, (given, family) in zip((9, 11), (("Julia", "Mazur"), ("Olga", "Sikora")), strict=True):
        proposal = propose_series(
            setup.location, hydration, earliest=datetime.combine(monday, time(hour), tz)
        )
        book_series(patient(clinic, given, family), hydration, setup.location, proposal.sessions, actor=None)
    publish_consent_template(
        clinic,
        modality=Modality.objects.get(clinic=clinic, code="needle"),
        title="Zgoda na mezoterapię igłową",
        body="Omówiłam/omówiłem z osobą wykonującą zabieg jego przebieg, spodziewany efekt, inne możliwości "
        "i ryzyko (ból, siniaki, obrzęk, zakażenie, reakcja alergiczna).",
        actor=None,
    )
    return monday


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    fits(page)
    page.get_by_label("Nazwa użytkownika lub e-mail").fill(username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("navigation", name="Menu główne")).to_be_attached()


def test_a_polish_receptionist_books_a_needle_series(screen):
    size, page = screen
    clinic = polish_clinic()
    setup, _doctor = busy_clinic(clinic)
    monday = monday_with_two_bookings(clinic, setup)
    maria = patient(clinic, "Maria", "Kowalczyk", date(1979, 4, 2))
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Renata Recepcja")
    log_in(page, receptionist.user.username)

    page.goto(f"/patients/{maria.pk}/")
    fits(page)
    page.get_by_role("link", name="Umów serię zabiegów").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Umów serię zabiegów")
    fits(page)
    page.get_by_role("link", name="Wybierz Nawilżenie twarzy (HA)").click()
    expect(page.locator("#screening-result")).to_contain_text("OK")
    expect(page.get_by_role("heading", name="Kwalifikacja: Nawilżenie twarzy (HA)")).to_be_visible()
    shot(page, f"pl-{size}-booking-screening")
    fits(page)
    page.get_by_role("link", name="Kontynuuj").click()

    expect(
        page.get_by_role("heading", name="Zgoda na zabieg: Mezoterapia igłowa", exact=True)
    ).to_be_visible()
    expect(page.get_by_label("Podpisał(a)")).to_have_value("Maria Kowalczyk")
    shot(page, f"pl-{size}-booking-consent")
    fits(page)
    page.get_by_role("button", name="Zapisz podpis i kontynuuj").click()
    expect(page.get_by_text("Zapisano zgodę: Zgoda na mezoterapię igłową.")).to_be_visible()

    page.get_by_label("Pierwszy zabieg w dniu lub po").fill(monday.isoformat())
    page.get_by_role("button", name="Zaproponuj terminy").click()
    sessions = page.locator("#proposal > li")
    expect(sessions).to_have_count(4)
    expect(sessions.first).to_contain_text("Zabieg 1 z 4")
    expect(sessions.first).to_contain_text(f"Pon {monday.day} ")  # Monday in Polish
    shot(page, f"pl-{size}-booking-proposal")
    fits(page)
    page.get_by_role("link", name="Sprawdź i umów").click()
    expect(page.locator("#confirm-sessions > li")).to_have_count(4)
    fits(page)
    page.get_by_role("button", name="Umów 4 zabiegi").click()

    expect(page.get_by_role("heading", name="Seria umówiona")).to_be_visible()
    expect(page.get_by_text("Umówiono 4 zabiegi dla: Maria Kowalczyk.")).to_be_visible()
    expect(page.locator("#booked-sessions tbody tr")).to_have_count(4)
    shot(page, f"pl-{size}-booking-booked")
    fits(page)
    assert maria.appointments.count() == 4


@pytest.fixture
def _on_the_morning_of_the_session() -> Iterator[None]:
    with time_machine.travel(datetime(2031, 3, 3, 8, 30, tzinfo=ZoneInfo("Europe/Warsaw")), tick=True):
        yield


@pytest.mark.usefixtures("_on_the_morning_of_the_session")
def test_a_polish_practitioner_records_and_signs_a_session(screen):
    size, page = screen
    clinic = polish_clinic()
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Pielęgniarka", modalities=["needle"])
    appointment = first_appointment(clinic)
    make_lot(clinic, "ha_1pct_ampoule", lot_number="HA-PL")
    make_lot(clinic, "lidocaine_2pct", lot_number="LI-PL")
    log_in(page, nurse.user.username)

    page.goto(reverse("scheduling:appointment", args=[appointment.pk]))
    fits(page)
    page.get_by_role("button", name="Zapisz zabieg").click()
    radios = page.locator('#screening input[type="radio"][value="no"]')
    expect(radios.first).to_be_visible()
    fits(page)
    for index in range(radios.count()):
        radios.nth(index).check()
    page.get_by_role("button", name="Przeprowadź kwalifikację w dniu zabiegu").click()
    expect(page.locator("#screening-result")).to_contain_text("OK")
    page.locator('[data-zone="forehead"]').click()
    page.locator("#volume-forehead").fill("1")
    for lot in ("HA-PL", "LI-PL"):
        page.locator("#scan").fill(lot)
        page.locator("#scan").press("Enter")
        expect(page.locator("#draft-lots")).to_contain_text(lot)
    for code, value in NEEDLE_PARAMETERS.items():
        field = page.locator(f"#param-{code}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    expect(page.locator('label[for="param-gauge"]')).to_contain_text("Grubość igły")
    shot(page, f"pl-{size}-session-draft")
    fits(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Podpisz", exact=True).click()

    expect(page.get_by_text("Podpisane przez: Nina Pielęgniarka")).to_be_visible()
    expect(page.locator("#signed-lots")).to_contain_text("HA-PL")
    expect(page.locator(".session-locked")).to_contain_text("Głębokość iniekcji")
    shot(page, f"pl-{size}-session-signed")
    fits(page)
    assert SessionRecord.objects.get(appointment=appointment).status == "signed"
