"""Writes to the catalog: loading the default data into a clinic, and editing a protocol (versioned)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic
from mesoclinic.actors import Actor
from mesoclinic.audit.services import record_event
from mesoclinic.catalog.data_file import default_catalog
from mesoclinic.catalog.fit import cocktail_misfit
from mesoclinic.catalog.models import (
    MISFIT_MESSAGES,
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
from mesoclinic.catalog.selectors import current_composition


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _missing(
    model: type[Any], clinic: Clinic, key: str, entries: list[dict[str, Any]], entry_key: str
) -> list[Any]:
    """The entries whose ``entry_key`` the clinic does not have yet (one query)."""
    have = set(model.objects.filter(clinic=clinic).values_list(key, flat=True))
    return [entry for entry in entries if entry[entry_key] not in have]


def _by(model: type[Any], clinic: Clinic, key: str) -> dict[str, Any]:
    return {getattr(row, key): row for row in model.objects.filter(clinic=clinic)}


@transaction.atomic
def load_default_catalog(
    clinic: Clinic, *, actor: Actor, data: dict[str, Any] | None = None
) -> dict[str, int]:
    """Copy the default catalog into ``clinic``; idempotent, and never overwrites the clinic's edits.

    Entries are matched by code (slug for protocols): an entry the clinic already has is left as it is.
    Returns how many rows of each kind were created. Each kind costs a few queries, whatever its size (rows
    are created in bulk), so a new clinic is set up at once.
    """
    data = data or default_catalog()
    sources = [{"key": key, **src} for key, src in data["sources"].items()]
    new_sources = _missing(Source, clinic, "key", sources, "key")
    Source.objects.bulk_create(
        Source(clinic=clinic, key=s["key"], title=s["title"], url=s.get("url", ""), kind=s["kind"])
        for s in new_sources
    )

    new_modalities = _missing(Modality, clinic, "code", data["modalities"], "code")
    Modality.objects.bulk_create(
        Modality(
            clinic=clinic,
            code=m["code"],
            name=m["name"],
            description=m.get("description", ""),
            invasive=m["invasive"],
            depth_min_mm=_decimal((m.get("depth_mm") or [None, None])[0]),
            depth_max_mm=_decimal((m.get("depth_mm") or [None, None])[1]),
            depth_note=m.get("depth_note", ""),
            default_session_minutes=m.get("default_session_minutes", 30),
            requires_device=m["requires_device"],
            techniques=m.get("techniques", []),
            parameters=m.get("parameters", []),
            sources=m.get("sources", []),
        )
        for m in new_modalities
    )

    new_ingredients = _missing(Ingredient, clinic, "code", data["ingredients"], "code")
    Ingredient.objects.bulk_create(
        Ingredient(
            clinic=clinic,
            code=i["code"],
            name=i["name"],
            category=i.get("category", ""),
            description=i.get("description", ""),
            sources=i.get("sources", []),
        )
        for i in new_ingredients
    )
    ingredients = _by(Ingredient, clinic, "code")

    new_products = _missing(Product, clinic, "code", data["products"], "code")
    Product.objects.bulk_create(
        Product(
            clinic=clinic,
            code=p["code"],
            name=p["name"],
            manufacturer=p["manufacturer"],
            regulatory_class=p["regulatory_class"],
            form=p.get("form", ""),
            unit=p.get("unit", "ml"),
            package_size=_decimal(p.get("package_size")),
            sources=p.get("sources", []),
        )
        for p in new_products
    )
    products = _by(Product, clinic, "code")
    ProductIngredient.objects.bulk_create(
        ProductIngredient(
            product=products[p["code"]],
            ingredient=ingredients[c["ingredient"]],
            concentration=_decimal(c.get("concentration")),
            unit=c.get("unit") or "",
        )
        for p in new_products
        for c in p.get("composition", [])
    )

    new_cocktails = _missing(Cocktail, clinic, "code", data["cocktails"], "code")
    Cocktail.objects.bulk_create(
        Cocktail(
            clinic=clinic,
            code=c["code"],
            name=c["name"],
            description=c.get("description", ""),
            sources=c.get("sources", []),
        )
        for c in new_cocktails
    )
    cocktails = _by(Cocktail, clinic, "code")
    Cocktail.products.through.objects.bulk_create(
        Cocktail.products.through(cocktail=cocktails[c["code"]], product=products[code])
        for c in new_cocktails
        for code in c.get("products", [])
    )
    CocktailIngredient.objects.bulk_create(
        CocktailIngredient(
            cocktail=cocktails[c["code"]],
            ingredient=ingredients[i["ingredient"]],
            concentration=_decimal(i.get("concentration")),
            unit=i.get("unit") or "",
        )
        for c in new_cocktails
        for i in c["ingredients"]
    )

    modalities = _by(Modality, clinic, "code")
    new_protocols = _missing(Protocol, clinic, "slug", data["protocols"], "slug")
    Protocol.objects.bulk_create(
        Protocol(
            clinic=clinic,
            slug=p["slug"],
            name=p["name"],
            description=p.get("description", ""),
            modality=modalities[p["modality"]],
            cocktail=cocktails.get(p.get("cocktail") or ""),
            areas=p.get("areas", []),
            sessions=p["sessions"],
            interval_days=p["interval_days"],
            tolerance_days=p["tolerance_days"],
            maintenance_interval_months=p.get("maintenance_interval_months", 6),
            session_minutes=p.get("session_minutes", 30),
            buffer_minutes=p.get("buffer_minutes", 10),
            price=_decimal(p.get("price")),
            sources=p.get("sources", []),
        )
        for p in new_protocols
    )

    created = {
        "sources": len(new_sources),
        "modalities": len(new_modalities),
        "ingredients": len(new_ingredients),
        "products": len(new_products),
        "cocktails": len(new_cocktails),
        "protocols": len(new_protocols),
    }
    if any(created.values()):
        record_event("catalog.load_defaults", None, actor=actor, clinic=clinic, data=created)
    return created


#: The protocol's fields whose change is clinical: it makes a new version (the earlier one is kept).
CLINICAL_PROTOCOL_FIELDS = (
    "cocktail",
    "areas",
    "sessions",
    "interval_days",
    "tolerance_days",
    "maintenance_interval_months",
    "session_minutes",
    "buffer_minutes",
)
#: The change reason of the version a protocol had before its first edit (loaded with the catalog).
AS_LOADED = "as loaded"
#: Fields that only describe it (no new version).
DESCRIPTIVE_PROTOCOL_FIELDS = ("name", "description", "is_active", "bookable_online")
EDITABLE_PROTOCOL_FIELDS = DESCRIPTIVE_PROTOCOL_FIELDS + CLINICAL_PROTOCOL_FIELDS


def _shown(value: Any) -> Any:
    if isinstance(value, Cocktail):
        return value.code
    return value


@transaction.atomic
def update_protocol(protocol: Protocol, *, actor: Actor, **changes: Any) -> Protocol:
    """Change a protocol's fields (``EDITABLE_PROTOCOL_FIELDS``); a clinical change makes a new version.

    The modality is not editable: a protocol of another modality is another protocol (its screening, consent
    and qualifications differ). Raises ``ValidationError`` naming the field (unknown field, value out of
    range, tolerance not shorter than the interval, a cocktail of another clinic). Nothing changed: nothing
    is written. The audit row has the fields before and after and the version.
    """
    unknown = sorted(set(changes) - set(EDITABLE_PROTOCOL_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    locked = Protocol.objects.select_for_update().get(pk=protocol.pk)
    changed = {
        name: value for name, value in changes.items() if _shown(getattr(locked, name)) != _shown(value)
    }
    if not changed:
        return locked
    if not locked.history.exists():
        # Loaded in bulk (no history row yet): keep the version as it was before its first change.
        Protocol.history.bulk_history_create([locked], default_change_reason=AS_LOADED)
        locked.history.filter(history_change_reason=AS_LOADED).update(history_user=None)  # not the editor's
    before = {name: _shown(getattr(locked, name)) for name in changed}
    for name, value in changed.items():
        setattr(locked, name, value)
    if isinstance(locked.areas, list):
        locked.areas = [str(area) for area in locked.areas]
    locked.full_clean(exclude=["clinic", "slug", "modality", "sources"])
    clinical = sorted(set(changed) & set(CLINICAL_PROTOCOL_FIELDS))
    if clinical:
        locked.version += 1
    locked.save()
    record_event(
        "catalog.protocol.update",
        locked,
        actor=actor,
        data={
            "before": before,
            "after": {name: _shown(value) for name, value in changed.items()},
            "version": locked.version,
            "clinical": clinical,
        },
    )
    protocol.refresh_from_db()
    return locked


def set_bookable_online(protocol: Protocol, *, bookable: bool, actor: Any) -> Protocol:
    """Open (or close) a protocol for patients to book themselves on the clinic's public booking page."""
    return update_protocol(protocol, actor=actor, bookable_online=bookable)


