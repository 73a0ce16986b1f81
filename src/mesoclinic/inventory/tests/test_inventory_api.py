"""The inventory API: lots with balances and ledgers, receipts, movements, compounding, recalls, scans."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from django.test import Client

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.selectors import balance
from mesoclinic.inventory.services import receive_lot
from mesoclinic.testing import client_for, make_lot

API = "/api/v1/inventory"
GTIN = "05012345678900"


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _product(clinic: Clinic) -> Product:
    return Product.objects.get(clinic=clinic, code="ha_1pct_ampoule")


def test_it_lists_lots_with_balance_and_status(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="AB12", quantity="2.5")
    body = client_for(receptionist).get(f"{API}/lots").json()
    assert body["count"] == 1
    assert body["items"][0]["lot_number"] == "AB12"
    assert body["items"][0]["balance"] == "2.500"
    assert body["items"][0]["status"] == "in_stock"


def test_it_filters_lots_by_status(clinic: Clinic, receptionist: StaffMember) -> None:
    make_lot(clinic, lot_number="EMPTY", quantity=0)
    make_lot(clinic, lot_number="FULL")
    body = client_for(receptionist).get(f"{API}/lots", {"status": "empty"}).json()
    assert [item["lot_number"] for item in body["items"]] == ["EMPTY"]


def test_it_shows_a_lot_with_its_movements(clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(clinic, quantity=5)
    body = client_for(receptionist).get(f"{API}/lots/{lot.pk}").json()
    assert [(m["kind"], m["quantity"]) for m in body["movements"]] == [("receipt", "5.000")]


def test_it_404s_for_another_clinics_lot(other_clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(other_clinic)
    assert client_for(receptionist).get(f"{API}/lots/{lot.pk}").status_code == 404


def test_it_receives_a_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    data = {
        "product_id": _product(clinic).pk,
        "lot_number": "AB12",
        "expires_on": "2099-01-31",
        "quantity": "4",
    }
    response = post(client_for(practitioner), f"{API}/lots", data)
    assert response.status_code == 201, response.content
    lot = Lot.objects.get(pk=response.json()["id"])
    assert balance(lot) == 4


def test_it_refuses_an_expired_receipt_with_the_reason(clinic: Clinic, practitioner: StaffMember) -> None:
    data = {
        "product_id": _product(clinic).pk,
        "lot_number": "OLD",
        "expires_on": "2020-01-31",
        "quantity": "4",
    }
    response = post(client_for(practitioner), f"{API}/lots", data)
    assert response.status_code == 422
    assert "expired on 31 January 2020" in response.json()["detail"]
    assert not Lot.objects.filter(clinic=clinic).exists()


def test_it_404s_for_another_clinics_product(other_clinic: Clinic, practitioner: StaffMember) -> None:
    data = {
        "product_id": _product(other_clinic).pk,
        "lot_number": "X",
        "expires_on": "2099-01-31",
        "quantity": 1,
    }
    assert post(client_for(practitioner), f"{API}/lots", data).status_code == 404


def test_it_refuses_a_receptionist_write(clinic: Clinic, receptionist: StaffMember) -> None:
    data = {"product_id": _product(clinic).pk, "lot_number": "X", "expires_on": "2099-01-31", "quantity": 1}
    assert post(client_for(receptionist), f"{API}/lots", data).status_code == 403


def test_it_records_a_movement(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=5)
    response = post(
        client_for(practitioner), f"{API}/lots/{lot.pk}/movements", {"kind": "waste", "quantity": "2"}
    )
    assert response.status_code == 201
    assert balance(lot) == 3


def test_it_refuses_a_movement_below_zero(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=1)
    response = post(
        client_for(practitioner), f"{API}/lots/{lot.pk}/movements", {"kind": "waste", "quantity": "2"}
    )
    assert response.status_code == 422
    assert "has only 1 ml left" in response.json()["detail"]
    assert balance(lot) == 1


def test_it_marks_a_lot_recalled(clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(clinic)
    response = post(client_for(physician), f"{API}/lots/{lot.pk}/recall", {"reason": "Notice 3"})
    assert response.status_code == 200
    assert response.json()["status"] == "recalled"
    lot.refresh_from_db()
    assert lot.is_recalled


def test_it_prepares_a_cocktail(clinic: Clinic, practitioner: StaffMember) -> None:
    ingredient = make_lot(clinic, quantity=10)
    cocktail = Cocktail.objects.filter(clinic=clinic).first()
    assert cocktail is not None
    data = {
        "cocktail_id": cocktail.pk,
        "lot_number": "P-1",
        "quantity": "5",
        "expires_on": "2099-01-01",
        "components": [{"lot_id": ingredient.pk, "quantity": "2"}],
    }
    response = post(client_for(practitioner), f"{API}/preparations", data)
    assert response.status_code == 201, response.content
    assert response.json()["components"][0]["lot_id"] == ingredient.pk
    assert balance(ingredient) == 8


def test_it_404s_for_another_clinics_component(
    clinic: Clinic, other_clinic: Clinic, practitioner: StaffMember
) -> None:
    foreign = make_lot(other_clinic)
    cocktail = Cocktail.objects.filter(clinic=clinic).first()
    assert cocktail is not None
    data = {
        "cocktail_id": cocktail.pk,
        "lot_number": "P-1",
        "quantity": "5",
        "expires_on": "2099-01-01",
        "components": [{"lot_id": foreign.pk, "quantity": "2"}],
    }
    assert post(client_for(practitioner), f"{API}/preparations", data).status_code == 404


def test_it_parses_a_scan_and_finds_the_lot(clinic: Clinic, receptionist: StaffMember) -> None:
    receive_lot(
        clinic,
        product=_product(clinic),
        lot_number="AB12",
        expires_on=date(2049, 12, 31),
        quantity=3,
        gtin=GTIN,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        actor=None,
    )
    response = post(client_for(receptionist), f"{API}/scan", {"text": f"]d201{GTIN}17491231" + "10AB12"})
    body = response.json()
    assert (body["lot"], body["expiry"], body["product_id"]) == ("AB12", "2049-12-31", _product(clinic).pk)
    assert [lot["lot_number"] for lot in body["lots"]] == ["AB12"]


def test_it_explains_a_bad_scan(receptionist: StaffMember) -> None:
    response = post(client_for(receptionist), f"{API}/scan", {"text": "0105012345678901"})
    assert response.status_code == 422
    assert "wrong check digit" in response.json()["detail"]


def test_it_refuses_a_naive_time(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic)
    data = {"kind": "waste", "quantity": "1", "at": "2026-03-01T10:00:00"}
    assert post(client_for(practitioner), f"{API}/lots/{lot.pk}/movements", data).status_code == 422


def test_it_refuses_an_auditor(auditor: StaffMember) -> None:
    assert client_for(auditor).get(f"{API}/lots").status_code == 403


def test_it_404s_for_a_movement_on_another_clinics_lot(
    other_clinic: Clinic, practitioner: StaffMember
) -> None:
    lot = make_lot(other_clinic, quantity=5)
    url = f"{API}/lots/{lot.pk}/movements"
    assert post(client_for(practitioner), url, {"kind": "waste", "quantity": "1"}).status_code == 404
    assert balance(lot) == 5


def test_it_404s_for_recalling_another_clinics_lot(other_clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(other_clinic)
    assert post(client_for(physician), f"{API}/lots/{lot.pk}/recall", {"reason": "x"}).status_code == 404
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_it_only_allows_get_on_a_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic)
    assert client_for(practitioner).delete(f"{API}/lots/{lot.pk}").status_code == 405


def test_a_malformed_body_is_a_422_the_schema_describes(owner: StaffMember) -> None:
    """ninja's own 422 (``detail`` a list of field errors) was documented as text only (schemathesis)."""
    import jsonschema  # noqa: PLC0415

    response = client_for(owner).post("/api/v1/inventory/scan", "{}", content_type="application/json")
    assert response.status_code == 422
    document = Client().get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/inventory/scan"]["post"]["responses"]["422"]
    spec = answer["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**spec, "components": document["components"]})
