"""Compounding a cocktail from the page: usable lots only, errors kept beside the form."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory.models import Lot, LotKind
from mesoclinic.inventory.selectors import balance
from mesoclinic.inventory.services import mark_lot_recalled
from mesoclinic.testing import client_for, make_lot

URL = reverse("inventory:prepare")


def _cocktail(clinic: Clinic) -> Cocktail:
    cocktail = Cocktail.objects.filter(clinic=clinic).order_by("pk").first()
    assert cocktail is not None
    return cocktail


def test_it_prepares_a_cocktail(clinic: Clinic, practitioner: StaffMember) -> None:
    ingredient = make_lot(clinic, quantity=10)
    data = {
        "cocktail": _cocktail(clinic).pk,
        "lot_number": "P-7",
        "quantity": "5",
        "expires_on": "2099-01-01",
        "component_1_lot": ingredient.pk,
        "component_1_quantity": "3",
    }
    response = client_for(practitioner).post(URL, data)
    assert response.status_code == 302
    prep = Lot.objects.get(kind=LotKind.PREPARATION, lot_number="P-7")
    assert balance(prep) == 5
    assert balance(ingredient) == 7


def test_it_offers_only_usable_lots(clinic: Clinic, practitioner: StaffMember) -> None:
    make_lot(clinic, lot_number="GOOD")
    bad = make_lot(clinic, lot_number="BAD")
    mark_lot_recalled(bad, reason="Notice", actor=None)
    content = client_for(practitioner).get(URL).content.decode()
    assert "GOOD" in content
    assert "BAD" not in content


def test_it_keeps_the_input_on_an_error(clinic: Clinic, practitioner: StaffMember) -> None:
    ingredient = make_lot(clinic, quantity=10, expires_on=date(2098, 1, 1))
    data = {
        "cocktail": _cocktail(clinic).pk,
        "lot_number": "P-7",
        "quantity": "5",
        "expires_on": "2099-01-01",
        "component_1_lot": ingredient.pk,
        "component_1_quantity": "3",
    }
    response = client_for(practitioner).post(URL, data)
    assert response.status_code == 422
    assert "earliest component" in response.content.decode()
    assert 'value="P-7"' in response.content.decode()
    assert balance(ingredient) == 10


def test_it_refuses_a_receptionist(receptionist: StaffMember) -> None:
    assert client_for(receptionist).get(URL).status_code == 403


def test_it_refuses_other_methods(practitioner: StaffMember) -> None:
    assert client_for(practitioner).put(URL).status_code == 405
