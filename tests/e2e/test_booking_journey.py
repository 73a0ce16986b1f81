"""A receptionist books a needle series through the wizard, finds it on the calendar, moves one session;
and the Today screen of a busy clinic day (screenshots for the README)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Modality
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.patients.services import publish_consent_template, record_consent, register_patient
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, WorkingHours
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import add_room, book_series, start_course
from mesoclinic.testing import PASSWORD, make_clinic, make_schedulable, make_staff, take_history
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
NEEDLE = "needle-hydration-face"
ELECTROPORATION = "electroporation-glow"


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar")).to_be_visible()


def patient(clinic, given: str, family: str, born: date = date(1984, 5, 17), *, history_taken: bool = True):
    person = register_patient(
        clinic, actor=None, given_name=given, family_name=family, birth_date=born, sex="female"
    )
    return take_history(person) if history_taken else person


def next_monday(tz: ZoneInfo) -> date:
    today = timezone.now().astimezone(tz).date()
    return today + timedelta(days=7 - today.weekday())


def busy_clinic(clinic):
    """The shared location of the journeys: two practitioners, two rooms, an electroporator."""
    setup = make_schedulable(clinic)
    doctor = make_staff(
        clinic, Role.PHYSICIAN, name="Dr Anna Nowak", modalities=["needle"], locations=[setup.location]
    )
    for weekday in range(5):
        WorkingHours.objects.create(
            staff=doctor, location=setup.location, weekday=weekday, starts=time(8), ends=time(16)
        )
    add_room(setup.location, name="Room 2", modalities=["needle"], actor=None)
    return setup, doctor


def monday_with_two_bookings(clinic, setup):
    """Next Monday already has two hydration series starting (so the proposal is not all 09:00s)."""
    tz = ZoneInfo(setup.location.timezone)
    monday = next_monday(tz)
    hydration = get_protocol_for_clinic(clinic, NEEDLE)
    for hour, (given, family) in zip((9, 11), (("Julia", "Mazur"), ("Olga", "Sikora")), strict=True):
        earliest = datetime.combine(monday, time(hour), tz)
        proposal = propose_series(setup.location, hydration, earliest=earliest)
        book_series(patient(clinic, given, family), hydration, setup.location, proposal.sessions, actor=None)
    publish_consent_template(
        clinic,
        modality=Modality.objects.get(clinic=clinic, code="needle"),
        title="Consent to needle mesotherapy",
        body="I have discussed needle mesotherapy with my practitioner: how it is done, the expected "
        "benefit, the alternatives, and the risks (pain, bruising, swelling, infection, allergic reaction).",
        actor=None,
    )
    return monday


def test_a_receptionist_books_a_needle_series_and_finds_it_on_the_calendar(page):
    clinic = make_clinic("Rosa Aesthetics")
    setup, _doctor = busy_clinic(clinic)
    tz = ZoneInfo(setup.location.timezone)
    monday = monday_with_two_bookings(clinic, setup)
    maria = patient(clinic, "Maria", "Kowalczyk", date(1979, 4, 2))
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Rita Evans")
    log_in(page, receptionist.user.username)

    page.goto(f"/patients/{maria.pk}/")
    page.get_by_role("link", name="Book a series").click()
    page.get_by_role("link", name="Choose Face hydration (HA)").click()
    expect(page.locator("#screening-result")).to_contain_text("OK")
    page.get_by_role("link", name="Continue").click()

    expect(page.get_by_role("heading", name="Consent to Needle mesotherapy", exact=True)).to_be_visible()
    expect(page.get_by_label("Signed by")).to_have_value("Maria Kowalczyk")
    page.get_by_label("Teaching").check()
    page.get_by_role("button", name="Record the signature and continue").click()
    expect(page.get_by_text("Consent recorded")).to_be_visible()
    assert maria.consents.get().photo_use == ["clinical", "teaching"]

    page.get_by_label("First session on or after").fill(monday.isoformat())
    page.get_by_role("button", name="Propose dates").click()
    sessions = page.locator("#proposal > li")
    expect(sessions).to_have_count(4)
    expect(sessions.first).to_contain_text(f"{monday:%a} {monday.day} {monday:%b %Y}")
    page.set_viewport_size({"width": 1280, "height": 1100})
    screenshot(page, "booking-proposal")

    choice = sessions.nth(1).locator(".alternatives a").first
    weekday, day_number, month, hour = choice.locator("span").first.inner_text().split()
    choice.click()
    when = page.locator("#proposal > li").nth(1).locator(".proposal__when")
    expect(when).to_contain_text(f"{weekday} {day_number} {month}")
    expect(when).to_contain_text(hour)
    page.get_by_role("link", name="Review and book").click()
    expect(page.locator("#confirm-sessions > li")).to_have_count(4)
    page.get_by_role("button", name="Book 4 sessions").click()

    expect(page.get_by_role("heading", name="Series booked")).to_be_visible()
    expect(page.get_by_text("4 sessions booked for Maria Kowalczyk.")).to_be_visible()
    rows = page.locator("#booked-sessions tbody tr")
    expect(rows).to_have_count(4)
    booked = list(Appointment.objects.filter(patient=maria).order_by("session_index"))
    assert [a.session_index for a in booked] == [1, 2, 3, 4]

    for n, appointment in enumerate(booked):
        page.goto(f"/schedule/courses/{appointment.course_id}/booked/")
        page.locator("#booked-sessions tbody tr").nth(n).get_by_role("link", name="In the calendar").click()
        block = page.locator(f'a.cal-appt[data-appointment="{appointment.pk}"]')
        expect(block).to_contain_text("Maria Kowalczyk")
        expect(block).to_contain_text("Needle mesotherapy")
        expect(block).to_contain_text(f"{n + 1}/4")
    block.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"{booked[3].starts_at.astimezone(tz):%H:%M}"
    )


def test_a_receptionist_moves_a_session_to_another_offered_time(page):
    clinic = make_clinic("Rosa Aesthetics")
    setup, _doctor = busy_clinic(clinic)
    tz = ZoneInfo(setup.location.timezone)
    monday = next_monday(tz)
    hydration = get_protocol_for_clinic(clinic, NEEDLE)
    proposal = propose_series(setup.location, hydration, earliest=datetime.combine(monday, time(9), tz))
    course = book_series(
        patient(clinic, "Maria", "Kowalczyk"), hydration, setup.location, proposal.sessions, actor=None
    )
    second = course.appointments.get(session_index=2)
    before = second.starts_at
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Rita Evans")
    log_in(page, receptionist.user.username)

    page.goto(f"/schedule/appointments/{second.pk}/")
    expect(page.locator("#appointment-when")).to_contain_text(f"{before.astimezone(tz):%H:%M}")
    page.get_by_role("link", name="Reschedule").click()
    expect(page.locator("#series-window")).to_contain_text("keep the series within its tolerance")
    page.get_by_role("button", name=re.compile(r"^11:30")).click()

    expect(page.locator(".messages")).to_contain_text(re.compile(r"Moved from .* to .*11:30"))
    expect(page.locator("#appointment-when")).to_contain_text("11:30")
    expect(page.locator("#appointment-status")).to_contain_text("Booked")
    second.refresh_from_db()
    assert second.starts_at == before.astimezone(tz).replace(hour=11, minute=30)
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Moved")


# A clinic-day screenshot must not depend on when the suite runs: give the clinic a real time zone in which
# it is late morning right now, and lay the day out around that moment.
LATE_MORNING_ZONES = {
    -11: "Pacific/Pago_Pago",
    -10: "Pacific/Honolulu",
    -9: "Pacific/Gambier",
    -8: "Pacific/Pitcairn",
    -7: "America/Phoenix",
    -6: "America/Costa_Rica",
    -5: "America/Bogota",
    -4: "America/La_Paz",
    -3: "America/Argentina/Buenos_Aires",
    -2: "Atlantic/South_Georgia",
    -1: "Atlantic/Cape_Verde",
    0: "Africa/Abidjan",
    1: "Africa/Lagos",
    2: "Africa/Johannesburg",
    3: "Europe/Istanbul",
    4: "Asia/Dubai",
    5: "Asia/Karachi",
    6: "Asia/Dhaka",
    7: "Asia/Bangkok",
    8: "Asia/Singapore",
    9: "Asia/Tokyo",
    10: "Australia/Brisbane",
    11: "Pacific/Guadalcanal",
    12: "Pacific/Tarawa",
}


def late_morning_zone() -> str:
    offset = (11 - timezone.now().hour) % 24
    return LATE_MORNING_ZONES[offset if offset <= 12 else offset - 24]


def test_today_shows_a_clinic_day_with_late_patients_and_missing_consents(page):
    zone = late_morning_zone()
    clinic = make_clinic("Rosa Aesthetics", timezone=zone)
    setup, doctor = busy_clinic(clinic)
    room2 = setup.location.rooms.get(name="Room 2")
    tz = ZoneInfo(zone)
    now = timezone.now().astimezone(tz)
    assert 11 <= now.hour < 12
    slot = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    needle = get_protocol_for_clinic(clinic, NEEDLE)
    polynucleotides = get_protocol_for_clinic(clinic, "needle-polynucleotides-face")
    glow = get_protocol_for_clinic(clinic, ELECTROPORATION)
    consent = publish_consent_template(
        clinic, modality=needle.modality, title="Needle consent", body="Risks explained.", actor=None
    )
    ep_consent = publish_consent_template(
        clinic, modality=glow.modality, title="Electroporation consent", body="Risks explained.", actor=None
    )
    doctor_room, nurse_room = room2, setup.room  # Room 2 is for needle work only; Room 1 has the EP-1
    done, here, late = AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN, AppointmentStatus.BOOKED
    day = [
        # minutes from now (rounded down to the slot), who, where, protocol, session, status, consent, patient
        (-165, doctor, doctor_room, needle, 2, done, True, ("Julia", "Mazur")),
        (-105, doctor, doctor_room, polynucleotides, 1, done, True, ("Hanna", "Dudek")),
        (-45, doctor, doctor_room, needle, 3, here, True, ("Olga", "Sikora")),
        (15, doctor, doctor_room, needle, 4, AppointmentStatus.BOOKED, True, ("Iris", "Walsh")),
        (75, doctor, doctor_room, polynucleotides, 2, AppointmentStatus.BOOKED, True, ("Grace", "Owen")),
        (150, doctor, doctor_room, needle, 1, AppointmentStatus.BOOKED, False, ("Zoe", "Krol")),
        (-150, setup.practitioner, nurse_room, glow, 3, done, True, ("Eva", "Lewis")),
        (-90, setup.practitioner, nurse_room, glow, 5, AppointmentStatus.NO_SHOW, True, ("Tessa", "Quinn")),
        (-60, setup.practitioner, nurse_room, glow, 1, here, True, ("Nora", "Baran")),
        (-15, setup.practitioner, nurse_room, needle, 1, late, False, ("Maria", "Kowalczyk")),
        (45, setup.practitioner, nurse_room, glow, 2, AppointmentStatus.BOOKED, True, ("Laura", "Gray")),
        (105, setup.practitioner, nurse_room, glow, 4, AppointmentStatus.BOOKED, True, ("Alice", "Fox")),
    ]
    for minutes, who, room, protocol, session, status, signed, (given, family) in day:
        person = patient(clinic, given, family)
        if signed:
            template = ep_consent if protocol.modality.code == "electroporation" else consent
            record_consent(person, template=template, signed_by=person.full_name, actor=None)
        course = start_course(person, protocol, actor=None)
        starts = slot + timedelta(minutes=minutes)
        ends = starts + timedelta(minutes=protocol.session_minutes)
        Appointment.objects.create(
            clinic=clinic,
            location=setup.location,
            patient=person,
            protocol=protocol,
            course=course,
            session_index=session,
            practitioner=who,
            room=room,
            device=setup.device if protocol.modality.code == "electroporation" else None,
            starts_at=starts,
            ends_at=ends,
            buffer_minutes=protocol.buffer_minutes,
            blocked_until=ends + timedelta(minutes=protocol.buffer_minutes),
            status=status,
        )
    receptionist = make_staff(clinic, Role.RECEPTIONIST, name="Rita Evans")
    log_in(page, receptionist.user.username)

    page.goto("/")
    rows = page.locator("table.today-table tbody tr")
    expect(rows).to_have_count(12)
    late = page.locator("tr.is-late")
    expect(late).to_have_count(1)
    expect(late).to_contain_text("Maria Kowalczyk")
    expect(late).to_contain_text(re.compile(r"Late · \d+ min"))
    expect(late).to_contain_text("Consent needed")
    expect(page.locator(".flags a", has_text="Consent needed")).to_have_count(2)
    page.set_viewport_size({"width": 1280, "height": 1240})
    screenshot(page, "today")

    late.get_by_role("button", name="Check in Maria Kowalczyk").click()
    row = page.locator("tr", has_text="Maria Kowalczyk")
    expect(row).to_contain_text("Checked in")
    expect(row).not_to_have_class("is-late")
    expect(row.get_by_role("button", name=re.compile("Check in"))).to_have_count(0)
    maria = Appointment.objects.get(patient__family_name="Kowalczyk")
    assert maria.status == AppointmentStatus.CHECKED_IN
