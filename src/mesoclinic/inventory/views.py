"""Inventory screens: the lot list (search, filters, sorting, pages, CSV), a lot's page with its ledger,
receiving stock by scanning, movements, marking a lot recalled, and compounding a cocktail.

Every view parses input, fetches lots only through ``get_lot_for_user`` (404 for other clinics), calls a
service for any change, then renders or redirects. Staff with ``view_inventory`` read; ``manage_inventory``
writes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.catalog.models import Product
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import save_form
from mesoclinic.inventory import gs1, selectors, services
from mesoclinic.inventory.forms import (
    MovementForm,
    PrepareForm,
    RecallForm,
    ReceiveForm,
)
from mesoclinic.inventory.models import Lot

PAGE_SIZE = 25
SORTS: dict[str, tuple[str, ...]] = {
    "expiry": ("expires_on", "lot_number", "id"),
    "-expiry": ("-expires_on", "lot_number", "id"),
    "lot": ("lot_number", "id"),
    "-lot": ("-lot_number", "id"),
    "balance": ("balance", "expires_on", "id"),
    "-balance": ("-balance", "expires_on", "id"),
    "received": ("received_on", "id"),
    "-received": ("-received_on", "-id"),
}
SORT_LABELS = {
    "lot": gettext_lazy("Lot"),
    "expiry": gettext_lazy("Expiry"),
    "balance": gettext_lazy("Balance"),
    "received": gettext_lazy("Received"),
}


# ---------------------------------------------------------------------------------------------------------
# List


def _filtered_lots(request: ClinicRequest) -> tuple[Any, dict[str, Any]]:
    """The lot list after search, status and product filters and sorting, and the filter state."""
    clinic = request.clinic
    today = clinic.today()
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    product = request.GET.get("product", "")
    sort = request.GET.get("sort", "expiry")
    if sort not in SORTS:
        sort = "expiry"
    tainted = selectors.tainted_lot_ids(clinic)
    lots = selectors.lots_for_clinic(clinic)
    for term in query.split():
        lots = lots.filter(
            Q(lot_number__icontains=term)
            | Q(product__name__icontains=term)
            | Q(cocktail__name__icontains=term)
        )
    if status:
        lots = selectors.filter_by_status(lots, status, today, tainted)
    if product.isdigit():
        lots = lots.filter(product_id=int(product))
    lots = lots.order_by(*SORTS[sort])
    state = {
        "query": query,
        "status": status,
        "product": product,
        "sort": sort,
        "today": today,
        "tainted": tainted,
    }
    return lots, state


def _rows(lots: Any, today: Any, tainted: set[int]) -> list[dict[str, Any]]:
    return [{"lot": lot, "status": selectors.lot_status(lot, today, tainted=tainted)} for lot in lots]


def _csv(request: ClinicRequest, lots: Any, today: Any, tainted: set[int]) -> HttpResponseBase:
    rows = (
        [
            lot.item_name,
            lot.kind,
            lot.lot_number,
            lot.expires_on.isoformat(),
            selectors.format_quantity(lot.balance),
            lot.unit,
            selectors.lot_status(lot, today, tainted=tainted).value,
            lot.gtin,
            lot.supplier,
        ]
        for lot in lots
    )
    header = ["product", "kind", "lot_number", "expires_on", "balance", "unit", "status", "gtin", "supplier"]
    return csv_export(request, "lots.csv", header, rows, list_name="inventory.lots")


@require_GET
@staff_required(Capability.VIEW_INVENTORY)
def lot_list(request: ClinicRequest) -> HttpResponseBase:
    lots, state = _filtered_lots(request)
    today, tainted = state["today"], state["tainted"]
    if wants_csv(request):
        return _csv(request, lots, today, tainted)
    page = Paginator(lots, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {key: state[key] for key in ("query", "status", "product") if state[key]}
    params = urlencode(
        [
            (name, value)
            for name, value in (
                ("q", state["query"]),
                ("status", state["status"]),
                ("product", state["product"]),
            )
            if value
        ]
    )
    context = {
        **state,
        "page": page,
        "rows": _rows(page.object_list, today, tainted),
        "sorts": [
            (key, label, state["sort"] == key, state["sort"] == f"-{key}")
            for key, label in SORT_LABELS.items()
        ],
        "statuses": list(selectors.LotStatus),
        "products": Product.objects.filter(clinic=request.clinic).order_by("name").only("pk", "name"),
        "filtering": bool(filters),
        "params": params,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "inventory/partials/_lot_rows.html", context)
    context["low_stock"] = selectors.low_stock(request.clinic)
    context["expiring"] = selectors.expiring_soon(request.clinic, today, days=selectors.EXPIRING_DAYS)
    return render(request, "inventory/lot_list.html", context)


# ---------------------------------------------------------------------------------------------------------
# Lot page


def _lot_context(request: ClinicRequest, lot: Lot, **extra: Any) -> dict[str, Any]:
    today = request.clinic.today()
    source = selectors.recalled_source(lot)
    context = {
        "lot": lot,
        "status": selectors.lot_status(lot, today),
        "recalled_source": source if source is not None and source.pk != lot.pk else None,
        "balance": selectors.balance(lot),
        "movements": selectors.movements_of(lot),
        "components": selectors.components_of(lot),
        "preparations": selectors.preparations_from(lot),
        "movement_form": MovementForm(),
        "recall_form": RecallForm(),
    }
    context.update(extra)
    return context


@require_GET
@staff_required(Capability.VIEW_INVENTORY)
def lot_detail(request: ClinicRequest, lot_id: int) -> HttpResponseBase:
    lot = selectors.get_lot_for_user(request.staff, lot_id)
    if wants_csv(request):
        return _ledger_csv(request, lot)
    return render(request, "inventory/lot_detail.html", _lot_context(request, lot))


def _ledger_csv(request: ClinicRequest, lot: Lot) -> HttpResponseBase:
    """A lot's stock movements (its ledger), oldest first, as on its page."""
    rows = (
        [
            m.pk,
            m.at,
            m.kind,
            m.quantity,
            lot.unit,
            m.preparation.lot_number if m.preparation is not None else "",
            m.reason,
            m.actor.get_username() if m.actor is not None else "",
        ]
        for m in selectors.movements_of(lot)
    )
    header = ["movement_id", "at", "kind", "quantity", "unit", "into_preparation", "reason", "recorded_by"]
    return csv_export(request, f"lot-{lot.lot_number}-ledger.csv", header, rows, list_name="inventory.ledger")


