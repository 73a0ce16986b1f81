"""Reads about lots and stock. ``get_lot_for_user`` is the only way to fetch a lot by id.

A lot's balance is the sum of its ledger, kept on the lot by the ledger itself (``Lot.balance``, see
``inventory.models``): lists, low stock and Today read that indexed column and never sum movements.
``ledger_balance`` and ``balance_mismatches`` sum the ledger to check the stored value.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Product
from mesoclinic.ids import pk_or_404
from mesoclinic.inventory import gs1
from mesoclinic.inventory.models import ZERO, Lot, ProductBarcode, StockMovement

EXPIRING_DAYS = 30


def format_quantity(quantity: Decimal) -> str:
    """A quantity as people write it: ``1.5``, ``20``, never ``1.500`` or ``2E+1``."""
    text = format(quantity.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def format_date(day: date) -> str:
    """A date in words (``3 March 2026``), unambiguous in every locale's reading."""
    return f"{day.day} {day:%B %Y}"


def describe_lot(lot: Lot) -> str:
    """``Lot AB12 of HA 1%``: how messages name a lot."""
    return f"Lot {lot.lot_number} of {lot.item_name}"


def balance(lot: Lot) -> Decimal:
    """A lot's stock read fresh from its stored balance (one query by primary key).

    A lot from a list carries the balance it was loaded with as ``lot.balance``; this re-reads it for a lot
    object that may have outlived a movement.
    """
    stored = Lot.objects.filter(pk=lot.pk).values_list("balance", flat=True).first()
    return Decimal(stored).quantize(Decimal("0.001")) if stored is not None else ZERO


def ledger_balance(lot_id: int) -> Decimal:
    """The balance summed from the ledger itself (what the stored ``Lot.balance`` must always equal)."""
    total = StockMovement.objects.filter(lot_id=lot_id).aggregate(total=Sum("quantity"))["total"]
    return total if total is not None else ZERO


