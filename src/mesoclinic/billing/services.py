"""Every write about money, each in one transaction with its audit row.

Drafts change freely; issuing numbers a document and makes it immutable. Money received is a ``Payment``
row that is never changed or deleted: a refund is a new, negative row referencing it, with a reason. A
mistake on an issued document is corrected by a credit note, itself an issued document referencing it.

Numbers (``FV/2026/000123``) come from ``DocumentSequence``: the row of (clinic, kind, year) is created if
missing (an insert that ignores a conflict, so two first issuers never collide) and then incremented with
an UPDATE, which locks the row until the issuing transaction commits (PostgreSQL); SQLite serialises write
transactions (``BEGIN IMMEDIATE``). A rolled-back issue gives its number back with the rest, so numbers have
no gaps and no duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic, Location, Role
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.billing import giftcards, online, selectors
from mesoclinic.billing.deposits import record_deposit
from mesoclinic.billing.engine import numbering, packages, taxid, vat
from mesoclinic.billing.engine import policy as policy_engine
from mesoclinic.billing.models import (
    BillingSettings,
    BuyerKind,
    CancellationCharge,
    CancellationPolicy,
    CashUp,
    ChargeReason,
    ChargeStatus,
    CreditEntry,
    Deposit,
    DepositBase,
    DepositKind,
    DepositStatus,
    DocumentKind,
    DocumentRate,
    DocumentSequence,
    DocumentStatus,
    Invoice,
    InvoiceLine,
    ItemKind,
    LateCost,
    Package,
    PackageEntry,
    PackageEntryKind,
    PackageStatus,
    Payment,
    PaymentMethod,
    PriceItem,
    reason_fields,
)
from mesoclinic.catalog.models import Product, Protocol
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.clinical_codes.words import N_, Worded
from mesoclinic.money_text import format_money
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import location_timezone

CURRENCY = re.compile(r"^[A-Z]{3}$")
RATE_CODE = re.compile(r"^(zw|\d{1,2}(\.\d{1,2})?|100)$")


class DocumentIssuedError(Exception):
    """A change to a document that is already issued (answered 409): correct it with a credit note."""


@dataclass(frozen=True)
class LineInput:
    """A line as the cashier or the API gives it; amounts as text or Decimal, validated by the service."""

    description: str
    quantity: Any
    unit_price: Any
    vat_rate: str
    discount: Any = None
    discount_percent: Any = None
    discount_reason: str = ""
    item: PriceItem | None = None


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _money(value: Any, field: str) -> Decimal:
    try:
        return vat.parse_money(value, field)
    except vat.VatError as exc:
        raise _fail(exc.field, exc.text(_)) from None


# ---------------------------------------------------------------------------------------------------------
# Settings and the price list


@transaction.atomic
def update_billing_settings(
    clinic: Clinic,
    *,
    currency: str,
    vat_rates: Sequence[str],
    seller_name: str = "",
    seller_address: str = "",
    seller_tax_id: str = "",
    actor: Actor,
) -> BillingSettings:
    """Set the clinic's currency (ISO 4217), its VAT rates and the seller's details on documents.

    The currency cannot change once a document has been issued in it (amounts would change meaning).
    """
    currency = currency.strip().upper()
    if not CURRENCY.match(currency):
        raise _fail("currency", _("Give the currency as its three-letter ISO 4217 code, such as PLN or EUR."))
    rates = list(dict.fromkeys(r.strip() for r in vat_rates if r.strip()))
    if not rates:
        raise _fail("vat_rates", _("Give at least one VAT rate."))
    for rate in rates:
        try:
            vat.rate_percent(rate)
        except vat.VatError:
            raise _fail(
                "vat_rates",
                _("Unknown VAT rate %(rate)s: use a percentage such as 23, or zw.") % {"rate": repr(rate)},
            ) from None
    current = selectors.settings_for(clinic)
    if (
        current.pk is not None
        and current.currency != currency
        and Invoice.objects.filter(clinic=clinic, status=DocumentStatus.ISSUED).exists()
    ):
        raise _fail("currency", _("Documents were issued in this currency: it can no longer change."))
    current.currency = currency
    current.vat_rates = rates
    current.seller_name = seller_name.strip()
    current.seller_address = seller_address.strip()
    current.seller_tax_id = seller_tax_id.strip()
    current.save()
    record_event(
        "billing.settings.update",
        current,
        actor=actor,
        clinic=clinic,
        data={"currency": currency, "vat_rates": rates},
    )
    return current


def _check_item(
    clinic: Clinic,
    *,
    kind: str,
    name: str,
    unit_price: Any,
    vat_rate: str,
    protocol: Protocol | None,
    product: Product | None,
    sessions: int | None,
) -> tuple[Decimal, int | None]:
    errors: dict[str, list[str]] = {}
    if kind not in ItemKind.values:
        errors["kind"] = [_("Choose what kind of item this is.")]
    if not name.strip():
        errors["name"] = [_("Give the item a name.")]
    price = Decimal(0)
    try:
        price = vat.parse_money(unit_price, "unit_price")
    except vat.VatError as exc:
        errors["unit_price"] = [exc.text(_)]
    if vat_rate not in selectors.settings_for(clinic).vat_rates:
        errors["vat_rate"] = [f"{vat_rate!r} is not one of the clinic's VAT rates."]
    if kind in {ItemKind.SESSION, ItemKind.PACKAGE} and protocol is None:
        errors["protocol"] = [_("A session or package price belongs to a protocol.")]
    if protocol is not None and protocol.clinic_id != clinic.pk:
        errors["protocol"] = [_("This protocol is not one of the clinic's.")]
    if kind == ItemKind.RETAIL and product is None:
        errors["product"] = [_("A retail price belongs to a product.")]
    if product is not None and product.clinic_id != clinic.pk:
        errors["product"] = [_("This product is not one of the clinic's.")]
    if kind == ItemKind.PACKAGE:
        sessions = sessions or (protocol.sessions if protocol is not None else None)
        if not sessions or sessions < 1:
            errors["sessions"] = [_("A package has at least one session.")]
    else:
        sessions = None
    if errors:
        raise ValidationError(errors)
    return price, sessions


@transaction.atomic
def create_price_item(
    clinic: Clinic,
    *,
    kind: str,
    name: str,
    unit_price: Any,
    vat_rate: str,
    protocol: Protocol | None = None,
    product: Product | None = None,
    sessions: int | None = None,
    actor: Actor,
) -> PriceItem:
    """Add an item to the price list at a gross price; one session and one package price per protocol."""
    price, sessions = _check_item(
        clinic,
        kind=kind,
        name=name,
        unit_price=unit_price,
        vat_rate=vat_rate,
        protocol=protocol,
        product=product,
        sessions=sessions,
    )
    if (
        protocol is not None
        and PriceItem.objects.filter(clinic=clinic, kind=kind, protocol=protocol).exists()
    ):
        raise _fail("protocol", _("This protocol already has a price of this kind: change that one."))
    item = PriceItem.objects.create(
        clinic=clinic,
        kind=kind,
        name=name.strip(),
        unit_price=price,
        vat_rate=vat_rate,
        protocol=protocol,
        product=product,
        sessions=sessions,
    )
    record_event(
        "billing.price.create",
        item,
        actor=actor,
        data={"kind": kind, "unit_price": str(price), "vat_rate": vat_rate},
    )
    return item


@transaction.atomic
def update_price_item(
    item: PriceItem,
    *,
    name: str,
    unit_price: Any,
    vat_rate: str,
    is_active: bool = True,
    sessions: int | None = None,
    actor: Actor,
) -> PriceItem:
    """Change a price (documents already drafted or issued keep the price they were given)."""
    price, sessions = _check_item(
        item.clinic,
        kind=item.kind,
        name=name,
        unit_price=unit_price,
        vat_rate=vat_rate,
        protocol=item.protocol,
        product=item.product,
        sessions=sessions or item.sessions,
    )
    before = {"unit_price": str(item.unit_price), "vat_rate": item.vat_rate, "is_active": item.is_active}
    item.name = name.strip()
    item.unit_price = price
    item.vat_rate = vat_rate
    item.is_active = bool(is_active)
    item.sessions = sessions
    item.save(update_fields=["name", "unit_price", "vat_rate", "is_active", "sessions", "updated_at"])
    record_event(
        "billing.price.update",
        item,
        actor=actor,
        data={
            "before": before,
            "after": {"unit_price": str(price), "vat_rate": vat_rate, "is_active": is_active},
        },
    )
    return item


@transaction.atomic
def ensure_price_list(clinic: Clinic, *, actor: Actor) -> int:
    """Give every protocol a session and a package price from its catalog price (or 0), at the clinic's
    highest VAT rate, where it has none; returns how many items were added. Idempotent."""
    settings = selectors.settings_for(clinic)
    if settings.pk is None:
        settings.save()
    rate = settings.vat_rates[0]
    have = set(
        PriceItem.objects.filter(clinic=clinic, protocol__isnull=False).values_list("kind", "protocol_id")
    )
    new = []
    for protocol in Protocol.objects.filter(clinic=clinic, is_active=True):
        price = protocol.price or Decimal("0.00")
        if (ItemKind.SESSION, protocol.pk) not in have:
            new.append(
                PriceItem(
                    clinic=clinic,
                    kind=ItemKind.SESSION,
                    name=protocol.name,
                    protocol=protocol,
                    unit_price=price,
                    vat_rate=rate,
                )
            )
        if (ItemKind.PACKAGE, protocol.pk) not in have:
            new.append(
                PriceItem(
                    clinic=clinic,
                    kind=ItemKind.PACKAGE,
                    name=f"{protocol.name} × {protocol.sessions}",
                    protocol=protocol,
                    sessions=protocol.sessions,
                    unit_price=price * protocol.sessions,
                    vat_rate=rate,
                )
            )
    PriceItem.objects.bulk_create(new)
    if new:
        record_event("billing.price.seed", None, actor=actor, clinic=clinic, data={"added": len(new)})
    return len(new)


# ---------------------------------------------------------------------------------------------------------
# Drafts


def _line_values(invoice: Invoice, line: LineInput, index: int | None = None) -> dict[str, Any]:
    """The stored values of a line, validated: field errors named as the API names them."""
    where = "" if index is None else f"lines[{index}]."
    errors: dict[str, list[str]] = {}

    def parse(fn: Any, value: Any, field: str) -> Decimal:
        try:
            return fn(value, field)
        except vat.VatError as exc:
            errors.setdefault(where + field, []).append(exc.text(_))
            return Decimal(0)

    if not (line.description or "").strip():
        errors[where + "description"] = [_("Say what this line is for.")]
    quantity = parse(vat.parse_quantity, line.quantity, "quantity")
    unit_price = parse(vat.parse_money, line.unit_price, "unit_price")
    rates = selectors.settings_for(invoice.clinic).vat_rates
    if line.vat_rate not in rates:
        errors[where + "vat_rate"] = [
            _("Unknown VAT rate %(rate)s: use one of %(rates)s.")
            % {"rate": repr(line.vat_rate), "rates": ", ".join(rates)}
        ]
    percent: Decimal | None = None
    discount = Decimal("0.00")
    given_amount = line.discount not in (None, "")
    given_percent = line.discount_percent not in (None, "")
    if given_amount and given_percent:
        errors[where + "discount"] = [_("Give the discount as an amount or a percentage, not both.")]
    elif given_percent:
        percent = parse(vat.parse_money, line.discount_percent, "discount_percent")
        if percent > 100:
            errors[where + "discount_percent"] = [_("A discount is from 0 to 100 %.")]
        elif not errors:
            discount = vat.discount_for_percent(quantity, unit_price, percent)
    elif given_amount:
        discount = parse(vat.parse_money, line.discount, "discount")
    if discount and not line.discount_reason.strip():
        errors[where + "discount_reason"] = [_("Say why the discount is given.")]
    if not errors and discount > quantity * unit_price:
        errors[where + "discount"] = [_("The discount cannot be more than the line's amount.")]
    if line.item is not None and line.item.clinic_id != invoice.clinic_id:
        errors[where + "item"] = [_("This item is not on the clinic's price list.")]
    if errors:
        raise ValidationError(errors)
    return {
        "description": line.description.strip(),
        "quantity": quantity,
        "unit_price": unit_price,
        "vat_rate": line.vat_rate,
        "discount": discount,
        "discount_percent": percent,
        "discount_reason": line.discount_reason.strip() if discount else "",
        "item": line.item,
        "gross": vat.round_half_up(quantity * unit_price - discount),
    }


def _lock_draft(invoice: Invoice) -> Invoice:
    locked = Invoice.objects.select_for_update().select_related("clinic").get(pk=invoice.pk)
    if locked.is_issued:
        raise DocumentIssuedError(
            _("Document %(number)s is issued and cannot change: correct it with a credit note.")
            % {"number": locked.number}
        )
    return locked


def _refresh_totals(invoice: Invoice) -> None:
    totals = selectors.totals_of(invoice)
    if invoice.kind != DocumentKind.CREDIT_NOTE and totals.gross < invoice.paid:
        raise _fail(
            "lines",
            _("The lines would total less than the %(paid)s already paid: refund first.")
            % {"paid": format_money(invoice.paid, "")},
        )
    invoice.net, invoice.vat, invoice.gross = totals.net, totals.vat, totals.gross
    invoice.save(update_fields=["net", "vat", "gross"])


def _check_kind(kind: str) -> None:
    if kind not in (DocumentKind.INVOICE, DocumentKind.RECEIPT):
        raise _fail(
            "kind", _("A new document is an invoice or a receipt (credit notes correct an issued one).")
        )


@transaction.atomic
def create_invoice(
    patient: Patient,
    *,
    lines: Sequence[LineInput] = (),
    kind: str = DocumentKind.RECEIPT,
    appointment: Appointment | None = None,
    actor: Actor,
) -> Invoice:
    """A draft document for a patient (a retail sale, or what an appointment's checkout prefilled)."""
    _check_kind(kind)
    if appointment is not None and appointment.patient_id != patient.pk:
        raise _fail("appointment", _("This appointment is another patient's."))
    invoice = Invoice.objects.create(
        clinic=patient.clinic,
        patient=patient,
        appointment=appointment,
        kind=kind,
        currency=selectors.settings_for(patient.clinic).currency,
        buyer_kind=BuyerKind.CONSUMER,
        buyer_name=patient.full_name,
        created_at=timezone.now(),
        created_by=acting_user(actor),
    )
    rows = [
        InvoiceLine(invoice=invoice, position=n, **_line_values(invoice, line, n))
        for n, line in enumerate(lines)
    ]
    InvoiceLine.objects.bulk_create(rows)
    _refresh_totals(invoice)
    record_event(
        "billing.invoice.create",
        invoice,
        actor=actor,
        data={
            "kind": kind,
            "lines": len(rows),
            "gross": str(invoice.gross),
            "appointment": invoice.appointment_id,
        },
    )
    return invoice


@transaction.atomic
def checkout_appointment(appointment: Appointment, *, actor: Actor) -> Invoice:
    """The appointment's open draft, or a new one prefilled with its session at the protocol's price.

    One draft per appointment: a second checkout opens the same draft rather than billing twice.
    """
    existing = Invoice.objects.filter(appointment=appointment, status=DocumentStatus.DRAFT).first()
    if existing is not None:
        return existing
    item = selectors.session_price_for(appointment.clinic, appointment.protocol_id)
    protocol = appointment.protocol
    rates = selectors.settings_for(appointment.clinic).vat_rates
    line = LineInput(
        description=item.name if item else protocol.name,
        quantity="1",
        unit_price=item.unit_price if item else (protocol.price or Decimal("0.00")),
        vat_rate=item.vat_rate if item else rates[0],
        item=item,
    )
    invoice = create_invoice(appointment.booked_patient, lines=[line], appointment=appointment, actor=actor)
    if _apply_deposit(invoice, actor=actor) is not None:
        invoice.refresh_from_db()
    return invoice


@transaction.atomic
def add_line(invoice: Invoice, line: LineInput, *, actor: Actor) -> InvoiceLine:
    invoice = _lock_draft(invoice)
    values = _line_values(invoice, line)
    position = (invoice.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    row = InvoiceLine.objects.create(invoice=invoice, position=position, **values)
    _refresh_totals(invoice)
    record_event(
        "billing.line.add",
        invoice,
        actor=actor,
        data={"line": row.pk, "gross": str(row.gross), "discount": str(row.discount)},
    )
    return row


@transaction.atomic
def update_line(line: InvoiceLine, change: LineInput, *, actor: Actor) -> InvoiceLine:
    """Change a draft's line (quantity, price, rate, discount with its reason)."""
    invoice = _lock_draft(line.invoice)
    before = {
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "discount": str(line.discount),
    }
    values = _line_values(invoice, change)
    for name, value in values.items():
        setattr(line, name, value)
    line.save(update_fields=list(values))
    _refresh_totals(invoice)
    record_event(
        "billing.line.update",
        invoice,
        actor=actor,
        data={
            "line": line.pk,
            "before": before,
            "after": {
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "discount": str(line.discount),
            },
            "discount_reason": line.discount_reason,
        },
    )
    return line


@transaction.atomic
def remove_line(line: InvoiceLine, *, actor: Actor) -> None:
    """Take a line off a draft (nothing was issued: a draft is not yet a financial record)."""
    invoice = _lock_draft(line.invoice)
    data = {"line": line.pk, "description": line.description, "gross": str(line.gross)}
    InvoiceLine.objects.filter(pk=line.pk).delete()
    _refresh_totals(invoice)
    record_event("billing.line.remove", invoice, actor=actor, data=data)


@transaction.atomic
def set_document_kind(invoice: Invoice, *, kind: str, actor: Actor) -> Invoice:
    """Make a draft an invoice or a receipt."""
    _check_kind(kind)
    invoice = _lock_draft(invoice)
    invoice.kind = kind
    invoice.save(update_fields=["kind"])
    record_event("billing.invoice.kind", invoice, actor=actor, data={"kind": kind})
    return invoice


@transaction.atomic
def set_buyer(
    invoice: Invoice, *, kind: str, name: str = "", address: str = "", tax_id: str = "", actor: Actor
) -> Invoice:
    """Who buys: the patient as a consumer, or a company (name, address and a valid NIP or EU VAT number).

    A company buyer makes the draft an invoice (a receipt has no buyer's tax id).
    """
    invoice = _lock_draft(invoice)
    errors: dict[str, list[str]] = {}
    if kind not in BuyerKind.values:
        errors["buyer.kind"] = [_("The buyer is a consumer or a company.")]
    elif kind == BuyerKind.COMPANY:
        if not name.strip():
            errors["buyer.name"] = [_("Give the company's name.")]
        if not address.strip():
            errors["buyer.address"] = [_("Give the company's address.")]
        try:
            tax_id = taxid.normalise_tax_id(tax_id)
        except taxid.TaxIdError as exc:
            errors["buyer.tax_id"] = [exc.text(_)]
    if errors:
        raise ValidationError(errors)
    if kind == BuyerKind.CONSUMER:
        name, tax_id = invoice.patient.full_name, ""
    else:
        invoice.kind = DocumentKind.INVOICE
    invoice.buyer_kind = kind
    invoice.buyer_name = name.strip()
    invoice.buyer_address = address.strip()
    invoice.buyer_tax_id = tax_id
    invoice.save(update_fields=["kind", "buyer_kind", "buyer_name", "buyer_address", "buyer_tax_id"])
    record_event("billing.invoice.buyer", invoice, actor=actor, data={"buyer_kind": kind, "tax_id": tax_id})
    return invoice


# ---------------------------------------------------------------------------------------------------------
# Payments


@transaction.atomic
def record_payment(  # noqa: PLR0912 — each method's rule in one place
    invoice: Invoice,
    *,
    method: str,
    amount: Any,
    actor: Actor,
    package: Package | None = None,
    to_credit: bool = False,
    code: str = "",
) -> Payment:
    """Money received on a document (a draft at the till, or an issued one with a balance).

    A payment larger than the balance is refused (the overpayment would have nowhere to go). A
    ``package_session`` payment is a session of the patient's ``package``: the one signing this visit
    drew, or one drawn now (a package never goes below zero). A ``gift_card`` payment names the card by its
    ``code`` and takes the amount off its balance (never below zero, ``billing.giftcards``).
    """
    if method not in PaymentMethod.values:
        raise _fail(
            "method",
            _("Unknown payment method %(method)s: use one of %(methods)s.")
            % {"method": repr(method), "methods": ", ".join(PaymentMethod.values)},
        )
    if method == PaymentMethod.DEPOSIT:
        raise _fail("method", _("A deposit is taken before the visit and applied at checkout by itself."))
    if method == PaymentMethod.ONLINE_CARD:
        raise _fail(
            "method", _("An online card payment is recorded when Stripe confirms it, not at the till.")
        )
    value = _money(amount, "amount")
    if value <= 0:
        raise _fail("amount", _("A payment is more than zero."))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        raise _fail("invoice", _("Money goes back on a credit note by refunding the original payment."))
    if value > invoice.balance and not to_credit:
        raise _fail(
            "amount",
            _(
                "The balance is %(balance)s: the payment cannot be more"
                " (unless the cashier puts the rest to the patient's credit)."
            )
            % {"balance": format_money(invoice.balance, "")},
        )
    excess = Decimal("0.00")
    if to_credit and value > invoice.balance:
        if method in (PaymentMethod.PACKAGE_SESSION, PaymentMethod.CREDIT, PaymentMethod.GIFT_CARD):
            raise _fail("to_credit", _("Only money received (cash or card) can go to the patient's credit."))
        if invoice.balance <= 0:
            raise _fail("amount", _("Nothing is owed on this document: nothing to pay with an overpayment."))
        excess, value = value - invoice.balance, invoice.balance
    if method == PaymentMethod.CREDIT:
        Patient.objects.select_for_update().filter(pk=invoice.patient_id).first()
        available = selectors.credit_of(invoice.patient)
        if value > available:
            raise _fail(
                "amount",
                _("The patient's credit is %(credit)s: it pays at most that.")
                % {"credit": format_money(available, "")},
            )
    drawn = None
    if method == PaymentMethod.PACKAGE_SESSION:
        package, drawn = _pay_with_package(invoice, package, actor)
    else:
        package = None
    location = _till_of(invoice)
    _refuse_if_closed(location)
    card = giftcards.redeem(invoice, code, value) if method == PaymentMethod.GIFT_CARD else None
    payment = Payment.objects.create(
        invoice=invoice,
        method=method,
        amount=value,
        location=location,
        package=package,
        gift_card=card,
        received_at=timezone.now(),
        received_by=acting_user(actor),
    )
    if card is not None:
        giftcards.note_redemption(card, payment, actor)
    if drawn is not None:
        PackageEntry.objects.filter(pk=drawn.pk).update(payment=payment)
    if excess > 0:
        _credit(invoice, excess, method, payment, actor)
    if method == PaymentMethod.CREDIT:
        _credit(invoice, -value, method, payment, actor)
    Invoice.objects.filter(pk=invoice.pk).update(paid=F("paid") + value)
    record_event(
        "billing.payment.record",
        invoice,
        actor=actor,
        data={
            "payment": payment.pk,
            "method": method,
            "amount": str(value),
            **({"package": package.pk} if package is not None else {}),
            **({"gift_card": card.code} if card is not None else {}),
            **({"to_credit": str(excess)} if excess > 0 else {}),
        },
    )
    return payment


def _credit(invoice: Invoice, amount: Decimal, method: str, payment: Payment, actor: Actor) -> CreditEntry:
    return CreditEntry.objects.create(
        clinic=invoice.clinic,
        patient=invoice.patient,
        amount=amount,
        method=method,
        payment=payment,
        at=timezone.now(),
        by=acting_user(actor),
    )


def _refund_at_stripe(
    payment: Payment, value: Decimal, reason: str, stripe_refund_id: str
) -> tuple[online.OnlinePayment, str] | None:
    """The Stripe refund behind a refund: one already made there (``stripe_refund_id``), or one asked now
    for a payment taken online; None for money taken otherwise."""
    if not stripe_refund_id:
        return online.refund_through_stripe(payment, value, reason)
    behind = online.online_payment_behind(payment)
    if behind is None:
        raise _fail("payment", _("This payment was not taken through Stripe."))
    return behind, stripe_refund_id


@transaction.atomic
def refund_payment(
    payment: Payment, *, amount: Any, reason: str | Worded, actor: Actor, stripe_refund_id: str = ""
) -> Payment:
    """Give back (part of) a payment, by the same method, with a reason: a negative payment row.

    ``reason`` is a person's text, or MesoClinic's own words (``Worded``: shown in each reader's language).

    ``stripe_refund_id``: the refund was already made at Stripe (in its dashboard; Stripe's ``charge.refunded``
    webhook records it here) and is only recorded, not asked of Stripe again."""
    value = _money(amount, "amount")
    if value <= 0:
        raise _fail("amount", _("A refund is more than zero."))
    why: str | Worded = reason if isinstance(reason, Worded) else reason.strip()
    if not str(why).strip():
        raise _fail("reason", _("Say why the money is given back."))
    payment = Payment.objects.select_for_update().select_related("invoice").get(pk=payment.pk)
    if payment.refund_of_id is not None:
        raise _fail("payment", _("A refund cannot itself be refunded."))
    left = selectors.refundable(payment)
    if value > left:
        raise _fail(
            "amount", _("Only %(left)s of this payment is left to refund.") % {"left": format_money(left, "")}
        )
    if payment.method == PaymentMethod.PACKAGE_SESSION and value != left:
        raise _fail(
            "amount",
            _("A package session is given back whole: refund %(left)s.") % {"left": format_money(left, "")},
        )
    location = payment.location or _till_of(payment.invoice)
    online_card = payment.method == PaymentMethod.ONLINE_CARD
    if online_card:
        location = None  # taken online: no till counts it, no cash-up locks it
    _refuse_if_closed(location)
    # Paid by card online (or an online deposit applied): the money goes back to the card through Stripe
    # first; if Stripe refuses, nothing is recorded.
    at_stripe = _refund_at_stripe(payment, value, str(why), stripe_refund_id)
    refund = Payment.objects.create(
        invoice=payment.invoice,
        method=payment.method,
        amount=-value,
        location=location,
        package_id=payment.package_id,
        gift_card_id=payment.gift_card_id,
        refund_of=payment,
        **reason_fields(why),
        received_at=timezone.now(),
        received_by=acting_user(actor),
    )
    Invoice.objects.filter(pk=payment.invoice_id).update(paid=F("paid") - value)
    if at_stripe is not None:
        online.note_refund(refund, *at_stripe)
    if payment.method == PaymentMethod.CREDIT:
        _credit(payment.invoice, value, PaymentMethod.CREDIT, refund, actor)
    if payment.gift_card is not None:
        giftcards.give_back(payment.gift_card, refund, value, reason=why, actor=actor)
    if payment.package_id is not None:
        package = Package.objects.select_for_update().get(pk=payment.package_id)
        Package.objects.filter(pk=package.pk).update(sessions_used=F("sessions_used") - 1)
        _ledger(package, PackageEntryKind.RETURN, actor, sessions=1, payment=refund, **reason_fields(why))
    record_event(
        "billing.payment.refund",
        payment.invoice,
        actor=actor,
        data={
            "payment": payment.pk,
            "refund": refund.pk,
            "amount": str(value),
            "reason": str(why),
            **({"stripe_refund": at_stripe[1]} if at_stripe is not None else {}),
        },
    )
    return refund


# ---------------------------------------------------------------------------------------------------------
# Issuing and correcting


def _take_number(clinic: Clinic, kind: str, year: int) -> int:
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(clinic=clinic, kind=kind, year=year)], ignore_conflicts=True
    )
    counter = DocumentSequence.objects.filter(clinic=clinic, kind=kind, year=year)
    counter.update(last=F("last") + 1)  # locks the row until commit
    return int(counter.values_list("last", flat=True).get())


