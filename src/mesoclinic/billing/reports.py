"""Money reports, aggregated in SQL (a grouped query per figure, never a loop over documents in Python).

**Revenue** is what issued documents (credit notes negative) sold in a period, gross, by the day they were
issued in the clinic's time zone, less two things that are not revenue of that document:

- what **package sessions** paid on it: the package's sale was the revenue, so a session drawn from it does
  not count again (its ``package_session`` payments, refunds included, are taken off);
- **gift-card** lines: selling a gift card is money held for the holder (see ``gift_cards_outstanding``);
  the visit it later pays for is the revenue.

Grouped by day, ISO week or month, or by the modality, practitioner or location of the document's
appointment ("Not from a visit" for a sale without one). The **VAT** report sums the documents' VAT tables as issued
(``DocumentRate``), so it equals what the documents state. Point-in-time figures (outstanding balances,
package liability, deposits held, gift cards outstanding) are as of now.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy

from mesoclinic.accounts.models import Clinic
from mesoclinic.billing.engine import vat
from mesoclinic.billing.models import (
    CancellationCharge,
    Deposit,
    DepositStatus,
    DocumentRate,
    DocumentStatus,
    GiftCard,
    Invoice,
    InvoiceLine,
    ItemKind,
    Package,
    PackageStatus,
    Payment,
    PaymentMethod,
)

ZERO = Decimal("0.00")
PERIODS = ("day", "week", "month")
GROUPS = (*PERIODS, "modality", "practitioner", "location")
# The document's attribute each grouping reads (a path from Invoice).
_GROUP_PATH = {
    "modality": "appointment__protocol__modality__name",
    "practitioner": "appointment__practitioner__display_name",
    "location": "appointment__location__name",
}
_TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
NONE_LABEL = gettext_lazy("Not from a visit")  # a sale at the desk: no appointment, practitioner or modality


@dataclass(frozen=True)
class Row:
    """One group of a report: its label (a date's ISO form for a period) and its figures."""

    label: str
    amount: Decimal
    count: int = 0


@dataclass(frozen=True)
class VatRow:
    period: str
    rate: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    documents: int


@dataclass(frozen=True)
class Balance:
    patient_id: int
    name: str
    owed: Decimal


@dataclass(frozen=True)
class Standing:
    """A point-in-time figure: how much, over how many rows."""

    amount: Decimal
    count: int


def _money(value: Any) -> Decimal:
    return vat.round_half_up(Decimal(value)) if value is not None else ZERO


def _tz(clinic: Clinic) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(clinic.timezone)


def bounds(clinic: Clinic, first: date, last: date) -> tuple[datetime, datetime]:
    """The aware start of ``first`` and end of ``last`` in the clinic's time zone."""
    tz = _tz(clinic)
    return datetime.combine(first, time(), tz), datetime.combine(last + timedelta(days=1), time(), tz)


def issued(clinic: Clinic, first: date, last: date, *, location_id: int | None = None) -> QuerySet[Invoice]:
    """The clinic's documents issued in the period (at a location: those of its appointments)."""
    start, end = bounds(clinic, first, last)
    found = Invoice.objects.filter(
        clinic=clinic, status=DocumentStatus.ISSUED, issued_at__gte=start, issued_at__lt=end
    )
    if location_id is not None:
        found = found.filter(appointment__location_id=location_id)
    return found


def _key(clinic: Clinic, group: str, prefix: str = "") -> Any:
    if group in _TRUNC:
        return _TRUNC[group](f"{prefix}issued_at", tzinfo=_tz(clinic))
    return F(f"{prefix}{_GROUP_PATH[group]}")


def _label(value: Any) -> str:
    if value is None:
        return str(NONE_LABEL)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def revenue(
    clinic: Clinic, first: date, last: date, *, group: str = "month", location_id: int | None = None
) -> list[Row]:
    """Revenue (gross) per group: documents' gross − gift-card lines − package-session payments, each one
    grouped query; ``count`` is the number of documents."""
    if group not in GROUPS:
        raise ValueError(f"unknown grouping {group!r}")
    docs = issued(clinic, first, last, location_id=location_id)
    sold = dict(
        (row["k"], (row["gross"], row["n"]))
        for row in docs.values(k=_key(clinic, group)).annotate(gross=Sum("gross"), n=Count("pk"))
    )
    cards = dict(
        (row["k"], row["gross"])
        for row in InvoiceLine.objects.filter(invoice__in=docs, item__kind=ItemKind.GIFT_CARD)
        .values(k=_key(clinic, group, "invoice__"))
        .annotate(gross=Sum("gross"))
    )
    drawn = dict(
        (row["k"], row["amount"])
        for row in Payment.objects.filter(invoice__in=docs, method=PaymentMethod.PACKAGE_SESSION)
        .values(k=_key(clinic, group, "invoice__"))
        .annotate(amount=Sum("amount"))
    )
    rows = [
        Row(_label(k), _money(gross) - _money(cards.get(k)) - _money(drawn.get(k)), n)
        for k, (gross, n) in sold.items()
    ]
    if group in PERIODS:
        return sorted(rows, key=lambda r: r.label)
    return sorted(rows, key=lambda r: (-r.amount, r.label))


def payments_by_method(
    clinic: Clinic, first: date, last: date, *, location_id: int | None = None
) -> list[Row]:
    """Money received in the period per method (refunds taken off), by when it was received."""
    start, end = bounds(clinic, first, last)
    found = Payment.objects.filter(invoice__clinic=clinic, received_at__gte=start, received_at__lt=end)
    if location_id is not None:
        found = found.filter(location_id=location_id)
    labels = dict(PaymentMethod.choices)
    return [
        Row(str(labels.get(row["method"], row["method"])), _money(row["amount"]), row["n"])
        for row in found.values("method").annotate(amount=Sum("amount"), n=Count("pk")).order_by("method")
    ]


def vat_by_rate(
    clinic: Clinic, first: date, last: date, *, period: str = "month", location_id: int | None = None
) -> list[VatRow]:
    """Net, VAT and gross per period and rate, from the documents' VAT tables as issued.

    The rows carry their document's clinic and the day it was issued (in the clinic's time zone), so the
    clinic's year is summed per day and rate from one covering index (an index-only scan on PostgreSQL,
    no join to the documents; a location's report joins its appointments), and the days are put into their
    week or month here: a year is at most 366 days × its rates. A document has one row per rate (a unique
    constraint), so the rows counted per period and rate are its documents."""
    if period not in _TRUNC:
        raise ValueError(f"unknown period {period!r}")
    found = DocumentRate.objects.filter(clinic=clinic, issued_on__gte=first, issued_on__lte=last)
    if location_id is not None:
        found = found.filter(invoice__appointment__location_id=location_id)
    sums: dict[tuple[date, str], list[Any]] = {}
    for r in (
        found.values("issued_on", "rate")
        .annotate(net=Sum("net"), vat=Sum("vat"), gross=Sum("gross"), n=Count("pk"))
        .order_by()
    ):
        day = r["issued_on"]
        if day is None:  # never: issuing writes the day and migration 0010 gave the older rows theirs
            continue
        start = {"day": day, "week": day - timedelta(days=day.weekday()), "month": day.replace(day=1)}[period]
        into = sums.setdefault((start, r["rate"]), [Decimal(0), Decimal(0), Decimal(0), 0])
        into[0] += r["net"]
        into[1] += r["vat"]
        into[2] += r["gross"]
        into[3] += r["n"]
    return [
        VatRow(start.isoformat(), rate, _money(net), _money(vat), _money(gross), n)
        for (start, rate), (net, vat, gross, n) in sorted(sums.items())
    ]


def outstanding(clinic: Clinic, *, limit: int = 50) -> tuple[Standing, list[Balance]]:
    """What patients owe on issued documents now: the total, and the largest balances (most owed first)."""
    owed = ExpressionWrapper(
        Sum("gross") - Sum("paid"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    per_patient = (
        Invoice.objects.filter(clinic=clinic, status=DocumentStatus.ISSUED)
        .values("patient_id", "patient__given_name", "patient__family_name")
        .annotate(owed=owed)
        .filter(owed__gt=0)
    )
    total = Invoice.objects.filter(
        clinic=clinic, status=DocumentStatus.ISSUED, gross__gt=F("paid")
    ).aggregate(amount=Sum(F("gross") - F("paid")), n=Count("patient_id", distinct=True))
    top = per_patient.order_by("-owed", "patient_id")[:limit]
    return Standing(_money(total["amount"]), total["n"] or 0), [
        Balance(r["patient_id"], f"{r['patient__given_name']} {r['patient__family_name']}", _money(r["owed"]))
        for r in top
    ]


def package_liability(clinic: Clinic, today: date) -> tuple[Standing, Standing]:
    """Prepaid sessions not yet delivered, in money (price × sessions left ÷ sessions sold), of the active
    packages still valid; and, apart, those left unused in expired packages (no longer owed)."""
    left = F("sessions_total") - F("sessions_used") - F("sessions_refunded")
    value = ExpressionWrapper(
        F("price") * left / F("sessions_total"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    active = Package.objects.filter(
        clinic=clinic,
        status=PackageStatus.ACTIVE,
        sessions_used__lt=F("sessions_total") - F("sessions_refunded"),
    )
    figures = active.aggregate(
        valid=Sum(value, filter=Q(expires_on__gte=today)),
        valid_n=Count("pk", filter=Q(expires_on__gte=today)),
        expired=Sum(value, filter=Q(expires_on__lt=today)),
        expired_n=Count("pk", filter=Q(expires_on__lt=today)),
    )
    return (
        Standing(_money(figures["valid"]), figures["valid_n"]),
        Standing(_money(figures["expired"]), figures["expired_n"]),
    )


def deposits_held(clinic: Clinic) -> Standing:
    figures = Deposit.objects.filter(clinic=clinic, status=DepositStatus.HELD).aggregate(
        amount=Sum(F("amount") - F("refunded")), n=Count("pk")
    )
    return Standing(_money(figures["amount"]), figures["n"])


def gift_cards_outstanding(clinic: Clinic, today: date) -> tuple[Standing, Standing]:
    """What is left on valid gift cards (money held for their holders), and on expired ones."""
    figures = GiftCard.objects.filter(clinic=clinic, balance__gt=0).aggregate(
        valid=Sum("balance", filter=Q(expires_on__gte=today)),
        valid_n=Count("pk", filter=Q(expires_on__gte=today)),
        expired=Sum("balance", filter=Q(expires_on__lt=today)),
        expired_n=Count("pk", filter=Q(expires_on__lt=today)),
    )
    return (
        Standing(_money(figures["valid"]), figures["valid_n"]),
        Standing(_money(figures["expired"]), figures["expired_n"]),
    )


@dataclass(frozen=True)
class ChargeRow:
    reason: str
    status: str
    amount: Decimal
    count: int


def cancellation_charges(clinic: Clinic, first: date, last: date) -> list[ChargeRow]:
    """No-show and late-cancel charges applied in the period, charged and waived, with their amounts."""
    start, end = bounds(clinic, first, last)
    rows = (
        CancellationCharge.objects.filter(clinic=clinic, created_at__gte=start, created_at__lt=end)
        .values("reason", "status")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by("reason", "status")
    )
    return [ChargeRow(r["reason"], r["status"], _money(r["amount"]), r["n"]) for r in rows]


# ---------------------------------------------------------------------------------------------------------
# The accounting export

DOCUMENT_COLUMNS = [
    "number",
    "kind",
    "issued_on",
    "corrects",
    "buyer_kind",
    "buyer_name",
    "buyer_tax_id",
    "patient_id",
    "currency",
    "vat_rate",
    "net",
    "vat",
    "gross",
]
PAYMENT_COLUMNS = [
    "payment_id",
    "received_on",
    "document",
    "method",
    "amount",
    "refund_of",
    "reason",
    "location",
    "currency",
]


def document_rows(clinic: Clinic, first: date, last: date) -> Any:
    """One row per issued document and VAT rate (``DOCUMENT_COLUMNS``), in number order, streamed."""
    tz = _tz(clinic)
    rows = (
        DocumentRate.objects.filter(invoice__in=issued(clinic, first, last))
        .select_related("invoice", "invoice__corrects")
        .order_by("invoice__kind", "invoice__year", "invoice__seq", "id")
    )
    for r in rows.iterator(chunk_size=2000):
        doc = r.invoice
        assert doc.issued_at is not None  # noqa: S101 — issued documents only
        yield [
            doc.number,
            doc.kind,
            doc.issued_at.astimezone(tz).date(),
            doc.corrects.number if doc.corrects is not None else "",
            doc.buyer_kind,
            doc.buyer_name,
            doc.buyer_tax_id,
            doc.patient_id,
            doc.currency,
            r.rate,
            r.net,
            r.vat,
            r.gross,
        ]


def payment_rows(clinic: Clinic, first: date, last: date) -> Any:
    """One row per payment or refund received in the period (``PAYMENT_COLUMNS``), in time order."""
    tz = _tz(clinic)
    start, end = bounds(clinic, first, last)
    rows = (
        Payment.objects.filter(invoice__clinic=clinic, received_at__gte=start, received_at__lt=end)
        .select_related("invoice", "location")
        .order_by("received_at", "id")
    )
    for p in rows.iterator(chunk_size=2000):
        yield [
            p.pk,
            p.received_at.astimezone(tz).date(),
            p.invoice.number or f"draft {p.invoice_id}",
            p.method,
            p.amount,
            p.refund_of_id or "",
            p.reason,
            p.location.name if p.location is not None else "",
            p.invoice.currency,
        ]
