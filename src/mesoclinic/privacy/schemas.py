"""Schemas of the privacy API."""

from datetime import date, datetime

from ninja import Schema


class ErasureRequestIn(Schema):
    requested_by: str
    channel: str
    reason: str = ""
    requested_at: datetime | None = None


class ErasureRequestOut(Schema):
    id: int
    patient_id: int | None
    patient_ref: int
    requested_at: datetime
    requested_by: str
    channel: str
    reason: str
    status: str
    legal_basis: str
    erased_at: datetime | None
    retained_until: date | None = None


class WithdrawIn(Schema):
    reason: str


class LibraryPhotoOut(Schema):
    id: int
    patient_id: int
    consent_id: int
    view: str
    taken_at: datetime
    width: int
    height: int
