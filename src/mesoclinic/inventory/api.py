"""The inventory router of the JSON API: lots with balances and ledgers, receipts, movements, compounding,
recalls and GS1 scans.

Reads need ``view_inventory``, writes ``manage_inventory`` (403 otherwise). Lots, products and cocktails are
fetched only within the caller's clinic (404 for another clinic's). Refusals by a service (an expired label,
too little stock, a recalled component) are 422 with the reason in plain words.
"""

# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.models import StaffMember
from mesoclinic.accounts.permissions import Capability
from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory import gs1, selectors, services
from mesoclinic.inventory.models import Lot, StockMovement
from mesoclinic.inventory.schemas import (
    ErrorOut,
    LotDetailOut,
    LotFilter,
    LotOut,
    MovementIn,
    MovementOut,
    PrepareIn,
    RecallIn,
    ReceiveIn,
    ScanIn,
    ScanOut,
)
from mesoclinic.pagination import LimitOffsetPagination

router = Router()
REFUSED = {422: ErrorOut}


def _lot_out(lot: Lot, today: date, tainted: set[int] | None = None) -> dict[str, Any]:
    status = selectors.lot_status(lot, today, tainted=tainted)
    return {
        "id": lot.pk,
        "kind": lot.kind,
        "product": lot.product.name if lot.product is not None else None,
        "product_id": lot.product_id,
        "cocktail": lot.cocktail.name if lot.cocktail is not None else None,
        "cocktail_id": lot.cocktail_id,
        "lot_number": lot.lot_number,
        "expires_on": lot.expires_on,
        "unit": lot.unit,
        "gtin": lot.gtin,
        "supplier": lot.supplier,
        "received_on": lot.received_on,
        "balance": lot.balance,
        "status": status.value,
        "status_label": status.label,
        "recalled_at": lot.recalled_at,
        "recall_reason": lot.recall_reason,
    }


def _movement_out(movement: StockMovement) -> dict[str, Any]:
    actor = movement.actor
    return {
        "id": movement.pk,
        "kind": movement.kind,
        "quantity": movement.quantity,
        "at": movement.at,
        "reason": movement.reason,
        "preparation_id": movement.preparation_id,
        "actor": (actor.get_full_name() or actor.username) if actor is not None else None,
    }


def _lot_detail(staff: StaffMember, lot: Lot) -> dict[str, Any]:
    fresh = selectors.get_lot_for_user(staff, lot.pk)
    return {
        **_lot_out(fresh, staff.clinic.today()),
        "movements": [_movement_out(m) for m in selectors.movements_of(fresh)],
        "components": [
            {
                "lot_id": m.lot_id,
                "lot_number": m.lot.lot_number,
                "item": m.lot.item_name,
                "quantity": -m.quantity,
            }
            for m in selectors.components_of(fresh)
        ],
        "preparations": [
            {
                "lot_id": m.preparation.pk,
                "lot_number": m.preparation.lot_number,
                "item": m.preparation.item_name,
                "quantity": -m.quantity,
            }
            for m in selectors.preparations_from(fresh)
            if m.preparation is not None
        ],
    }


def _refused(error: Exception) -> Status:
    if isinstance(error, ValidationError):
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        detail = " ".join(message for messages in errors.values() for message in messages)
        return Status(422, {"detail": detail, "errors": errors})
    detail = error.text(_) if isinstance(error, gs1.GS1Error) else str(error)
    return Status(422, {"detail": detail, "errors": None})


def _cocktail_for_user(staff: StaffMember, cocktail_id: int) -> Cocktail:
    cocktail = Cocktail.objects.filter(pk=cocktail_id, clinic_id=staff.clinic_id).first()
    if cocktail is None:
        raise Http404
    return cocktail


@router.get("/lots", response={200: list[LotOut]})
@paginate(LimitOffsetPagination)
def list_lots(request: HttpRequest, filters: Query[LotFilter]) -> Any:
    """The clinic's lots, soonest expiry first, with balance and status; filter by text, status, product."""
    staff = require(request, Capability.VIEW_INVENTORY)
    today = staff.clinic.today()
    tainted = selectors.tainted_lot_ids(staff.clinic)
    lots = selectors.lots_for_clinic(staff.clinic)
    for term in filters.q.split():
        lots = lots.filter(
            Q(lot_number__icontains=term)
            | Q(product__name__icontains=term)
            | Q(cocktail__name__icontains=term)
        )
    if filters.status:
        lots = selectors.filter_by_status(lots, filters.status, today, tainted)
    if filters.product_id is not None:
        lots = lots.filter(product_id=filters.product_id)
    return _LazyLots(lots.order_by("expires_on", "lot_number", "id"), today, tainted)


