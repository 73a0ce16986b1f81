"""Money: the clinic's price list, documents (invoices, receipts, credit notes), their lines and payments.

Amounts are gross (VAT included) and Decimal with two places. A draft document is edited freely; an issued
one is immutable (its number, lines and totals never change): a mistake is corrected by a credit note that
references it. Payments are never edited or deleted either: one is reversed by a refund row (a negative
amount) that references it, with a reason. The arithmetic is ``billing.engine.vat``'s.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, TypedDict

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mesoclinic.clinical_codes.words import Worded, shown


class _Money(TypedDict):
    """The keyword arguments of every money column (a TypedDict so that ``**MONEY`` type-checks)."""

    max_digits: int
    decimal_places: int


MONEY: Final[_Money] = {"max_digits": 12, "decimal_places": 2}


class WordedReason(models.Model):
    """A reason MesoClinic writes itself ("Package refund: …"), kept as its English template and values so that
    every reader sees it in their own language; ``reason`` keeps the English text (rows written before these
    columns have only that, and show it as it was). A person's own reason has no template."""

    reason_template = models.CharField(max_length=200, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language."""
        return shown(self.reason_template, self.reason_params, str(getattr(self, "reason", "")), gettext)


def reason_fields(reason: str | Worded) -> dict[str, object]:
    """The columns of a reason given as text (a person's) or as ``Worded`` (MesoClinic's own words)."""
    if isinstance(reason, Worded):
        return {
            "reason": str(reason),
            "reason_template": reason.template,
            "reason_params": dict(reason.params),
        }
    return {"reason": reason}


class BillingSettings(models.Model):
    """A clinic's till: its currency (ISO 4217), VAT rates and the seller's details printed on documents."""

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3, help_text=_("ISO 4217 code, e.g. PLN."))
    vat_rates = models.JSONField(
        default=list, help_text=_('The VAT rates offered, as codes: "23", "8", "5", "0", "zw" (exempt).')
    )
    seller_name = models.CharField(max_length=200, blank=True)
    seller_address = models.TextField(blank=True)
    seller_tax_id = models.CharField(max_length=32, blank=True)
    package_validity_months = models.PositiveSmallIntegerField(
        default=12, help_text=_("How long a sold package's sessions may be used, in months.")
    )

    def __str__(self) -> str:
        return f"Billing settings of clinic {self.clinic_id}"


class ItemKind(models.TextChoices):
    SESSION = "session", _("Session of a protocol")
    PACKAGE = "package", _("Series package of a protocol")
    CONSULTATION = "consultation", _("Consultation")
    RETAIL = "retail", _("Retail product")
    GIFT_CARD = "gift_card", _("Gift card")


class PriceItem(models.Model):
    """Something the clinic sells, at a gross price and a VAT rate."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    name = models.CharField(max_length=200)
    protocol = models.ForeignKey(
        "catalog.Protocol", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sessions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Sessions in a package (a protocol's series).")
    )
    unit_price = models.DecimalField(_("gross price"), **MONEY)
    vat_rate = models.CharField(max_length=8)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        indexes = [models.Index(fields=["clinic", "kind", "is_active"])]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "protocol"],
                condition=models.Q(protocol__isnull=False),
                name="billing_one_price_per_protocol_and_kind",
            ),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="billing_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    RECEIPT = "receipt", _("Receipt")
    CREDIT_NOTE = "credit_note", _("Credit note")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class BuyerKind(models.TextChoices):
    CONSUMER = "consumer", _("Consumer (the patient)")
    COMPANY = "company", _("Company")


