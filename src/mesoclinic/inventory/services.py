"""Every write about stock: receiving lots, using, wasting, adjusting and returning stock, compounding
preparations, marking lots recalled.

The ledger is the truth: each service appends ``StockMovement`` rows and writes its audit row in the same
transaction; appending a movement adds it to the lot's stored balance in the same transaction (see
``inventory.models``). Services that take stock lock the lot rows first (``select_for_update`` on
PostgreSQL; SQLite runs IMMEDIATE transactions, which serialize writers), re-read the stored balance under
the lock, and only then append, so two concurrent uses can never overdraw a lot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.form_errors import readers_count
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, ProductBarcode, StockMovement
from mesoclinic.inventory.selectors import (
    balance,
    describe_lot,
    format_date,
    format_quantity,
    recalled_source,
)
from mesoclinic.text import text_problem

PREPARATION_UNIT = "ml"


class LotUnusableError(ValueError):
    """A lot cannot be used: expired, recalled (or made from a recalled lot), or without enough stock."""


def _check_lot_number(lot_number: str) -> None:
    """At most 80 characters, printable only: a control character (ESC, DEL) in a lot number would reach
    labels, recall letters and CSV exports."""
    if len(lot_number) > 80:
        raise ValidationError({"lot_number": _("A lot number has at most 80 characters.")})
    problem = text_problem(lot_number, tr=_, count=readers_count)
    if problem is not None:
        raise ValidationError({"lot_number": problem})


def _positive(quantity: Any, field: str = "quantity") -> Decimal:
    try:
        value = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter the quantity as a number, e.g. 2 or 1.5.")}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({field: _("The quantity must be more than zero.")})
    if value != value.quantize(Decimal("0.001")):
        raise ValidationError({field: _("Give the quantity with at most three decimals.")})
    return value


def _lock(lots: Sequence[Lot]) -> dict[int, Lot]:
    """Lock the rows of these lots (in id order, so two services never deadlock) and return them fresh."""
    ids = sorted({lot.pk for lot in lots})
    locked = Lot.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    fresh = {lot.pk: lot for lot in locked.select_related("product", "cocktail")}
    return fresh


def check_usable(lot: Lot, quantity: Decimal, on: date) -> Decimal:
    """Refuse a lot that may not be used for ``quantity`` on ``on``; return its balance.

    The reasons are checked in the order a practitioner needs them: recalled first (never use it),
    then expired, then stock.
    """
    name = describe_lot(lot)
    source = recalled_source(lot)
    if source is not None and source.pk == lot.pk:
        raise LotUnusableError(_("%(lot)s has been recalled.") % {"lot": name})
    if source is not None:
        raise LotUnusableError(
            _("%(lot)s was made from lot %(source)s of %(item)s, which has been recalled.")
            % {"lot": name, "source": source.lot_number, "item": source.item_name}
        )
    if lot.is_expired(on):
        raise LotUnusableError(
            _("%(lot)s expired on %(date)s.") % {"lot": name, "date": format_date(lot.expires_on)}
        )
    stock = balance(lot)
    if stock <= 0:
        raise LotUnusableError(_("%(lot)s is empty.") % {"lot": name})
    if stock < quantity:
        raise LotUnusableError(
            _("%(lot)s has only %(quantity)s %(unit)s left.")
            % {"lot": name, "quantity": format_quantity(stock), "unit": lot.unit}
        )
    return stock


@transaction.atomic
def use_lot(lot: Lot, quantity: Decimal, *, at: datetime, actor: Actor) -> StockMovement:
    """Take ``quantity`` of a lot for a session (called by session sign-off inside its transaction).

    Raises ``LotUnusableError`` with the reason in plain words if the lot is recalled (or made from a
    recalled lot), expired on the day of ``at`` in the clinic's time zone, or has too little stock.
    """
    amount = _positive(quantity)
    fresh = _lock([lot])[lot.pk]
    check_usable(fresh, amount, local_day(at, fresh.clinic.timezone))
    movement = StockMovement.objects.create(
        clinic_id=fresh.clinic_id,
        lot=fresh,
        kind=MovementKind.USE,
        quantity=-amount,
        at=at,
        actor=acting_user(actor),
    )
    record_event(
        "lot.use", fresh, actor=actor, data={"movement": movement.pk, "quantity": format_quantity(amount)}
    )
    return movement


@transaction.atomic
def mark_lot_recalled(lot: Lot, *, reason: str, actor: Actor) -> Lot:
    """Block a lot, and through it every preparation made from it, from any further use."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the lot is recalled (e.g. the supplier's notice).")})
    if len(reason) > Lot._meta.get_field("recall_reason").max_length:  # type: ignore[operator]  # a CharField, so max_length is set
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    fresh = _lock([lot])[lot.pk]
    if fresh.is_recalled:
        raise ValidationError(_("%(lot)s is already recalled.") % {"lot": describe_lot(fresh)})
    fresh.recalled_at = timezone.now()
    fresh.recall_reason = reason
    fresh.save(update_fields=["recalled_at", "recall_reason"])
    record_event("lot.recall", fresh, actor=actor, data={"reason": reason})
    return fresh


