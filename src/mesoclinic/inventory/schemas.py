"""Inventory API schemas: lots with their balance and ledger, receipts, movements, preparations, GS1 parse.

Quantities travel as decimal strings or numbers (``"1.5"``), never floats in storage; times carry their UTC
offset (a naive time is refused with 422).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import AwareDatetime, Field

LotStatusCode = Literal["in_stock", "low", "expiring", "expired", "recalled", "empty"]


class ErrorOut(Schema):
    """A refusal: the service's message, or (a malformed request, answered by ninja before the handler)
    the list of field errors — schemathesis found the list answered where only text was documented."""

    detail: str | list[dict[str, Any]]
    errors: dict[str, list[str]] | None = None


class LotOut(Schema):
    id: int
    kind: Literal["supplied", "preparation"]
    product: str | None
    product_id: int | None
    cocktail: str | None
    cocktail_id: int | None
    lot_number: str
    expires_on: date
    unit: str
    gtin: str
    supplier: str
    received_on: date | None
    balance: Decimal
    status: LotStatusCode
    status_label: str
    recalled_at: datetime | None
    recall_reason: str


class MovementOut(Schema):
    id: int
    kind: Literal["receipt", "use", "waste", "adjustment", "return"]
    quantity: Decimal
    at: datetime
    reason: str
    preparation_id: int | None
    actor: str | None


class LotComponentOut(Schema):
    """A lot that went into a preparation, or a preparation a lot went into."""

    lot_id: int
    lot_number: str
    item: str
    quantity: Decimal


class LotDetailOut(LotOut):
    movements: list[MovementOut]
    components: list[LotComponentOut]
    preparations: list[LotComponentOut]


class LotFilter(Schema):
    q: str = ""
    status: LotStatusCode | None = None
    product_id: int | None = None


class ReceiveIn(Schema):
    product_id: int
    lot_number: str = Field(min_length=1, max_length=80)
    expires_on: date
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=3)
    gtin: str = Field(default="", max_length=14)
    supplier: str = Field(default="", max_length=200)
    low_stock_threshold: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=3)
    at: AwareDatetime | None = None


class MovementIn(Schema):
    kind: Literal["waste", "adjustment", "return"]
    quantity: Decimal = Field(max_digits=12, decimal_places=3)
    reason: str = Field(default="", max_length=300)
    at: AwareDatetime | None = None


class ComponentIn(Schema):
    lot_id: int
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=3)


class PrepareIn(Schema):
    cocktail_id: int
    lot_number: str = Field(min_length=1, max_length=80)
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=3)
    expires_on: date
    components: list[ComponentIn] = Field(min_length=1, max_length=20)
    at: AwareDatetime | None = None


class RecallIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class ScanIn(Schema):
    text: str = Field(min_length=1, max_length=200)


class ScanOut(Schema):
    gtin: str | None
    lot: str | None
    expiry: date | None
    serial: str | None
    product_id: int | None
    product: str | None
    lots: list[LotOut]
