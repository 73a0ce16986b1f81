"""The billing router of the JSON API (``/api/v1/billing/``): settings, the price list, documents (drafts,
lines, issue, credit notes), payments and refunds, a patient's account.

Amounts are decimal strings ("123.45"). Another clinic's document, payment, item or patient is a 404;
changing an issued document is a 409 (correct it with a credit note); a refused value is a 422 naming the
field (``lines[0].quantity``).
"""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.models import StaffMember
from mesoclinic.accounts.permissions import Capability
from mesoclinic.billing import documents, giftcards, online, selectors, services
from mesoclinic.billing.models import (
    CancellationCharge,
    CancellationPolicy,
    Deposit,
    GiftCard,
    Invoice,
    OnlinePayment,
    Package,
    Payment,
    PriceItem,
)
from mesoclinic.billing.schemas import (
    AccountOut,
    BillingSettingsIn,
    BillingSettingsOut,
    CashDayOut,
    CashUpIn,
    CashUpOut,
    ChargeOut,
    CreditNoteIn,
    DepositIn,
    DepositOut,
    DocumentEmailIn,
    DocumentEmailOut,
    GiftCardExpiryIn,
    GiftCardOut,
    InvoiceIn,
    InvoiceOut,
    InvoiceSummaryOut,
    IssuedOut,
    LineIn,
    LinePatch,
    PackageExpiryIn,
    PackageOut,
    PackageRefundIn,
    PaymentIn,
    PaymentOut,
    PolicyIn,
    PolicyOut,
    PriceItemIn,
    PriceItemOut,
    PriceItemPatch,
    RefundIn,
    WaiveIn,
)
from mesoclinic.catalog.models import Product, Protocol
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.scheduling.selectors import get_appointment_for_user, get_location_for_user

router = Router()


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def payment_out(payment: Payment, left: Decimal | None = None) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "invoice": payment.invoice_id,
        "method": payment.method,
        "amount": money(payment.amount),
        "refund_of": payment.refund_of_id,
        "reason": payment.reason_text,
        "received_at": payment.received_at,
        "refundable": money(left if left is not None else selectors.refundable(payment)),
        "package": payment.package_id,
        "gift_card": payment.gift_card_id,
    }


def invoice_out(invoice: Invoice) -> dict[str, Any]:
    lines = selectors.lines_of(invoice)
    totals = selectors.totals_of(invoice, lines)
    payments = selectors.payments_of(invoice)
    refunded: dict[int, Decimal] = {}
    for p in payments:
        if p.refund_of_id is not None:
            refunded[p.refund_of_id] = refunded.get(p.refund_of_id, Decimal(0)) + p.amount
    return {
        "id": invoice.pk,
        "kind": invoice.kind,
        "status": invoice.status,
        "number": invoice.number,
        "currency": invoice.currency,
        "patient": invoice.patient_id,
        "appointment": invoice.appointment_id,
        "corrects": invoice.corrects_id,
        "reason": invoice.reason_text,
        "buyer": {
            "kind": invoice.buyer_kind,
            "name": invoice.buyer_name,
            "address": invoice.buyer_address,
            "tax_id": invoice.buyer_tax_id,
        },
        "lines": [
            {
                "id": line.pk,
                "position": line.position,
                "description": line.description,
                "quantity": quantity(line.quantity),
                "unit_price": money(line.unit_price),
                "vat_rate": line.vat_rate,
                "discount": money(line.discount),
                "discount_percent": None if line.discount_percent is None else money(line.discount_percent),
                "discount_reason": line.discount_reason,
                "gross": money(line.gross),
                "item": line.item_id,
            }
            for line in lines
        ],
        "totals": {
            "net": money(totals.net),
            "vat": money(totals.vat),
            "gross": money(totals.gross),
            "by_rate": [
                {"rate": r.rate, "net": money(r.net), "vat": money(r.vat), "gross": money(r.gross)}
                for r in totals.by_rate
            ],
        },
        "paid": money(invoice.paid),
        "balance": money(invoice.balance),
        "payments": [
            payment_out(p, Decimal(0) if p.refund_of_id else p.amount + refunded.get(p.pk, Decimal(0)))
            for p in payments
        ],
        "created_at": invoice.created_at,
        "issued_at": invoice.issued_at,
    }