def _issue(invoice: Invoice, *, actor: Actor) -> Invoice:
    now = timezone.now()
    year = timezone.localtime(now, timezone=_tz(invoice.clinic)).year
    seq = _take_number(invoice.clinic, invoice.kind, year)
    invoice.status = DocumentStatus.ISSUED
    invoice.year, invoice.seq = year, seq
    invoice.number = numbering.format_number(invoice.kind, year, seq)
    invoice.issued_at = now
    invoice.issued_by = acting_user(actor)
    invoice.save(update_fields=["status", "year", "seq", "number", "issued_at", "issued_by"])
    totals = selectors.totals_of(invoice)
    DocumentRate.objects.bulk_create(  # the VAT table as issued, read by the reports and the export
        [
            DocumentRate(
                invoice=invoice,
                rate=r.rate,
                net=r.net,
                vat=r.vat,
                gross=r.gross,
                clinic_id=invoice.clinic_id,
                issued_on=timezone.localtime(now, timezone=_tz(invoice.clinic)).date(),
            )
            for r in totals.by_rate
        ]
    )
    return invoice


def _tz(clinic: Clinic) -> Any:
    import zoneinfo  # noqa: PLC0415 — only issuing needs the clinic's calendar year

    return zoneinfo.ZoneInfo(clinic.timezone)


