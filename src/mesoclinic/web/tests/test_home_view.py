"""Today, the reception's home: the day's appointments per location, late patients, consent, check-in."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.accounts.models import Role
from mesoclinic.accounts.services import add_location
from mesoclinic.patients.services import record_consent
from mesoclinic.scheduling.models import WorkingHours
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series, cancel_appointment
from mesoclinic.testing import checked_in, client_for, make_patient, make_schedulable, make_staff
from mesoclinic.testing.scheduling import MONDAY, book, consent_template, protocol

URL = reverse("web:home")
WARSAW = ZoneInfo("Europe/Warsaw")


def at(moment):
    """Pretend it is ``moment`` (for the page; bookings are made before)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def setup(clinic):
    return make_schedulable(clinic)


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_shows_todays_date_in_the_clinic_time_zone(setup, receptionist):
    with at(datetime(2031, 7, 4, 23, 30, tzinfo=ZoneInfo("UTC"))):  # already Saturday in Warsaw
        response = client_for(receptionist).get(URL)
    assert response.status_code == 200
    assert "Saturday 5 July 2031" in response.content.decode()
    assert "Europe/Warsaw" in response.content.decode()


def test_it_lists_the_days_appointments_by_time(clinic, setup, receptionist):
    early = book(clinic, setup.location).appointments.get(session_index=1)
    later = book(clinic, setup.location, earliest=MONDAY.replace(hour=13)).appointments.get(session_index=1)
    with at(MONDAY - timedelta(hours=2)):
        response = client_for(receptionist).get(URL)
    body = response.content.decode()
    assert [r.appointment for r in response.context["rows"]] == [early, later]
    assert body.index(early.patient.full_name) < body.index(later.patient.full_name)
    assert reverse("patients:detail", args=[early.patient_id]) in body
    assert "session 1 of 4" in body
    assert "09:00" in body and "Nina Nurse" in body and "Room 1" in body
    assert "Booked" in body


def test_it_flags_late_patients_in_words(clinic, setup, receptionist):
    first = book(clinic, setup.location).appointments.get(session_index=1)
    with at(MONDAY + timedelta(minutes=12)):
        response = client_for(receptionist).get(URL)
    row = response.context["rows"][0]
    assert row.appointment == first and row.late_minutes == 12
    assert "Late · 12 min" in response.content.decode()
    assert 'class="is-late"' in response.content.decode()
    assert response.context["counts"]["late"] == 1
    checked_in(first)
    with at(MONDAY + timedelta(minutes=20)):
        response = client_for(receptionist).get(URL)
    assert not response.context["rows"][0].late


def test_it_says_who_still_needs_consent(clinic, setup, receptionist):
    template = consent_template(clinic)
    signed = make_patient(clinic)
    record_consent(signed, template=template, signed_by="Signed", actor=None)
    book(clinic, setup.location, patient=signed)
    unsigned = book(clinic, setup.location, earliest=MONDAY.replace(hour=13)).appointments.get(
        session_index=1
    )
    with at(MONDAY - timedelta(hours=1)):
        response = client_for(receptionist).get(URL)
    flags = {r.appointment.patient_id: r.needs_consent for r in response.context["rows"]}
    assert flags == {signed.pk: False, unsigned.patient_id: True}
    assert response.content.decode().count("Consent needed") == 1


def test_it_offers_a_one_click_check_in(clinic, setup, receptionist):
    first = book(clinic, setup.location).appointments.get(session_index=1)
    with at(MONDAY):
        body = client_for(receptionist).get(URL).content.decode()
    check_in_url = reverse("scheduling:check_in", args=[first.pk])
    assert f'hx-post="{check_in_url}"' in body
    assert f'action="{check_in_url}"' in body  # and without JavaScript
    assert reverse("scheduling:appointment", args=[first.pk]) + "#cancel" in body


def test_it_leaves_cancelled_appointments_out_but_counts_them(clinic, setup, receptionist):
    first = book(clinic, setup.location).appointments.get(session_index=1)
    cancel_appointment(first, reason="ill", actor=None)
    with at(MONDAY):
        response = client_for(receptionist).get(URL)
    assert response.context["rows"] == []
    assert response.context["cancelled"] == 1


def test_it_shows_one_location_at_a_time_with_tabs(clinic, setup, receptionist):
    other = add_location(clinic, name="Riverside", timezone="Europe/Warsaw", actor=None)
    book(clinic, setup.location)
    with at(MONDAY):
        main = client_for(receptionist).get(URL)
        riverside = client_for(receptionist).get(URL, {"location": other.pk})
    assert main.context["location"] == setup.location and len(main.context["rows"]) == 1
    assert f'href="{URL}?location={other.pk}"' in main.content.decode()
    assert riverside.context["location"] == other and riverside.context["rows"] == []


def test_it_does_not_show_another_clinics_location(setup, outsider):
    assert client_for(outsider).get(URL, {"location": setup.location.pk}).status_code == 404


def test_it_shows_only_the_clinics_own_appointments(clinic, other_clinic, setup, receptionist):
    elsewhere = make_schedulable(other_clinic)
    book(other_clinic, elsewhere.location)
    with at(MONDAY):
        response = client_for(receptionist).get(URL)
    assert response.context["rows"] == []


def test_it_reads_the_same_number_of_rows_however_busy_the_day(clinic, setup, receptionist):
    book(clinic, setup.location)
    with at(MONDAY):
        client = client_for(receptionist)  # a session that has not expired in 2031
    with at(MONDAY), CaptureQueriesContext(connection) as quiet:
        client.get(URL)
    for hour in (11, 13, 15):
        book(clinic, setup.location, earliest=MONDAY.replace(hour=hour))
    with at(MONDAY), CaptureQueriesContext(connection) as busy:
        response = client.get(URL)
    assert len(response.context["rows"]) == 4
    assert len(busy) == len(quiet)


