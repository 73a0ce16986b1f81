"""Catalog API: read-only views of the clinic's modalities, ingredients, products, cocktails, protocols."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.models import Clinic
from mesoclinic.accounts.permissions import Capability
from mesoclinic.catalog import selectors
from mesoclinic.catalog.models import Concentration, Protocol
from mesoclinic.catalog.schemas import (
    CocktailOut,
    IngredientOut,
    ModalityOut,
    ProductOut,
    ProtocolOut,
    SourceOut,
)

router = Router()


def _components(rows: Any) -> list[dict[str, Any]]:
    return [_component(row) for row in rows]


def _component(row: Concentration) -> dict[str, Any]:
    return {
        "ingredient": row.ingredient.code,
        "name": row.ingredient.name,
        "concentration": row.concentration,
        "unit": row.unit,
    }


def protocol_out(protocol: Protocol, clinic: Clinic) -> dict[str, Any]:
    return {
        **{f: getattr(protocol, f) for f in ProtocolOut.model_fields if hasattr(protocol, f)},
        "currency": clinic.currency,
        "modality": protocol.modality.code,
        "cocktail": protocol.cocktail.code if protocol.cocktail else None,
        "ingredients": list(selectors.protocol_ingredient_codes(protocol)),
    }


@router.get("/modalities", response={200: list[ModalityOut]})
def list_modalities(request: HttpRequest) -> Any:
    staff = require(request, Capability.VIEW_CATALOG)
    return selectors.modalities(staff.clinic)


@router.get("/ingredients", response={200: list[IngredientOut]})
def list_ingredients(request: HttpRequest) -> Any:
    staff = require(request, Capability.VIEW_CATALOG)
    return selectors.ingredients(staff.clinic)


@router.get("/products", response={200: list[ProductOut]})
def list_products(request: HttpRequest) -> Any:
    staff = require(request, Capability.VIEW_CATALOG)
    return [
        {
            **{f: getattr(p, f) for f in ProductOut.model_fields if f != "composition"},
            "composition": _components(p.composition.all()),
        }
        for p in selectors.products(staff.clinic)
    ]


@router.get("/cocktails", response={200: list[CocktailOut]})
def list_cocktails(request: HttpRequest) -> Any:
    staff = require(request, Capability.VIEW_CATALOG)
    return [
        {
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "sources": c.sources,
            "ingredients": _components(c.composition.all()),
            "products": [p.code for p in c.products.all()],
        }
        for c in selectors.cocktails(staff.clinic)
    ]


@router.get("/protocols", response={200: list[ProtocolOut]})
def list_protocols(request: HttpRequest, include_inactive: bool = False) -> Any:
    staff = require(request, Capability.VIEW_CATALOG)
    return [
        protocol_out(p, staff.clinic)
        for p in selectors.protocols(staff.clinic, active_only=not include_inactive)
    ]


@router.get("/protocols/{slug}", response={200: ProtocolOut})
def get_protocol(request: HttpRequest, slug: str) -> Any:
    staff = require(request, Capability.VIEW_CATALOG)
    return protocol_out(selectors.get_protocol_for_clinic(staff.clinic, slug), staff.clinic)


@router.get("/sources", response={200: list[SourceOut]})
def list_sources(request: HttpRequest) -> Any:
    staff = require(request, Capability.VIEW_CATALOG)
    return list(selectors.sources_by_key(staff.clinic).values())