def _learn_gtin(clinic: Clinic, gtin: str, product: Product, actor: Actor) -> None:
    mapping = ProductBarcode.objects.filter(clinic=clinic, gtin=gtin).select_related("product").first()
    if mapping is None:
        ProductBarcode.objects.create(
            clinic=clinic, gtin=gtin, product=product, created_by=acting_user(actor)
        )
        record_event("barcode.learn", product, actor=actor, clinic=clinic, data={"gtin": gtin})
    elif mapping.product_id != product.pk:
        raise ValidationError(
            {
                "product": _("Barcode %(gtin)s is registered for %(registered)s, not %(product)s.")
                % {"gtin": gtin, "registered": mapping.product.name, "product": product.name}
            }
        )


@transaction.atomic
def receive_lot(
    clinic: Clinic,
    *,
    product: Product,
    lot_number: str,
    expires_on: date,
    quantity: Decimal | int | str,
    at: datetime,
    actor: Actor,
    gtin: str = "",
    supplier: str = "",
    low_stock_threshold: Decimal | None = None,
) -> Lot:
    """Receive stock of a product lot: a new lot, or a further receipt into the same lot number.

    A further receipt must carry the expiry already stored (a different one means a misread label or a
    different lot); an expired or recalled lot is never taken into stock. A GTIN is remembered for the
    product so the next scan of it fills the product.
    """
    amount = _positive(quantity)
    lot_number = (lot_number or "").strip()
    if not lot_number:
        raise ValidationError({"lot_number": _("Enter the lot number printed on the pack.")})
    _check_lot_number(lot_number)
    if product.clinic_id != clinic.pk:
        raise ValidationError({"product": _("Choose one of this clinic's products.")})
    today = local_day(at, clinic.timezone)
    if expires_on < today:
        raise ValidationError(
            {
                "expires_on": _("Lot %(lot)s expired on %(date)s: do not take it into stock.")
                % {"lot": lot_number, "date": format_date(expires_on)}
            }
        )
    gtin = (gtin or "").strip()
    if gtin:
        _learn_gtin(clinic, gtin, product, actor)
    lot = (
        Lot.objects.select_for_update(of=("self",))
        .filter(clinic=clinic, product=product, lot_number=lot_number)
        .select_related("product")
        .first()
    )
    if lot is None:
        lot = Lot(
            clinic=clinic,
            kind=LotKind.SUPPLIED,
            product=product,
            lot_number=lot_number,
            expires_on=expires_on,
            unit=product.unit,
            gtin=gtin,
            supplier=supplier.strip()[:200],
            received_on=today,
            low_stock_threshold=low_stock_threshold,
            created_by=acting_user(actor),
        )
        lot.full_clean()
        lot.save()
        created = True
    else:
        if lot.expires_on != expires_on:
            raise ValidationError(
                {
                    "expires_on": (
                        f"{describe_lot(lot)} is already in stock with expiry {format_date(lot.expires_on)}, "
                        f"not {format_date(expires_on)}. Check the label."
                    )
                }
            )
        if lot.is_recalled:
            raise ValidationError(
                _("%(lot)s has been recalled: do not take it into stock.") % {"lot": describe_lot(lot)}
            )
        created = False
    movement = StockMovement.objects.create(
        clinic=clinic, lot=lot, kind=MovementKind.RECEIPT, quantity=amount, at=at, actor=acting_user(actor)
    )
    record_event(
        "lot.receive",
        lot,
        actor=actor,
        data={"movement": movement.pk, "quantity": format_quantity(amount), "new_lot": created},
    )
    return lot


MOVEMENT_KINDS = (MovementKind.WASTE, MovementKind.ADJUSTMENT, MovementKind.RETURN)