@transaction.atomic
def issue_invoice(invoice: Invoice, *, actor: Actor) -> Invoice:
    """Number a draft (per clinic, kind and the clinic's calendar year) and make it immutable."""
    invoice = _lock_draft(invoice)
    if not invoice.lines.exists():
        raise _fail("lines", _("A document needs at least one line."))
    if invoice.buyer_kind == BuyerKind.COMPANY and invoice.kind != DocumentKind.INVOICE:
        raise _fail("kind", _("A company buyer gets an invoice, not a receipt."))
    _issue(invoice, actor=actor)
    sold = _sell_packages(invoice, actor=actor)
    cards = giftcards.sell(invoice, actor=actor)
    record_event(
        "billing.invoice.issue",
        invoice,
        actor=actor,
        data={
            "number": invoice.number,
            "gross": str(invoice.gross),
            "paid": str(invoice.paid),
            **({"packages": [p.pk for p in sold]} if sold else {}),
            **({"gift_cards": [c.pk for c in cards]} if cards else {}),
        },
    )
    return invoice


@transaction.atomic
def create_credit_note(
    invoice: Invoice, *, lines: Sequence[LineInput], reason: str | Worded, actor: Actor
) -> Invoice:
    """Correct an issued document: an issued credit note that references it, for at most what is left of it.

    The lines say what is credited (positive quantities and prices); the note's totals are negative.
    ``reason``: a person's text, or MesoClinic's own words (``Worded``: shown in each reader's language).
    """
    why: str | Worded = reason if isinstance(reason, Worded) else reason.strip()
    if not str(why).strip():
        raise _fail("reason", _("Say why the document is corrected."))
    if not lines:
        raise _fail("lines", _("Say what is credited (at least one line)."))
    original = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not original.is_issued or original.kind == DocumentKind.CREDIT_NOTE:
        raise _fail("invoice", _("Only an issued invoice or receipt is corrected by a credit note."))
    note = Invoice.objects.create(
        clinic=original.clinic,
        patient=original.patient,
        appointment=original.appointment,
        kind=DocumentKind.CREDIT_NOTE,
        currency=original.currency,
        corrects=original,
        **reason_fields(why),
        buyer_kind=original.buyer_kind,
        buyer_name=original.buyer_name,
        buyer_address=original.buyer_address,
        buyer_tax_id=original.buyer_tax_id,
        created_at=timezone.now(),
        created_by=acting_user(actor),
    )
    InvoiceLine.objects.bulk_create(
        [InvoiceLine(invoice=note, position=n, **_line_values(note, line, n)) for n, line in enumerate(lines)]
    )
    _refresh_totals(note)
    left = original.gross - selectors.credited(original)
    if -note.gross > left:
        raise _fail(
            "lines",
            _("Only %(left)s of %(number)s is left to credit.")
            % {"left": format_money(left, ""), "number": original.number},
        )
    _issue(note, actor=actor)
    cards = giftcards.credit(original, note, actor=actor)
    record_event(
        "billing.credit_note.issue",
        note,
        actor=actor,
        data={
            "number": note.number,
            "corrects": original.number,
            "gross": str(note.gross),
            "reason": note.reason,
            **({"gift_cards": [e.gift_card_id for e in cards]} if cards else {}),
        },
    )
    return note


