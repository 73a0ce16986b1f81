"""The lot list: balances, status words, search, filters, sorting, CSV, roles and query count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.inventory.services import mark_lot_recalled
from mesoclinic.testing import client_for, csv_text, make_lot

URL = reverse("inventory:lots")


def test_it_lists_lots_with_their_balance(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="AB12", quantity="7.5")
    response = client_for(receptionist).get(URL)
    assert response.status_code == 200
    assert b"AB12" in response.content
    assert b"7.5 ml" in response.content


def test_it_shows_the_status_in_words(clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(clinic, lot_number="AB12")
    mark_lot_recalled(lot, reason="Notice", actor=None)
    response = client_for(receptionist).get(URL)
    assert "⛔</span> Recalled" in response.content.decode()


def test_it_searches_by_lot_number(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="AB12")
    make_lot(clinic, lot_number="ZZ99")
    response = client_for(receptionist).get(URL, {"q": "zz9"})
    assert b"ZZ99" in response.content
    assert b"AB12" not in response.content


def test_it_filters_by_status(clinic: Clinic, receptionist: StaffMember) -> None:
    today = clinic.today()
    make_lot(clinic, lot_number="OLD1", expires_on=today - timedelta(days=1))
    make_lot(clinic, lot_number="NEW1")
    response = client_for(receptionist).get(URL, {"status": "expired"})
    assert b"OLD1" in response.content
    assert b"NEW1" not in response.content


def test_it_sorts_by_balance(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="BIG", quantity=50)
    make_lot(clinic, lot_number="SMALL", quantity=1)
    content = client_for(receptionist).get(URL, {"sort": "balance"}).content.decode()
    assert content.index("SMALL") < content.index("BIG")


def test_it_exports_csv(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="AB12", quantity=3)
    response = client_for(receptionist).get(URL, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "AB12,2099-12-31,3,ml,in_stock" in csv_text(response)


def test_it_lists_expiring_soon_lots(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="SOON", expires_on=clinic.today() + timedelta(days=5))
    content = client_for(receptionist).get(URL).content.decode()
    assert "Expiring within 30 days" in content
    assert "SOON" in content.split("Low stock")[0]


def test_it_returns_the_rows_partial_to_htmx(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="AB12")
    response = client_for(receptionist).get(URL, headers={"HX-Request": "true"})
    assert b"AB12" in response.content
    assert b"<html" not in response.content


def test_it_hides_other_clinics_lots(clinic: Clinic, other_clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(other_clinic, lot_number="FOREIGN")
    assert b"FOREIGN" not in client_for(receptionist).get(URL).content


def test_it_refuses_an_auditor(auditor: StaffMember) -> None:
    assert client_for(auditor).get(URL).status_code == 403


def test_it_only_allows_get(receptionist: StaffMember) -> None:
    assert client_for(receptionist).post(URL).status_code == 405


@pytest.mark.parametrize("lots", [1, 30])
def test_it_costs_the_same_queries_for_many_lots(
    clinic: Clinic, receptionist: StaffMember, django_assert_max_num_queries: object, lots: int
) -> None:
    for n in range(lots):
        make_lot(clinic, lot_number=f"N{n:03d}", expires_on=date(2099, 1, 1))
    client = client_for(receptionist)
    with django_assert_max_num_queries(17):  # type: ignore[operator]  # pytest-django's fixture is a context-manager factory
        assert client.get(URL).status_code == 200