def _item(staff: StaffMember, item_id: int | None, field: str = "item") -> PriceItem | None:
    if item_id is None:
        return None
    found = selectors.price_items(staff.clinic).filter(pk=item_id).first()
    if found is None:
        raise ValidationError({field: [_("No such item on the clinic's price list.")]})
    return found


def _line(staff: StaffMember, line: LineIn) -> services.LineInput:
    return services.LineInput(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_rate=line.vat_rate,
        discount=line.discount,
        discount_percent=line.discount_percent,
        discount_reason=line.discount_reason,
        item=_item(staff, line.item),
    )


def _fresh(staff: StaffMember, invoice_id: int) -> dict[str, Any]:
    return invoice_out(selectors.get_invoice_for_user(staff, invoice_id))


# ---------------------------------------------------------------------------------------------------------
# Settings and prices


def settings_out(settings: Any) -> dict[str, Any]:
    return {
        "currency": settings.currency,
        "vat_rates": list(settings.vat_rates),
        "seller_name": settings.seller_name,
        "seller_address": settings.seller_address,
        "seller_tax_id": settings.seller_tax_id,
    }


@router.get("/settings", response={200: BillingSettingsOut})
def get_settings(request: HttpRequest) -> Any:
    """The clinic's currency, VAT rates and seller details (its country's defaults until saved)."""
    staff = require(request, Capability.VIEW_BILLING)
    return settings_out(selectors.settings_for(staff.clinic))


@router.put("/settings", response={200: BillingSettingsOut})
def put_settings(request: HttpRequest, payload: BillingSettingsIn) -> Any:
    staff = require(request, Capability.MANAGE_PRICES)
    saved = services.update_billing_settings(staff.clinic, actor=request.user, **payload.dict())
    return settings_out(saved)


def item_out(item: PriceItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "name": item.name,
        "unit_price": money(item.unit_price),
        "vat_rate": item.vat_rate,
        "protocol": item.protocol_id,
        "product": item.product_id,
        "sessions": item.sessions,
        "is_active": item.is_active,
    }


@router.get("/prices", response={200: list[PriceItemOut]})
def list_prices(request: HttpRequest, kind: str = "") -> Any:
    """The price list (gross prices), active and retired items, by kind and name."""
    staff = require(request, Capability.VIEW_BILLING)
    return [item_out(i) for i in selectors.price_items(staff.clinic, kind=kind)]


@router.post("/prices", response={201: PriceItemOut})
def create_price(request: HttpRequest, payload: PriceItemIn) -> Any:
    staff = require(request, Capability.MANAGE_PRICES)
    protocol = product = None
    if payload.protocol is not None:
        protocol = Protocol.objects.filter(clinic=staff.clinic, pk=payload.protocol).first()
        if protocol is None:
            raise ValidationError({"protocol": [_("No such protocol in this clinic.")]})
    if payload.product is not None:
        product = Product.objects.filter(clinic=staff.clinic, pk=payload.product).first()
        if product is None:
            raise ValidationError({"product": [_("No such product in this clinic.")]})
    item = services.create_price_item(
        staff.clinic,
        kind=payload.kind,
        name=payload.name,
        unit_price=payload.unit_price,
        vat_rate=payload.vat_rate,
        protocol=protocol,
        product=product,
        sessions=payload.sessions,
        actor=request.user,
    )
    return Status(201, item_out(item))