# ---------------------------------------------------------------------------------------------------------
# Packages (prepaid series)


def _local_today(clinic: Clinic) -> Any:
    return clinic.today()


def _sell_packages(invoice: Invoice, *, actor: Actor) -> list[Package]:
    """Issuing a document with package lines opens one package per unit sold (called by ``issue_invoice``)."""
    validity = selectors.settings_for(invoice.clinic).package_validity_months
    sold_on = _local_today(invoice.clinic)
    made = []
    for line in invoice.lines.filter(item__kind=ItemKind.PACKAGE).select_related("item"):
        item = line.item
        assert item is not None  # noqa: S101 — filtered on the item's kind
        assert item.protocol_id is not None  # noqa: S101 — a package price names its protocol (_check_item)
        units = int(line.quantity)
        if units != line.quantity or units < 1:
            raise _fail(
                "lines", _("%(line)s: a package is sold in whole units.") % {"line": line.description}
            )
        course_id = selectors.open_course_id(invoice.patient, item.protocol_id)
        for _unit in range(units):
            package = Package.objects.create(
                clinic=invoice.clinic,
                patient=invoice.patient,
                protocol_id=item.protocol_id,
                invoice=invoice,
                line=line,
                name=line.description,
                sessions_total=item.sessions or 1,
                price=vat.round_half_up(line.gross / units),
                expires_on=packages.add_months(sold_on, validity),
                course_id=course_id,
                created_at=timezone.now(),
            )
            _ledger(
                package,
                PackageEntryKind.SALE,
                actor,
                sessions=package.sessions_total,
                amount=package.price,
                expires_on=package.expires_on,
            )
            record_event(
                "billing.package.sell",
                package,
                actor=actor,
                clinic=invoice.clinic,
                data={
                    "invoice": invoice.number,
                    "sessions": package.sessions_total,
                    "price": str(package.price),
                    "expires_on": package.expires_on.isoformat(),
                },
            )
            made.append(package)
    return made