class Invoice(WordedReason):
    """A sales document: an invoice, a receipt or a credit note (which references the document it corrects).

    ``net``, ``vat`` and ``gross`` are kept equal to ``engine.vat.compute_totals`` of the lines by every
    service that changes a line; a credit note's are negative (money owed back to the buyer).
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="invoices")
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, default=DocumentKind.RECEIPT)
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    currency = models.CharField(max_length=3)
    # NULL, not "", on drafts: the unique (clinic, number) constraint must let every draft have none.
    number = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    seq = models.PositiveIntegerField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    reason = models.TextField(blank=True, help_text=_("Why a credit note corrects its document."))
    buyer_kind = models.CharField(max_length=10, choices=BuyerKind.choices, default=BuyerKind.CONSUMER)
    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_address = models.TextField(blank=True)
    buyer_tax_id = models.CharField(max_length=32, blank=True)
    net = models.DecimalField(default=Decimal("0.00"), **MONEY)
    vat = models.DecimalField(default=Decimal("0.00"), **MONEY)
    gross = models.DecimalField(default=Decimal("0.00"), **MONEY)
    paid = models.DecimalField(default=Decimal("0.00"), **MONEY)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status", "issued_at"]),
            models.Index(fields=["patient", "status"]),
            models.Index(fields=["appointment"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="billing_number_unique_in_clinic"),
            models.UniqueConstraint(
                fields=["clinic", "kind", "year", "seq"], name="billing_sequence_unique_in_clinic"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True)
                | models.Q(status="issued", number__isnull=False),
                name="billing_issued_exactly_when_numbered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.pk}"

    @property
    def is_issued(self) -> bool:
        return self.status == DocumentStatus.ISSUED

    @property
    def balance(self) -> Decimal:
        """What the buyer still owes on this document (negative: what the clinic owes back)."""
        return self.gross - self.paid


class InvoiceLine(models.Model):
    """One line: quantity × gross unit price − discount (an amount; a percentage is kept for display)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    item = models.ForeignKey(PriceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=10, decimal_places=3)
    unit_price = models.DecimalField(**MONEY)
    vat_rate = models.CharField(max_length=8)
    discount = models.DecimalField(default=Decimal("0.00"), **MONEY)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    discount_reason = models.CharField(max_length=300, blank=True)
    gross = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["invoice", "position", "id"]

    def __str__(self) -> str:
        return self.description


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD_TERMINAL = "card_terminal", _("Card terminal")
    PACKAGE_SESSION = "package_session", _("Package session")
    DEPOSIT = "deposit", _("Deposit")
    CREDIT = "credit", _("Patient credit")
    ONLINE_CARD = "online_card", _("Online card (Stripe)")
    GIFT_CARD = "gift_card", _("Gift card")


class Payment(WordedReason):
    """Money received on a document, or (``refund_of`` set, negative amount) given back with a reason."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(**MONEY)
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    reason = models.TextField(blank=True)
    location = models.ForeignKey(
        "accounts.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where the money was taken (the till its cash-up counts it in)."),
    )
    package = models.ForeignKey(
        "Package",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("The package a session of which paid this (method package_session)."),
    )
    gift_card = models.ForeignKey(
        "GiftCard",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("The gift card this was paid with (method gift_card)."),
    )
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["invoice", "received_at"])]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"


class DocumentSequence(models.Model):
    """The last number issued per clinic, document kind and year: locked row by row while a number is taken."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind", "year"], name="billing_one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class PackageStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REFUNDED = "refunded", _("Refunded")


