"""Notifications API schemas: deliveries, contact preferences, the clinic's timing."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from ninja import Schema
from pydantic import Field, WithJsonSchema

# A wall-clock time in the clinic's own zone. JSON Schema's "time" format is RFC 3339's full-time, which
# requires an offset ("21:00:00+01:00"); these have none (the zone is the clinic's), so the document says so
# with a pattern instead of a format that every answer would violate.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "Local time of day in the clinic's time zone, HH:MM[:SS], no offset.",
            "examples": ["21:00:00"],
        }
    ),
]


class DeliveryOut(Schema):
    id: int
    patient_id: int
    kind: str
    object_id: int
    due_at: datetime
    channel: str
    status: str
    reason: str
    language: str
    to: str
    subject: str
    attempts: int
    provider_id: str
    error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None


class DeliveryFilter(Schema):
    kind: str = ""
    status: str = ""
    channel: str = ""
    q: str = ""


class PreferenceIn(Schema):
    consent: bool
    email: bool = True
    sms: bool = False
    language: str = ""


class PreferenceOut(Schema):
    patient_id: int
    consent: bool
    email: bool
    sms: bool
    language: str
    opted_out_at: datetime | None


class SettingsIn(Schema):
    reminder_lead_hours: list[int] = Field(max_length=6)
    quiet_start: LocalTime
    quiet_end: LocalTime
    recall_lead_days: int = Field(ge=0, le=90)
    continuation_lead_days: int = Field(ge=0, le=60)


class SettingsOut(SettingsIn):
    pass