def _ledger(package: Package, kind: str, actor: Actor, **fields: Any) -> PackageEntry:
    return PackageEntry.objects.create(
        package=package, kind=kind, at=timezone.now(), by=acting_user(actor), **fields
    )


def _take_session(package: Package) -> bool:
    """One session off the package, if one is left: a conditional UPDATE, atomic under concurrency."""
    return bool(
        Package.objects.filter(
            pk=package.pk,
            status=PackageStatus.ACTIVE,
            sessions_used__lt=F("sessions_total") - F("sessions_refunded"),
        ).update(sessions_used=F("sessions_used") + 1)
    )


@transaction.atomic
def draw_for_signed_session(record: Any, *, actor: Actor) -> PackageEntry | None:
    """Signing a session of a protocol the patient holds a package of draws one session from it.

    Called inside the signing transaction (``treatments.signals.session_signed``). The package booked
    for the series (its ``course_id``) goes first, then the patient's other active packages of the
    protocol, soonest expiry first; an expired or empty package is passed over, and with none left the
    visit is simply paid at checkout. A package that draws for a series for the first time is linked to it.
    """
    appointment = record.appointment
    if appointment is None or record.patient_id is None:
        return None
    if PackageEntry.objects.filter(session_record=record, kind=PackageEntryKind.DRAW).exists():
        return None
    on = local_day(record.performed_at or timezone.now(), record.clinic.timezone)
    for package in selectors.drawable_packages(
        record.patient, appointment.protocol_id, on=on, course_id=appointment.course_id
    ):
        if not _take_session(package):
            continue
        if package.course_id is None and appointment.course_id is not None:
            Package.objects.filter(pk=package.pk).update(course_id=appointment.course_id)
            _ledger(
                package,
                PackageEntryKind.LINK,
                actor,
                **reason_fields(Worded(N_("Series %(series)s"), {"series": appointment.course_id})),
            )
        entry = _ledger(
            package, PackageEntryKind.DRAW, actor, sessions=-1, session_record=record, appointment=appointment
        )
        package.refresh_from_db()
        record_event(
            "billing.package.draw",
            package,
            actor=actor,
            clinic=package.clinic,
            data={"session_record": record.pk, "appointment": appointment.pk, "left": package.sessions_left},
        )
        return entry
    return None