#: What Settings may change of a catalog item: its description. Codes stay (allergies, lots and recalls
#: refer to them); compositions are not edited here.
CATALOG_ITEM_FIELDS: dict[type[Any], tuple[str, ...]] = {
    Ingredient: ("name", "category", "description"),
    Product: ("name", "manufacturer", "regulatory_class", "form", "unit", "package_size"),
}


@transaction.atomic
def update_catalog_item(item: Ingredient | Product, *, actor: Actor, **changes: Any) -> Ingredient | Product:
    """Change an ingredient's or a product's descriptive fields; audited with before and after.

    Raises ``ValidationError`` naming the field (a field that cannot change here, an empty name, a
    regulatory class or unit that does not exist). Nothing changed: nothing is written.
    """
    allowed = CATALOG_ITEM_FIELDS[type(item)]
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    locked = type(item).objects.select_for_update().get(pk=item.pk)
    changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changed:
        return locked
    before = {name: str(getattr(locked, name)) for name in changed}
    for name, value in changed.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.full_clean(exclude=["clinic", "code", "sources"])
    locked.save(update_fields=sorted(changed))
    record_event(
        f"catalog.{type(item).__name__.lower()}.update",
        locked,
        actor=actor,
        data={"code": locked.code, "before": before, "after": {n: str(v) for n, v in changed.items()}},
    )
    return locked