def balance_mismatches(clinic_id: int | None = None) -> list[tuple[int, Decimal, Decimal]]:
    """``(lot id, stored balance, ledger sum)`` of every lot whose stored balance differs from its ledger.

    The check of the invariant the ledger maintains (empty when all is well); one query, a full ledger
    scan: for audits and ``mesoclinic check_balances``, never for a page.
    """
    decimal = DecimalField(max_digits=14, decimal_places=3)
    total = (
        StockMovement.objects.filter(lot=OuterRef("pk"))
        .order_by()
        .values("lot")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    lots = Lot.objects.all() if clinic_id is None else Lot.objects.filter(clinic_id=clinic_id)
    rows = (
        lots.annotate(
            ledger=Coalesce(
                Round(Subquery(total, output_field=decimal), 3), Value(ZERO), output_field=decimal
            )
        )
        .exclude(balance=F("ledger"))
        .order_by("pk")
        .values_list("pk", "balance", "ledger")
    )
    return [(pk, Decimal(stored), Decimal(ledger)) for pk, stored, ledger in rows]


def lots_for_clinic(clinic: Clinic) -> QuerySet[Lot]:
    """The clinic's lots with their product or cocktail loaded (``balance`` is a column of the lot)."""
    return Lot.objects.filter(clinic=clinic).select_related("product", "cocktail")


def get_lot_in_clinic(clinic_id: int, lot_id: Any) -> Lot:
    """The lot with this id in the clinic, product or cocktail loaded, or 404.

    The one way to fetch a lot by id: a lot of another clinic is indistinguishable from one that does not exist.
    """
    lot = (
        Lot.objects.filter(clinic_id=clinic_id, pk=pk_or_404(lot_id))
        .select_related("product", "cocktail")
        .first()
    )
    if lot is None:
        raise Http404
    return lot


def get_lot_for_user(staff: StaffMember | None, lot_id: Any) -> Lot:
    """``get_lot_in_clinic`` of the staff member's clinic (404 without one)."""
    if staff is None:
        raise Http404
    return get_lot_in_clinic(staff.clinic_id, lot_id)


def get_product_for_user(staff: StaffMember, product_id: Any) -> Product:
    """One of the clinic's catalog products, or 404."""
    try:
        pk = int(product_id)
    except (TypeError, ValueError):
        raise Http404 from None
    product = Product.objects.filter(pk=pk, clinic_id=staff.clinic_id).first()
    if product is None:
        raise Http404
    return product


# ---------------------------------------------------------------------------------------------------------
# Recalls through preparations


def _component_edges(clinic_id: int) -> dict[int, set[int]]:
    """preparation id → the ids of the lots it was made from (one query for the whole clinic)."""
    edges: dict[int, set[int]] = {}
    rows = StockMovement.objects.filter(clinic_id=clinic_id, preparation__isnull=False).values_list(
        "preparation_id", "lot_id"
    )
    for preparation_id, lot_id in rows:
        edges.setdefault(preparation_id, set()).add(lot_id)
    return edges


def tainted_lot_ids(clinic: Clinic | int) -> set[int]:
    """Ids of the clinic's lots that are recalled or made (through any depth of preparations) from one.

    Two queries for the whole clinic, so that a list can mark every affected lot without N+1.
    """
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    tainted = set(
        Lot.objects.filter(clinic_id=clinic_id, recalled_at__isnull=False).values_list("pk", flat=True)
    )
    users: dict[int, set[int]] = {}
    for preparation_id, component_ids in _component_edges(clinic_id).items():
        for component_id in component_ids:
            users.setdefault(component_id, set()).add(preparation_id)
    frontier = list(tainted)
    while frontier:
        lot_id = frontier.pop()
        for preparation_id in users.get(lot_id, ()):
            if preparation_id not in tainted:
                tainted.add(preparation_id)
                frontier.append(preparation_id)
    return tainted


def recalled_source(lot: Lot) -> Lot | None:
    """The recalled lot this lot is, or was made from (directly or through preparations); None if clean."""
    if lot.is_recalled:
        return lot
    seen = {lot.pk}
    frontier = [lot.pk]
    while frontier:
        component_ids = (
            set(StockMovement.objects.filter(preparation_id__in=frontier).values_list("lot_id", flat=True))
            - seen
        )
        if not component_ids:
            return None
        recalled = (
            Lot.objects.filter(pk__in=component_ids, recalled_at__isnull=False)
            .select_related("product", "cocktail")
            .first()
        )
        if recalled is not None:
            return recalled
        seen |= component_ids
        frontier = list(component_ids)
    return None


def components_of(lot: Lot) -> list[StockMovement]:
    """The ``use`` movements that went into this preparation (each names its component lot)."""
    return list(
        StockMovement.objects.filter(preparation=lot)
        .select_related("lot__product", "lot__cocktail")
        .order_by("lot__lot_number", "id")
    )


def preparations_from(lot: Lot) -> list[StockMovement]:
    """The ``use`` movements of this lot into preparations (each names the preparation)."""
    return list(
        StockMovement.objects.filter(lot=lot, preparation__isnull=False)
        .select_related("preparation__cocktail", "preparation__product")
        .order_by("at", "id")
    )


def movements_of(lot: Lot) -> list[StockMovement]:
    """The lot's ledger, oldest first, with who recorded each row."""
    return list(
        StockMovement.objects.filter(lot=lot)
        .select_related("actor", "preparation__cocktail")
        .order_by("at", "id")
    )


# ---------------------------------------------------------------------------------------------------------
# Status


class LotStatus(StrEnum):
    """What a lot's state means for using it; every status has words, never only a colour."""

    IN_STOCK = "in_stock"
    LOW = "low"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    RECALLED = "recalled"
    EMPTY = "empty"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def usable(self) -> bool:
        return self in {LotStatus.IN_STOCK, LotStatus.LOW, LotStatus.EXPIRING}


STATUS_LABELS = {
    LotStatus.IN_STOCK: _("In stock"),
    LotStatus.LOW: _("Low stock"),
    LotStatus.EXPIRING: _("Expiring soon"),
    LotStatus.EXPIRED: _("Expired"),
    LotStatus.RECALLED: _("Recalled"),
    LotStatus.EMPTY: _("Empty"),
}


def lot_status(lot: Lot, today: date, *, tainted: Iterable[int] | None = None) -> LotStatus:
    """The one status that matters most: recalled, expired, empty, expiring soon (≤ 30 days), low, in stock.

    ``tainted`` (from ``tainted_lot_ids``) lets a list mark preparations of recalled lots without a query
    per lot; without it, the lot's preparation tree is walked.
    """
    recalled = lot.pk in tainted if tainted is not None else recalled_source(lot) is not None
    if recalled:
        return LotStatus.RECALLED
    if lot.is_expired(today):
        return LotStatus.EXPIRED
    stock = lot.balance
    if stock <= 0:
        return LotStatus.EMPTY
    if lot.expires_on <= today + timedelta(days=EXPIRING_DAYS):
        return LotStatus.EXPIRING
    if lot.low_stock_threshold is not None and stock <= lot.low_stock_threshold:
        return LotStatus.LOW
    return LotStatus.IN_STOCK


def filter_by_status(qs: QuerySet[Lot], status: str, today: date, tainted: set[int]) -> QuerySet[Lot]:
    """Narrow an annotated lot list to one ``LotStatus`` with the same precedence as ``lot_status``."""
    soon = today + timedelta(days=EXPIRING_DAYS)
    not_recalled = ~Q(pk__in=tainted)
    fresh = not_recalled & Q(expires_on__gte=today)
    has_stock = fresh & Q(balance__gt=0)
    low = Q(low_stock_threshold__isnull=False, balance__lte=F("low_stock_threshold"))
    conditions = {
        LotStatus.RECALLED: Q(pk__in=tainted),
        LotStatus.EXPIRED: not_recalled & Q(expires_on__lt=today),
        LotStatus.EMPTY: fresh & Q(balance__lte=0),
        LotStatus.EXPIRING: has_stock & Q(expires_on__lte=soon),
        LotStatus.LOW: has_stock & Q(expires_on__gt=soon) & low,
        LotStatus.IN_STOCK: has_stock & Q(expires_on__gt=soon) & ~low,
    }
    try:
        return qs.filter(conditions[LotStatus(status)])
    except ValueError:
        return qs


def expiring_soon(clinic: Clinic, today: date, days: int = 7) -> list[Lot]:
    """Usable lots with stock that expire within ``days`` (today included), soonest first."""
    tainted = tainted_lot_ids(clinic)
    qs = (
        lots_for_clinic(clinic)
        .filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=days), balance__gt=0)
        .exclude(pk__in=tainted)
        .order_by("expires_on", "lot_number", "id")
    )
    return list(qs)