@transaction.atomic
def set_package_expiry(package: Package, *, expires_on: Any, reason: str, actor: Actor) -> Package:
    """Move a package's expiry (longer for an illness, shorter by agreement), with a reason, in its ledger."""
    if not reason.strip():
        raise _fail("reason", _("Say why the expiry changes."))
    if not hasattr(expires_on, "isoformat"):
        raise _fail("expires_on", _("Give the new expiry as a date (YYYY-MM-DD)."))
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.status != PackageStatus.ACTIVE:
        raise _fail("package", _("This package was refunded."))
    before = package.expires_on
    package.expires_on = expires_on
    package.save(update_fields=["expires_on"])
    _ledger(package, PackageEntryKind.EXPIRY, actor, expires_on=expires_on, reason=reason.strip())
    record_event(
        "billing.package.expiry",
        package,
        actor=actor,
        clinic=package.clinic,
        data={"before": before.isoformat(), "after": expires_on.isoformat(), "reason": reason.strip()},
    )
    return package


@transaction.atomic
def refund_package(
    package: Package, *, reason: str, actor: Actor, amount: Any = None, override_reason: str = ""
) -> PackageEntry:
    """Refund a package's unused sessions pro rata (``engine.packages.REFUND_RULE``) and close it.

    The money goes back on the payments of the document that sold it, latest first, by their methods.
    Another amount than the rule's is the owner's to give, with ``override_reason``.
    """
    if not reason.strip():
        raise _fail("reason", _("Say why the package is refunded."))
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.status != PackageStatus.ACTIVE:
        raise _fail("package", _("This package was already refunded."))
    left = package.sessions_left
    if left < 1:
        raise _fail("package", _("No session of this package is left to refund."))
    rule = packages.pro_rata_refund(package.price, package.sessions_total, left)
    value = rule
    if amount not in (None, ""):
        value = _money(amount, "amount")
        if value != rule:
            if not _is_owner(actor):
                raise _fail(
                    "amount",
                    _("The rule gives %(rule)s: only the owner may refund another amount.")
                    % {"rule": format_money(rule, "")},
                )
            if not override_reason.strip():
                raise _fail(
                    "override_reason",
                    _("Say why the refund is not the rule's %(rule)s.") % {"rule": format_money(rule, "")},
                )
        if value < 0:
            raise _fail("amount", _("A refund is not negative."))
    payments = [
        p
        for p in package.invoice.payments.filter(refund_of__isnull=True).order_by("-received_at", "-id")
        if p.method != PaymentMethod.PACKAGE_SESSION
    ]
    available = sum((selectors.refundable(p) for p in payments), Decimal("0.00"))
    if value > available:
        raise _fail(
            "amount",
            _("Only %(paid)s was paid for this package and is left to refund.")
            % {"paid": format_money(available, "")},
        )
    note, on_payment = _package_refund_words(reason, override_reason, overridden=value != rule)
    owed = value
    for payment in payments:
        if owed <= 0:
            break
        part = min(owed, selectors.refundable(payment))
        if part > 0:
            refund_payment(payment, amount=part, reason=on_payment, actor=actor)
            owed -= part
    Package.objects.filter(pk=package.pk).update(
        sessions_refunded=F("sessions_refunded") + left, status=PackageStatus.REFUNDED
    )
    entry = _ledger(
        package, PackageEntryKind.REFUND, actor, sessions=-left, amount=value, **reason_fields(note)
    )
    record_event(
        "billing.package.refund",
        package,
        actor=actor,
        clinic=package.clinic,
        data={"sessions": left, "rule": str(rule), "amount": str(value), "reason": str(note)},
    )
    return entry


def _package_refund_words(
    reason: str, override_reason: str, *, overridden: bool
) -> tuple[str | Worded, Worded]:
    """The ledger's line and each refunded payment's reason: the person's words with MesoClinic's around them,
    kept as template and values (shown in each reader's language)."""
    words = {"reason": reason.strip(), "override": override_reason.strip()}
    if overridden:
        return (
            Worded(N_("%(reason)s (override: %(override)s)"), words),
            Worded(N_("Package refund: %(reason)s (override: %(override)s)"), words),
        )
    return reason.strip(), Worded(N_("Package refund: %(reason)s"), words)


def _is_owner(actor: Actor) -> bool:
    """Only the owner refunds a package at another amount than the rule's."""
    user = acting_user(actor)
    staff = getattr(user, "staff", None) if user is not None else None
    return staff is not None and staff.role == Role.OWNER


