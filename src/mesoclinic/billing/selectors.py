"""Reads about money: a clinic's billing settings and price list, documents and their access helpers,
a patient's balance."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from mesoclinic.accounts.models import Clinic, Location, StaffMember
from mesoclinic.billing.engine import packages, policy, vat
from mesoclinic.billing.models import (
    BillingSettings,
    CancellationCharge,
    CancellationPolicy,
    CashUp,
    CreditEntry,
    Deposit,
    DepositBase,
    DepositStatus,
    DocumentStatus,
    Invoice,
    InvoiceLine,
    OnlinePayment,
    Package,
    PackageEntry,
    PackageStatus,
    Payment,
    PriceItem,
    SavedCard,
    SavedCardStatus,
)
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import HOLDING_STATUSES, Appointment
from mesoclinic.scheduling.selectors import day_bounds


def settings_for(clinic: Clinic) -> BillingSettings:
    """The clinic's billing settings; until it saves its own, the defaults of its country (unsaved)."""
    found = BillingSettings.objects.filter(clinic=clinic).first()
    if found is not None:
        return found
    country = (clinic.country or "").upper()
    return BillingSettings(
        clinic=clinic,
        # accounts.Clinic knows its country's currency; the engine's table covers a country it leaves blank.
        currency=clinic.currency or vat.DEFAULT_CURRENCY.get(country, "EUR"),
        vat_rates=list(vat.DEFAULT_RATES.get(country, ("0", vat.EXEMPT))),
        seller_name=clinic.name,
    )


def price_items(clinic: Clinic, *, kind: str = "", active_only: bool = False) -> QuerySet[PriceItem]:
    items = PriceItem.objects.filter(clinic=clinic).select_related("protocol", "product")
    if kind:
        items = items.filter(kind=kind)
    if active_only:
        items = items.filter(is_active=True)
    return items


def get_price_item_for_user(staff: StaffMember | None, item_id: Any) -> PriceItem:
    """A price item of the caller's clinic; 404 for another clinic's or an unknown id."""
    if staff is None:
        raise Http404
    item = (
        PriceItem.objects.filter(
            clinic=staff.clinic,
            pk=item_id,
        )
        .select_related("protocol", "product")
        .first()
    )
    if item is None:
        raise Http404("No such price item.")
    return item


def session_price_for(clinic: Clinic, protocol_id: int) -> PriceItem | None:
    return PriceItem.objects.filter(
        clinic=clinic, kind="session", protocol_id=protocol_id, is_active=True
    ).first()


def documents_for_clinic(clinic: Clinic, *, status: str = "", search: str = "") -> QuerySet[Invoice]:
    documents = Invoice.objects.filter(clinic=clinic).select_related("patient")
    if status:
        documents = documents.filter(status=status)
    if search:
        documents = documents.filter(
            Q(number__icontains=search)
            | Q(patient__family_name__icontains=search)
            | Q(buyer_name__icontains=search)
        )
    return documents


def documents_for_patient(patient: Patient) -> QuerySet[Invoice]:
    return Invoice.objects.filter(patient=patient).select_related("corrects")


def get_invoice_for_user(staff: StaffMember | None, invoice_id: Any) -> Invoice:
    """A document of the caller's clinic, with its patient; 404 for another clinic's or an unknown id."""
    if staff is None:
        raise Http404
    invoice = (
        Invoice.objects.filter(
            clinic=staff.clinic,
            pk=invoice_id,
        )
        .select_related("patient", "corrects", "appointment")
        .first()
    )
    if invoice is None:
        raise Http404("No such document.")
    return invoice


def get_line_for_invoice(invoice: Invoice, line_id: Any) -> InvoiceLine:
    line = InvoiceLine.objects.filter(invoice=invoice, pk=line_id).first()
    if line is None:
        raise Http404("No such line on this document.")
    return line


def get_payment_for_user(staff: StaffMember | None, payment_id: Any) -> Payment:
    """A payment on a document of the caller's clinic; 404 otherwise."""
    if staff is None:
        raise Http404
    payment = (
        Payment.objects.filter(
            invoice__clinic=staff.clinic,
            pk=payment_id,
        )
        .select_related("invoice")
        .first()
    )
    if payment is None:
        raise Http404("No such payment.")
    return payment