@router.patch("/prices/{item_id}", response={200: PriceItemOut})
def update_price(request: HttpRequest, item_id: int, payload: PriceItemPatch) -> Any:
    staff = require(request, Capability.MANAGE_PRICES)
    item = selectors.get_price_item_for_user(staff, item_id)
    change = payload.dict(exclude_unset=True)
    updated = services.update_price_item(
        item,
        name=change.get("name") or item.name,
        unit_price=change.get("unit_price") or item.unit_price,
        vat_rate=change.get("vat_rate") or item.vat_rate,
        is_active=item.is_active if change.get("is_active") is None else change["is_active"],
        sessions=change.get("sessions") or item.sessions,
        actor=request.user,
    )
    return item_out(updated)


# ---------------------------------------------------------------------------------------------------------
# Documents


@router.get("/invoices", response={200: list[InvoiceSummaryOut]})
def list_invoices(
    request: HttpRequest, status: str = "", q: str = "", limit: int = 50, offset: int = 0
) -> Any:
    """The clinic's documents, newest first (``status``: draft or issued; ``q``: number or name)."""
    staff = require(request, Capability.VIEW_BILLING)
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    documents = selectors.documents_for_clinic(staff.clinic, status=status, search=q)[offset : offset + limit]
    return [
        {
            "id": d.pk,
            "kind": d.kind,
            "status": d.status,
            "number": d.number,
            "patient": d.patient_id,
            "gross": money(d.gross),
            "paid": money(d.paid),
            "balance": money(d.balance),
            "created_at": d.created_at,
            "issued_at": d.issued_at,
        }
        for d in documents
    ]


@router.post("/invoices", response={201: InvoiceOut})
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Any:
    """A draft for a patient with its lines; its totals, VAT table and balance computed."""
    staff = require(request, Capability.VIEW_PATIENTS, Capability.TAKE_PAYMENTS)
    patient = get_patient_for_user(staff, payload.patient)
    lines = [_line(staff, line) for line in payload.lines]
    invoice = services.create_invoice(patient, lines=lines, kind=payload.kind, actor=request.user)
    if payload.buyer is not None:
        services.set_buyer(invoice, actor=request.user, **payload.buyer.dict())
    return Status(201, _fresh(staff, invoice.pk))


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut})
def get_invoice(request: HttpRequest, invoice_id: int) -> Any:
    staff = require(request, Capability.VIEW_BILLING)
    return _fresh(staff, invoice_id)


@router.post("/appointments/{appointment_id}/checkout", response={200: InvoiceOut})
def checkout_appointment(request: HttpRequest, appointment_id: int) -> Any:
    """The appointment's draft, prefilled with its session at the price list's price (the same draft again
    when it is already open)."""
    staff = require(request, Capability.VIEW_SCHEDULE, Capability.TAKE_PAYMENTS)
    appointment = get_appointment_for_user(staff, appointment_id)
    invoice = services.checkout_appointment(appointment, actor=request.user)
    return _fresh(staff, invoice.pk)


@router.post("/invoices/{invoice_id}/lines", response={201: InvoiceOut, 409: dict})
def add_line(request: HttpRequest, invoice_id: int, payload: LineIn) -> Any:
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    services.add_line(invoice, _line(staff, payload), actor=request.user)
    return Status(201, _fresh(staff, invoice.pk))


