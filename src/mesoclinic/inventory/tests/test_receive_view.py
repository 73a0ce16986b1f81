"""Receiving stock: the scan fills the form (htmx or a plain post), the service decides, nothing is lost."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Product
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.selectors import balance
from mesoclinic.inventory.services import receive_lot
from mesoclinic.testing import client_for

URL = reverse("inventory:receive")
PARSE = reverse("inventory:parse_scan")
GTIN = "05012345678900"


def _product(clinic: Clinic) -> Product:
    return Product.objects.get(clinic=clinic, code="ha_1pct_ampoule")


def _learn(clinic: Clinic) -> None:
    receive_lot(
        clinic,
        product=_product(clinic),
        lot_number="FIRST",
        expires_on=date(2099, 1, 1),
        quantity=1,
        gtin=GTIN,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        actor=None,
    )


def test_it_shows_the_scan_field_first_with_autofocus(practitioner: StaffMember) -> None:
    content = client_for(practitioner).get(URL).content.decode()
    assert 'name="scan"' in content
    assert content.index('name="scan"') < content.index('name="product"')
    assert "autofocus" in content


def test_it_receives_a_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    data = {
        "action": "receive",
        "product": _product(clinic).pk,
        "lot_number": "AB12",
        "expires_on": "2099-12-31",
        "quantity": "10",
    }
    response = client_for(practitioner).post(URL, data)
    assert response.status_code == 302
    lot = Lot.objects.get(clinic=clinic, lot_number="AB12")
    assert balance(lot) == 10


def test_the_parse_endpoint_fills_lot_expiry_and_known_product(
    clinic: Clinic, practitioner: StaffMember
) -> None:
    _learn(clinic)
    response = client_for(practitioner).post(PARSE, {"scan": f"]d201{GTIN}17491231" + "10AB12"})
    content = response.content.decode()
    assert 'value="AB12"' in content
    assert 'value="2049-12-31"' in content
    assert f'<option value="{_product(clinic).pk}" selected>' in content


def test_the_parse_endpoint_asks_for_the_product_of_a_new_barcode(practitioner: StaffMember) -> None:
    content = client_for(practitioner).post(PARSE, {"scan": f"01{GTIN}10AB12"}).content.decode()
    assert "This barcode is new here" in content


def test_the_parse_endpoint_shows_the_gs1_error(practitioner: StaffMember) -> None:
    content = client_for(practitioner).post(PARSE, {"scan": "0105012345678901"}).content.decode()
    assert "wrong check digit" in content


def test_a_plain_scan_post_fills_the_form_without_javascript(
    clinic: Clinic, practitioner: StaffMember
) -> None:
    response = client_for(practitioner).post(URL, {"action": "scan", "scan": f"01{GTIN}17491231" + "10AB12"})
    assert response.status_code == 200
    assert 'value="AB12"' in response.content.decode()
    assert not Lot.objects.filter(clinic=clinic).exists()


def test_it_refuses_an_expired_label_with_the_reason_and_keeps_the_input(
    clinic: Clinic, practitioner: StaffMember
) -> None:
    data = {
        "action": "receive",
        "scan": f"01{GTIN}17250131" + "10OLD1",
        "product": _product(clinic).pk,
        "quantity": "4",
        "supplier": "Meso Supply",
    }
    response = client_for(practitioner).post(URL, data)
    content = response.content.decode()
    assert response.status_code == 422
    assert "expired on 31 January 2025" in content
    assert 'value="Meso Supply"' in content
    assert not Lot.objects.filter(clinic=clinic).exists()


def test_it_refuses_a_receptionist(receptionist: StaffMember) -> None:
    assert client_for(receptionist).get(URL).status_code == 403


def test_it_refuses_other_methods(practitioner: StaffMember) -> None:
    assert client_for(practitioner).put(URL).status_code == 405
    assert client_for(practitioner).get(PARSE).status_code == 405
