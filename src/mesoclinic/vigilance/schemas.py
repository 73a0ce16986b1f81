"""Vigilance API schemas: recalls, adverse events, follow-ups, suggested sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class RecallLotOut(Schema):
    id: int
    product: str | None = None
    cocktail: str | None = None
    name: str
    lot_number: str
    expires_on: date
    recalled: bool
    via: list[str]


class RecallSessionOut(Schema):
    session_id: int
    performed_at: datetime
    patient_id: int
    practitioner: str
    status: str
    zones: list[str]
    quantity: str
    unit: str
    lot_id: int
    lot_number: str
    voided: bool
    amended: bool
    via: list[str]


class RecallPatientOut(Schema):
    patient_id: int
    name: str
    phone: str
    email: str
    sessions: int
    first: datetime | None
    last: datetime | None


class RecallOut(Schema):
    lot_number: str
    lots: list[RecallLotOut]
    sessions: list[RecallSessionOut]
    patients: list[RecallPatientOut]


class AmbiguousLotOut(Schema):
    detail: str
    products: list[str]


class EventIn(Schema):
    patient_id: int
    category: str
    severity: str
    onset_on: date
    description: str
    zones: list[str] = []
    session_ids: list[int] = []
    lot_ids: list[int] = []
    actions: str = ""
    outcome: str = "ongoing"
    reported_to_regulator: bool = False
    regulator_reference: str = ""


class FollowUpIn(Schema):
    note: str
    outcome: str
    close: bool = False


class FollowUpOut(Schema):
    id: int
    at: datetime
    note: str
    outcome: str


class EventOut(Schema):
    id: int
    patient_id: int
    category: str
    severity: str
    onset_on: date
    description: str
    zones: list[str]
    session_ids: list[int]
    lot_ids: list[int]
    actions: str
    outcome: str
    closed: bool
    reported_at: datetime
    reported_to_regulator: bool
    regulator_reference: str
    follow_ups: list[FollowUpOut] = []


class SuggestedLotOut(Schema):
    id: int
    lot_number: str
    name: str


class SuggestedSessionOut(Schema):
    session_id: int
    performed_at: datetime
    modality: str
    zones: list[str]
    lots: list[SuggestedLotOut]


class EventFilter(Schema):
    category: str = ""
    severity: str = ""
    status: str = Field("", description="open or closed")
    onset_from: date | None = None
    onset_to: date | None = None
    q: str = ""


ReportOut = dict[str, Any]