class Package(models.Model):
    """A prepaid series: ``sessions_total`` sessions of a protocol, sold on an issued document.

    ``sessions_used`` and ``sessions_refunded`` only move through the services, each move a
    ``PackageEntry`` row (the ledger); a draw is one conditional ``UPDATE`` so that two signings at once
    can never take the last session twice, and the check constraint keeps it so whatever writes the row.
    ``course_id`` is the booked series (``Course``) that draws from it: an identifier, not a foreign key,
    while the course model moves between apps.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="packages")
    protocol = models.ForeignKey("catalog.Protocol", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="packages")
    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="packages")
    name = models.CharField(max_length=300)
    sessions_total = models.PositiveSmallIntegerField()
    sessions_used = models.PositiveSmallIntegerField(default=0)
    sessions_refunded = models.PositiveSmallIntegerField(default=0)
    price = models.DecimalField(_("gross price paid"), **MONEY)
    expires_on = models.DateField()
    course_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=PackageStatus.choices, default=PackageStatus.ACTIVE)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["expires_on", "id"]
        indexes = [models.Index(fields=["patient", "status", "protocol"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    sessions_used__lte=models.F("sessions_total") - models.F("sessions_refunded")
                ),
                name="billing_package_never_below_zero",
            ),
            models.CheckConstraint(
                condition=models.Q(sessions_total__gte=1), name="billing_package_sessions"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sessions_left(self) -> int:
        return self.sessions_total - self.sessions_used - self.sessions_refunded


class PackageEntryKind(models.TextChoices):
    SALE = "sale", _("Sold")
    DRAW = "draw", _("Session drawn")
    RETURN = "return", _("Session given back")
    REFUND = "refund", _("Unused sessions refunded")
    EXPIRY = "expiry", _("Expiry changed")
    LINK = "link", _("Linked to a series")


class PackageEntry(WordedReason):
    """One line of a package's ledger; never changed or deleted. ``sessions``: +N sold, −1 drawn, +1 given
    back, −k refunded (0 for an expiry change or a link)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=PackageEntryKind.choices)
    sessions = models.SmallIntegerField(default=0)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    session_record = models.ForeignKey(
        "treatments.SessionRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["package", "at"]), models.Index(fields=["appointment"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.sessions:+d}"


class DepositKind(models.TextChoices):
    NONE = "none", _("No deposit")
    FIXED = "fixed", _("A fixed amount")
    PERCENT = "percent", _("A percentage")


class DepositBase(models.TextChoices):
    FIRST_SESSION = "first_session", _("of the first session's price")
    PACKAGE = "package", _("of the package's price")


class LateCost(models.TextChoices):
    NOTHING = "nothing", _("Nothing")
    FEE = "fee", _("A fee")
    DEPOSIT = "deposit", _("The deposit")
    PACKAGE_SESSION = "package_session", _("One package session")


class CancellationPolicy(models.Model):
    """A clinic's deposit and cancellation rules (``protocol`` empty), or one protocol's own."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(
        "catalog.Protocol", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deposit_kind = models.CharField(max_length=10, choices=DepositKind.choices, default=DepositKind.NONE)
    deposit_value = models.DecimalField(default=Decimal("0.00"), **MONEY)
    deposit_base = models.CharField(
        max_length=20, choices=DepositBase.choices, default=DepositBase.FIRST_SESSION
    )
    deposit_online = models.BooleanField(default=True, help_text=_("Required for online bookings."))
    late_cancel_hours = models.PositiveSmallIntegerField(default=24)
    late_cancel_cost = models.CharField(max_length=20, choices=LateCost.choices, default=LateCost.NOTHING)
    no_show_cost = models.CharField(max_length=20, choices=LateCost.choices, default=LateCost.NOTHING)
    fee = models.DecimalField(default=Decimal("0.00"), **MONEY)
    waive_limit = models.DecimalField(
        default=Decimal("0.00"),
        help_text=_("A receptionist waives a charge up to this amount; above it only the owner."),
        **MONEY,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic"], condition=models.Q(protocol__isnull=True), name="billing_one_clinic_policy"
            ),
            models.UniqueConstraint(
                fields=["clinic", "protocol"],
                condition=models.Q(protocol__isnull=False),
                name="billing_one_policy_per_protocol",
            ),
            models.CheckConstraint(condition=models.Q(deposit_value__gte=0), name="billing_deposit_value"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="billing_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Policy of clinic {self.clinic_id}" + (
            f", protocol {self.protocol_id}" if self.protocol_id else ""
        )


class DepositStatus(models.TextChoices):
    HELD = "held", _("Held")
    APPLIED = "applied", _("Applied to an invoice")
    FORFEITED = "forfeited", _("Kept for a no-show or late cancel")
    REFUNDED = "refunded", _("Refunded")


class Deposit(models.Model):
    """Money taken before a booking's first visit; it pays the booking's first invoice (``applied_to``)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="deposits")
    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.PROTECT, related_name="+")
    course_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(**MONEY)
    location = models.ForeignKey(
        "accounts.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=DepositStatus.choices, default=DepositStatus.HELD)
    refunded = models.DecimalField(
        default=Decimal("0.00"),
        help_text=_("Given back before it was applied (DepositRefund rows)."),
        **MONEY,
    )
    applied_to = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="deposits"
    )
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_deposit_positive"),
            models.CheckConstraint(
                condition=models.Q(refunded__gte=0, refunded__lte=models.F("amount")),
                name="billing_deposit_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Deposit {self.amount}"

    @property
    def held_amount(self) -> Decimal:
        """What is still held: the amount less what was given back."""
        return self.amount - self.refunded


class ChargeReason(models.TextChoices):
    NO_SHOW = "no_show", _("No-show")
    LATE_CANCEL = "late_cancel", _("Late cancel")


class ChargeStatus(models.TextChoices):
    CHARGED = "charged", _("Charged")
    WAIVED = "waived", _("Waived")


class CancellationCharge(models.Model):
    """What a no-show or a late cancel cost, applied by the policy when it was marked; waived with a reason."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="charges")
    appointment = models.OneToOneField("scheduling.Appointment", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=ChargeReason.choices)
    cost = models.CharField(max_length=20, choices=LateCost.choices)
    amount = models.DecimalField(**MONEY)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    deposit = models.ForeignKey(Deposit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    package_entry = models.ForeignKey(
        PackageEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.CHARGED)
    waive_reason = models.TextField(blank=True)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} {self.cost} {self.amount}"


class CreditEntry(models.Model):
    """A move on the patient's credit with the clinic: + an overpayment the cashier put to credit (received
    by ``method``), − credit spent as a payment. Never changed or deleted; the balance is the sum."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="credit_entries")
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="credit_entries")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"Credit {self.amount:+}"


