from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, EmailStr, Field

SexCode = Literal["female", "male", "other", "unknown"]
PhotoUseCode = Literal["clinical", "teaching", "marketing"]


def _unset(**constraints: Any) -> Any:
    """A PATCH field's default: ``None`` is "left out" (the handler reads ``exclude_unset``); the annotation is
    what a value that is given must be, so ``null`` itself is refused."""
    return Field(None, **constraints)


class PatientIn(Schema):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    sex: SexCode = "unknown"
    email: EmailStr | Literal[""] = ""
    phone: str = Field(
        "",
        max_length=40,
        description="In any format; numbers without a country code are read in the clinic's country. "
        "Stored and returned in E.164 (+48600123456).",
    )
    address: str = Field("", max_length=500)
    preferred_language: str = Field("en", max_length=10)
    fitzpatrick: int | None = Field(None, ge=1, le=6)
    glogau: int | None = Field(None, ge=1, le=4)
    contact_consent: bool = Field(
        description='The patient\'s answer to "may we send reminders and recalls?" (ask it: there is no default).'
    )
    contact_channels: list[Literal["email", "sms"]] = Field(
        default_factory=list,
        description="How, when the answer is yes; each needs its address (email, phone).",
    )
    allow_duplicate: bool = Field(
        False,
        description="Register even though a patient with the same name and date of birth, or the same phone "
        "or e-mail, exists (the 409 answer lists them): set it once the caller has checked it is someone else.",
    )


class PatientPatch(Schema):
    """Only the fields sent change. A field the chart always has (a name, a birth date, a phone that may be
    empty) is cleared with ``""``, not ``null``: ``null`` is refused (422) for them."""

    given_name: str = _unset(min_length=1, max_length=100)
    family_name: str = _unset(min_length=1, max_length=100)
    birth_date: date = _unset()
    sex: SexCode = _unset()
    email: EmailStr | Literal[""] = _unset()
    phone: str = _unset(max_length=40)
    address: str = _unset(max_length=500)
    preferred_language: str = _unset(max_length=10)
    fitzpatrick: int | None = Field(None, ge=1, le=6)
    glogau: int | None = Field(None, ge=1, le=4)
    allow_duplicate: bool = Field(
        False,
        description="Save a change of name, date of birth, phone or e-mail even though it matches another "
        "patient (the 409 answer lists them).",
    )


class DuplicateOut(Schema):
    id: int
    given_name: str
    family_name: str
    birth_date: date
    reasons: list[str] = Field(description="Why it may be the same person, in plain words.")


class PossibleDuplicatesOut(Schema):
    detail: str
    duplicates: list[DuplicateOut]


class PatientOut(Schema):
    id: int
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    email: str
    phone: str
    address: str
    preferred_language: str
    fitzpatrick: int | None
    glogau: int | None
    created_at: datetime
    updated_at: datetime


class MedicationItem(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str
    stopped: date | None = None


class MedicationItemOut(Schema):
    code: str
    stopped: date | None = None


HistoryStatusCode = Literal["not_taken", "self_reported", "confirmed"]
WritableHistoryStatus = Literal["self_reported", "confirmed"]
FreeText = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
Reason = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=r"\S",
        description="Why the history changed (kept with this version); required.",
    ),
]
STATUS_HELP = (
    "How the history was taken: `confirmed` (by the caller, now: gone through with the patient) or "
    "`self_reported` (the patient's own answers, not yet confirmed by staff)."
)


class MedicalHistoryIn(Schema):
    """The complete history: every field is required, so a body that leaves one out changes nothing (422)."""

    model_config = ConfigDict(extra="forbid")

    conditions: list[str]
    medications: list[MedicationItem]
    implants: list[str]
    allergies: list[str] = Field(description="Ingredient codes.")
    other_allergies: list[FreeText] = Field(
        max_length=20, description="Allergies outside the ingredient list, as free text (e.g. latex)."
    )
    other_medications: list[FreeText] = Field(
        max_length=20, description="Medicines outside the coded classes, as free text."
    )
    notes: str = Field(max_length=5000)
    status: WritableHistoryStatus = Field(description=STATUS_HELP)
    reason: Reason


class MedicalHistoryPatch(Schema):
    """Change only the fields named (at least one), with a reason; a field given as null is refused."""

    model_config = ConfigDict(extra="forbid")

    conditions: list[str] = _unset()
    medications: list[MedicationItem] = _unset()
    implants: list[str] = _unset()
    allergies: list[str] = _unset(description="Ingredient codes.")
    other_allergies: list[FreeText] = _unset(max_length=20)
    other_medications: list[FreeText] = _unset(max_length=20)
    notes: str = _unset(max_length=5000)
    status: WritableHistoryStatus = _unset(description=STATUS_HELP)
    reason: Reason


class MedicalHistoryOut(Schema):
    status: HistoryStatusCode
    confirmed_by: str | None = Field(description="Who confirmed the history with the patient.")
    confirmed_at: datetime | None
    conditions: list[str]
    medications: list[MedicationItemOut]
    implants: list[str]
    allergies: list[str]
    other_allergies: list[str]
    other_medications: list[str]
    notes: str
    updated_at: datetime


class HistoryVersionOut(Schema):
    at: datetime
    by: str
    reason: str
    changes: dict[str, tuple[object, object]]


class ConsentIn(Schema):
    template_id: int
    signed_by: str = Field(min_length=1, max_length=200)
    photo_use: list[PhotoUseCode] = ["clinical"]
    signed_at: datetime | None = None
    # The drawn signature: a PNG as base64 or as a ``data:image/png;base64,`` URL (none for paper).
    signature_png: str = Field("", max_length=600_000)


class ConsentOut(Schema):
    id: int
    modality: str
    template_id: int
    template_title: str
    template_version: int
    signed_by: str
    signed_at: datetime
    photo_use: list[str]
    withdrawn_at: datetime | None
    is_valid: bool
    has_signature: bool


class ConsentWithdrawIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class ConsentTemplateOut(Schema):
    id: int
    modality: str
    version: int
    title: str
    body: str
    created_at: datetime
