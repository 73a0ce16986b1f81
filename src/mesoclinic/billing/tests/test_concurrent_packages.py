"""Many cashiers taking sessions of one package at once, on real concurrent connections: it never goes
below zero. Runs on both databases (the SQLite test database is a file, so every thread has its own
connection)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from mesoclinic.billing.models import Invoice, Package, PackageEntry
from mesoclinic.billing.services import record_payment
from mesoclinic.billing.tests.test_packages import sell
from mesoclinic.catalog.models import Protocol
from mesoclinic.testing import make_patient
from mesoclinic.testing.billing import draft, line, pl_clinic

CASHIERS = 12
SESSIONS = 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_package_sessions_never_go_below_zero() -> None:
    clinic = pl_clinic()
    patient = make_patient(clinic)
    protocol = Protocol.objects.filter(clinic=clinic).order_by("pk").first()
    package = sell(patient, protocol, sessions=SESSIONS, price="1200.00")
    visits = [draft(patient, line(unit_price="400.00", vat_rate="8")) for _ in range(CASHIERS)]
    start = threading.Barrier(CASHIERS)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def cashier(invoice: Invoice) -> None:
        try:
            start.wait()
            record_payment(
                Invoice.objects.get(pk=invoice.pk),
                method="package_session",
                amount="400.00",
                package=Package.objects.get(pk=package.pk),
                actor=None,
            )
            outcomes.append("paid")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["package"][0])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cashier, args=(invoice,)) for invoice in visits]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outcomes.count("paid") == SESSIONS
    assert outcomes.count("No session of this package is left.") == CASHIERS - SESSIONS
    package.refresh_from_db()
    assert (package.sessions_used, package.sessions_left) == (SESSIONS, 0)
    assert PackageEntry.objects.filter(package=package, kind="draw").count() == SESSIONS
