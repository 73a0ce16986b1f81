"""The public booking page end to end: treatments, the whole series at once, details, screening, code, done."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing.models import PriceItem
from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.models import Consent, HistoryStatus, Patient
from mesoclinic.patients.services import register_patient
from mesoclinic.portal import selectors
from mesoclinic.portal.models import BookingStatus, OnlineBooking, PortalSettings
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import SessionChoice
from mesoclinic.scheduling.services import BookingError, book_series
from mesoclinic.testing import make_patient
from mesoclinic.testing.portal import EP, NEEDLE, NOW, WARSAW, at, open_booking

pytestmark = pytest.mark.django_db

DETAILS = {
    "given_name": "Ola",
    "family_name": "Nowak",
    "birth_date": "1990-05-06",
    "email": "ola@example.com",
    "phone": "07400 123456",
    "photo_use": "clinical",
    "accept": "on",
}


@pytest.fixture
def setup(clinic):
    return open_booking(clinic)


def offers_url(clinic, slug=NEEDLE, **query):
    params = {"location": clinic.locations.first().pk, "earliest": "2031-03-03", **query}
    return (
        reverse("portal:offers", args=[clinic.slug, slug])
        + "?"
        + "&".join(f"{k}={v}" for k, v in params.items())
    )


def first_offer(client, clinic, slug=NEEDLE, **query):
    response = client.get(offers_url(clinic, slug, **query))
    assert response.status_code == 200
    tokens = re.findall(r'name="offer" value="([^"]+)"', response.content.decode())
    assert tokens, response.content.decode()
    return tokens[0]


def send_details(client, clinic, token, slug=NEEDLE, **changes):
    data = {**DETAILS, "offer": token, **changes}
    with TestCase.captureOnCommitCallbacks(execute=True):  # the code's e-mail goes out after the commit
        return client.post(reverse("portal:details", args=[clinic.slug, slug]), data)


def code_from_mail():
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def book(client, clinic, **changes):
    token = first_offer(client, clinic)
    response = send_details(client, clinic, token, **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    reference = response["Location"].split("/booking/")[1].split("/")[0]
    return reference


def test_the_page_shows_only_treatments_opened_for_online_booking_with_prices(clinic, setup):
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    PriceItem.objects.create(
        clinic=clinic, kind="session", name="s", protocol=needle, unit_price="350.00", vat_rate="8"
    )
    PriceItem.objects.create(
        clinic=clinic,
        kind="package",
        name="p",
        protocol=needle,
        sessions=4,
        unit_price="1200.00",
        vat_rate="8",
    )
    with at():
        page = Client().get(reverse("portal:clinic", args=[clinic.slug])).content.decode()
    assert needle.name in page and "Needle-free" in page and "With fine needles" in page
    assert "350.00" in page and "1200.00" in page
    closed = Protocol.objects.filter(clinic=clinic, bookable_online=False).first()
    assert closed.name not in page


def test_an_unknown_clinic_or_a_closed_treatment_is_404(clinic, setup):
    closed = Protocol.objects.filter(clinic=clinic, bookable_online=False).first()
    client = Client()
    assert client.get(reverse("portal:clinic", args=["no-such-clinic"])).status_code == 404
    assert client.get(reverse("portal:offers", args=[clinic.slug, closed.slug])).status_code == 404


def test_up_to_three_whole_series_each_within_the_spacing(clinic, setup):
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    with at():
        location = clinic.locations.first()
        earliest = selectors.earliest_moment(clinic, location, date(2031, 3, 3), now=NOW)
        offers, reason = selectors.series_offers(location, needle, earliest=earliest)
    assert len(offers) == 3 and reason == ""
    firsts = [o.sessions[0].start for o in offers]
    assert firsts == sorted(set(firsts))
    for offer in offers:
        assert len(offer.sessions) == 4
        days = [s.start.astimezone(WARSAW).date() for s in offer.sessions]
        assert all(12 <= (b - a).days <= 16 for a, b in itertools.pairwise(days))


def test_part_of_day_keeps_every_session_in_it(clinic, setup):
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    with at():
        location = clinic.locations.first()
        earliest = selectors.earliest_moment(clinic, location, date(2031, 3, 3), now=NOW)
        offers, _ = selectors.series_offers(location, needle, earliest=earliest, part_of_day="afternoon")
    assert offers
    for offer in offers:
        for s in offer.sessions:
            local = s.start.astimezone(WARSAW)
            assert local.hour >= 12
            assert local + timedelta(minutes=needle.session_minutes + needle.buffer_minutes) <= local.replace(
                hour=17, minute=0
            )


def test_no_offer_sooner_than_the_lead_time(clinic, setup):
    PortalSettings.objects.create(clinic=clinic, lead_hours=72)
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    with at():
        location = clinic.locations.first()
        earliest = selectors.earliest_moment(clinic, location, date(2031, 3, 1), now=NOW)
        offers, _ = selectors.series_offers(location, needle, earliest=earliest)
    assert offers[0].sessions[0].start >= NOW + timedelta(hours=72)


def test_booking_end_to_end_with_the_emailed_code(clinic, setup):
    client = Client()
    with at():
        reference = book(client, clinic)
        assert Patient.objects.filter(clinic=clinic).count() == 0  # nothing until the code
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ola@example.com"]
        code = code_from_mail()
        verify = reverse("portal:verify", args=[clinic.slug, reference])
        wrong = "000000" if code != "000000" else "111111"
        response = client.post(verify, {"code": wrong})
        assert response.status_code == 422 and "4 tries left" in response.content.decode()
        response = client.post(verify, {"code": code})
        assert response.status_code == 302
        page = client.get(response["Location"])
    assert page.status_code == 200 and "You are booked" in page.content.decode()
    booking = OnlineBooking.objects.get(reference=reference)
    assert booking.status == BookingStatus.CONFIRMED
    patient = booking.patient
    assert (patient.given_name, patient.email, patient.phone) == ("Ola", "ola@example.com", "+447400123456")
    assert patient.medical_history.status == HistoryStatus.SELF_REPORTED
    appointments = Appointment.objects.filter(patient=patient).order_by("starts_at")
    assert appointments.count() == 4
    consent = Consent.objects.get(patient=patient)
    assert consent.photo_use == ["clinical"] and consent.template.modality.code == "needle"
    ics = client.get(reverse("portal:calendar", args=[clinic.slug, reference]))
    assert ics.status_code == 200 and ics.content.count(b"BEGIN:VEVENT") == 4
    assert b"Nina" not in ics.content and b"Nowak" not in ics.content
    actions = set(AuditEvent.objects.filter(clinic=clinic).values_list("action", flat=True))
    assert {
        "online_booking.start",
        "online_booking.wrong_code",
        "online_booking.confirm",
        "series.book",
    } <= actions
    assert AuditEvent.objects.filter(patient_id=patient.pk, action__in=["chart.read", "export"]).exists()


def test_the_code_is_stored_hashed_and_expires(clinic, setup):
    client = Client()
    with at():
        reference = book(client, clinic)
        code = code_from_mail()
    booking = OnlineBooking.objects.get(reference=reference)
    assert code not in booking.code_hash
    with at(NOW + timedelta(minutes=11)):
        response = client.post(reverse("portal:verify", args=[clinic.slug, reference]), {"code": code})
    assert response.status_code == 422 and "expired" in response.content.decode()
    assert not Appointment.objects.exists()


def test_five_wrong_codes_void_the_booking(clinic, setup):
    client = Client()
    with at():
        reference = book(client, clinic)
        code = code_from_mail()
        wrong = "000000" if code != "000000" else "111111"
        verify = reverse("portal:verify", args=[clinic.slug, reference])
        for _n in range(5):
            response = client.post(verify, {"code": wrong})
        assert response.status_code == 302
        assert client.post(verify, {"code": code}).status_code == 302  # to the "not completed" page
    assert OnlineBooking.objects.get(reference=reference).status == BookingStatus.VOID
    assert not Appointment.objects.exists()


def test_a_blocking_answer_explains_kindly_and_books_nothing(clinic, setup):
    client = Client()
    with at():
        token = first_offer(client, clinic, EP)
        response = send_details(client, clinic, token, EP, implants=["pacemaker"])
    page = response.content.decode()
    assert response.status_code == 200 and "consultation" in page and "pacemaker" in page
    assert "contraindicat" not in page.lower()
    assert not OnlineBooking.objects.exists() and not Patient.objects.exists() and not mail.outbox


def test_an_existing_patient_is_matched_by_email_and_birth_date_and_keeps_their_history(clinic, setup):
    known = make_patient(clinic, birth_date=date(1990, 5, 6))
    known.email = "ola@example.com"
    known.save()
    sibling = register_patient(
        clinic,
        actor=None,
        allow_duplicate=True,
        given_name="Ala",
        family_name="Nowak",
        birth_date=date(1995, 1, 1),
        email="ola@example.com",
    )
    client = Client()
    with at():
        reference = book(client, clinic, conditions=["keloid_tendency"])
        client.post(reverse("portal:verify", args=[clinic.slug, reference]), {"code": code_from_mail()})
    booking = OnlineBooking.objects.get(reference=reference)
    assert booking.status == BookingStatus.CONFIRMED and booking.patient == known
    known.refresh_from_db()
    assert known.medical_history.status == HistoryStatus.CONFIRMED  # staff's record is not overwritten
    assert known.medical_history.conditions == []
    assert booking.answers["conditions"] == ["keloid_tendency"]  # kept for staff to confirm
    assert Patient.objects.filter(clinic=clinic).count() == 2 and not Appointment.objects.filter(
        patient=sibling
    )


def test_same_email_other_birth_date_gets_a_new_chart_and_the_page_says_the_same(clinic, setup):
    register_patient(
        clinic,
        actor=None,
        allow_duplicate=True,
        given_name="Ala",
        family_name="Nowak",
        birth_date=date(1995, 1, 1),
        email="ola@example.com",
    )
    client = Client()
    with at():
        reference = book(client, clinic)
        response = client.post(
            reverse("portal:verify", args=[clinic.slug, reference]), {"code": code_from_mail()}
        )
        page = client.get(response["Location"]).content.decode()
    assert "Ala" not in page and "1995" not in page
    assert Patient.objects.filter(clinic=clinic, email="ola@example.com").count() == 2


def test_a_slot_taken_meanwhile_says_so_and_rebooks_new_dates(clinic, setup, practitioner):
    """The held dates refuse the desk; once the hold runs out the desk may take them, and the visitor whose
    code comes just then is told the dates were taken and picks new ones without another code."""
    client = Client()
    with at():
        token = first_offer(client, clinic)
        chosen = selectors.read_offer(clinic, token)
        response = send_details(client, clinic, token)
        reference = response["Location"].split("/booking/")[1].split("/")[0]
        rival = make_patient(clinic)
        sessions = [SessionChoice(s.start, s.practitioner, s.room, s.device) for s in chosen.sessions]
        with pytest.raises(BookingError):
            book_series(rival, chosen.protocol, chosen.location, sessions, actor=practitioner.user)
    with at(NOW + timedelta(minutes=10)):  # the hold ran out; the code still works this very moment
        book_series(rival, chosen.protocol, chosen.location, sessions, actor=practitioner.user)
        response = client.post(
            reverse("portal:verify", args=[clinic.slug, reference]), {"code": code_from_mail()}
        )
        page = client.get(response["Location"]).content.decode()
        assert "just taken" in page
        booking = OnlineBooking.objects.get(reference=reference)
        assert booking.status == BookingStatus.TAKEN and booking.patient is None
        new = re.findall(r'name="offer" value="([^"]+)"', page)[0]
        client.post(reverse("portal:rebook", args=[clinic.slug, reference]), {"offer": new})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and len(booking.appointments) == 4


def test_bad_input_is_said_by_field_never_a_500(clinic, setup):
    client = Client()
    with at():
        token = first_offer(client, clinic)
        response = send_details(
            client, clinic, token, phone="12", birth_date="2040-01-01", email="nope", given_name="<>"
        )
        assert response.status_code == 422
        forged = client.get(reverse("portal:details", args=[clinic.slug, NEEDLE]) + "?offer=forged")
        assert forged.status_code == 410
        bad = client.get(offers_url(clinic, earliest="yesterday"))
        assert bad.status_code == 422
    assert not OnlineBooking.objects.exists()


def test_the_honeypot_books_nothing(clinic, setup):
    client = Client()
    with at():
        token = first_offer(client, clinic)
        response = send_details(client, clinic, token, website="http://spam.example")
    assert response.status_code == 410 and not OnlineBooking.objects.exists() and not mail.outbox


def test_forms_need_the_csrf_token(clinic, setup):
    client = Client(enforce_csrf_checks=True)
    with at():
        token = first_offer(client, clinic)
        response = send_details(client, clinic, token)
    assert response.status_code == 403


def test_pages_are_throttled_per_address(clinic, setup, settings):
    client = Client()
    url = reverse("portal:clinic", args=[clinic.slug])
    with at():
        statuses = [client.get(url).status_code for _n in range(125)]
    assert statuses[0] == 200 and statuses[-1] == 429


def test_only_the_clinics_own_sites_may_frame_the_pages(clinic, setup):
    client = Client()
    url = reverse("portal:clinic", args=[clinic.slug])
    with at():
        closed = client.get(url)
        PortalSettings.objects.create(clinic=clinic, embed_origins=["https://rosa.example"])
        framed = client.get(url + "?embed=1")
    assert (
        closed["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in closed["Content-Security-Policy"]
    )
    assert "X-Frame-Options" not in framed
    assert "frame-ancestors 'self' https://rosa.example" in framed["Content-Security-Policy"]
    assert "portal-head" not in framed.content.decode()


def test_prices_fall_back_to_the_protocols_own(clinic, setup):
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    needle.price = Decimal("300.00")
    needle.save()
    prices = selectors.prices_for(clinic, [needle])[needle.pk]
    assert prices.per_session == Decimal("300.00") and prices.package is None


def test_framed_on_the_clinics_site_the_forms_open_in_their_own_tab(clinic, setup):
    PortalSettings.objects.create(clinic=clinic, embed_origins=["https://rosa.example"])
    client = Client()
    with at():
        framed = client.get(offers_url(clinic, embed="1"))
        plain = client.get(offers_url(clinic))
    assert "frame-ancestors 'self' https://rosa.example" in framed["Content-Security-Policy"]
    assert 'target="_blank"' in framed.content.decode()
    assert 'target="_blank"' not in plain.content.decode()


@pytest.mark.parametrize(
    "origins", [["*"], ["https://rosa.example/path"], ["rosa.example"], "https://x.example"]
)
def test_frame_origins_must_be_plain_origins(clinic, origins):
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    with pytest.raises(ValidationError):
        PortalSettings(clinic=clinic, embed_origins=origins).clean()
    PortalSettings(clinic=clinic, embed_origins=["https://rosa.example", "http://localhost:8080"]).clean()


def test_what_was_never_verified_is_forgotten_after_a_day_and_confirmed_bookings_stay(clinic, setup):
    from mesoclinic.portal.services import purge_unverified  # noqa: PLC0415

    client = Client()
    with at():
        unverified = book(client, clinic)
        confirmed = book(client, clinic, email="ala@example.com")
        client.post(reverse("portal:verify", args=[clinic.slug, confirmed]), {"code": code_from_mail()})
        assert purge_unverified() == 0
    assert purge_unverified(NOW + timedelta(hours=25)) == 1
    assert not OnlineBooking.objects.filter(reference=unverified).exists()
    assert OnlineBooking.objects.get(reference=confirmed).status == BookingStatus.CONFIRMED
