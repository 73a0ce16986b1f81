"""Session records API schemas."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field


class ProductLineOut(Schema):
    id: int
    lot_id: int
    lot_number: str
    expires_on: date
    quantity: Decimal
    unit: str
    voided: bool


class ZoneOut(Schema):
    zone: str
    volume_ml: Decimal | None
    voided: bool


class SessionOut(Schema):
    id: int
    patient_id: int
    course_id: int | None
    appointment_id: int | None
    modality: str
    performed_at: datetime
    status: str
    signed_at: datetime | None
    screening_decision: str | None
    parameters: dict[str, Any]
    duration_minutes: int | None
    aftercare: str
    notes: str
    amendment_count: int
    products: list[ProductLineOut]
    zones: list[ZoneOut]


class ProductLineIn(Schema):
    lot_id: int
    quantity: Decimal


class ZoneIn(Schema):
    zone: str
    volume_ml: Decimal | None = None


class DraftPatch(Schema):
    duration_minutes: int | None = None
    aftercare: str | None = None
    notes: str | None = None
    parameters: dict[str, Any] | None = None
    products: list[ProductLineIn] | None = None
    zones: list[ZoneIn] | None = None


class DayOfIn(Schema):
    answers: dict[str, bool | str | None] = Field(
        description=(
            'Question code -> true (yes) or false (no); "yes"/"no" are read too. `other` -> text. '
            "A question left out (or null) stays unanswered and the record cannot be signed until it is "
            "answered; any other value, or a code that is no question, is refused (422)."
        )
    )


class SignIn(Schema):
    override_reason: str = ""


class AmendIn(Schema):
    reason: str
    notes: str | None = None
    aftercare: str | None = None
    duration_minutes: int | None = None


class PlannedSessionOut(Schema):
    appointment_id: int
    session_index: int
    starts_at: datetime
    state: str
    reason: str
    record_id: int | None
    elsewhere: bool = Field(
        description="Done without a session record here: a physician recorded it as treated elsewhere / "
        "on paper (the reason is in reason)."
    )


class CourseProgressOut(Schema):
    id: int
    status: str
    done: int
    on_time: int
    late: int
    missed: int
    upcoming: int
    elsewhere: int = Field(
        description="Of the done sessions, those recorded as treated elsewhere / on paper."
    )
    adherence_percent: int | None
    sessions: list[PlannedSessionOut]
