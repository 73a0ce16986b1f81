"""Reads of the catalog, always scoped to one clinic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from mesoclinic.accounts.models import Clinic
from mesoclinic.catalog.models import (
    Cocktail,
    CocktailIngredient,
    CompositionVersion,
    Ingredient,
    Modality,
    Product,
    ProductIngredient,
    Protocol,
    Source,
)


def modalities(clinic: Clinic) -> QuerySet[Modality]:
    return Modality.objects.filter(clinic=clinic)


def ingredients(clinic: Clinic) -> QuerySet[Ingredient]:
    return Ingredient.objects.filter(clinic=clinic)


def ingredient_codes(clinic: Clinic) -> set[str]:
    return set(ingredients(clinic).values_list("code", flat=True))


def products(clinic: Clinic) -> QuerySet[Product]:
    composition = ProductIngredient.objects.select_related("ingredient").order_by("ingredient__name")
    return Product.objects.filter(clinic=clinic).prefetch_related(
        Prefetch("composition", queryset=composition)
    )


def cocktails(clinic: Clinic) -> QuerySet[Cocktail]:
    composition = CocktailIngredient.objects.select_related("ingredient").order_by("ingredient__name")
    return Cocktail.objects.filter(clinic=clinic).prefetch_related(
        Prefetch("composition", queryset=composition), "products"
    )


def protocols(clinic: Clinic, *, active_only: bool = True) -> QuerySet[Protocol]:
    composition = CocktailIngredient.objects.select_related("ingredient")
    qs = Protocol.objects.filter(clinic=clinic).select_related("modality", "cocktail", "clinic")
    qs = qs.prefetch_related(Prefetch("cocktail__composition", queryset=composition))
    return qs.filter(is_active=True) if active_only else qs


def get_protocol_for_clinic(clinic: Clinic, slug: str) -> Protocol:
    """The clinic's protocol by slug, or 404: protocols of other clinics do not exist for this one."""
    return get_object_or_404(protocols(clinic, active_only=False), slug=slug)


def protocol_ingredient_codes(protocol: Protocol) -> tuple[str, ...]:
    """The ingredient codes of a protocol's cocktail (empty when it has none)."""
    if protocol.cocktail is None:
        return ()
    return tuple(sorted(row.ingredient.code for row in protocol.cocktail.composition.all()))


def sources_by_key(clinic: Clinic) -> dict[str, Source]:
    return {s.key: s for s in Source.objects.filter(clinic=clinic)}


def protocol_versions(protocol: Protocol) -> QuerySet[Any]:
    """The protocol's kept versions, newest first, with who saved each (one row per save)."""
    return protocol.history.select_related("history_user").order_by("-history_date", "-history_id")


def get_protocol_for_user(staff: Any, protocol_id: Any) -> Protocol:
    """A protocol of the caller's clinic by id (offered or not), or 404 (another clinic's ids included)."""
    if staff is None:
        raise Http404
    try:
        pk = int(protocol_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = protocols(staff.clinic, active_only=False).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def composition_versions(item: Product | Cocktail) -> QuerySet[CompositionVersion]:
    """The item's kept compositions, newest first (empty until its composition is first changed)."""
    return item.composition_versions.select_related("changed_by").order_by("-version")


def current_composition(item: Product | Cocktail) -> dict[str, Any]:
    """The item's composition now: its version, ingredients (code, name, amount) and a cocktail's products."""
    return {
        "version": item.composition_version,
        "ingredients": [
            {
                "ingredient": row.ingredient.code,
                "name": row.ingredient.name,
                "concentration": None if row.concentration is None else f"{row.concentration.normalize():f}",
                "unit": row.unit,
            }
            for row in item.composition.select_related("ingredient").order_by("ingredient__code")
        ],
        "products": sorted(item.products.values_list("code", flat=True))
        if isinstance(item, Cocktail)
        else [],
    }


def composition_at(item: Product | Cocktail, when: datetime) -> dict[str, Any]:
    """The composition the item had at ``when`` (a session's time, a preparation's): its version, ingredients
    and products. Never changed: the current one; otherwise the last version valid from before ``when``."""
    kept = list(item.composition_versions.order_by("version"))
    if not kept:
        return current_composition(item)
    valid = [v for v in kept if v.valid_from is None or v.valid_from <= when] or kept[:1]
    found = valid[-1]
    return {"version": found.version, "ingredients": found.ingredients, "products": found.products}
