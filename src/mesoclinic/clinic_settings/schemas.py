"""The Settings API's shapes: what the Settings screen edits, read (owner and auditor) and written (owner)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from mesoclinic.local_time import LocalTime

Weekday = int  # 0 = Monday … 6 = Sunday


class ClinicOut(Schema):
    name: str
    phone: str
    email: str
    address: str
    timezone: str
    country: str
    country_name: str
    language: str
    missing_contact_details: list[str]


class ClinicPatch(Schema):
    """Only the fields given change."""

    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)
    timezone: str | None = Field(None, max_length=64)
    country: str | None = Field(None, min_length=2, max_length=2)
    language: str | None = Field(None, max_length=8)


class SpanIO(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 = Monday … 6 = Sunday")
    starts: LocalTime
    ends: LocalTime


class SettingsLocationOut(Schema):
    id: int
    name: str
    timezone: str
    address: str
    phone: str
    opening_hours: list[SpanIO]


class LocationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = Field(None, max_length=64)
    address: str | None = Field(None, max_length=500)
    phone: str | None = Field(None, max_length=40)


class SettingsRoomOut(Schema):
    id: int
    location_id: int
    name: str
    modalities: list[str]
    is_active: bool


class RoomIn(Schema):
    location_id: int
    name: str = Field(..., min_length=1, max_length=100)
    modalities: list[str] = []


class RoomPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    modalities: list[str] | None = None
    is_active: bool | None = None


class SettingsDeviceOut(Schema):
    id: int
    location_id: int
    name: str
    modality: str
    manufacturer: str
    model_name: str
    serial_number: str
    is_active: bool


class DeviceIn(Schema):
    location_id: int
    name: str = Field(..., min_length=1, max_length=100)
    modality: str = Field(..., min_length=1, max_length=40)
    manufacturer: str = Field("", max_length=200)
    model_name: str = Field("", max_length=200)
    serial_number: str = Field("", max_length=100)


class DevicePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    modality: str | None = Field(None, min_length=1, max_length=40)
    manufacturer: str | None = Field(None, max_length=200)
    model_name: str | None = Field(None, max_length=200)
    serial_number: str | None = Field(None, max_length=100)
    is_active: bool | None = None


class WorkingHoursOut(Schema):
    location_id: int
    spans: list[SpanIO]


class WorkingHoursIn(Schema):
    """The practitioner's whole week at one location (an empty list: not working there)."""

    location_id: int
    spans: list[SpanIO] = Field(default_factory=list, max_length=50)


class PriceOut(Schema):
    id: int
    kind: str
    unit_price: Decimal
    currency: str
    sessions: int | None


class SettingsProtocolOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    modality: str
    cocktail: str | None
    areas: list[str]
    sessions: int
    interval_days: int
    tolerance_days: int
    maintenance_interval_months: int
    session_minutes: int
    buffer_minutes: int
    is_active: bool
    bookable_online: bool = Field(description="Patients may book it on the clinic's public booking page.")
    version: int
    prices: list[PriceOut] = Field(description="From the price list (billing), where prices are changed.")


class ProtocolPatch(Schema):
    """Only the fields given change; a change of the series, spacing, durations or cocktail is a new version."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    cocktail: str | None = Field(None, description='A cocktail\'s code; "" for none.', max_length=60)
    sessions: int | None = Field(None, ge=1, le=20)
    interval_days: int | None = Field(None, ge=1, le=365)
    tolerance_days: int | None = Field(None, ge=0, le=364)
    maintenance_interval_months: int | None = Field(None, ge=1, le=36)
    session_minutes: int | None = Field(None, ge=5, le=240)
    buffer_minutes: int | None = Field(None, ge=0, le=120)
    is_active: bool | None = None
    bookable_online: bool | None = Field(None, description="Patients may book it on the public booking page.")


class ProtocolVersionOut(Schema):
    version: int
    saved_at: str
    sessions: int
    interval_days: int
    tolerance_days: int
    session_minutes: int
    buffer_minutes: int


class CatalogItemOut(Schema):
    kind: Literal["ingredient", "product", "cocktail"]
    code: str
    name: str


class CatalogItemPatch(Schema):
    """An ingredient's (name, category, description) or a product's (name, manufacturer, regulatory_class,
    form, unit, package_size) descriptive fields; only those given change. Codes never change."""

    name: str | None = Field(None, max_length=200)
    category: str | None = Field(None, max_length=40)
    description: str | None = Field(None, max_length=5000)
    manufacturer: str | None = Field(None, max_length=200)
    regulatory_class: str | None = Field(None, max_length=20)
    form: str | None = Field(None, max_length=60)
    unit: str | None = Field(None, max_length=10)
    package_size: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)


class CatalogItemDetailOut(Schema):
    kind: Literal["ingredient", "product", "cocktail"]
    code: str
    name: str
    category: str = ""
    description: str = ""
    manufacturer: str = ""
    regulatory_class: str = ""
    form: str = ""
    unit: str = ""
    package_size: Decimal | None = None
    composition_version: int | None = None


class CompositionRowIn(Schema):
    ingredient: str = Field(..., max_length=60)
    concentration: Decimal | None = Field(None, gt=0, max_digits=10, decimal_places=4)
    unit: str = Field("", max_length=10)


class CompositionIn(Schema):
    """A new composition (a new version; the earlier one kept). ``products``: a cocktail's product codes,
    unchanged when left out."""

    ingredients: list[CompositionRowIn] = Field(..., max_length=50)
    products: list[str] | None = Field(None, max_length=50)
    reason: str = Field(..., max_length=500)


class CompositionRowOut(Schema):
    ingredient: str
    name: str
    concentration: str | None
    unit: str


class CompositionOut(Schema):
    kind: Literal["product", "cocktail"]
    code: str
    version: int
    ingredients: list[CompositionRowOut]
    products: list[str]


class ScreeningRuleOut(Schema):
    factor: str
    label: str
    severity: dict[str, Literal["block", "warn"]] = Field(description="Per treatment (modality code).")
    message: str
    source: str = Field(description="A key of the table's sources.")


class RuleSourceOut(Schema):
    key: str
    title: str
    url: str
    kind: str


class ScreeningRulesOut(Schema):
    """The clinic's screening-rule table (the default one until the owner first changes it)."""

    note: str
    rules: list[ScreeningRuleOut]
    sources: list[RuleSourceOut]
    modalities: list[str]
    factors: list[str]