def low_stock(clinic: Clinic) -> list[Lot]:
    """Lots with stock at or below their low-stock threshold (not empty, not recalled), lowest first."""
    tainted = tainted_lot_ids(clinic)
    qs = (
        lots_for_clinic(clinic)
        .filter(low_stock_threshold__isnull=False, balance__gt=0, balance__lte=F("low_stock_threshold"))
        .exclude(pk__in=tainted)
        .order_by("balance", "expires_on", "id")
    )
    return list(qs)


def product_for_gtin(clinic: Clinic, gtin: str) -> Product | None:
    """The product this clinic has learnt for a GTIN, if any."""
    mapping = ProductBarcode.objects.filter(clinic=clinic, gtin=gtin).select_related("product").first()
    return mapping.product if mapping is not None else None


def find_lots_by_scan(clinic: Clinic, text: str) -> list[Lot]:
    """The clinic's lots that a scanned GS1 label or a typed bare lot number names.

    A GS1 label narrows by lot number and, where known, by the product its GTIN stands for; text that is
    not a GS1 label is taken as a lot number (case-insensitive).
    """
    text = text.strip()
    if not text:
        return []
    qs = lots_for_clinic(clinic)
    try:
        label = gs1.parse(text)
    except gs1.GS1Error:
        label = None
    if label is None or label.lot is None:
        if label is not None:
            return []
        return list(qs.filter(lot_number__iexact=text))
    qs = qs.filter(lot_number__iexact=label.lot)
    if label.gtin:
        product = product_for_gtin(clinic, label.gtin)
        qs = qs.filter(Q(gtin=label.gtin) | Q(product=product)) if product else qs.filter(gtin=label.gtin)
    return list(qs)


def usable_lots(clinic: Clinic, today: date) -> list[Lot]:
    """Lots that may be used today: not recalled (nor made from a recalled lot), not expired, with stock."""
    tainted = tainted_lot_ids(clinic)
    qs = (
        lots_for_clinic(clinic)
        .filter(expires_on__gte=today, balance__gt=0)
        .exclude(pk__in=tainted)
        .order_by("product__name", "cocktail__name", "expires_on", "lot_number")
    )
    return list(qs)
