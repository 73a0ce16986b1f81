from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, model_validator


class FindingOut(Schema):
    severity: Literal["block", "warn"]
    factor: str
    message: str
    source: str


DecisionCode = Literal["ok", "warn", "history_needed", "block"]
DECISION_HELP = (
    "`block` if a finding blocks, else `history_needed` if the history was never taken (invasive "
    "treatments cannot be booked, no session signed, until it is), else `warn` if any finding warns, else `ok`."
)


class ScreeningOut(Schema):
    decision: DecisionCode = Field(description=DECISION_HELP)
    findings: list[FindingOut]


class ProtocolSpecIn(Schema):
    modality: str
    ingredients: list[str] = []


class PatientScreeningIn(Schema):
    """Screen a registered patient: against a catalog protocol (``protocol``) or an ad hoc ``spec``."""

    protocol: str | None = None
    spec: ProtocolSpecIn | None = None
    on: date | None = None

    @model_validator(mode="after")
    def one_target(self) -> PatientScreeningIn:
        if (self.protocol is None) == (self.spec is None):
            raise ValueError("give exactly one of protocol (a slug) or spec")
        return self


class AdHocScreeningIn(Schema):
    """Screen PATIENT.json against PROTOCOL.json (the CLI's formats) without storing anything."""

    patient: dict[str, Any]
    protocol: dict[str, Any] | str
    on: date | None = None


class ScreeningRecordOut(Schema):
    id: int
    protocol: str | None
    modality: str
    ingredients: list[str]
    screened_on: date
    decision: DecisionCode
    findings: list[FindingOut]
    performed_at: datetime


class RuleOut(Schema):
    factor: str
    modality: str
    severity: str
    message: str
    source: str


class RuleTableOut(Schema):
    note: str
    rules: list[RuleOut]