@transaction.atomic
def record_movement(
    lot: Lot,
    kind: str,
    quantity: Decimal | int | str,
    *,
    reason: str,
    actor: Actor,
    at: datetime | None = None,
) -> StockMovement:
    """Record waste, a return to the supplier, or a counted adjustment of a lot.

    Waste and returns take a positive quantity out of stock. An adjustment is signed (+ found, − missing)
    and needs a reason. None may take the balance below zero. Recalled and expired lots may still be
    wasted or returned: that is how they leave the shelf.
    """
    if kind not in MOVEMENT_KINDS:
        raise ValidationError({"kind": _("Choose waste, adjustment or return.")})
    reason = (reason or "").strip()
    if kind == MovementKind.ADJUSTMENT and not reason:
        raise ValidationError({"reason": _("Say why the stock is adjusted (e.g. counted 3 ml less).")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("Keep the reason under 300 characters.")})
    if kind == MovementKind.ADJUSTMENT:
        try:
            signed = Decimal(str(quantity))
        except (InvalidOperation, ValueError):
            raise ValidationError(
                {"quantity": _("Enter the quantity as a number, e.g. -2 or 1.5.")}
            ) from None
        if not signed.is_finite() or signed == 0:
            raise ValidationError({"quantity": _("An adjustment must add or remove some stock (not zero).")})
        _positive(abs(signed))
    else:
        signed = -_positive(quantity)
    fresh = _lock([lot])[lot.pk]
    stock = balance(fresh)
    if stock + signed < 0:
        raise ValidationError(
            {"quantity": f"{describe_lot(fresh)} has only {format_quantity(stock)} {fresh.unit} left."}
        )
    movement = StockMovement.objects.create(
        clinic_id=fresh.clinic_id,
        lot=fresh,
        kind=kind,
        quantity=signed,
        reason=reason,
        at=at or timezone.now(),
        actor=acting_user(actor),
    )
    record_event(
        f"lot.{kind}",
        fresh,
        actor=actor,
        data={"movement": movement.pk, "quantity": format_quantity(signed), "reason": reason},
    )
    return movement


@transaction.atomic
def prepare_cocktail(
    cocktail: Cocktail,
    *,
    lot_number: str,
    quantity: Decimal | int | str,
    expires_on: date,
    components: list[tuple[Lot, Decimal]],
    at: datetime,
    actor: Actor,
) -> Lot:
    """Compound a cocktail in the clinic: a preparation lot made from component lots.

    Each component is taken out of stock with a ``use`` movement naming the preparation, so a recall of
    any component reaches the preparation and every session it went into. Every component must be
    usable; the preparation may not outlive its earliest-expiring component.
    """
    clinic = cocktail.clinic
    amount = _positive(quantity)
    lot_number = (lot_number or "").strip()
    if not lot_number:
        raise ValidationError({"lot_number": _("Give the preparation a lot number.")})
    _check_lot_number(lot_number)
    if not components:
        raise ValidationError({"components": _("Add at least one component lot.")})
    ids = [lot.pk for lot, _ in components]
    if len(set(ids)) != len(ids):
        raise ValidationError({"components": _("Each component lot may be listed once.")})
    if any(lot.clinic_id != clinic.pk for lot, _ in components):
        raise ValidationError({"components": _("Use only this clinic's lots.")})
    today = local_day(at, clinic.timezone)
    if expires_on < today:
        raise ValidationError({"expires_on": _("The preparation's expiry date is already past.")})
    if Lot.objects.filter(clinic=clinic, cocktail=cocktail, lot_number=lot_number).exists():
        raise ValidationError(
            {
                "lot_number": _("%(cocktail)s already has a preparation %(lot)s.")
                % {"cocktail": cocktail.name, "lot": lot_number}
            }
        )
    locked = _lock([lot for lot, _ in components])
    amounts: list[tuple[Lot, Decimal]] = []
    for lot, component_quantity in components:
        fresh = locked[lot.pk]
        used = _positive(component_quantity, "components")
        try:
            check_usable(fresh, used, today)
        except LotUnusableError as error:
            raise ValidationError({"components": str(error)}) from error
        amounts.append((fresh, used))
    earliest = min(fresh.expires_on for fresh, _ in amounts)
    if expires_on > earliest:
        raise ValidationError(
            {
                "expires_on": (
                    _("The preparation may not expire after its earliest component (%(date)s).")
                    % {"date": format_date(earliest)}
                )
            }
        )
    preparation = Lot(
        clinic=clinic,
        kind=LotKind.PREPARATION,
        cocktail=cocktail,
        lot_number=lot_number,
        expires_on=expires_on,
        unit=PREPARATION_UNIT,
        received_on=today,
        created_by=acting_user(actor),
    )
    try:
        with transaction.atomic():
            preparation.save()
    except IntegrityError:
        raise ValidationError(
            {
                "lot_number": _("%(cocktail)s already has a preparation %(lot)s.")
                % {"cocktail": cocktail.name, "lot": lot_number}
            }
        ) from None
    StockMovement.objects.create(
        clinic=clinic,
        lot=preparation,
        kind=MovementKind.RECEIPT,
        quantity=amount,
        at=at,
        actor=acting_user(actor),
    )
    for fresh, used in amounts:
        StockMovement.objects.create(
            clinic=clinic,
            lot=fresh,
            kind=MovementKind.USE,
            quantity=-used,
            preparation=preparation,
            at=at,
            actor=acting_user(actor),
        )
    record_event(
        "lot.prepare",
        preparation,
        actor=actor,
        data={
            "quantity": format_quantity(amount),
            "components": [[fresh.pk, format_quantity(used)] for fresh, used in amounts],
        },
    )
    return preparation