def test_it_offers_a_search_that_goes_to_the_patient_list(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert f'action="{reverse("patients:list")}"' in body
    assert 'name="q"' in body


def test_it_says_when_no_stock_needs_watching(setup, receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert "No lot expires this week and none is low." in body


def test_it_lays_out_the_page_accessibly(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert '<html lang="en">' in body
    assert 'href="#main"' in body
    assert '"X-CSRFToken"' in body
    assert "htmx" in body
    assert "<script>" not in body  # no inline script: the CSP will forbid it
    assert reverse("scheduling:calendar") in body


def test_it_shows_the_staff_member_and_a_logout_form(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert "Rita Reception" in body
    assert "Receptionist" in body
    assert f'action="{reverse("logout")}"' in body


def test_it_shows_an_auditor_no_patients_or_appointments(auditor, setup):
    response = client_for(auditor).get(URL)
    assert response.status_code == 200
    assert "rows" not in response.context
    body = response.content.decode()
    assert reverse("patients:list") not in body
    assert reverse("scheduling:calendar") not in body


def test_it_refuses_a_user_without_a_clinic(django_user_model, client):
    user = django_user_model.objects.create_user("loner", password="x" * 12)
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_it_lists_lots_expiring_this_week_and_low_stock(clinic, receptionist):
    from decimal import Decimal  # noqa: PLC0415

    from mesoclinic.testing import make_lot  # noqa: PLC0415

    today = clinic.today()
    soon = make_lot(clinic, lot_number="SOON1", expires_on=today + timedelta(days=6))
    make_lot(clinic, lot_number="LATER1", expires_on=today + timedelta(days=40))
    make_lot(clinic, lot_number="GONE1", expires_on=today + timedelta(days=3), quantity=0)
    low = make_lot(clinic, lot_number="LOW1", quantity=1)
    low.low_stock_threshold = Decimal(2)
    low.save(update_fields=["low_stock_threshold"])
    body = client_for(receptionist).get(URL).content.decode()
    assert "SOON1" in body
    assert "LOW1" in body
    assert "LATER1" not in body
    assert "GONE1" not in body  # nothing left to use up
    assert reverse("inventory:lot", args=[soon.pk]) in body


def test_it_shows_no_stock_to_a_role_without_inventory(clinic, auditor):
    from mesoclinic.testing import make_lot  # noqa: PLC0415

    make_lot(clinic, lot_number="SOON2", expires_on=clinic.today() + timedelta(days=1))
    assert "SOON2" not in client_for(auditor).get(URL).content.decode()


def test_its_csv_link_exports_the_days_list(clinic, setup, receptionist):
    from html import unescape  # noqa: PLC0415

    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    first = book(clinic, setup.location).appointments.get(session_index=1)
    with at(MONDAY - timedelta(hours=2)):
        response = client_for(receptionist).get(URL)
        link = unescape(re.search(r'href="([^"]*format=csv)"', response.content.decode()).group(1))
        rows = csv_rows(client_for(receptionist).get(link))
    assert [r[0] for r in rows[1:]] == [str(first.pk)]


def test_its_counters_fetch_themselves_again_after_a_check_in(clinic, setup, receptionist):
    book(clinic, setup.location)
    with at(MONDAY):
        body = client_for(receptionist).get(URL).content.decode()
    counters = re.search(r'<ul class="summary" id="today-counts"[^>]*>', body)
    assert counters is not None
    assert 'hx-trigger="today-changed from:body"' in counters.group(0)
    assert f'hx-get="{URL}?location={setup.location.pk}"' in counters.group(0)
    assert 'hx-select="#today-counts"' in counters.group(0)


def test_a_practitioner_opens_on_their_own_patients_with_everyone_a_tab_away(clinic, setup):

    mine = book(clinic, setup.location).appointments.get(session_index=1)
    colleague = make_staff(clinic, Role.PRACTITIONER, name="Ola Other", modalities=["needle"])
    colleague.locations.add(setup.location)
    for weekday in range(5):
        WorkingHours.objects.create(
            staff=colleague, location=setup.location, weekday=weekday, starts=time(9), ends=time(17)
        )
    needle = protocol(clinic)
    sessions = propose_series(
        setup.location, needle, earliest=MONDAY.replace(hour=13), practitioner=colleague
    ).sessions
    theirs = book_series(make_patient(clinic), needle, setup.location, sessions, actor=None).appointments.get(
        session_index=1
    )
    assert theirs.practitioner == colleague
    with at(MONDAY - timedelta(hours=1)):
        client = client_for(setup.practitioner)
        own = client.get(URL)
        everyone = client.get(URL, {"location": setup.location.pk, "who": "all"})
    assert [r.appointment for r in own.context["rows"]] == [mine]
    assert own.context["counts"]["total"] == 1
    assert "My patients at" in own.content.decode()
    assert f'href="{URL}?location={setup.location.pk}&amp;who=all"' in own.content.decode()
    assert [r.appointment for r in everyone.context["rows"]] == [mine, theirs]
    record = reverse("treatments:open", args=[mine.pk])
    assert f'action="{record}"' in own.content.decode()
    assert "Record session" in own.content.decode()


def test_a_receptionist_sees_everyone_and_no_record_session_button(clinic, setup, receptionist):
    first = book(clinic, setup.location).appointments.get(session_index=1)
    with at(MONDAY):
        response = client_for(receptionist).get(URL)
    body = response.content.decode()
    assert [r.appointment for r in response.context["rows"]] == [first]
    assert "My patients" not in body
    assert reverse("treatments:open", args=[first.pk]) not in body