def _pay_with_package(
    invoice: Invoice, package: Package | None, actor: Actor
) -> tuple[Package, PackageEntry]:
    """A package session pays (part of) the document: the session this visit's signing drew, or one drawn now."""
    if package is None:
        raise _fail("package", _("Choose the package whose session pays."))
    if package.patient_id != invoice.patient_id:
        raise _fail("package", _("This package is another patient's."))
    package = Package.objects.select_for_update().get(pk=package.pk)
    drawn = None
    if invoice.appointment_id is not None:
        drawn = PackageEntry.objects.filter(
            package=package,
            kind=PackageEntryKind.DRAW,
            appointment_id=invoice.appointment_id,
            payment__isnull=True,
        ).first()
    if drawn is None:
        if package.status != PackageStatus.ACTIVE or package.expires_on < _local_today(invoice.clinic):
            raise _fail("package", _("This package is refunded or expired."))
        if not _take_session(package):
            raise _fail("package", _("No session of this package is left."))
        drawn = _ledger(package, PackageEntryKind.DRAW, actor, sessions=-1, appointment=invoice.appointment)
    return package, drawn


# ---------------------------------------------------------------------------------------------------------
# Deposits and the cancellation policy

POLICY_FIELDS = (
    "deposit_kind",
    "deposit_value",
    "deposit_base",
    "deposit_online",
    "late_cancel_hours",
    "late_cancel_cost",
    "no_show_cost",
    "fee",
    "waive_limit",
)


POLICY_CHOICES = {
    "deposit_kind": DepositKind.values,
    "deposit_base": DepositBase.values,
    "late_cancel_cost": LateCost.values,
    "no_show_cost": LateCost.values,
}


def _clean_policy_field(name: str, value: Any) -> tuple[Any, str]:
    """A policy field's stored value and the error to show beside it ("" when valid)."""
    if name in POLICY_CHOICES:
        return value, "" if value in POLICY_CHOICES[name] else _("Choose one of %(choices)s.") % {
            "choices": ", ".join(POLICY_CHOICES[name])
        }
    if name in {"deposit_value", "fee", "waive_limit"}:
        try:
            return vat.parse_money(value, name), ""
        except vat.VatError as exc:
            return Decimal(0), exc.text(_)
    if name == "late_cancel_hours":
        try:
            hours = int(value)
        except (TypeError, ValueError):
            hours = -1
        ok = 0 <= hours <= 24 * 14
        return hours, "" if ok else _("Give the window in hours, from 0 to 336 (two weeks).")
    return bool(value), ""


@transaction.atomic
def set_cancellation_policy(
    clinic: Clinic, *, protocol: Protocol | None = None, actor: Actor, **fields: Any
) -> CancellationPolicy:
    """The clinic's policy (``protocol`` None) or one protocol's own, which overrides it."""
    errors: dict[str, list[str]] = {}
    if protocol is not None and protocol.clinic_id != clinic.pk:
        errors["protocol"] = [_("This protocol is not one of the clinic's.")]
    values: dict[str, Any] = {}
    for name in POLICY_FIELDS:
        if name in fields:
            value, error = _clean_policy_field(name, fields[name])
            if error:
                errors[name] = [error]
            values[name] = value
    if values.get("deposit_kind") == DepositKind.PERCENT and values.get("deposit_value", 0) > 100:
        errors["deposit_value"] = [_("A percentage is from 0 to 100.")]
    if errors:
        raise ValidationError(errors)
    policy, _created = CancellationPolicy.objects.select_for_update().get_or_create(
        clinic=clinic, protocol=protocol
    )
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    record_event(
        "billing.policy.update",
        policy,
        actor=actor,
        clinic=clinic,
        data={"protocol": protocol.pk if protocol else None, **{k: str(v) for k, v in values.items()}},
    )
    return policy


@transaction.atomic
def take_deposit(appointment: Appointment, *, method: str, actor: Actor, amount: Any = None) -> Deposit:
    """Money taken before the booking's first visit (the policy's amount unless another is given)."""
    if method not in (PaymentMethod.CASH, PaymentMethod.CARD_TERMINAL):
        raise _fail("method", _("A deposit is taken in cash or by card terminal."))
    value = selectors.deposit_due(appointment) if amount in (None, "") else _money(amount, "amount")
    if value <= 0:
        raise _fail("amount", _("A deposit is more than zero (the policy asks for none: give the amount)."))
    _refuse_if_closed(appointment.location)
    return record_deposit(
        appointment, method=method, amount=value, location=appointment.location, actor=actor
    )


def _apply_deposit(invoice: Invoice, *, actor: Actor) -> Payment | None:
    """The booking's held deposit pays the booking's first invoice (up to its balance)."""
    appointment = invoice.appointment
    if appointment is None:
        return None
    deposit = selectors.held_deposit(appointment, lock=True)
    if deposit is None:
        return None
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    value = min(deposit.held_amount, invoice.balance)
    if value <= 0:
        return None
    payment = Payment.objects.create(
        invoice=invoice,
        location=appointment.location,
        method=PaymentMethod.DEPOSIT,
        amount=value,
        **reason_fields(Worded(N_("Deposit of %(day)s"), {"day": deposit.received_at.date().isoformat()})),
        received_at=timezone.now(),
        received_by=acting_user(actor),
    )
    Invoice.objects.filter(pk=invoice.pk).update(paid=F("paid") + value)
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.APPLIED, applied_to=payment)
    record_event(
        "billing.deposit.apply",
        invoice,
        actor=actor,
        data={
            "deposit": deposit.pk,
            "payment": payment.pk,
            "amount": str(value),
            "held": str(deposit.held_amount),
        },
    )
    return payment


def _charge_fields(
    appointment: Appointment, policy: CancellationPolicy, cost: str, label: str, actor: Actor
) -> dict[str, Any] | None:
    """Take what ``cost`` says; the charge's fields, or None when there is nothing to take."""
    if cost == LateCost.FEE and policy.fee > 0:
        rates = selectors.settings_for(appointment.clinic).vat_rates
        invoice = create_invoice(
            appointment.booked_patient,
            lines=[
                LineInput(
                    description=f"{label} fee: {appointment.protocol.name}",
                    quantity="1",
                    unit_price=policy.fee,
                    vat_rate=rates[0],
                )
            ],
            appointment=appointment,
            actor=actor,
        )
        return {"invoice": invoice, "amount": policy.fee}
    if cost == LateCost.DEPOSIT:
        deposit = selectors.held_deposit(appointment, lock=True)
        if deposit is None:
            return None
        Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.FORFEITED)
        return {"deposit": deposit, "amount": deposit.held_amount}
    if cost == LateCost.PACKAGE_SESSION:
        on = local_day(appointment.starts_at, appointment.clinic.timezone)
        for package in selectors.drawable_packages(
            appointment.booked_patient, appointment.protocol_id, on=on, course_id=appointment.course_id
        ):
            if _take_session(package):
                entry = _ledger(
                    package, PackageEntryKind.DRAW, actor, sessions=-1, appointment=appointment, reason=label
                )
                return {
                    "package_entry": entry,
                    "amount": packages.session_value(package.price, package.sessions_total),
                }
    return None


