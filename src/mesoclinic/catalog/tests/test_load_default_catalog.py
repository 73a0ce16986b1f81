"""Loading the default catalog into a clinic: complete, idempotent, never overwriting edits."""

from __future__ import annotations

import pytest

from mesoclinic.catalog.data_file import default_catalog
from mesoclinic.catalog.models import Cocktail, Ingredient, Modality, Product, Protocol
from mesoclinic.catalog.services import load_default_catalog

pytestmark = pytest.mark.django_db


def test_it_copies_every_entry_of_the_data_file(clinic):
    data = default_catalog()
    assert Modality.objects.filter(clinic=clinic).count() == len(data["modalities"])
    assert Ingredient.objects.filter(clinic=clinic).count() == len(data["ingredients"]) >= 20
    assert Product.objects.filter(clinic=clinic).count() == len(data["products"])
    assert Cocktail.objects.filter(clinic=clinic).count() == len(data["cocktails"])
    assert Protocol.objects.filter(clinic=clinic).count() == len(data["protocols"]) >= 8
    first = data["cocktails"][0]
    cocktail = Cocktail.objects.get(clinic=clinic, code=first["code"])
    assert cocktail.composition.count() == len(first["ingredients"])
    assert sorted(p.code for p in cocktail.products.all()) == sorted(first["products"])


def test_it_creates_nothing_twice(clinic):
    assert load_default_catalog(clinic, actor=None) == dict.fromkeys(
        ("sources", "modalities", "ingredients", "products", "cocktails", "protocols"), 0
    )


def test_it_keeps_the_clinics_edits(clinic):
    protocol = Protocol.objects.filter(clinic=clinic).first()
    Protocol.objects.filter(pk=protocol.pk).update(sessions=9)
    load_default_catalog(clinic, actor=None)
    protocol.refresh_from_db()
    assert protocol.sessions == 9
