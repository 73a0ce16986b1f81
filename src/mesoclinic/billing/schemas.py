"""Billing API schemas. Every amount is a decimal string with two places ("123.45"), never a float;
a quantity is a decimal string too ("1", "1.5"); a VAT rate is its code ("23", "8", "5", "0", "zw")."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

Amount = str
"""A decimal string with two places, such as "123.45"."""


class LineIn(Schema):
    description: str = Field(max_length=300)
    quantity: str = Field(description='A decimal string more than zero, e.g. "1" or "1.5".', max_length=20)
    unit_price: str = Field(description='The gross (VAT-inclusive) unit price, e.g. "450.00".', max_length=20)
    vat_rate: str = Field(
        description='"23", "8", "5", "0" or "zw" (exempt): one of the clinic\'s rates.', max_length=8
    )
    discount: str | None = Field(default=None, description="An amount off the line.", max_length=20)
    discount_percent: str | None = Field(
        default=None, description="A percentage off, instead of an amount.", max_length=20
    )
    discount_reason: str = Field(default="", max_length=300, description="Required with a discount.")
    item: int | None = Field(default=None, description="The price-list item the line sells.")


class LinePatch(Schema):
    description: str | None = Field(default=None, max_length=300)
    quantity: str | None = Field(default=None, max_length=20)
    unit_price: str | None = Field(default=None, max_length=20)
    vat_rate: str | None = Field(default=None, max_length=8)
    discount: str | None = Field(default=None, max_length=20)
    discount_percent: str | None = Field(default=None, max_length=20)
    discount_reason: str | None = Field(default=None, max_length=300)


class BuyerIn(Schema):
    kind: str = Field(default="consumer", description='"consumer" (the patient) or "company".')
    name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=1000)
    tax_id: str = Field(
        default="", max_length=32, description="A Polish NIP or an EU VAT number (PL1234567890)."
    )


class InvoiceIn(Schema):
    patient: int
    kind: str = Field(default="receipt", description='"receipt" or "invoice".')
    buyer: BuyerIn | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class PaymentIn(Schema):
    method: str = Field(
        description='"cash", "card_terminal", "package_session", "credit" or "gift_card".', max_length=20
    )
    amount: str = Field(description='More than zero, at most the balance, e.g. "100.00".', max_length=20)
    package: int | None = Field(default=None, description="The package whose session pays (package_session).")
    to_credit: bool = Field(
        default=False,
        description="Put what is paid above the balance to the patient's credit (cash or card).",
    )
    code: str = Field(default="", max_length=40, description="The gift card's code (method gift_card).")


class RefundIn(Schema):
    amount: str = Field(max_length=20)
    reason: str = Field(max_length=1000)


class CreditNoteIn(Schema):
    lines: list[LineIn] = Field(max_length=200)
    reason: str = Field(max_length=1000)


class LineOut(Schema):
    id: int
    position: int
    description: str
    quantity: str
    unit_price: Amount
    vat_rate: str
    discount: Amount
    discount_percent: str | None
    discount_reason: str
    gross: Amount
    item: int | None


class RateOut(Schema):
    rate: str
    net: Amount
    vat: Amount
    gross: Amount


class TotalsOut(Schema):
    net: Amount
    vat: Amount
    gross: Amount
    by_rate: list[RateOut]


class BuyerOut(Schema):
    kind: str
    name: str
    address: str
    tax_id: str


class PaymentOut(Schema):
    id: int
    invoice: int
    method: str
    amount: Amount
    refund_of: int | None
    reason: str
    received_at: datetime
    refundable: Amount
    package: int | None = None
    gift_card: int | None = None


class InvoiceOut(Schema):
    id: int
    kind: str
    status: str
    number: str | None
    currency: str
    patient: int
    appointment: int | None
    corrects: int | None
    reason: str
    buyer: BuyerOut
    lines: list[LineOut]
    totals: TotalsOut
    paid: Amount
    balance: Amount
    payments: list[PaymentOut]
    created_at: datetime
    issued_at: datetime | None


class InvoiceSummaryOut(Schema):
    id: int
    kind: str
    status: str
    number: str | None
    patient: int
    gross: Amount
    paid: Amount
    balance: Amount
    created_at: datetime
    issued_at: datetime | None


class IssuedOut(Schema):
    id: int
    number: str
    status: str


class AccountOut(Schema):
    patient: int
    currency: str
    issued: Amount
    paid: Amount
    balance: Amount
    credit: Amount = Field(description="Overpayments put to credit less credit spent.")


class PriceItemIn(Schema):
    kind: str = Field(description='"session", "package", "consultation", "retail" or "gift_card".')
    name: str = Field(max_length=200)
    unit_price: str = Field(max_length=20, description="Gross price.")
    vat_rate: str = Field(max_length=8)
    protocol: int | None = None
    product: int | None = None
    sessions: int | None = Field(default=None, ge=1, le=50)


class PriceItemPatch(Schema):
    name: str | None = Field(default=None, max_length=200)
    unit_price: str | None = Field(default=None, max_length=20)
    vat_rate: str | None = Field(default=None, max_length=8)
    is_active: bool | None = None
    sessions: int | None = Field(default=None, ge=1, le=50)


class PriceItemOut(Schema):
    id: int
    kind: str
    name: str
    unit_price: Amount
    vat_rate: str
    protocol: int | None
    product: int | None
    sessions: int | None
    is_active: bool


class BillingSettingsIn(Schema):
    currency: str = Field(max_length=3, description="ISO 4217, e.g. PLN.")
    vat_rates: list[str] = Field(max_length=20)
    seller_name: str = Field(default="", max_length=200)
    seller_address: str = Field(default="", max_length=1000)
    seller_tax_id: str = Field(default="", max_length=32)


class BillingSettingsOut(Schema):
    currency: str
    vat_rates: list[str]
    seller_name: str
    seller_address: str
    seller_tax_id: str


class PackageEntryOut(Schema):
    kind: str
    sessions: int
    amount: Amount | None
    session_record: int | None
    appointment: int | None
    payment: int | None
    expires_on: date | None
    reason: str
    at: datetime


class PackageOut(Schema):
    id: int
    patient: int
    protocol: int
    name: str
    invoice: int
    status: str
    sessions_total: int
    sessions_used: int
    sessions_left: int
    price: Amount
    expires_on: date
    expired: bool
    course: int | None
    summary: str = Field(description='"3 of 6 sessions left, expires 2027-06-30".')
    refund_rule: str
    refund_amount: Amount = Field(description="What the unused sessions give back by the rule now.")
    entries: list[PackageEntryOut] = []


class PackageExpiryIn(Schema):
    expires_on: date
    reason: str = Field(max_length=1000)


class PackageRefundIn(Schema):
    reason: str = Field(max_length=1000)
    amount: str | None = Field(
        default=None, max_length=20, description="Another amount than the rule's (owner)."
    )
    override_reason: str = Field(default="", max_length=1000)


class PolicyIn(Schema):
    protocol: int | None = Field(default=None, description="A protocol's own policy; empty: the clinic's.")
    deposit_kind: str = Field(default="none", description='"none", "fixed" or "percent".', max_length=10)
    deposit_value: str = Field(default="0.00", description="The amount, or the percentage.", max_length=20)
    deposit_base: str = Field(
        default="first_session", description='"first_session" or "package".', max_length=20
    )
    deposit_online: bool = True
    late_cancel_hours: int = Field(default=24, description="The late-cancel window, in hours.")
    late_cancel_cost: str = Field(
        default="nothing", description='"nothing", "fee", "deposit" or "package_session".', max_length=20
    )
    no_show_cost: str = Field(default="nothing", max_length=20)
    fee: str = Field(default="0.00", max_length=20)
    waive_limit: str = Field(default="0.00", description="A receptionist waives up to this.", max_length=20)


class PolicyOut(Schema):
    id: int
    protocol: int | None
    deposit_kind: str
    deposit_value: Amount
    deposit_base: str
    deposit_online: bool
    late_cancel_hours: int
    late_cancel_cost: str
    no_show_cost: str
    fee: Amount
    waive_limit: Amount


class DepositIn(Schema):
    method: str = Field(description='"cash" or "card_terminal".', max_length=20)
    amount: str | None = Field(default=None, max_length=20, description="Empty: what the policy asks.")


class DepositOut(Schema):
    id: int
    appointment: int
    method: str
    amount: Amount
    status: str
    applied_to: int | None
    received_at: datetime


class ChargeOut(Schema):
    id: int
    appointment: int
    reason: str
    cost: str
    amount: Amount
    status: str
    invoice: int | None
    waive_reason: str


class WaiveIn(Schema):
    reason: str = Field(max_length=1000)


class GiftCardEntryOut(Schema):
    kind: str = Field(description='"sale", "redeem", "return", "expiry" or "credit" (a credit note).')
    amount: Amount = Field(description="+ sold or returned by a refund, − redeemed or credited.")
    balance: Amount = Field(description="The card's balance after this entry.")
    payment: int | None
    invoice: int | None = Field(description="The document paid by the redemption, or the credit note.")
    expires_on: date | None
    reason: str
    at: datetime


class GiftCardOut(Schema):
    id: int
    code: str
    currency: str
    amount: Amount = Field(description="Its value when sold.")
    balance: Amount
    expires_on: date
    expired: bool
    usable: bool = Field(description="Not expired and something left on it.")
    invoice: int = Field(description="The document that sold it.")
    patient: int = Field(description="Who bought it.")
    entries: list[GiftCardEntryOut]


class GiftCardExpiryIn(Schema):
    expires_on: date
    reason: str = Field(max_length=1000)


class DocumentEmailIn(Schema):
    to: str = Field(default="", max_length=254, description="Empty: the patient's e-mail address.")


class DocumentEmailOut(Schema):
    sent_to: str


class CashUpIn(Schema):
    location_id: int
    day: date
    counted: dict[str, str] = Field(
        default_factory=dict,
        description='What was counted per method, e.g. {"cash": "420.00", "card_terminal": "0"}.',
    )
    reason: str = Field(default="", max_length=1000, description="Why the count differs (the owner only).")


class CashUpOut(Schema):
    id: int
    location_id: int
    day: date
    expected: dict[str, Amount]
    counted: dict[str, Amount]
    difference: Amount
    reason: str
    closed_at: datetime
    closed_by: str | None


class CashDayOut(Schema):
    location_id: int
    day: date
    expected: dict[str, Amount] = Field(description="Per method, what the day's payments add up to.")
    closed: CashUpOut | None = Field(description="The cash-up, once the day is closed.")
