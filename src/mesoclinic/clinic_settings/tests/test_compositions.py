"""Settings → Catalog → Composition: the owner changes a cocktail's ingredients and amounts (a new version)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def _url(kind: str, code: str) -> str:
    return reverse("settings:composition_edit", args=[kind, code])


def test_the_owner_sets_amounts_of_a_cocktail_and_the_earlier_version_is_listed(owner):
    cocktail = Cocktail.objects.get(clinic=owner.clinic, code="hydration_ha_lidocaine")
    client = client_for(owner)
    page = client.get(_url("cocktail", cocktail.code)).content.decode()
    assert 'value="hyaluronic_acid" selected' in page and "Version 1" in page
    data = {
        "ingredient_0": "hyaluronic_acid",
        "concentration_0": "10",
        "unit_0": "mg/ml",
        "ingredient_1": "lidocaine",
        "concentration_1": "",
        "unit_1": "",
        "ingredient_2": "",
        "products": ["ha_1pct_ampoule", "lidocaine_2pct"],
        "reason": "Ratio fixed by the medical director",
    }
    assert client.post(_url("cocktail", cocktail.code), data).status_code == 302
    cocktail.refresh_from_db()
    assert cocktail.composition_version == 2
    assert {r.ingredient.code: r.amount for r in cocktail.composition.all()} == {
        "hyaluronic_acid": "10 mg/ml",
        "lidocaine": "",
    }
    page = client.get(_url("cocktail", cocktail.code)).content.decode()
    assert "as loaded with the catalog" in page and "Ratio fixed by the medical director" in page
    assert AuditEvent.objects.filter(action="catalog.cocktail.composition").count() == 1
    listing = client.get(reverse("settings:catalog_items")).content.decode()
    assert _url("cocktail", cocktail.code) in listing and "10 mg/ml" in listing


def test_a_cosmetic_in_a_needle_cocktail_is_refused_with_the_reason_and_nothing_saved(owner):
    response = client_for(owner).post(
        _url("cocktail", "hydration_ha_lidocaine"),
        {"ingredient_0": "hyaluronic_acid", "products": ["ha_serum_device"], "reason": "Cheaper"},
    )
    assert response.status_code == 422
    assert "not for injection" in response.content.decode()
    assert Cocktail.objects.get(clinic=owner.clinic, code="hydration_ha_lidocaine").composition_version == 1


def test_a_product_composition_without_a_reason_is_refused_beside_the_field(owner):
    response = client_for(owner).post(
        _url("product", "ha_1pct_ampoule"), {"ingredient_0": "hyaluronic_acid", "concentration_0": "12"}
    )
    assert response.status_code == 422
    assert Product.objects.get(clinic=owner.clinic, code="ha_1pct_ampoule").composition_version == 1


def test_unknown_items_are_not_found_and_others_may_not_edit(owner, physician):
    assert client_for(owner).get(_url("ingredient", "lidocaine")).status_code == 404
    assert client_for(owner).get(_url("cocktail", "nope")).status_code == 404
    assert client_for(physician).get(_url("cocktail", "hydration_ha_lidocaine")).status_code == 403