def _composition(item: Product | Cocktail) -> list[dict[str, Any]]:
    return list(current_composition(item)["ingredients"])


def _product_codes(item: Product | Cocktail) -> list[str]:
    return list(current_composition(item)["products"])


def _keep_version(item: Product | Cocktail, *, actor: Any, reason: str, valid_from: Any) -> None:
    CompositionVersion.objects.create(
        clinic_id=item.clinic_id,
        product=item if isinstance(item, Product) else None,
        cocktail=item if isinstance(item, Cocktail) else None,
        version=item.composition_version,
        ingredients=_composition(item),
        products=_product_codes(item),
        valid_from=valid_from,
        reason=reason,
        changed_by=actor,
    )


def _concentration(raw: Any, unit: str) -> Decimal | None:
    try:
        concentration = None if raw in (None, "") else Decimal(str(raw))
    except ArithmeticError:
        concentration = Decimal("NaN")
    if concentration is None:
        return None
    if not concentration.is_finite() or concentration <= 0:
        raise ValidationError(
            {"concentration": [_("A concentration is a number above zero (or empty when unknown).")]}
        )
    if concentration >= Decimal("1000000"):
        raise ValidationError({"concentration": [_("This concentration is too large.")]})
    if not unit:
        raise ValidationError({"unit": [_("A concentration needs its unit (e.g. mg/ml or %).")]})
    return concentration


def _checked_rows(
    clinic_id: int, ingredients: list[dict[str, Any]]
) -> list[tuple[Ingredient, Decimal | None, str]]:
    """The composition's rows checked against the clinic's ingredients; ``ValidationError`` naming the field."""
    if not ingredients:
        raise ValidationError({"ingredients": [_("A composition has at least one ingredient.")]})
    known = {i.code: i for i in Ingredient.objects.filter(clinic_id=clinic_id)}
    rows: list[tuple[Ingredient, Decimal | None, str]] = []
    seen: set[str] = set()
    for row in ingredients:
        code = str(row.get("ingredient") or "").strip()
        if code not in known:
            raise ValidationError(
                {"ingredients": [_("No ingredient %(code)s in this clinic's catalog.") % {"code": code}]}
            )
        if code in seen:
            raise ValidationError({"ingredients": [_("%(code)s is listed twice.") % {"code": code}]})
        seen.add(code)
        unit = str(row.get("unit") or "").strip()
        if len(unit) > 10:
            raise ValidationError({"unit": [_("A unit has at most 10 characters.")]})
        concentration = _concentration(row.get("concentration"), unit)
        rows.append((known[code], concentration, unit if concentration is not None else ""))
    return rows