@router.patch("/invoices/{invoice_id}/lines/{line_id}", response={200: InvoiceOut, 409: dict})
def update_line(request: HttpRequest, invoice_id: int, line_id: int, payload: LinePatch) -> Any:
    """Change a draft's line; a discount as ``discount`` (amount) or ``discount_percent``, with a reason."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    line = selectors.get_line_for_invoice(invoice, line_id)
    change = payload.dict(exclude_unset=True)
    new_discount = "discount" in change or "discount_percent" in change
    services.update_line(
        line,
        services.LineInput(
            description=change.get("description") or line.description,
            quantity=change.get("quantity") or line.quantity,
            unit_price=change.get("unit_price") or line.unit_price,
            vat_rate=change.get("vat_rate") or line.vat_rate,
            discount=change.get("discount")
            if new_discount
            else (line.discount if line.discount_percent is None else None),
            discount_percent=change.get("discount_percent") if new_discount else line.discount_percent,
            discount_reason=change.get("discount_reason") or line.discount_reason,
            item=line.item,
        ),
        actor=request.user,
    )
    return _fresh(staff, invoice.pk)


@router.delete("/invoices/{invoice_id}/lines/{line_id}", response={200: InvoiceOut, 409: dict})
def remove_line(request: HttpRequest, invoice_id: int, line_id: int) -> Any:
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    services.remove_line(selectors.get_line_for_invoice(invoice, line_id), actor=request.user)
    return _fresh(staff, invoice.pk)


@router.post("/invoices/{invoice_id}/issue", response={200: IssuedOut, 409: dict})
def issue_invoice(request: HttpRequest, invoice_id: int) -> Any:
    """Number the draft (``FV/2026/000123``) and make it immutable."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = services.issue_invoice(selectors.get_invoice_for_user(staff, invoice_id), actor=request.user)
    return {"id": invoice.pk, "number": invoice.number, "status": invoice.status}


@router.post("/invoices/{invoice_id}/payments", response={201: PaymentOut})
def record_payment(request: HttpRequest, invoice_id: int, payload: PaymentIn) -> Any:
    """Money received on the document, by ``cash``, ``card_terminal``, ``package_session`` (with
    ``package``: the session signing drew for this visit, or one drawn now), ``credit`` or ``gift_card``
    (with ``code``: taken off the card's balance, never below zero); at most its balance."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    package = None
    if payload.package is not None:
        package = _package_or_422(staff, payload.package)
    payment = services.record_payment(
        invoice,
        method=payload.method,
        amount=payload.amount,
        package=package,
        to_credit=payload.to_credit,
        code=payload.code,
        actor=request.user,
    )
    return Status(201, payment_out(payment))


@router.get("/payments/{payment_id}", response={200: PaymentOut})
def get_payment(request: HttpRequest, payment_id: int) -> Any:
    staff = require(request, Capability.VIEW_BILLING)
    return payment_out(selectors.get_payment_for_user(staff, payment_id))


@router.post("/payments/{payment_id}/refunds", response={201: PaymentOut})
def refund_payment(request: HttpRequest, payment_id: int, payload: RefundIn) -> Any:
    """Give back (part of) a payment with a reason: a negative payment that references it."""
    staff = require(request, Capability.REFUND_PAYMENTS)
    payment = selectors.get_payment_for_user(staff, payment_id)
    refund = services.refund_payment(
        payment, amount=payload.amount, reason=payload.reason, actor=request.user
    )
    return Status(201, payment_out(refund))


@router.post("/invoices/{invoice_id}/credit-notes", response={201: InvoiceOut})
def create_credit_note(request: HttpRequest, invoice_id: int, payload: CreditNoteIn) -> Any:
    """An issued credit note correcting the document, for the lines given (at most what is left of it)."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    note = services.create_credit_note(
        invoice,
        lines=[_line(staff, line) for line in payload.lines],
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, _fresh(staff, note.pk))


@router.get("/patients/{patient_id}/account", response={200: AccountOut})
def patient_account(request: HttpRequest, patient_id: int) -> Any:
    """What the patient owes (``balance`` > 0) or is owed (< 0) over their issued documents."""
    staff = require(request, Capability.VIEW_BILLING)
    patient = get_patient_for_user(staff, patient_id)
    account = selectors.account_of(patient)
    return {
        "patient": patient.pk,
        "currency": selectors.settings_for(staff.clinic).currency,
        "issued": money(account.issued_gross),
        "paid": money(account.paid),
        "balance": money(account.balance),
        "credit": money(selectors.credit_of(patient)),
    }


# --- Packages ---------------------------------------------------------------------------------------------


def _package_or_422(staff: StaffMember, package_id: int) -> Package:
    found = Package.objects.filter(clinic=staff.clinic, pk=package_id).first()
    if found is None:
        raise ValidationError({"package": [_("No such package at this clinic.")]})
    return found


