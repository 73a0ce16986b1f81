"""A cocktail's or a product's composition changes as a new version; earlier ones kept and audited."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog import selectors
from mesoclinic.catalog.fit import Misfit, cocktail_misfit
from mesoclinic.catalog.models import Cocktail, Product, Protocol
from mesoclinic.catalog.services import update_composition, update_protocol

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANGED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
AFTER = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def test_a_needle_modality_refuses_cosmetics_and_a_device_refuses_injectables():
    assert (
        cocktail_misfit(invasive=True, regulatory_classes=["medical_device", "cosmetic"])
        is Misfit.COSMETIC_INJECTED
    )
    assert cocktail_misfit(invasive=False, regulatory_classes=["cosmetic", "medicinal_product"]) is (
        Misfit.INJECTABLE_ON_DEVICE
    )
    assert cocktail_misfit(invasive=True, regulatory_classes=["medical_device"]) is None
    assert cocktail_misfit(invasive=False, regulatory_classes=["cosmetic"]) is None
    assert cocktail_misfit(invasive=False, regulatory_classes=[]) is None


def test_every_default_protocol_fits_its_modality(owner):
    for protocol in Protocol.objects.filter(clinic=owner.clinic).select_related("modality", "cocktail"):
        protocol.full_clean(exclude=["clinic", "slug", "modality", "sources"])


@translation.override("en")
def test_a_protocol_given_a_cocktail_of_the_other_treatment_type_is_refused_naming_the_field(owner):
    needle = Protocol.objects.get(clinic=owner.clinic, slug="needle-hydration-face")
    serum = Cocktail.objects.get(clinic=owner.clinic, code="needle_free_glow")
    with pytest.raises(ValidationError) as refused:
        update_protocol(needle, actor=owner.user, cocktail=serum)
    assert "cosmetic" in str(refused.value.message_dict["cocktail"])
    device = Protocol.objects.get(clinic=owner.clinic, slug="electroporation-glow")
    injectable = Cocktail.objects.get(clinic=owner.clinic, code="hydration_ha_lidocaine")
    with pytest.raises(ValidationError) as refused:
        update_protocol(device, actor=owner.user, cocktail=injectable)
    assert "injection" in str(refused.value.message_dict["cocktail"])
    assert Protocol.objects.get(pk=device.pk).cocktail.code == "needle_free_glow"


def test_a_new_composition_is_a_new_version_and_the_one_used_before_stays_true(owner):
    cocktail = Cocktail.objects.get(clinic=owner.clinic, code="hydration_ha_lidocaine")
    used_before = selectors.composition_at(cocktail, BEFORE)
    with time_machine.travel(CHANGED, tick=False):
        update_composition(
            cocktail,
            actor=owner.user,
            reason="Supplier's new ratio",
            ingredients=[
                {"ingredient": "hyaluronic_acid", "concentration": "10", "unit": "mg/ml"},
                {"ingredient": "lidocaine", "concentration": Decimal("0.5"), "unit": "%"},
            ],
        )
    cocktail.refresh_from_db()
    assert cocktail.composition_version == 2
    assert {r.ingredient.code: r.amount for r in cocktail.composition.all()} == {
        "hyaluronic_acid": "10 mg/ml",
        "lidocaine": "0.5 %",
    }
    assert selectors.composition_at(cocktail, BEFORE) == used_before | {"version": 1}
    now = selectors.composition_at(cocktail, AFTER)
    assert now["version"] == 2 and now["ingredients"][0]["concentration"] == "10"
    assert [v.version for v in selectors.composition_versions(cocktail)] == [2, 1]
    event = AuditEvent.objects.get(action="catalog.cocktail.composition")
    assert event.data["before"]["ingredients"][0]["concentration"] is None
    assert event.data["after"]["ingredients"][1]["unit"] == "%"
    assert event.data["reason"] == "Supplier's new ratio"


def test_a_product_composition_changes_too_and_the_same_one_again_writes_nothing(owner):
    product = Product.objects.get(clinic=owner.clinic, code="ha_1pct_ampoule")
    rows = [{"ingredient": "hyaluronic_acid", "concentration": "12", "unit": "mg/ml"}]
    update_composition(product, actor=owner.user, reason="Label says 12 mg/ml", ingredients=rows)
    update_composition(product, actor=owner.user, reason="Again", ingredients=rows)
    product.refresh_from_db()
    assert product.composition_version == 2
    assert AuditEvent.objects.filter(action="catalog.product.composition").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"ingredients": []}, "ingredients"),
        ({"ingredients": [{"ingredient": "unobtainium"}]}, "ingredients"),
        ({"ingredients": [{"ingredient": "lidocaine"}, {"ingredient": "lidocaine"}]}, "ingredients"),
        ({"ingredients": [{"ingredient": "lidocaine", "concentration": "-1", "unit": "%"}]}, "concentration"),
        (
            {"ingredients": [{"ingredient": "lidocaine", "concentration": "abc", "unit": "%"}]},
            "concentration",
        ),
        ({"ingredients": [{"ingredient": "lidocaine", "concentration": "1"}]}, "unit"),
        ({"products": ["nope"]}, "products"),
        ({"products": ["ha_1pct_ampoule", "vitamin_c_20pct_serum"]}, "products"),
    ],
)
def test_a_wrong_composition_is_refused_naming_the_field_and_nothing_changes(owner, change, field):
    cocktail = Cocktail.objects.get(clinic=owner.clinic, code="hydration_ha_lidocaine")
    call = {"reason": "r", "ingredients": [{"ingredient": "lidocaine"}]} | change
    with pytest.raises(ValidationError) as refused:
        update_composition(cocktail, actor=owner.user, **call)
    assert field in refused.value.message_dict
    cocktail.refresh_from_db()
    assert cocktail.composition_version == 1 and cocktail.composition.count() == 2
