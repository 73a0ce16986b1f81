"""Writes to the catalog: loading the default data into a clinic."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.services import record_event
from mesoclinic.catalog.data_file import default_catalog
from mesoclinic.catalog.models import (
    Cocktail,
    CocktailIngredient,
    Ingredient,
    Modality,
    Product,
    ProductIngredient,
    Protocol,
    Source,
)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@transaction.atomic
def load_default_catalog(clinic: Clinic, *, actor: Any, data: dict[str, Any] | None = None) -> dict[str, int]:
    """Copy the default catalog into ``clinic``; idempotent, and never overwrites the clinic's edits.

    Entries are matched by code (slug for protocols): an entry the clinic already has is left as it is.
    Returns how many rows of each kind were created.
    """
    data = data or default_catalog()
    created = {"sources": 0, "modalities": 0, "ingredients": 0, "products": 0, "cocktails": 0, "protocols": 0}

    for key, src in data["sources"].items():
        _, new = Source.objects.get_or_create(
            clinic=clinic,
            key=key,
            defaults={"title": src["title"], "url": src.get("url", ""), "kind": src["kind"]},
        )
        created["sources"] += new

    modalities: dict[str, Modality] = {}
    for m in data["modalities"]:
        depth = m.get("depth_mm") or [None, None]
        modalities[m["code"]], new = Modality.objects.get_or_create(
            clinic=clinic,
            code=m["code"],
            defaults={
                "name": m["name"],
                "description": m.get("description", ""),
                "invasive": m["invasive"],
                "depth_min_mm": _decimal(depth[0]),
                "depth_max_mm": _decimal(depth[1]),
                "depth_note": m.get("depth_note", ""),
                "default_session_minutes": m.get("default_session_minutes", 30),
                "requires_device": m["requires_device"],
                "techniques": m.get("techniques", []),
                "parameters": m.get("parameters", []),
                "sources": m.get("sources", []),
            },
        )
        created["modalities"] += new

    ingredients: dict[str, Ingredient] = {}
    for i in data["ingredients"]:
        ingredients[i["code"]], new = Ingredient.objects.get_or_create(
            clinic=clinic,
            code=i["code"],
            defaults={
                "name": i["name"],
                "category": i.get("category", ""),
                "description": i.get("description", ""),
                "sources": i.get("sources", []),
            },
        )
        created["ingredients"] += new

    products: dict[str, Product] = {}
    for p in data["products"]:
        products[p["code"]], new = Product.objects.get_or_create(
            clinic=clinic,
            code=p["code"],
            defaults={
                "name": p["name"],
                "manufacturer": p["manufacturer"],
                "regulatory_class": p["regulatory_class"],
                "form": p.get("form", ""),
                "unit": p.get("unit", "ml"),
                "package_size": _decimal(p.get("package_size")),
                "sources": p.get("sources", []),
            },
        )
        if new:
            ProductIngredient.objects.bulk_create(
                ProductIngredient(
                    product=products[p["code"]],
                    ingredient=ingredients[c["ingredient"]],
                    concentration=_decimal(c.get("concentration")),
                    unit=c.get("unit") or "",
                )
                for c in p.get("composition", [])
            )
        created["products"] += new

    cocktails: dict[str, Cocktail] = {}
    for c in data["cocktails"]:
        cocktails[c["code"]], new = Cocktail.objects.get_or_create(
            clinic=clinic,
            code=c["code"],
            defaults={
                "name": c["name"],
                "description": c.get("description", ""),
                "sources": c.get("sources", []),
            },
        )
        if new:
            cocktail = cocktails[c["code"]]
            cocktail.products.set([products[code] for code in c.get("products", [])])
            CocktailIngredient.objects.bulk_create(
                CocktailIngredient(
                    cocktail=cocktail,
                    ingredient=ingredients[i["ingredient"]],
                    concentration=_decimal(i.get("concentration")),
                    unit=i.get("unit") or "",
                )
                for i in c["ingredients"]
            )
        created["cocktails"] += new

    for p in data["protocols"]:
        _, new = Protocol.objects.get_or_create(
            clinic=clinic,
            slug=p["slug"],
            defaults={
                "name": p["name"],
                "description": p.get("description", ""),
                "modality": modalities[p["modality"]],
                "cocktail": cocktails.get(p.get("cocktail") or ""),
                "areas": p.get("areas", []),
                "sessions": p["sessions"],
                "interval_days": p["interval_days"],
                "tolerance_days": p["tolerance_days"],
                "maintenance_interval_months": p.get("maintenance_interval_months", 6),
                "session_minutes": p.get("session_minutes", 30),
                "buffer_minutes": p.get("buffer_minutes", 10),
                "price": _decimal(p.get("price")),
                "sources": p.get("sources", []),
            },
        )
        created["protocols"] += new

    if any(created.values()):
        record_event("catalog.load_defaults", None, actor=actor, clinic=clinic, data=created)
    return created