def package_out(package: Package, *, today: Any, entries: bool = False) -> dict[str, Any]:
    summary = selectors.PackageSummary(package, package.expires_on < today)
    return {
        "id": package.pk,
        "patient": package.patient_id,
        "protocol": package.protocol_id,
        "name": package.name,
        "invoice": package.invoice_id,
        "status": package.status,
        "sessions_total": package.sessions_total,
        "sessions_used": package.sessions_used,
        "sessions_left": package.sessions_left,
        "price": money(package.price),
        "expires_on": package.expires_on,
        "expired": summary.expired,
        "course": package.course_id,
        "summary": summary.text,
        "refund_rule": summary.refund_rule,
        "refund_amount": money(summary.refund_amount),
        "entries": [
            {
                "kind": e.kind,
                "sessions": e.sessions,
                "amount": money(e.amount) if e.amount is not None else None,
                "session_record": e.session_record_id,
                "appointment": e.appointment_id,
                "payment": e.payment_id,
                "expires_on": e.expires_on,
                "reason": e.reason_text,
                "at": e.at,
            }
            for e in (selectors.ledger_of(package) if entries else [])
        ],
    }


@router.get("/patients/{patient_id}/packages", response={200: list[PackageOut]})
def patient_packages(request: HttpRequest, patient_id: int) -> Any:
    """The patient's packages, soonest expiry first, each with its summary (entries left out)."""
    staff = require(request, Capability.VIEW_BILLING)
    patient = get_patient_for_user(staff, patient_id)
    today = staff.clinic.today()
    return [package_out(s.package, today=today) for s in selectors.packages_of(patient, today=today)]


@router.get("/packages/{package_id}", response={200: PackageOut})
def get_package(request: HttpRequest, package_id: int) -> Any:
    """A package with its ledger (sale, draws, give-backs, expiry changes, refund)."""
    staff = require(request, Capability.VIEW_BILLING)
    found = selectors.get_package_for_user(staff, package_id)
    return package_out(found, today=staff.clinic.today(), entries=True)


@router.post("/packages/{package_id}/expiry", response={200: PackageOut})
def set_package_expiry(request: HttpRequest, package_id: int, payload: PackageExpiryIn) -> Any:
    """Move the expiry, with a reason (kept in the ledger)."""
    staff = require(request, Capability.REFUND_PAYMENTS)
    found = selectors.get_package_for_user(staff, package_id)
    services.set_package_expiry(
        found, expires_on=payload.expires_on, reason=payload.reason, actor=request.user
    )
    found.refresh_from_db()
    return package_out(found, today=staff.clinic.today(), entries=True)


@router.post("/packages/{package_id}/refund", response={201: PackageOut})
def refund_package(request: HttpRequest, package_id: int, payload: PackageRefundIn) -> Any:
    """Refund the unused sessions pro rata (``refund_rule``); another ``amount`` is the owner's, with
    ``override_reason``. The money goes back on the sale's payments."""
    staff = require(request, Capability.REFUND_PAYMENTS)
    found = selectors.get_package_for_user(staff, package_id)
    services.refund_package(
        found,
        reason=payload.reason,
        amount=payload.amount,
        override_reason=payload.override_reason,
        actor=request.user,
    )
    found.refresh_from_db()
    return Status(201, package_out(found, today=staff.clinic.today(), entries=True))


# --- Deposits and the cancellation policy -----------------------------------------------------------------


def policy_out(policy: CancellationPolicy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "protocol": policy.protocol_id,
        "deposit_kind": policy.deposit_kind,
        "deposit_value": money(policy.deposit_value),
        "deposit_base": policy.deposit_base,
        "deposit_online": policy.deposit_online,
        "late_cancel_hours": policy.late_cancel_hours,
        "late_cancel_cost": policy.late_cancel_cost,
        "no_show_cost": policy.no_show_cost,
        "fee": money(policy.fee),
        "waive_limit": money(policy.waive_limit),
    }


