"""Notifications API schemas: deliveries, contact preferences, the clinic's timing."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from mesoclinic.local_time import LocalTime


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