class NewRuleSourceIn(Schema):
    title: str = Field(..., max_length=300)
    url: str = Field(..., max_length=500)
    kind: str = Field(..., max_length=10)


class ScreeningRuleIn(Schema):
    """One factor's rule: what it does per treatment (a treatment left out: nothing; none left: the rule
    goes), the words staff read, its source (an existing key, or ``new_source``), and why it changes."""

    factor: str = Field(..., max_length=60)
    severity: dict[str, Literal["block", "warn", ""]] = Field(..., max_length=20)
    message: str = Field("", max_length=1000)
    source: str = Field("", max_length=120)
    new_source: NewRuleSourceIn | None = None
    reason: str = Field(..., max_length=500)


class HolidayOut(Schema):
    id: int
    date: date
    name: str


class HolidayIn(Schema):
    date: date
    name: str = Field(..., min_length=1, max_length=100)


class PublicHolidaysIn(Schema):
    """Close the location on these public holidays of ``country`` in ``year`` (all of them when ``days``
    is left out)."""

    country: str = Field(..., min_length=2, max_length=2)
    year: int = Field(..., ge=2000, le=2100)
    days: list[date] | None = Field(None, max_length=40)


class MessageTemplateOut(Schema):
    kind: str
    channel: str
    language: str
    subject: str
    body: str
    customised: bool


class MessageTemplateIn(Schema):
    kind: Literal["reminder", "continuation", "recall", "aftercare", "complication_check"]
    channel: Literal["email", "sms"]
    language: Literal["en", "pl"]
    subject: str = Field("", max_length=200)
    body: str = Field(..., max_length=5000)


class MessagePreviewOut(Schema):
    subject: str
    body: str


class StaffMemberOut(Schema):
    id: int
    email: str
    display_name: str
    title: str
    role: str
    modalities: list[str]
    location_ids: list[int]
    is_active: bool


class StaffInviteIn(Schema):
    """Settings → Staff → Invite: the new member chooses a password from the e-mailed link."""

    email: str = Field(..., min_length=3, max_length=150)  # the sign-in name too: at most 150
    display_name: str = Field(..., min_length=1, max_length=200)
    title: str = Field("", max_length=100)
    role: str = Field(..., max_length=20)
    modalities: list[str] = []
    location_ids: list[int] = []


class StaffPatch(Schema):
    """Only the fields given change; ``is_active`` false deactivates (their records stay)."""

    display_name: str | None = Field(None, min_length=1, max_length=200)
    title: str | None = Field(None, max_length=100)
    role: str | None = Field(None, max_length=20)
    modalities: list[str] | None = None
    location_ids: list[int] | None = None
    is_active: bool | None = None


class ConsentVersionOut(Schema):
    modality: str
    version: int
    title: str
    body: str
    created_at: str
    created_by: str


class ConsentVersionIn(Schema):
    """A new version of a modality's consent text; the versions already signed never change."""

    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=20000)


class DowntimeOut(Schema):
    id: int
    device_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


class DowntimeIn(Schema):
    """A span the device cannot be booked; a time without a zone is the clinic's local time."""

    starts_at: datetime
    ends_at: datetime
    reason: str = Field("", max_length=200)