@transaction.atomic
def apply_cancellation_policy(
    appointment: Appointment, *, action: str, at: Any, actor: Actor
) -> CancellationCharge | None:
    """A no-show, or a cancel inside the late-cancel window, costs what the policy says: a fee (a draft
    receipt with the fee), the booking's deposit (kept), or one session of the patient's package.
    Nothing when the policy asks nothing, or there is no deposit or package to take."""
    policy = selectors.policy_for(appointment.clinic, appointment.protocol_id)
    if policy is None:
        return None
    if action == "no_show":
        reason, cost = ChargeReason.NO_SHOW, policy.no_show_cost
    elif action == "cancel" and policy_engine.is_late_cancel(
        appointment.starts_at, at, policy.late_cancel_hours
    ):
        reason, cost = ChargeReason.LATE_CANCEL, policy.late_cancel_cost
    else:
        return None
    if CancellationCharge.objects.filter(appointment=appointment).exists():
        return None
    fields = _charge_fields(appointment, policy, cost, str(ChargeReason(reason).label), actor)
    if fields is None:
        return None
    charge = CancellationCharge.objects.create(
        clinic=appointment.clinic,
        patient=appointment.booked_patient,
        appointment=appointment,
        reason=reason,
        cost=cost,
        created_at=timezone.now(),
        **fields,
    )
    record_event(
        "billing.charge.apply",
        charge,
        actor=actor,
        clinic=appointment.clinic,
        data={"appointment": appointment.pk, "reason": reason, "cost": cost, "amount": str(charge.amount)},
    )
    return charge


@transaction.atomic
def waive_charge(charge: CancellationCharge, *, reason: str, actor: Actor) -> CancellationCharge:
    """Undo a no-show or late-cancel charge with a reason (audited): the fee is taken off its draft (or
    credited if it was issued), the deposit is held again, the package session given back. Above the
    policy's waive limit only the owner waives."""
    if not reason.strip():
        raise _fail("reason", _("Say why the charge is waived."))
    charge = CancellationCharge.objects.select_for_update().get(pk=charge.pk)
    if charge.status == ChargeStatus.WAIVED:
        raise _fail("charge", _("This charge was already waived."))
    appointment = charge.appointment
    policy = selectors.policy_for(charge.clinic, appointment.protocol_id)
    limit = policy.waive_limit if policy is not None else Decimal("0.00")
    if charge.amount > limit and not _is_owner(actor):
        raise _fail(
            "reason",
            _("Only the owner waives a charge above %(limit)s.") % {"limit": format_money(limit, "")},
        )
    why = reason.strip()
    if charge.invoice_id is not None:
        invoice = Invoice.objects.get(pk=charge.invoice_id)
        if invoice.is_issued:
            create_credit_note(
                invoice,
                lines=[
                    LineInput(
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        vat_rate=line.vat_rate,
                    )
                    for line in invoice.lines.all()
                ],
                reason=Worded(N_("Waived: %(reason)s"), {"reason": why}),
                actor=actor,
            )
        else:
            for line in list(invoice.lines.all()):
                remove_line(line, actor=actor)
    if charge.deposit_id is not None:
        Deposit.objects.filter(pk=charge.deposit_id, status=DepositStatus.FORFEITED).update(
            status=DepositStatus.HELD
        )
        # The booking is over (a no-show or a cancel): a deposit paid online goes back to the card.
        online.refund_deposit_when_booking_ends(appointment, reason=f"Charge waived: {why}", actor=actor)
    if charge.package_entry is not None:
        entry = charge.package_entry
        Package.objects.filter(pk=entry.package_id).update(sessions_used=F("sessions_used") - 1)
        _ledger(
            entry.package, PackageEntryKind.RETURN, actor, sessions=1, appointment=appointment, reason=why
        )
    charge.status = ChargeStatus.WAIVED
    charge.waive_reason = why
    charge.waived_at = timezone.now()
    charge.waived_by = acting_user(actor)
    charge.save(update_fields=["status", "waive_reason", "waived_at", "waived_by"])
    record_event(
        "billing.charge.waive",
        charge,
        actor=actor,
        clinic=charge.clinic,
        data={"amount": str(charge.amount), "cost": charge.cost, "reason": why},
    )
    return charge


# ---------------------------------------------------------------------------------------------------------
# Cash-up


def _till_of(invoice: Invoice) -> Location | None:
    """Where money on this document is taken: its appointment's location, else the clinic's first."""
    if invoice.appointment_id is not None:
        return Appointment.objects.select_related("location").get(pk=invoice.appointment_id).location
    return invoice.clinic.locations.order_by("pk").first()


def _refuse_if_closed(location: Location | None) -> None:
    if location is None:
        return
    today = local_day(timezone.now(), location_timezone(location))
    if CashUp.objects.filter(location=location, day=today).exists():
        raise _fail(
            "day",
            _("The day is closed at %(location)s: record this tomorrow, referencing today's document.")
            % {"location": location.name},
        )


@transaction.atomic
def close_day(
    location: Location, *, day: Any, counted: dict[str, Any], reason: str = "", actor: Actor
) -> CashUp:
    """Close a location's day: what was counted per method against what the payments say. A difference
    needs a reason and the owner. Closing locks the day's payments there (corrections go to the next day)."""
    expected = selectors.cash_expected(location, day)
    errors: dict[str, list[str]] = {}
    counts: dict[str, Decimal] = {}
    for method in selectors.CASH_UP_METHODS:
        try:
            counts[method] = vat.parse_money(counted.get(method, "0"), f"counted.{method}")
        except vat.VatError as exc:
            errors[f"counted.{method}"] = [exc.text(_)]
    if errors:
        raise ValidationError(errors)
    difference = sum(counts.values(), Decimal("0.00")) - sum(expected.values(), Decimal("0.00"))
    if difference and not reason.strip():
        raise _fail(
            "reason",
            _("The count differs by %(difference)s: say why.") % {"difference": format_money(difference, "")},
        )
    if difference and not _is_owner(actor):
        raise _fail("reason", _("Only the owner closes a day with a difference."))
    if CashUp.objects.filter(location=location, day=day).exists():
        raise _fail("day", _("This day is already closed here."))
    cash_up = CashUp.objects.create(
        clinic=location.clinic,
        location=location,
        day=day,
        expected={k: str(v) for k, v in expected.items()},
        counted={k: str(v) for k, v in counts.items()},
        difference=difference,
        reason=reason.strip(),
        closed_at=timezone.now(),
        closed_by=acting_user(actor),
    )
    record_event(
        "billing.cash_up.close",
        cash_up,
        actor=actor,
        clinic=location.clinic,
        data={"location": location.pk, "day": day.isoformat(), "difference": str(difference)},
    )
    return cash_up
