"""Output schemas of the reports API."""

from __future__ import annotations

from datetime import date

from ninja import Schema


class SummaryOut(Schema):
    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None


class MeasurementOut(Schema):
    on: date
    value: float
    photo_id: int


class SessionMarkOut(Schema):
    on: date
    label: str
    modality: str
    cocktail: str


class ChangeOut(Schema):
    baseline: float
    value: float
    absolute: float
    percent: float | None


class ProgressOut(Schema):
    metric: str
    region: str
    measurements: list[MeasurementOut]
    sessions: list[SessionMarkOut]
    durability: list[date]
    change: ChangeOut | None
    repeatability_percent: float
    beyond_repeatability: bool | None


class GroupOut(Schema):
    label: str
    summary: SummaryOut


class CohortOut(Schema):
    metric: str
    region: str
    months: int
    courses: int
    excluded: int
    by_delivery: list[GroupOut]
    by_modality: list[GroupOut]
    by_cocktail: list[GroupOut]