class CashUp(models.Model):
    """A location's day closed: per money method what the payments say (``expected``) and what was counted,
    the difference with its reason. Once closed, that day's payments at the location are locked."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    expected = models.JSONField(help_text=_('Per method, decimal strings: {"cash": "120.00"}.'))
    counted = models.JSONField()
    difference = models.DecimalField(**MONEY)
    reason = models.TextField(blank=True)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-day", "location"]
        constraints = [models.UniqueConstraint(fields=["location", "day"], name="billing_one_cash_up_a_day")]

    def __str__(self) -> str:
        return f"Cash-up {self.location_id} {self.day}"


# ---------------------------------------------------------------------------------------------------------
# Online card payments through Stripe (billing.online, billing.stripe_gateway). Only Stripe's ids are kept,
# never card data.


class OnlinePaymentKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit for a booking")
    BALANCE = "balance", _("Balance of a document")
    FEE = "fee", _("No-show or late-cancel fee")


class OnlinePaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the card")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Declined")
    CANCELLED = "cancelled", _("Cancelled by the clinic")


class OnlinePayment(models.Model):
    """One PaymentIntent: what it pays (a booking's deposit, a document's balance, a fee) and, once Stripe
    says it succeeded, the ``Deposit`` or ``Payment`` it became (exactly one, whoever reports it first: the
    payment page or the webhook). ``reference`` is the unguessable key of the patient's payment page."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=OnlinePaymentKind.choices)
    reference = models.CharField(max_length=64, unique=True)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charge = models.ForeignKey(
        CancellationCharge, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    intent_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        max_length=10, choices=OnlinePaymentStatus.choices, default=OnlinePaymentStatus.PENDING
    )
    error = models.TextField(blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="online"
    )
    deposit = models.OneToOneField(
        Deposit, null=True, blank=True, on_delete=models.PROTECT, related_name="online"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["invoice", "status"]), models.Index(fields=["appointment", "status"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_online_payment_positive")
        ]

    def __str__(self) -> str:
        return f"Online payment {self.intent_id} ({self.status})"


class OnlineRefund(models.Model):
    """The Stripe refund behind a refund row of an online card payment (or of an online deposit applied)."""

    refund = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="online_refund")
    online = models.ForeignKey(OnlinePayment, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(**MONEY)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return self.stripe_refund_id


class DepositRefund(models.Model):
    """Money of a deposit given back before it paid a document (a booking cancelled in time, a charge
    waived, the desk's refund, or a refund made in Stripe's dashboard). Never changed or deleted."""

    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    reason = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="billing_deposit_refund_positive")
        ]

    def __str__(self) -> str:
        return f"Deposit refund {self.amount}"


