"""50 visitors send a booking of the same offer at the same moment: exactly one holds it (201), every other
is told it was just taken (409); on SQLite and PostgreSQL. The held rows' no-overlap check in the database
decides, as for the desk's bookings (scheduling/tests/test_booking_race.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.testing.portal import NEEDLE, open_booking

CLIENTS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_bookings_of_one_offer_hold_exactly_one(clinic, settings):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database so that clients have their own connections")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    open_booking(clinic)
    base = f"/api/v1/public/{clinic.slug}"
    found = Client().post(
        f"{base}/series-offers",
        {"protocol": NEEDLE, "location": clinic.locations.first().pk, "earliest": "2031-03-03"},
        content_type="application/json",
    )
    offer = found.json()["offers"][0]["offer"]
    barrier = threading.Barrier(CLIENTS)

    def visitor(n: int) -> int:
        body = {
            "offer": offer,
            "patient": {
                "first_name": "Ola",
                "last_name": "Nowak",
                "birth_date": "1990-05-06",
                "email": f"visitor{n}@example.com",
            },
            "consent": {"accepted": True, "photo_use": "clinical"},
        }
        client = Client(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250 + 1}")
        barrier.wait()
        try:
            return client.post(f"{base}/bookings", body, content_type="application/json").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        codes = list(pool.map(visitor, range(CLIENTS)))
    assert codes.count(201) == 1, codes
    assert codes.count(409) == CLIENTS - 1, codes
    held = Appointment.objects.filter(status=AppointmentStatus.HELD)
    assert held.count() == 4 and len({a.pk for a in held}) == 4
