"""The catalog API serves the clinic's own catalog, read-only."""

from __future__ import annotations

import pytest

from mesoclinic.catalog.models import Protocol
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def test_it_lists_the_six_modalities(receptionist):
    body = client_for(receptionist).get("/api/v1/catalog/modalities").json()
    by_code = {m["code"]: m for m in body}
    assert set(by_code) == {
        "needle",
        "electroporation",
        "cryo_electroporation",
        "sonophoresis",
        "iontophoresis",
        "oxygen_infusion",
    }
    assert by_code["needle"]["invasive"] and not by_code["needle"]["requires_device"]
    assert all(m["requires_device"] and not m["invasive"] for code, m in by_code.items() if code != "needle")
    assert {m["default_session_minutes"] for m in body} == {30}
    assert {p["code"] for p in by_code["iontophoresis"]["parameters"]} >= {"current_ma", "polarity"}


def test_it_lists_cocktails_with_concentrations(practitioner):
    cocktails = client_for(practitioner).get("/api/v1/catalog/cocktails").json()
    assert len(cocktails) >= 6
    assert all(c["ingredients"] for c in cocktails)
    assert any(i["concentration"] is not None for c in cocktails for i in c["ingredients"])


def test_it_lists_products_with_regulatory_class(practitioner):
    products = client_for(practitioner).get("/api/v1/catalog/products").json()
    assert {p["regulatory_class"] for p in products} >= {"medicinal_product", "medical_device", "cosmetic"}
    assert all(p["manufacturer"] for p in products)


def test_it_serves_a_protocol_with_its_ingredients(clinic, receptionist):
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="needle").exclude(cocktail=None).first()
    body = client_for(receptionist).get(f"/api/v1/catalog/protocols/{protocol.slug}").json()
    assert body["modality"] == "needle"
    assert body["ingredients"] == sorted(body["ingredients"]) and body["ingredients"]
    assert body["maintenance_interval_months"] == protocol.maintenance_interval_months
    assert body["tolerance_days"] < body["interval_days"]


def test_it_has_at_least_eight_protocols_across_all_modalities(receptionist):
    protocols = client_for(receptionist).get("/api/v1/catalog/protocols").json()
    assert len(protocols) >= 8
    assert len({p["modality"] for p in protocols}) == 6


def test_it_does_not_show_another_clinics_edits(clinic, other_clinic, outsider):
    Protocol.objects.filter(clinic=clinic).update(name="Renamed by Rosa")
    names = {p["name"] for p in client_for(outsider).get("/api/v1/catalog/protocols").json()}
    assert "Renamed by Rosa" not in names


def test_it_refuses_the_auditor(auditor):
    assert client_for(auditor).get("/api/v1/catalog/protocols").status_code == 403


def test_it_answers_405_for_writes(receptionist):
    assert client_for(receptionist).post("/api/v1/catalog/protocols").status_code == 405


def test_a_protocols_price_comes_with_its_currency(clinic, receptionist):
    clinic.country = "PL"
    clinic.save(update_fields=["country"])
    protocols = client_for(receptionist).get("/api/v1/catalog/protocols").json()
    priced = [p for p in protocols if p["price"] is not None]
    assert priced and {p["currency"] for p in priced} == {"PLN"}
