"""Recording waste, adjustment or return from a lot's page."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.inventory.selectors import balance
from mesoclinic.testing import client_for, make_lot


def _url(lot_id: int) -> str:
    return reverse("inventory:movement", args=[lot_id])


def test_it_records_waste(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    response = client_for(practitioner).post(
        _url(lot.pk), {"kind": "waste", "quantity": "2", "reason": "Spilt"}
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert balance(lot) == 8


def test_it_shows_the_error_and_keeps_the_input(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    response = client_for(practitioner).post(
        _url(lot.pk), {"kind": "adjustment", "quantity": "-3", "reason": ""}
    )
    assert response.status_code == 422
    assert "Say why the stock is adjusted" in response.content.decode()
    assert 'value="-3"' in response.content.decode()
    assert balance(lot) == 10


def test_it_refuses_a_receptionist(clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    response = client_for(receptionist).post(_url(lot.pk), {"kind": "waste", "quantity": "1"})
    assert response.status_code == 403
    assert balance(lot) == 10


def test_it_404s_for_another_clinics_lot(other_clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(other_clinic)
    response = client_for(practitioner).post(_url(lot.pk), {"kind": "waste", "quantity": "1"})
    assert response.status_code == 404


def test_it_only_allows_post(clinic: Clinic, practitioner: StaffMember) -> None:
    assert client_for(practitioner).get(_url(make_lot(clinic).pk)).status_code == 405