class SavedCardStatus(models.TextChoices):
    PENDING = "pending", _("Consent given, card not yet saved")
    ACTIVE = "active", _("Saved")
    REVOKED = "revoked", _("Consent withdrawn")


class SavedCard(models.Model):
    """A card the patient saved, with explicit consent, to pay a no-show or late-cancel fee.

    Only Stripe's ids (customer, SetupIntent, PaymentMethod) and what identifies the card to a person
    (brand, last four digits, expiry) are kept; the number never reaches MesoClinic."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=SavedCardStatus.choices, default=SavedCardStatus.PENDING)
    consent_text = models.TextField(blank=True, help_text=_("The words the patient agreed to."))
    consented_at = models.DateTimeField(null=True, blank=True)
    customer_id = models.CharField(max_length=255, blank=True)
    setup_intent_id = models.CharField(max_length=255, blank=True)
    payment_method_id = models.CharField(max_length=255, blank=True)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["setup_intent_id"],
                condition=~models.Q(setup_intent_id=""),
                name="billing_saved_card_one_setup_intent",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(consented_at__isnull=False),
                name="billing_saved_card_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}" if self.last4 else f"Saved card {self.pk}"


class StripeEvent(models.Model):
    """A webhook event handled: its id is unique, so a second delivery of the same event does nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class GiftCard(models.Model):
    """A gift card sold on an issued document (one per unit of a gift-card line), its code printed there.

    ``balance`` only moves through ``billing.giftcards``, each move a ``GiftCardEntry`` (the ledger, never
    changed); a redemption is one conditional ``UPDATE`` (``balance >= amount``), so two tills redeeming at
    once can never take it below zero, and the check constraint keeps it so whatever writes the row.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=20)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="gift_cards")
    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="gift_cards")
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who bought it (anyone holding the code may use it)."),
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(_("value when sold"), **MONEY)
    balance = models.DecimalField(**MONEY)
    expires_on = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="billing_gift_card_code_unique"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0) & models.Q(balance__lte=models.F("amount")),
                name="billing_gift_card_balance_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class GiftCardEntryKind(models.TextChoices):
    SALE = "sale", _("Sold")
    REDEEM = "redeem", _("Redeemed")
    RETURN = "return", _("Returned to the card")
    EXPIRY = "expiry", _("Expiry changed")
    CREDIT = "credit", _("Taken back by a credit note")


class GiftCardEntry(WordedReason):
    """One line of a gift card's ledger; never changed or deleted. ``amount``: + sold or returned by a
    refund, − redeemed or taken back by a credit note (``document``), 0 for an expiry change."""

    gift_card = models.ForeignKey(GiftCard, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=GiftCardEntryKind.choices)
    amount = models.DecimalField(default=Decimal("0.00"), **MONEY)
    balance = models.DecimalField(_("balance after"), **MONEY)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The credit note that took this amount back."),
    )
    expires_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["gift_card", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+}"


class DocumentRate(models.Model):
    """One row of an issued document's VAT table (net, VAT and gross at one rate), written when it is issued
    and never changed: the VAT report and the accounting export read these instead of recomputing every
    document (a credit note's amounts are negative, as on the document)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="rates")
    rate = models.CharField(max_length=8)
    net = models.DecimalField(**MONEY)
    vat = models.DecimalField(**MONEY)
    gross = models.DecimalField(**MONEY)
    # Copied from the document when it is issued (it never changes after): the VAT report sums these rows
    # per clinic and day from one covering index, without joining the documents.
    clinic = models.ForeignKey("accounts.Clinic", null=True, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(null=True, help_text=_("The day it was issued, in the clinic's time zone."))

    class Meta:
        ordering = ["invoice", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "rate"], name="billing_one_row_per_document_rate")
        ]
        indexes = [
            models.Index(
                fields=["clinic", "issued_on", "rate"],
                include=["net", "vat", "gross"],  # PostgreSQL: an index-only scan answers the VAT report
                name="billing_rate_by_clinic_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rate}: {self.gross}"