def _checked_products(item: Product | Cocktail, products: list[str] | None) -> list[Product] | None:
    """A cocktail's new products (None: unchanged), each in the catalog and fitting its protocols' modalities."""
    if not isinstance(item, Cocktail) or products is None:
        return None
    catalog = {p.code: p for p in Product.objects.filter(clinic_id=item.clinic_id)}
    missing = sorted(set(products) - set(catalog))
    if missing:
        raise ValidationError(
            {"products": [_("No product %(code)s in this clinic's catalog.") % {"code": missing[0]}]}
        )
    new_products = [catalog[code] for code in sorted(set(products))]
    for protocol in item.protocols.select_related("modality"):
        misfit = cocktail_misfit(
            invasive=protocol.modality.invasive,
            regulatory_classes=[p.regulatory_class for p in new_products],
        )
        if misfit:
            message = MISFIT_MESSAGES[misfit] % {"modality": protocol.modality}
            raise ValidationError(
                {
                    "products": [
                        _("%(message)s (protocol %(protocol)s)") % {"message": message, "protocol": protocol}
                    ]
                }
            )
    return new_products


@transaction.atomic
def update_composition(
    item: Product | Cocktail,
    *,
    actor: Actor,
    ingredients: list[dict[str, Any]],
    reason: str,
    products: list[str] | None = None,
) -> Product | Cocktail:
    """Give a product or a cocktail a new composition: a new version, every earlier one kept.

    ``ingredients`` is ``[{"ingredient": code, "concentration": Decimal | str | None, "unit": str}]``;
    ``products`` (a cocktail's product codes) stays as it is when None. A session or a preparation made
    before keeps the version valid then (``selectors.composition_at``). Raises ``ValidationError`` naming the
    field: no reason, no ingredient, an ingredient twice or not in the clinic's catalog, a concentration that
    is not a positive number or has no unit, a product not in the catalog, or a cocktail that no longer fits
    the modality of a protocol that uses it. Nothing changed: nothing written. Audited with before and after.
    """
    model = type(item)
    locked = model.objects.select_for_update().get(pk=item.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the composition changes.")]})
    rows = _checked_rows(locked.clinic_id, ingredients)
    new_products = _checked_products(locked, products)
    before = {"ingredients": _composition(locked), "products": _product_codes(locked)}
    after_ingredients = sorted(
        (
            {
                "ingredient": i.code,
                "name": i.name,
                "concentration": None if c is None else f"{c.normalize():f}",
                "unit": u,
            }
            for i, c, u in rows
        ),
        key=lambda r: str(r["ingredient"]),
    )
    after_products = before["products"] if new_products is None else [p.code for p in new_products]
    if after_ingredients == before["ingredients"] and after_products == before["products"]:
        return locked
    if not locked.composition_versions.exists():
        _keep_version(locked, actor=None, reason="", valid_from=None)  # as loaded, not the editor's
    row_model = ProductIngredient if isinstance(locked, Product) else CocktailIngredient
    locked.composition.all().delete()
    for ingredient, concentration, unit in rows:
        row_model.objects.create(
            **{model.__name__.lower(): locked}, ingredient=ingredient, concentration=concentration, unit=unit
        )
    if isinstance(locked, Cocktail) and new_products is not None:
        locked.products.set(new_products)
    locked.composition_version += 1
    locked.save(update_fields=["composition_version"])
    editor = actor if getattr(actor, "is_authenticated", False) else None
    _keep_version(locked, actor=editor, reason=reason, valid_from=timezone.now())
    record_event(
        f"catalog.{model.__name__.lower()}.composition",
        locked,
        actor=actor,
        data={
            "code": locked.code,
            "version": locked.composition_version,
            "reason": reason,
            "before": before,
            "after": {"ingredients": after_ingredients, "products": after_products},
        },
    )
    return locked
