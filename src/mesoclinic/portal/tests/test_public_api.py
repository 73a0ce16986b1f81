"""The public booking API (issue 18, item 6) and the holds behind it (item 4): exact paths, fields and codes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, TestCase, override_settings

from mesoclinic.portal.models import BookingStatus, OnlineBooking, PortalSettings
from mesoclinic.portal.services import release_expired_holds_task
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.scheduling.selectors import appointments_for_clinic
from mesoclinic.testing.portal import EP, NEEDLE, NOW, at, open_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(clinic):
    return open_booking(clinic)


def base(clinic):
    return f"/api/v1/public/{clinic.slug}"


def patient(**changes):
    return {
        "first_name": "Ola",
        "last_name": "Nowak",
        "birth_date": "1990-05-06",
        "email": "ola@example.com",
        **changes,
    }


def offers(client, clinic, protocol=NEEDLE, **extra):
    body = {"protocol": protocol, "location": clinic.locations.first().pk, "earliest": "2031-03-03", **extra}
    response = client.post(f"{base(clinic)}/series-offers", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["offers"]


def book(client, clinic, offer, **changes):
    body = {
        "offer": offer,
        "patient": patient(),
        "answers": {"conditions": [], "medications": [], "implants": [], "allergies": []},
        "consent": {"accepted": True, "photo_use": "clinical"},
        **changes,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"{base(clinic)}/bookings", body, content_type="application/json")


def code():
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def verify(client, clinic, booking, value):
    return client.post(
        f"{base(clinic)}/bookings/{booking}/verify", {"code": value}, content_type="application/json"
    )


def test_offerings_have_the_contract_fields(clinic, setup):
    with at():
        response = Client().get(f"{base(clinic)}/offerings")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"clinic", "locations", "treatments", "questions"}
    assert set(data["clinic"]) == {"name", "currency"}
    assert set(data["locations"][0]) == {"id", "name", "address", "timezone"}
    treatment = next(t for t in data["treatments"] if t["protocol"] == NEEDLE)
    assert set(treatment) == {
        "protocol", "name", "modality", "needle_free", "sessions", "interval_days", "tolerance_days",
        "session_minutes", "price_per_session", "package_price", "deposit",
    }  # fmt: skip
    assert treatment["needle_free"] is False
    assert next(t for t in data["treatments"] if t["protocol"] == EP)["needle_free"] is True
    kinds = {q["kind"] for q in data["questions"]}
    assert {"condition", "medication", "implant"} <= kinds
    assert Client().get("/api/v1/public/no-such-clinic/offerings").status_code == 404


def test_book_hold_verify_confirm(clinic, setup):
    client = Client()
    with at():
        found = offers(client, clinic)
        assert 1 <= len(found) <= 3
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", found[0]["sessions"][0]["start"])
        response = book(client, clinic, found[0]["offer"])
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "awaiting_verification" and body["hold_expires"]
        held = Appointment.objects.filter(status=AppointmentStatus.HELD)
        assert held.count() == 4 and not appointments_for_clinic(clinic).exists()  # staff never see holds
        # The same offer again (held by someone else): 409.
        again = book(client, clinic, found[0]["offer"], patient=patient(email="ewa@example.com"))
        assert again.status_code == 409
        assert verify(client, clinic, body["booking"], "000000").status_code in (400, 200)
        done = verify(client, clinic, body["booking"], code())
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "confirmed" and len(done.json()["appointments"]) == 4
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED, patient__isnull=False).count() == 4
    assert not Appointment.objects.filter(status=AppointmentStatus.HELD).exists()


def test_an_expired_hold_is_410_and_freed(clinic, setup):
    client = Client()
    with at():
        found = offers(client, clinic)
        body = book(client, clinic, found[0]["offer"]).json()
        value = code()
    with at(NOW + timedelta(minutes=11)):
        assert release_expired_holds_task.call() == 4  # the worker's sweep
        assert verify(client, clinic, body["booking"], value).status_code == 410
        # The dates are free again: someone else may hold the same offer.
        again = book(client, clinic, found[0]["offer"], patient=patient(email="ewa@example.com"))
    assert again.status_code == 201


def test_five_wrong_codes_void_the_booking_and_release_the_hold(clinic, setup):
    client = Client()
    with at():
        body = book(client, clinic, offers(client, clinic)[0]["offer"]).json()
        real = code()
        wrong = "111111" if real != "111111" else "222222"
        answers = [verify(client, clinic, body["booking"], wrong).status_code for _ in range(5)]
        assert answers == [400] * 5
        assert verify(client, clinic, body["booking"], real).status_code == 409
    assert OnlineBooking.objects.get(reference=body["booking"]).status == BookingStatus.VOID
    assert not Appointment.objects.exists()


@override_settings(PORTAL_MAX_HOLDS=1)
def test_one_address_cannot_hold_more_than_the_limit(clinic, setup):
    client = Client()
    with at():
        found = offers(client, clinic)
        assert book(client, clinic, found[0]["offer"]).status_code == 201
        second = book(client, clinic, found[1]["offer"], patient=patient(email="other@example.com"))
    assert second.status_code == 429
    assert Appointment.objects.filter(status=AppointmentStatus.HELD).count() == 4


def test_bad_input_is_422_naming_the_field(clinic, setup):
    client = Client()
    with at():
        found = offers(client, clinic)
        bad = book(client, clinic, found[0]["offer"], patient=patient(email="nope"))
        assert bad.status_code == 422 and "patient.email" in bad.json()["errors"]
        refused = book(
            client, clinic, found[0]["offer"], consent={"accepted": False, "photo_use": "clinical"}
        )
        assert refused.status_code == 422 and "consent.accepted" in refused.json()["errors"]
        forged = book(client, clinic, "forged")
        assert forged.status_code == 422 and "offer" in forged.json()["errors"]
        unknown = client.post(
            f"{base(clinic)}/series-offers",
            {"protocol": "nope", "location": clinic.locations.first().pk, "earliest": "2031-03-03"},
            content_type="application/json",
        )
        assert unknown.status_code == 422 and "protocol" in unknown.json()["errors"]
        malformed = client.post(
            f"{base(clinic)}/series-offers", {"earliest": "soon"}, content_type="application/json"
        )
        assert malformed.status_code == 422
        assert {"earliest", "protocol", "location"} <= set(malformed.json()["errors"])  # the documented shape
        no_code = client.post(f"{base(clinic)}/bookings/anything/verify", {}, content_type="application/json")
        assert no_code.status_code == 422
        assert isinstance(no_code.json()["detail"], str) and "code" in no_code.json()["errors"]
    assert not Appointment.objects.exists()


def test_cors_only_for_the_clinic_origins(clinic, setup):
    PortalSettings.objects.create(clinic=clinic, embed_origins=["https://rosa.example"])
    client = Client()
    with at():
        ok = client.get(f"{base(clinic)}/offerings", HTTP_ORIGIN="https://rosa.example")
        other = client.get(f"{base(clinic)}/offerings", HTTP_ORIGIN="https://evil.example")
        preflight = client.options(
            f"{base(clinic)}/bookings",
            HTTP_ORIGIN="https://rosa.example",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        )
    assert ok["Access-Control-Allow-Origin"] == "https://rosa.example"
    assert "Access-Control-Allow-Origin" not in other
    assert preflight.status_code == 204 and "POST" in preflight["Access-Control-Allow-Methods"]
