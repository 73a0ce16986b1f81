"""Schemas of the outcomes API: photo metadata and analysis, scales."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field


class PhotoOut(Schema):
    id: int
    patient_id: int
    session_id: int | None
    consent_id: int | None
    view: str
    taken_at: datetime
    width: int
    height: int
    size_bytes: int
    sha256: str
    conditions: dict[str, Any]
    quality: dict[str, Any]
    analysis_status: str
    region_mode: str
    baseline_id: int | None
    metrics: dict[str, dict[str, float]]
    analysis_error: str
    retake_of_id: int | None = Field(description="The photo this one retakes (it failed the quality check).")


class BaselineIn(Schema):
    reason: str = Field(min_length=1, max_length=300, description="Why this photo becomes the baseline.")


class BaselineOut(Schema):
    id: int
    patient_id: int
    view: str
    photo_id: int
    previous_id: int | None = Field(description="The baseline before this choice (kept).")
    reason: str
    chosen_at: datetime


class AssessmentIn(Schema):
    timing: str
    assessed_on: date
    session_id: int | None = None
    glogau: int | None = None
    fitzpatrick: int | None = None
    wsrs_left: int | None = None
    wsrs_right: int | None = None
    mmasi: Decimal | None = None
    gais_investigator: int | None = None
    gais_subject: int | None = None
    satisfaction: int | None = None
    notes: str = ""


class AssessmentOut(Schema):
    id: int
    patient_id: int
    session_id: int | None
    timing: str
    assessed_on: date
    glogau: int | None
    fitzpatrick: int | None
    wsrs_left: int | None
    wsrs_right: int | None
    mmasi: Decimal | None
    gais_investigator: int | None
    gais_subject: int | None
    satisfaction: int | None
    notes: str