def lines_of(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.all())


def payments_of(invoice: Invoice) -> list[Payment]:
    return list(invoice.payments.all())


def totals_of(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> vat.Totals:
    """The VAT table of a document from its lines (a credit note's amounts are shown negative)."""
    rows = lines if lines is not None else lines_of(invoice)
    totals = vat.compute_totals(
        vat.Line(quantity=r.quantity, unit_price=r.unit_price, vat_rate=r.vat_rate, discount=r.discount)
        for r in rows
    )
    if invoice.kind != "credit_note":
        return totals
    return vat.Totals(
        net=-totals.net,
        vat=-totals.vat,
        gross=-totals.gross,
        by_rate=tuple(
            vat.RateTotal(rate=r.rate, net=-r.net, vat=-r.vat, gross=-r.gross) for r in totals.by_rate
        ),
    )


def refundable(payment: Payment) -> Decimal:
    """What is left of a payment to refund: its amount less its refunds (refunds are negative rows)."""
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    return vat.round_half_up(payment.amount + refunded)


def credited(invoice: Invoice) -> Decimal:
    """How much of an issued document its credit notes have already credited (a positive amount)."""
    total = invoice.credit_notes.filter(status=DocumentStatus.ISSUED).aggregate(total=Sum("gross"))["total"]
    return -vat.round_half_up(total or Decimal("0.00"))


@dataclass(frozen=True)
class Account:
    """A patient's money at the clinic: ``balance`` > 0 they owe, < 0 the clinic owes them."""

    issued_gross: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.issued_gross - self.paid


def account_of(patient: Patient) -> Account:
    """One aggregate over the patient's issued documents (credit notes negative) and what was paid on them."""
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    issued = Q(status=DocumentStatus.ISSUED)
    row = Invoice.objects.filter(patient=patient).aggregate(
        issued_gross=Coalesce(Sum("gross", filter=issued), zero),
        issued_paid=Coalesce(Sum("paid", filter=issued), zero),
    )
    # SQLite's SUM of decimals drops trailing zeros ("300"): give every amount its two places back.
    return Account(
        issued_gross=vat.round_half_up(row["issued_gross"]), paid=vat.round_half_up(row["issued_paid"])
    )


# ---------------------------------------------------------------------------------------------------------
# Packages


def open_course_id(patient: Patient, protocol_id: int | None) -> int | None:
    """The patient's booked series of the protocol not yet linked to an active package, newest first."""
    linked = Package.objects.filter(
        patient=patient, status=PackageStatus.ACTIVE, course_id__isnull=False
    ).values_list("course_id", flat=True)
    if protocol_id is None:
        return None
    return (
        Appointment.objects.filter(
            patient=patient, protocol_id=protocol_id, course__isnull=False, status__in=HOLDING_STATUSES
        )
        .exclude(course_id__in=list(linked))
        .order_by("-course_id")
        .values_list("course_id", flat=True)
        .first()
    )


def drawable_packages(
    patient: Patient, protocol_id: int, *, on: date, course_id: int | None
) -> list[Package]:
    """Packages a session of ``protocol_id`` on ``on`` may draw from: the series' own first, then soonest
    expiry (an expired, refunded or used-up one is left out, as is one linked to another series)."""
    found = [
        p
        for p in Package.objects.filter(
            patient=patient, protocol_id=protocol_id, status=PackageStatus.ACTIVE, expires_on__gte=on
        ).order_by("expires_on", "id")
        if p.sessions_left > 0 and p.course_id in (None, course_id)
    ]
    found.sort(key=lambda p: p.course_id is None or p.course_id != course_id)
    return found


@dataclass(frozen=True)
class PackageSummary:
    package: Package
    expired: bool

    @property
    def text(self) -> str:
        p = self.package
        return packages.summary(p.sessions_left, p.sessions_total, p.expires_on)

    @property
    def refund_rule(self) -> str:
        return packages.REFUND_RULE

    @property
    def refund_amount(self) -> Decimal:
        p = self.package
        return packages.pro_rata_refund(p.price, p.sessions_total, p.sessions_left)


def packages_of(patient: Patient, *, today: date, active_only: bool = False) -> list[PackageSummary]:
    rows = Package.objects.filter(patient=patient).select_related("protocol", "invoice")
    if active_only:
        rows = rows.filter(status=PackageStatus.ACTIVE, expires_on__gte=today)
    return [PackageSummary(p, p.expires_on < today) for p in rows]


def active_packages_for(patient_ids: Iterable[int], *, today: date) -> dict[int, list[PackageSummary]]:
    """Every listed patient's usable packages in one query (Today's rows)."""
    out: dict[int, list[PackageSummary]] = {}
    for p in Package.objects.filter(
        patient_id__in=list(patient_ids), status=PackageStatus.ACTIVE, expires_on__gte=today
    ).select_related("protocol"):
        if p.sessions_left > 0:
            out.setdefault(p.patient_id, []).append(PackageSummary(p, expired=False))
    return out


def get_package_for_user(staff: StaffMember | None, package_id: Any) -> Package:
    """A package of the caller's clinic; 404 for another clinic's or an unknown id."""
    if staff is None:
        raise Http404
    package = (
        Package.objects.filter(clinic=staff.clinic, pk=package_id)
        .select_related("patient", "protocol", "invoice")
        .first()
    )
    if package is None:
        raise Http404("No such package.")
    return package


def ledger_of(package: Package) -> list[PackageEntry]:
    return list(package.entries.select_related("by", "payment"))


# ---------------------------------------------------------------------------------------------------------
# Deposits and the cancellation policy


def policy_for(clinic: Clinic, protocol_id: int | None) -> CancellationPolicy | None:
    """The protocol's own policy, else the clinic's, else none (nothing is charged)."""
    found = {
        p.protocol_id: p
        for p in CancellationPolicy.objects.filter(clinic=clinic).filter(
            Q(protocol__isnull=True) | Q(protocol_id=protocol_id)
        )
    }
    return found.get(protocol_id) or found.get(None)


def policies(clinic: Clinic) -> list[CancellationPolicy]:
    return list(
        CancellationPolicy.objects.filter(clinic=clinic).select_related("protocol").order_by("-protocol")
    )


def deposit_due(appointment: Appointment) -> Decimal:
    """What the policy asks as a deposit for this booking (0.00 without a policy or a deposit rule)."""
    rule = policy_for(appointment.clinic, appointment.protocol_id)
    if rule is None:
        return Decimal("0.00")
    kind = "package" if rule.deposit_base == DepositBase.PACKAGE else "session"
    item = PriceItem.objects.filter(
        clinic=appointment.clinic, kind=kind, protocol_id=appointment.protocol_id, is_active=True
    ).first()
    base = item.unit_price if item is not None else (appointment.protocol.price or Decimal("0.00"))
    return policy.deposit_amount(rule.deposit_kind, rule.deposit_value, base)


def held_deposit(appointment: Appointment, *, lock: bool = False) -> Deposit | None:
    """The booking's deposit still held: taken for this appointment, or for its series."""
    match = Q(appointment=appointment)
    if appointment.course_id is not None:
        match |= Q(course_id=appointment.course_id)
    rows = Deposit.objects.filter(match, status=DepositStatus.HELD).order_by("received_at", "id")
    if lock:
        rows = rows.select_for_update()
    return rows.first()


def deposits_of(patient: Patient) -> Sequence[Deposit]:
    """The patient's deposits with their refunds, and whether each was paid online (``paid_online``)."""
    rows = list(
        Deposit.objects.filter(patient=patient)
        .select_related("appointment")
        .prefetch_related("refunds")
        .annotate(paid_online=Exists(OnlinePayment.objects.filter(deposit=OuterRef("pk"))))
    )
    return rows


def get_deposit_for_user(staff: StaffMember | None, deposit_id: Any) -> Deposit:
    """A deposit of the caller's clinic, or 404."""
    if staff is None:
        raise Http404
    found = Deposit.objects.filter(clinic_id=staff.clinic_id, pk=deposit_id).first()
    if found is None:
        raise Http404("No such deposit.")
    return found


def charges_of(patient: Patient) -> list[CancellationCharge]:
    return list(CancellationCharge.objects.filter(patient=patient).select_related("appointment", "invoice"))


def get_charge_for_user(staff: StaffMember | None, charge_id: Any) -> CancellationCharge:
    if staff is None:
        raise Http404
    charge = (
        CancellationCharge.objects.filter(clinic=staff.clinic, pk=charge_id)
        .select_related("appointment", "patient")
        .first()
    )
    if charge is None:
        raise Http404("No such charge.")
    return charge


# ---------------------------------------------------------------------------------------------------------
# Balances and credit


def credit_of(patient: Patient) -> Decimal:
    """The patient's credit with the clinic: overpayments put to credit less credit spent."""
    total = CreditEntry.objects.filter(patient=patient).aggregate(total=Sum("amount"))["total"]
    return vat.round_half_up(total or Decimal("0.00"))


@dataclass(frozen=True)
class Standing:
    """What Today shows of a patient's money: owed on issued documents, and credit."""

    owed: Decimal
    credit: Decimal


def standings_for(patient_ids: Iterable[int]) -> dict[int, Standing]:
    """Owed and credit of each listed patient with either, in two grouped queries (Today's rows)."""
    ids = list(patient_ids)
    owed: dict[int, Decimal] = {}
    for row in (
        Invoice.objects.filter(patient_id__in=ids, status=DocumentStatus.ISSUED)
        .values("patient_id")
        .annotate(gross=Sum("gross"), paid=Sum("paid"))
    ):
        owed[row["patient_id"]] = vat.round_half_up(
            (row["gross"] or Decimal(0)) - (row["paid"] or Decimal(0))
        )
    credit = {
        row["patient_id"]: vat.round_half_up(row["total"] or Decimal(0))
        for row in CreditEntry.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(total=Sum("amount"))
    }
    out = {}
    for pid in ids:
        standing = Standing(owed.get(pid, Decimal("0.00")), credit.get(pid, Decimal("0.00")))
        if standing.owed or standing.credit:
            out[pid] = standing
    return out


# ---------------------------------------------------------------------------------------------------------
# Cash-up

CASH_UP_METHODS = ("cash", "card_terminal")
"""Money a till receives; package sessions, deposits applied and credit spent move no money that day."""


def cash_expected(location: Location, day: date) -> dict[str, Decimal]:
    """Per money method, what the day's payments (refunds negative), overpayments put to credit and
    deposits taken at the location add up to."""
    start, end = day_bounds(location, day)
    totals = {m: Decimal("0.00") for m in CASH_UP_METHODS}
    rows = [
        Payment.objects.filter(location=location, received_at__gte=start, received_at__lt=end),
        CreditEntry.objects.filter(payment__location=location, at__gte=start, at__lt=end, amount__gt=0),
        Deposit.objects.filter(location=location, received_at__gte=start, received_at__lt=end),
    ]
    for query in rows:
        for row in query.filter(method__in=CASH_UP_METHODS).values("method").annotate(total=Sum("amount")):
            totals[row["method"]] += vat.round_half_up(row["total"] or Decimal("0.00"))
    return totals


def cash_up_for(location: Location, day: date) -> CashUp | None:
    return CashUp.objects.filter(location=location, day=day).select_related("closed_by").first()


def cash_ups(clinic: Clinic) -> QuerySet[CashUp]:
    return CashUp.objects.filter(clinic=clinic).select_related("location", "closed_by")


def saved_card_of(patient: Patient) -> SavedCard | None:
    """The card the patient saved for fees (with consent), if any is saved now."""
    return SavedCard.objects.filter(patient=patient, status=SavedCardStatus.ACTIVE).first()


def online_payments_for_clinic(clinic: Clinic, *, status: str = "") -> QuerySet[OnlinePayment]:
    """The clinic's payment links (PaymentIntents), newest first, with what they pay: one query a page."""
    found = OnlinePayment.objects.filter(clinic=clinic).select_related(
        "patient", "invoice", "appointment__protocol", "created_by"
    )
    return found.filter(status=status) if status else found


def get_online_payment_for_user(staff: StaffMember | None, online_payment_id: Any) -> OnlinePayment:
    """An online payment (a PaymentIntent) of the caller's clinic, or 404."""
    if staff is None:
        raise Http404
    found = (
        OnlinePayment.objects.filter(pk=online_payment_id, clinic_id=staff.clinic_id).first()
        if str(online_payment_id).isdigit()
        else None
    )
    if found is None:
        raise Http404
    return found