def deposit_out(deposit: Deposit) -> dict[str, Any]:
    return {
        "id": deposit.pk,
        "appointment": deposit.appointment_id,
        "method": deposit.method,
        "amount": money(deposit.amount),
        "status": deposit.status,
        "applied_to": deposit.applied_to_id,
        "received_at": deposit.received_at,
    }


def charge_out(charge: CancellationCharge) -> dict[str, Any]:
    return {
        "id": charge.pk,
        "appointment": charge.appointment_id,
        "reason": charge.reason,
        "cost": charge.cost,
        "amount": money(charge.amount),
        "status": charge.status,
        "invoice": charge.invoice_id,
        "waive_reason": charge.waive_reason,
    }


@router.get("/policies", response={200: list[PolicyOut]})
def list_policies(request: HttpRequest) -> Any:
    """The clinic's deposit and cancellation policy, and every protocol's own."""
    staff = require(request, Capability.VIEW_BILLING)
    return [policy_out(p) for p in selectors.policies(staff.clinic)]


@router.put("/policies", response={200: PolicyOut})
def put_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    """Set the clinic's policy (no ``protocol``) or a protocol's own, which overrides it."""
    staff = require(request, Capability.MANAGE_PRICES)
    protocol = None
    if payload.protocol is not None:
        protocol = Protocol.objects.filter(clinic=staff.clinic, pk=payload.protocol).first()
        if protocol is None:
            raise ValidationError({"protocol": [_("No such protocol at this clinic.")]})
    fields = payload.dict(exclude={"protocol"})
    policy = services.set_cancellation_policy(staff.clinic, protocol=protocol, actor=request.user, **fields)
    return policy_out(policy)


@router.post("/appointments/{appointment_id}/deposits", response={201: DepositOut})
def take_deposit(request: HttpRequest, appointment_id: int, payload: DepositIn) -> Any:
    """Take the booking's deposit (the policy's amount when none is given); it pays the first invoice."""
    staff = require(request, Capability.VIEW_SCHEDULE, Capability.TAKE_PAYMENTS)
    appointment = get_appointment_for_user(staff, appointment_id)
    deposit = services.take_deposit(
        appointment, method=payload.method, amount=payload.amount, actor=request.user
    )
    return Status(201, deposit_out(deposit))


@router.get("/patients/{patient_id}/charges", response={200: list[ChargeOut]})
def patient_charges(request: HttpRequest, patient_id: int) -> Any:
    """No-show and late-cancel charges of the patient, newest first, waived ones included."""
    staff = require(request, Capability.VIEW_BILLING)
    patient = get_patient_for_user(staff, patient_id)
    return [charge_out(c) for c in selectors.charges_of(patient)]


@router.get("/patients/{patient_id}/deposits", response={200: list[DepositOut]})
def patient_deposits(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.VIEW_BILLING)
    patient = get_patient_for_user(staff, patient_id)
    return [deposit_out(d) for d in selectors.deposits_of(patient)]