class _LazyLots:
    """A sliceable view of the lot queryset that serializes only the page the paginator asks for."""

    def __init__(self, qs: Any, today: date, tainted: set[int]) -> None:
        self.qs, self.today, self.tainted = qs, today, tainted

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [_lot_out(lot, self.today, self.tainted) for lot in self.qs[key]]


@router.get("/lots/{lot_id}", response={200: LotDetailOut})
def lot_detail(request: HttpRequest, lot_id: int) -> Any:
    """One lot with its balance, status, every movement, its components and the preparations made from it."""
    staff = require(request, Capability.VIEW_INVENTORY)
    lot = selectors.get_lot_for_user(staff, lot_id)
    return _lot_detail(staff, lot)


@router.post("/lots", response={201: LotDetailOut, **REFUSED})
def receive(request: HttpRequest, payload: ReceiveIn) -> Any:
    """Receive stock: a new lot or a further receipt into the same product and lot number."""
    staff = require(request, Capability.MANAGE_INVENTORY)
    product = selectors.get_product_for_user(staff, payload.product_id)
    try:
        lot = services.receive_lot(
            staff.clinic,
            product=product,
            lot_number=payload.lot_number,
            expires_on=payload.expires_on,
            quantity=payload.quantity,
            gtin=payload.gtin,
            supplier=payload.supplier,
            low_stock_threshold=payload.low_stock_threshold,
            at=payload.at or timezone.now(),
            actor=request.user,
        )
    except ValidationError as error:
        return _refused(error)
    return Status(201, _lot_detail(staff, lot))


@router.post("/lots/{lot_id}/movements", response={201: MovementOut, **REFUSED})
def record_movement(request: HttpRequest, lot_id: int, payload: MovementIn) -> Any:
    """Waste, a counted adjustment (signed, with a reason) or a return to the supplier."""
    staff = require(request, Capability.MANAGE_INVENTORY)
    lot = selectors.get_lot_for_user(staff, lot_id)
    try:
        movement = services.record_movement(
            lot, payload.kind, payload.quantity, reason=payload.reason, at=payload.at, actor=request.user
        )
    except ValidationError as error:
        return _refused(error)
    return Status(201, _movement_out(movement))


@router.post("/lots/{lot_id}/recall", response={200: LotDetailOut, **REFUSED})
def mark_recalled(request: HttpRequest, lot_id: int, payload: RecallIn) -> Any:
    """Mark a lot recalled: it and every preparation made from it can no longer be used."""
    staff = require(request, Capability.MANAGE_INVENTORY)
    lot = selectors.get_lot_for_user(staff, lot_id)
    try:
        services.mark_lot_recalled(lot, reason=payload.reason, actor=request.user)
    except ValidationError as error:
        return _refused(error)
    return _lot_detail(staff, lot)


@router.post("/preparations", response={201: LotDetailOut, **REFUSED})
def prepare(request: HttpRequest, payload: PrepareIn) -> Any:
    """Compound a cocktail from component lots (each must be usable; the expiry may not outlive them)."""
    staff = require(request, Capability.MANAGE_INVENTORY)
    cocktail = _cocktail_for_user(staff, payload.cocktail_id)
    components = [(selectors.get_lot_for_user(staff, c.lot_id), c.quantity) for c in payload.components]
    try:
        preparation = services.prepare_cocktail(
            cocktail,
            lot_number=payload.lot_number,
            quantity=payload.quantity,
            expires_on=payload.expires_on,
            components=components,
            at=payload.at or timezone.now(),
            actor=request.user,
        )
    except ValidationError as error:
        return _refused(error)
    return Status(201, _lot_detail(staff, preparation))


@router.post("/scan", response={200: ScanOut, **REFUSED})
def parse_scan(request: HttpRequest, payload: ScanIn) -> Any:
    """Read a GS1 label (or a bare lot number): GTIN, lot, expiry, serial, the learnt product, matching lots."""
    staff = require(request, Capability.VIEW_INVENTORY)
    today = staff.clinic.today()
    lots = selectors.find_lots_by_scan(staff.clinic, payload.text)
    try:
        label = gs1.parse(payload.text, today=today)
    except gs1.GS1Error as error:
        if lots:
            label = gs1.GS1Element(gtin=None, lot=payload.text.strip(), expiry=None, serial=None)
        else:
            return _refused(error)
    product = selectors.product_for_gtin(staff.clinic, label.gtin) if label.gtin else None
    return {
        "gtin": label.gtin,
        "lot": label.lot,
        "expiry": label.expiry,
        "serial": label.serial,
        "product_id": product.pk if product else None,
        "product": product.name if product else None,
        "lots": [_lot_out(lot, today) for lot in lots],
    }