@require_POST
@staff_required(Capability.MANAGE_INVENTORY)
def record_movement(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = selectors.get_lot_for_user(request.staff, lot_id)
    form = MovementForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: services.record_movement(
            lot, data["kind"], data["quantity"], reason=data["reason"], actor=request.user
        ),
        success=_("The movement was recorded."),
        then=reverse("inventory:lot", args=[lot.pk]),
    )
    if saved:
        return saved
    context = _lot_context(request, lot, movement_form=form)
    return render(request, "inventory/lot_detail.html", context, status=422)


@require_POST
@staff_required(Capability.MANAGE_INVENTORY)
def mark_recalled(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = selectors.get_lot_for_user(request.staff, lot_id)
    form = RecallForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: services.mark_lot_recalled(lot, reason=data["reason"], actor=request.user),
        success=_("The lot is marked recalled: it can no longer be used."),
        then=reverse("inventory:lot", args=[lot.pk]),
    )
    if saved:
        return saved
    context = _lot_context(request, lot, recall_form=form)
    return render(request, "inventory/lot_detail.html", context, status=422)


# ---------------------------------------------------------------------------------------------------------
# Receive by scanning


def _apply_scan(request: ClinicRequest, data: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """Fill product, lot, expiry and GTIN from the scan field; return (data, error, warning).

    What the person typed in a field wins over the scan only when the scan has nothing for it.
    """
    text = str(data.get("scan", "")).strip()
    if not text:
        return data, "", ""
    try:
        label = gs1.parse(text, today=request.clinic.today())
    except gs1.GS1Error as error:
        return data, error.text(_), ""
    filled = dict(data)
    if label.gtin:
        filled["gtin"] = label.gtin
        product = selectors.product_for_gtin(request.clinic, label.gtin)
        if product is not None:
            filled["product"] = str(product.pk)
    if label.lot:
        filled["lot_number"] = label.lot
    warning = ""
    if label.expiry:
        filled["expires_on"] = label.expiry.isoformat()
        if label.expiry < request.clinic.today():
            warning = _("This lot expired on %(date)s: it cannot be taken into stock.") % {
                "date": selectors.format_date(label.expiry)
            }
    if label.gtin and not filled.get("product"):
        warning = warning or _("This barcode is new here: choose its product once, it will be remembered.")
    return filled, "", warning


def _receive_context(form: ReceiveForm, error: str = "", warning: str = "") -> dict[str, Any]:
    return {"form": form, "scan_error": error, "scan_warning": warning}


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_INVENTORY)
def receive(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    if request.method == "GET":
        return render(request, "inventory/receive.html", _receive_context(ReceiveForm(clinic=clinic)))
    data, error, warning = _apply_scan(request, request.POST.dict())
    if request.POST.get("action") == "scan":
        form = ReceiveForm(initial=data, clinic=clinic)
        return render(request, "inventory/receive.html", _receive_context(form, error, warning))
    form = ReceiveForm(data, clinic=clinic)
    saved = save_form(
        request,
        form,
        lambda values: services.receive_lot(
            clinic,
            product=values["product"],
            lot_number=values["lot_number"],
            expires_on=values["expires_on"],
            quantity=values["quantity"],
            gtin=values["gtin"],
            supplier=values["supplier"],
            low_stock_threshold=values["low_stock_threshold"],
            at=timezone.now(),
            actor=request.user,
        ),
        success=lambda lot: _("Received into stock: %(lot)s.") % {"lot": selectors.describe_lot(lot)},
        then=lambda lot: reverse("inventory:lot", args=[lot.pk]),
    )
    if saved:
        return saved
    return render(request, "inventory/receive.html", _receive_context(form, error, warning), status=422)


@require_POST
@staff_required(Capability.MANAGE_INVENTORY)
def parse_scan(request: ClinicRequest) -> HttpResponse:
    """htmx: read the scan field and return the receive fields filled in (or the GS1 error beside the scan)."""
    data, error, warning = _apply_scan(request, request.POST.dict())
    form = ReceiveForm(initial=data, clinic=request.clinic)
    context = _receive_context(form, error, warning)
    context["focus"] = "scan" if error else ("product" if not data.get("product") else "quantity")
    return render(request, "inventory/partials/_receive_fields.html", context)


# ---------------------------------------------------------------------------------------------------------
# Compounding


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_INVENTORY)
def prepare(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    usable = selectors.usable_lots(clinic, clinic.today())
    if request.method == "GET":
        form = PrepareForm(clinic=clinic, usable_lots=usable)
        return render(request, "inventory/prepare.html", {"form": form})
    form = PrepareForm(request.POST, clinic=clinic, usable_lots=usable)
    saved = save_form(
        request,
        form,
        lambda values: services.prepare_cocktail(
            values["cocktail"],
            lot_number=values["lot_number"],
            quantity=values["quantity"],
            expires_on=values["expires_on"],
            components=values["components"],
            at=timezone.now(),
            actor=request.user,
        ),
        success=lambda lot: _("Prepared: %(lot)s.") % {"lot": selectors.describe_lot(lot)},
        then=lambda lot: reverse("inventory:lot", args=[lot.pk]),
    )
    if saved:
        return saved
    return render(request, "inventory/prepare.html", {"form": form}, status=422)