@router.post("/charges/{charge_id}/waive", response={200: ChargeOut})
def waive_charge(request: HttpRequest, charge_id: int, payload: WaiveIn) -> Any:
    """Waive a charge with a reason (audited); above the policy's limit only the owner may."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    charge = selectors.get_charge_for_user(staff, charge_id)
    return charge_out(services.waive_charge(charge, reason=payload.reason, actor=request.user))


# --- Online card payments through Stripe (billing.online) ---------------------------------------------------


class PaymentIntentIn(Schema):
    amount: str | None = Field(
        default=None,
        description="What to pay online; the balance (or the policy's deposit) when omitted.",
        max_length=20,
    )


class PaymentIntentOut(Schema):
    id: int
    kind: str = Field(description='"deposit", "balance" or "fee".')
    intent_id: str = Field(description="Stripe's PaymentIntent id (pi_…).")
    amount: str
    currency: str
    status: str = Field(description='"pending", "succeeded" or "failed".')
    url: str = Field(
        description="The patient's payment page (the reference in it is the key: send it only to them)."
    )
    invoice: int | None = None
    appointment: int | None = None
    payment: int | None = Field(
        default=None, description="The payment it became, once Stripe says it succeeded."
    )
    deposit: int | None = Field(default=None, description="The deposit it became (a deposit intent).")


def online_payment_out(request: HttpRequest, online_payment: OnlinePayment) -> dict[str, Any]:
    return {
        "id": online_payment.pk,
        "kind": online_payment.kind,
        "intent_id": online_payment.intent_id,
        "amount": money(online_payment.amount),
        "currency": online_payment.currency,
        "status": online_payment.status,
        "url": request.build_absolute_uri(reverse("billing_online:pay", args=[online_payment.reference])),
        "invoice": online_payment.invoice_id,
        "appointment": online_payment.appointment_id,
        "payment": online_payment.payment_id,
        "deposit": online_payment.deposit_id,
    }


@router.post("/invoices/{invoice_id}/payment-intents", response={201: PaymentIntentOut})
def start_payment_intent(request: HttpRequest, invoice_id: int, payload: PaymentIntentIn) -> Any:
    """A Stripe PaymentIntent for (part of) an issued document's balance, and the patient's page to pay it by
    card. 422 naming ``method`` when Stripe is not configured, ``amount`` above the balance."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    started = online.start_balance(invoice, amount=payload.amount, actor=request.user)
    return Status(201, online_payment_out(request, started))


@router.post("/appointments/{appointment_id}/deposit-intents", response={201: PaymentIntentOut})
def start_deposit_intent(request: HttpRequest, appointment_id: int, payload: PaymentIntentIn) -> Any:
    """A Stripe PaymentIntent for the booking's deposit (the policy's amount unless ``amount`` is given)."""
    staff = require(request, Capability.VIEW_SCHEDULE, Capability.TAKE_PAYMENTS)
    appointment = get_appointment_for_user(staff, appointment_id)
    started = online.start_deposit(appointment, amount=payload.amount, actor=request.user)
    return Status(201, online_payment_out(request, started))


@router.get("/payment-intents/{online_payment_id}", response={200: PaymentIntentOut})
def get_payment_intent(request: HttpRequest, online_payment_id: int) -> Any:
    staff = require(request, Capability.VIEW_BILLING)
    return online_payment_out(request, selectors.get_online_payment_for_user(staff, online_payment_id))


# --- Gift cards -------------------------------------------------------------------------------------------


def gift_card_out(card: GiftCard, *, today: Any) -> dict[str, Any]:
    return {
        "id": card.pk,
        "code": card.code,
        "currency": card.currency,
        "amount": money(card.amount),
        "balance": money(card.balance),
        "expires_on": card.expires_on,
        "expired": card.expires_on < today,
        "usable": giftcards.is_usable(card, today),
        "invoice": card.invoice_id,
        "patient": card.patient_id,
        "entries": [
            {
                "kind": e.kind,
                "amount": money(e.amount),
                "balance": money(e.balance),
                "payment": e.payment_id,
                "invoice": e.payment.invoice_id if e.payment is not None else e.document_id,
                "expires_on": e.expires_on,
                "reason": e.reason_text,
                "at": e.at,
            }
            for e in giftcards.ledger_of(card)
        ],
    }


@router.get("/gift-cards/{code}", response={200: GiftCardOut})
def get_gift_card(request: HttpRequest, code: str) -> Any:
    """A gift card by its code (any case, with or without dashes): balance, expiry and ledger. It is
    redeemed by ``POST /invoices/{id}/payments`` with ``method`` ``gift_card`` and its ``code``."""
    staff = require(request, Capability.VIEW_BILLING)
    card = giftcards.get_gift_card_for_user(staff, code)
    return gift_card_out(card, today=staff.clinic.today())


