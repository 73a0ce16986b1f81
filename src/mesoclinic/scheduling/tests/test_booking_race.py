"""50 clients confirm the same slot at the same moment: exactly one booking, on SQLite and PostgreSQL.

Each client is a thread with its own database connection calling the booking service, as 50 app
workers would; the no-overlap constraint in the database decides, not a check in Python alone.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import BookingError, book_series
from mesoclinic.testing import make_patient, make_schedulable

CLIENTS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_bookings_of_one_slot_make_exactly_one(clinic):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database so that clients have their own connections")
    setup = make_schedulable(clinic)
    single = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    Protocol.objects.filter(pk=single.pk).update(sessions=1)
    single.refresh_from_db()
    slot = propose_series(
        setup.location, single, earliest=datetime(2031, 3, 3, 9, tzinfo=ZoneInfo("Europe/Warsaw"))
    )
    patients = [make_patient(clinic) for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def client(patient):
        barrier.wait()
        try:
            book_series(patient, single, setup.location, slot.sessions, actor=None)
            return "booked"
        except BookingError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        outcomes = list(pool.map(client, patients))
    assert outcomes.count("booked") == 1
    assert outcomes.count("refused") == CLIENTS - 1
    assert Appointment.objects.filter(starts_at=slot.sessions[0].start).count() == 1
