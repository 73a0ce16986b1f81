"""The catalog, read-only: protocols, modalities, cocktails, products and ingredients, each with sources."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.catalog import selectors
from mesoclinic.catalog.data_file import code_label, zone_names
from mesoclinic.catalog.models import Source
from mesoclinic.csv_export import csv_export, wants_csv


@dataclass(frozen=True)
class SourceRef:
    key: str
    title: str
    url: str
    kind: str


@dataclass(frozen=True)
class Entry:
    """A catalog row with its sources resolved from keys to title, link and kind."""

    item: Any
    sources: list[SourceRef]
    extra: dict[str, Any] = field(default_factory=dict)


def _resolve(keys: Iterable[str], known: dict[str, Source]) -> list[SourceRef]:
    refs = []
    for key in keys:
        source = known.get(key)
        if source is None:
            refs.append(SourceRef(key, key, "", _("source not found in the catalog")))
        else:
            refs.append(SourceRef(key, source.title, source.url, str(source.get_kind_display())))
    return refs


# Each section's CSV: its columns, and how a row of the section's queryset fills them.
CSV_COLUMNS: dict[str, tuple[list[str], Callable[[Any], list[Any]]]] = {
    "protocols": (
        [
            "slug",
            "name",
            "modality",
            "cocktail",
            "areas",
            "sessions",
            "interval_days",
            "tolerance_days",
            "maintenance_interval_months",
            "session_minutes",
            "buffer_minutes",
            "price",
            "currency",
            "active",
        ],
        lambda p: [
            p.slug,
            p.name,
            p.modality.code,
            p.cocktail.code if p.cocktail_id else "",
            " ".join(p.areas),
            p.sessions,
            p.interval_days,
            p.tolerance_days,
            p.maintenance_interval_months,
            p.session_minutes,
            p.buffer_minutes,
            p.price,
            p.clinic.currency if p.price is not None else "",
            p.is_active,
        ],
    ),
    "modalities": (
        ["code", "name", "invasive", "depth_min_mm", "depth_max_mm", "session_minutes", "device", "sources"],
        lambda m: [
            m.code,
            m.name,
            m.invasive,
            m.depth_min_mm,
            m.depth_max_mm,
            m.default_session_minutes,
            m.requires_device,
            " ".join(m.sources),
        ],
    ),
    "cocktails": (
        ["code", "name", "description", "sources"],
        lambda c: [c.code, c.name, c.description, " ".join(c.sources)],
    ),
    "products": (
        ["code", "name", "manufacturer", "regulatory_class", "form", "unit", "package_size", "sources"],
        lambda p: [
            p.code,
            p.name,
            p.manufacturer,
            p.regulatory_class,
            p.form,
            p.unit,
            p.package_size,
            " ".join(p.sources),
        ],
    ),
    "ingredients": (
        ["code", "name", "category", "description", "sources"],
        lambda i: [i.code, i.name, i.category, i.description, " ".join(i.sources)],
    ),
}


def _csv(request: ClinicRequest, section: str, rows: Iterable[Any]) -> HttpResponseBase:
    header, row = CSV_COLUMNS[section]
    return csv_export(
        request, f"catalog-{section}.csv", header, (row(r) for r in rows), list_name=f"catalog.{section}"
    )


def _page(request: ClinicRequest, section: str, **context: Any) -> HttpResponse:
    return render(request, f"catalog/{section}.html", {"section": section, **context})


@require_GET
@staff_required(Capability.VIEW_CATALOG)
def index(request: ClinicRequest) -> HttpResponseBase:
    """The protocols, as cards: what a receptionist books and a practitioner performs."""
    known = selectors.sources_by_key(request.clinic)
    zones = zone_names()
    protocols = selectors.protocols(request.clinic, active_only=False).order_by(
        "-is_active", "modality__name", "name"
    )
    if wants_csv(request):
        return _csv(request, "protocols", protocols.select_related("modality", "cocktail"))
    return _page(
        request,
        "protocols",
        protocols=[
            Entry(
                p, _resolve(p.sources, known), {"areas": [gettext(zones.get(code, code)) for code in p.areas]}
            )
            for p in protocols
        ],
    )


@require_GET
@staff_required(Capability.VIEW_CATALOG)
def modality_list(request: ClinicRequest) -> HttpResponseBase:
    if wants_csv(request):
        return _csv(request, "modalities", selectors.modalities(request.clinic))
    known = selectors.sources_by_key(request.clinic)
    return _page(
        request,
        "modalities",
        modalities=[
            Entry(
                m, _resolve(m.sources, known), {"techniques": [gettext(code_label(t)) for t in m.techniques]}
            )
            for m in selectors.modalities(request.clinic)
        ],
    )


def _listing(request: ClinicRequest, name: str, rows: Iterable[Any]) -> HttpResponseBase:
    """A catalog page whose rows need nothing but their sources resolved (or its CSV)."""
    if wants_csv(request):
        return _csv(request, name, rows)
    known = selectors.sources_by_key(request.clinic)
    return _page(request, name, **{name: [Entry(row, _resolve(row.sources, known)) for row in rows]})


@require_GET
@staff_required(Capability.VIEW_CATALOG)
def cocktail_list(request: ClinicRequest) -> HttpResponseBase:
    return _listing(request, "cocktails", selectors.cocktails(request.clinic))


@require_GET
@staff_required(Capability.VIEW_CATALOG)
def product_list(request: ClinicRequest) -> HttpResponseBase:
    return _listing(request, "products", selectors.products(request.clinic))


@require_GET
@staff_required(Capability.VIEW_CATALOG)
def ingredient_list(request: ClinicRequest) -> HttpResponseBase:
    return _listing(request, "ingredients", selectors.ingredients(request.clinic))