@router.post("/gift-cards/{code}/expiry", response={200: GiftCardOut})
def set_gift_card_expiry(request: HttpRequest, code: str, payload: GiftCardExpiryIn) -> Any:
    """Move the card's expiry, with a reason (kept in its ledger)."""
    staff = require(request, Capability.REFUND_PAYMENTS)
    card = giftcards.get_gift_card_for_user(staff, code)
    card = giftcards.set_expiry(
        card, expires_on=payload.expires_on, reason=payload.reason, actor=request.user
    )
    return gift_card_out(card, today=staff.clinic.today())


# --- Documents as PDF --------------------------------------------------------------------------------------


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None},
    openapi_extra={
        "responses": {
            "200": {"description": "The issued document as a PDF.", "content": {"application/pdf": {}}}
        }
    },
)
def document_pdf(request: HttpRequest, invoice_id: int) -> Any:
    """The issued document as a PDF (the print view's template, in the clinic's language); a draft is 404."""
    staff = require(request, Capability.VIEW_BILLING)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    response = HttpResponse(documents.render_pdf(invoice, staff.clinic), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{documents.filename(invoice)}"'
    return response


@router.post("/invoices/{invoice_id}/email", response={200: DocumentEmailOut})
def email_document(request: HttpRequest, invoice_id: int, payload: DocumentEmailIn) -> Any:
    """E-mail the issued document as a PDF to ``to``, or the patient's address when empty."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    invoice = selectors.get_invoice_for_user(staff, invoice_id)
    return {"sent_to": documents.email_document(invoice, actor=request.user, to=payload.to)}


# --- Cash-up ----------------------------------------------------------------------------------------------


def cash_up_out(cash_up: Any) -> dict[str, Any]:
    return {
        "id": cash_up.pk,
        "location_id": cash_up.location_id,
        "day": cash_up.day,
        "expected": dict(cash_up.expected),
        "counted": dict(cash_up.counted),
        "difference": money(cash_up.difference),
        "reason": cash_up.reason,
        "closed_at": cash_up.closed_at,
        "closed_by": str(cash_up.closed_by) if cash_up.closed_by is not None else None,
    }


@router.get("/cash-ups", response={200: list[CashUpOut]})
def list_cash_ups(
    request: HttpRequest, location_id: int | None = None, start: date | None = None, end: date | None = None
) -> Any:
    """The closed days, newest first (at most 366), of one location or all, optionally between two days."""
    staff = require(request, Capability.VIEW_BILLING)
    found = selectors.cash_ups(staff.clinic)
    if location_id is not None:
        found = found.filter(location=get_location_for_user(staff, location_id))
    if start is not None:
        found = found.filter(day__gte=start)
    if end is not None:
        found = found.filter(day__lte=end)
    return [cash_up_out(c) for c in found[:366]]


@router.get("/cash-ups/day", response={200: CashDayOut})
def cash_day(request: HttpRequest, location_id: int, day: date | None = None) -> Any:
    """A location's day (default today): what its payments say per method, and its cash-up once closed."""
    staff = require(request, Capability.VIEW_BILLING)
    location = get_location_for_user(staff, location_id)
    on = day or staff.clinic.today()
    closed = selectors.cash_up_for(location, on)
    return {
        "location_id": location.pk,
        "day": on,
        "expected": {k: money(v) for k, v in selectors.cash_expected(location, on).items()},
        "closed": cash_up_out(closed) if closed is not None else None,
    }


@router.post("/cash-ups", response={201: CashUpOut})
def close_day(request: HttpRequest, payload: CashUpIn) -> Any:
    """Close a location's day with what was counted per method; a difference needs a ``reason`` and the
    owner. Closing locks the day's payments there. Refused values are 422 naming the field."""
    staff = require(request, Capability.TAKE_PAYMENTS)
    location = get_location_for_user(staff, payload.location_id)
    cash_up = services.close_day(
        location, day=payload.day, counted=payload.counted, reason=payload.reason, actor=request.user
    )
    return Status(201, cash_up_out(selectors.cash_ups(staff.clinic).get(pk=cash_up.pk)))
