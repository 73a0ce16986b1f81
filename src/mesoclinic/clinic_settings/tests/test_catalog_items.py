"""Settings → Catalog: an ingredient's or a product's name and description change (audited); codes stay."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Ingredient, Product
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def test_a_product_is_renamed_and_reclassified_and_the_change_audited(owner):
    product = Product.objects.get(clinic=owner.clinic, code="ha_1pct_ampoule")
    url = reverse("settings:catalog_item_edit", args=["product", product.code])
    data = {
        "name": "HA 1% ampoule (5 ml)",
        "manufacturer": product.manufacturer,
        "regulatory_class": "medical_device",
        "form": "ampoule",
        "unit": "ml",
        "package_size": "5",
    }
    assert client_for(owner).post(url, data).status_code == 302
    product.refresh_from_db()
    assert (product.name, product.regulatory_class, product.code) == (
        "HA 1% ampoule (5 ml)",
        "medical_device",
        "ha_1pct_ampoule",
    )
    event = AuditEvent.objects.get(action="catalog.product.update")
    assert event.data["after"]["name"] == "HA 1% ampoule (5 ml)"
    assert "HA 1% ampoule (5 ml)" in client_for(owner).get(reverse("settings:catalog_items")).content.decode()


def test_an_ingredient_without_a_name_is_refused_beside_the_field(owner):
    url = reverse("settings:catalog_item_edit", args=["ingredient", "hyaluronic_acid"])
    response = client_for(owner).post(url, {"name": "", "category": "humectant", "description": ""})
    assert response.status_code == 422
    assert 'value="humectant"' in response.content.decode()
    assert Ingredient.objects.get(clinic=owner.clinic, code="hyaluronic_acid").name != ""


def test_an_unknown_kind_or_code_is_not_found_and_others_may_not_edit(owner, physician):
    client = client_for(owner)
    assert client.get(reverse("settings:catalog_item_edit", args=["cocktail", "x"])).status_code == 404
    assert client.get(reverse("settings:catalog_item_edit", args=["product", "nope"])).status_code == 404
    url = reverse("settings:catalog_item_edit", args=["ingredient", "hyaluronic_acid"])
    assert client_for(physician).post(url, {"name": "X"}).status_code == 403
