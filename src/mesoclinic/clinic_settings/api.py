"""Settings API (``/api/v1/settings/``): what the Settings screen edits — the clinic's details, locations,
rooms, devices, practitioners' weekly hours, protocols, the catalog's items and compositions, screening rules
and message templates.

The owner (``manage_clinic``) reads and writes; an auditor (``view_audit``) reads. Every write goes through
the owning app's service (audited; a protocol's clinical change is a new version). Ids of another clinic
are not found (404); a refused value is 422 naming the field.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from mesoclinic.accounts import selectors as accounts_selectors
from mesoclinic.accounts import services as accounts_services
from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.accounts.permissions import Capability
from mesoclinic.billing import selectors as billing_selectors
from mesoclinic.billing.models import ItemKind
from mesoclinic.catalog import selectors as catalog_selectors
from mesoclinic.catalog import services as catalog_services
from mesoclinic.catalog.models import Protocol
from mesoclinic.clinic_settings.forms import country_choices, country_name
from mesoclinic.clinic_settings.schemas import (
    CatalogItemDetailOut,
    CatalogItemOut,
    CatalogItemPatch,
    ClinicOut,
    ClinicPatch,
    CompositionIn,
    CompositionOut,
    ConsentVersionIn,
    ConsentVersionOut,
    DeviceIn,
    DevicePatch,
    DowntimeIn,
    DowntimeOut,
    HolidayIn,
    HolidayOut,
    LocationPatch,
    MessagePreviewOut,
    MessageTemplateIn,
    MessageTemplateOut,
    ProtocolPatch,
    ProtocolVersionOut,
    PublicHolidaysIn,
    RoomIn,
    RoomPatch,
    ScreeningRuleIn,
    ScreeningRulesOut,
    SettingsDeviceOut,
    SettingsLocationOut,
    SettingsProtocolOut,
    SettingsRoomOut,
    StaffInviteIn,
    StaffMemberOut,
    StaffPatch,
    WorkingHoursIn,
    WorkingHoursOut,
)
from mesoclinic.clinical_codes.vocabulary import FACTORS, MODALITIES
from mesoclinic.notifications import selectors as notifications_selectors
from mesoclinic.notifications import services as notifications_services
from mesoclinic.notifications.views import SAMPLE_VALUES
from mesoclinic.patients import selectors as patients_selectors
from mesoclinic.patients import services as patients_services
from mesoclinic.safety import selectors as safety_selectors
from mesoclinic.safety import services as safety_services
from mesoclinic.scheduling import selectors as scheduling_selectors
from mesoclinic.scheduling import services as scheduling_services

router = Router()
WRITE = Capability.MANAGE_CLINIC
READ = (Capability.MANAGE_CLINIC, Capability.VIEW_AUDIT)


def _reader(request: HttpRequest) -> StaffMember:
    """The owner, or an auditor: whoever holds one of ``READ`` (and, with a token, its scope)."""
    refused: PermissionDenied | None = None
    for capability in READ:
        try:
            return require(request, capability)
        except PermissionDenied as exc:
            refused = exc
    assert refused is not None  # noqa: S101 — READ is not empty
    raise refused


def _writer(request: HttpRequest) -> StaffMember:
    return require(request, WRITE)


def _given(patch: Any) -> dict[str, Any]:
    return patch.dict(exclude_unset=True)


# --- The clinic's details -----------------------------------------------------------------------------


def _clinic_out(staff: StaffMember) -> dict[str, Any]:
    clinic = staff.clinic
    values = {name: getattr(clinic, name) for name in accounts_services.CLINIC_DETAIL_FIELDS}
    return {
        **values,
        "country_name": country_name(clinic.country),
        "missing_contact_details": list(clinic.missing_contact_details()),
    }


@router.get("/clinic", response={200: ClinicOut})
def get_clinic(request: HttpRequest) -> Any:
    return _clinic_out(_reader(request))


@router.patch("/clinic", response={200: ClinicOut})
def patch_clinic(request: HttpRequest, payload: ClinicPatch) -> Any:
    staff = _writer(request)
    given = {name: value for name, value in _given(payload).items() if value is not None}
    if "country" in given and given["country"].upper() not in dict(country_choices()):
        raise ValidationError(
            {"country": [f"{given['country']!r} is not a country MesoClinic has holidays for."]}
        )
    accounts_services.update_clinic_details(staff.clinic, actor=request.user, **given)
    staff.clinic.refresh_from_db()
    return _clinic_out(staff)


# --- Locations --------------------------------------------------------------------------------------------


def _location_out(location: Location) -> dict[str, Any]:
    return {
        "id": location.pk,
        "name": location.name,
        "timezone": location.timezone,
        "address": location.address,
        "phone": location.phone,
        "opening_hours": [
            {"weekday": h.weekday, "starts": h.starts, "ends": h.ends}
            for h in sorted(location.opening_hours.all(), key=lambda h: (h.weekday, h.starts))
        ],
    }


@router.get("/locations", response={200: list[SettingsLocationOut]})
def list_locations(request: HttpRequest) -> Any:
    staff = _reader(request)
    found = scheduling_selectors.locations_for_clinic(staff.clinic).prefetch_related("opening_hours")
    return [_location_out(location) for location in found]


@router.patch("/locations/{location_id}", response={200: SettingsLocationOut})
def patch_location(request: HttpRequest, location_id: int, payload: LocationPatch) -> Any:
    staff = _writer(request)
    location = scheduling_selectors.get_location_for_user(staff, location_id)
    values = {
        "name": location.name,
        "timezone": location.timezone,
        "address": location.address,
        "phone": location.phone,
    }
    values.update({name: value for name, value in _given(payload).items() if value is not None})
    accounts_services.update_location(location, actor=request.user, **values)
    return _location_out(location)


# --- Rooms and devices ---------------------------------------------------------------------------------


def _room_out(room: Any) -> dict[str, Any]:
    return {
        "id": room.pk,
        "location_id": room.location_id,
        "name": room.name,
        "modalities": list(room.modalities),
        "is_active": room.is_active,
    }


@router.get("/rooms", response={200: list[SettingsRoomOut]})
def list_rooms(request: HttpRequest) -> Any:
    staff = _reader(request)
    return [_room_out(room) for room in scheduling_selectors.rooms_of_clinic(staff.clinic)]


@router.post("/rooms", response={201: SettingsRoomOut})
def create_room(request: HttpRequest, payload: RoomIn) -> Any:
    staff = _writer(request)
    location = scheduling_selectors.get_location_for_user(staff, payload.location_id)
    room = scheduling_services.add_room(
        location, name=payload.name, modalities=payload.modalities, actor=request.user
    )
    return Status(201, _room_out(room))


@router.patch("/rooms/{room_id}", response={200: SettingsRoomOut})
def patch_room(request: HttpRequest, room_id: int, payload: RoomPatch) -> Any:
    staff = _writer(request)
    room = scheduling_selectors.get_room_for_user(staff, room_id)
    values = {"name": room.name, "modalities": room.modalities, "is_active": room.is_active}
    values.update({name: value for name, value in _given(payload).items() if value is not None})
    room = scheduling_services.update_room(room, actor=request.user, **values)
    return _room_out(room)


_DEVICE_FIELDS = ("name", "modality", "manufacturer", "model_name", "serial_number", "is_active")


def _device_out(device: Any) -> dict[str, Any]:
    return {
        "id": device.pk,
        "location_id": device.location_id,
        **{f: getattr(device, f) for f in _DEVICE_FIELDS},
    }


@router.get("/devices", response={200: list[SettingsDeviceOut]})
def list_devices(request: HttpRequest) -> Any:
    staff = _reader(request)
    return [_device_out(device) for device in scheduling_selectors.devices_of_clinic(staff.clinic)]


@router.post("/devices", response={201: SettingsDeviceOut})
def create_device(request: HttpRequest, payload: DeviceIn) -> Any:
    staff = _writer(request)
    location = scheduling_selectors.get_location_for_user(staff, payload.location_id)
    values = payload.dict(exclude={"location_id"})
    device = scheduling_services.add_device(location, actor=request.user, **values)
    return Status(201, _device_out(device))


@router.patch("/devices/{device_id}", response={200: SettingsDeviceOut})
def patch_device(request: HttpRequest, device_id: int, payload: DevicePatch) -> Any:
    staff = _writer(request)
    device = scheduling_selectors.get_device_for_user(staff, device_id)
    values = {f: getattr(device, f) for f in _DEVICE_FIELDS}
    values.update({name: value for name, value in _given(payload).items() if value is not None})
    device = scheduling_services.update_device(device, actor=request.user, **values)
    return _device_out(device)


# --- A practitioner's weekly hours -----------------------------------------------------------------------


def _hours_out(member: StaffMember) -> list[dict[str, Any]]:
    by_location: dict[int, list[dict[str, Any]]] = {}
    for span in scheduling_selectors.weekly_hours_of(member):
        by_location.setdefault(span.location_id, []).append(
            {"weekday": span.weekday, "starts": span.starts, "ends": span.ends}
        )
    return [{"location_id": pk, "spans": spans} for pk, spans in by_location.items()]


@router.get("/practitioners/{practitioner_id}/hours", response={200: list[WorkingHoursOut]})
def get_working_hours(request: HttpRequest, practitioner_id: int) -> Any:
    staff = _reader(request)
    return _hours_out(scheduling_selectors.get_clinic_practitioner_for_user(staff, practitioner_id))


@router.put("/practitioners/{practitioner_id}/hours", response={200: list[WorkingHoursOut]})
def put_working_hours(request: HttpRequest, practitioner_id: int, payload: WorkingHoursIn) -> Any:
    staff = _writer(request)
    member = scheduling_selectors.get_clinic_practitioner_for_user(staff, practitioner_id)
    location = scheduling_selectors.get_location_for_user(staff, payload.location_id)
    for index, span in enumerate(payload.spans):
        # The location's wall clock has no offset ("09:00Z" means nothing there, and cannot be compared).
        aware = [name for name in ("starts", "ends") if getattr(span, name).tzinfo is not None]
        if aware:
            message = ["Give the location's local time, without a time zone."]
            raise ValidationError({f"spans[{index}].{name}": message for name in aware})
        if span.ends <= span.starts:
            raise ValidationError({f"spans[{index}].ends": [_("The end must be after the start.")]})
    spans = [(span.weekday, span.starts, span.ends) for span in payload.spans]
    scheduling_services.set_working_hours(member, location, spans, actor=request.user)
    return _hours_out(member)


# --- Protocols (versioned) and the catalog's items ------------------------------------------------------


def _protocol_out(protocol: Protocol, prices: list[Any], currency: str) -> dict[str, Any]:
    fields = (
        "id",
        "slug",
        "name",
        "description",
        "areas",
        "sessions",
        "interval_days",
        "tolerance_days",
        "maintenance_interval_months",
        "session_minutes",
        "buffer_minutes",
        "is_active",
        "bookable_online",
        "version",
    )
    return {
        **{name: getattr(protocol, name) for name in fields},
        "modality": protocol.modality.code,
        "cocktail": protocol.cocktail.code if protocol.cocktail else None,
        "prices": [
            {
                "id": item.pk,
                "kind": item.kind,
                "unit_price": item.unit_price,
                "currency": currency,
                "sessions": item.sessions,
            }
            for item in prices
        ],
    }


def _prices_by_protocol(clinic: Any) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    items = billing_selectors.price_items(clinic).filter(
        kind__in=[ItemKind.SESSION, ItemKind.PACKAGE], protocol__isnull=False
    )
    for item in items.order_by("kind", "pk"):
        found.setdefault(cast(int, item.protocol_id), []).append(item)
    return found


@router.get("/protocols", response={200: list[SettingsProtocolOut]})
def list_protocols(request: HttpRequest) -> Any:
    staff = _reader(request)
    prices = _prices_by_protocol(staff.clinic)
    currency = billing_selectors.settings_for(staff.clinic).currency
    return [
        _protocol_out(p, prices.get(p.pk, []), currency)
        for p in catalog_selectors.protocols(staff.clinic, active_only=False)
    ]


@router.patch("/protocols/{protocol_id}", response={200: SettingsProtocolOut})
def patch_protocol(request: HttpRequest, protocol_id: int, payload: ProtocolPatch) -> Any:
    staff = _writer(request)
    protocol = catalog_selectors.get_protocol_for_user(staff, protocol_id)
    changes = _given(payload)
    if "cocktail" in changes:
        code = changes["cocktail"] or ""
        if code:
            cocktail = catalog_selectors.cocktails(staff.clinic).filter(code=code).first()
            if cocktail is None:
                raise ValidationError(
                    {"cocktail": [_("No cocktail “%(code)s” in this clinic's catalog.") % {"code": code}]}
                )
            changes["cocktail"] = cocktail
        else:
            changes["cocktail"] = None
    for name in [n for n, v in changes.items() if v is None and n != "cocktail"]:
        raise ValidationError({name: [_("Give a value, or leave the field out.")]})
    protocol = catalog_services.update_protocol(protocol, actor=request.user, **changes)
    protocol = catalog_selectors.get_protocol_for_user(staff, protocol.pk)
    return _protocol_out(
        protocol,
        _prices_by_protocol(staff.clinic).get(protocol.pk, []),
        billing_selectors.settings_for(staff.clinic).currency,
    )


@router.get("/protocols/{protocol_id}/versions", response={200: list[ProtocolVersionOut]})
def protocol_versions(request: HttpRequest, protocol_id: int) -> Any:
    staff = _reader(request)
    protocol = catalog_selectors.get_protocol_for_user(staff, protocol_id)
    return [
        {
            "version": row.version,
            "saved_at": row.history_date.isoformat(),
            "sessions": row.sessions,
            "interval_days": row.interval_days,
            "tolerance_days": row.tolerance_days,
            "session_minutes": row.session_minutes,
            "buffer_minutes": row.buffer_minutes,
        }
        for row in catalog_selectors.protocol_versions(protocol)
    ]


@router.get("/catalog-items", response={200: list[CatalogItemOut]})
def list_catalog_items(request: HttpRequest) -> Any:
    staff = _reader(request)
    clinic = staff.clinic
    return [
        *(
            {"kind": "ingredient", "code": i.code, "name": i.name}
            for i in catalog_selectors.ingredients(clinic)
        ),
        *({"kind": "product", "code": p.code, "name": p.name} for p in catalog_selectors.products(clinic)),
        *({"kind": "cocktail", "code": c.code, "name": c.name} for c in catalog_selectors.cocktails(clinic)),
    ]


_EDITABLE_KINDS: dict[str, Any] = {
    "ingredient": catalog_selectors.ingredients,
    "product": catalog_selectors.products,
}
_COMPOSED_KINDS: dict[str, Any] = {
    "product": catalog_selectors.products,
    "cocktail": catalog_selectors.cocktails,
}


def _catalog_item(staff: StaffMember, kinds: dict[str, Any], kind: str, code: str) -> Any:
    """The clinic's item of this kind by code, or 404 (another clinic's codes are not found)."""
    if kind not in kinds:
        raise Http404
    item = kinds[kind](staff.clinic).filter(code=code).first()
    if item is None:
        raise Http404
    return item


def _item_detail(kind: str, item: Any) -> dict[str, Any]:
    fields = catalog_services.CATALOG_ITEM_FIELDS[type(item)]
    out = {name: getattr(item, name) for name in fields}
    for name, value in out.items():
        if value is None and name != "package_size":
            out[name] = ""
    return {
        "kind": kind,
        "code": item.code,
        **out,
        "composition_version": getattr(item, "composition_version", None),
    }


@router.patch("/catalog-items/{kind}/{code}", response={200: CatalogItemDetailOut})
def patch_catalog_item(request: HttpRequest, kind: str, code: str, payload: CatalogItemPatch) -> Any:
    """An ingredient's or a product's descriptive fields, as Settings → Catalog edits them (audited); a
    field the kind does not have is 422 naming it; codes and compositions do not change here."""
    staff = _writer(request)
    item = _catalog_item(staff, _EDITABLE_KINDS, kind, code)
    changes = _given(payload)
    for name in [n for n, v in changes.items() if v is None and n != "package_size"]:
        raise ValidationError({name: [_("Give a value, or leave the field out.")]})
    item = catalog_services.update_catalog_item(item, actor=request.user, **changes)
    return _item_detail(kind, item)


def _composition_out(kind: str, item: Any) -> dict[str, Any]:
    return {"kind": kind, "code": item.code, **catalog_selectors.current_composition(item)}


@router.get("/catalog-items/{kind}/{code}/composition", response={200: CompositionOut})
def get_composition(request: HttpRequest, kind: str, code: str) -> Any:
    staff = _reader(request)
    return _composition_out(kind, _catalog_item(staff, _COMPOSED_KINDS, kind, code))


@router.put("/catalog-items/{kind}/{code}/composition", response={200: CompositionOut})
def put_composition(request: HttpRequest, kind: str, code: str, payload: CompositionIn) -> Any:
    """A product's or a cocktail's new composition: a new version (the earlier kept, sessions recorded before
    keep theirs), audited with before and after; refused (422 naming the field) as Settings refuses it."""
    staff = _writer(request)
    item = _catalog_item(staff, _COMPOSED_KINDS, kind, code)
    if kind == "product" and payload.products is not None:
        raise ValidationError({"products": [_("Only a cocktail is prepared from products.")]})
    item = catalog_services.update_composition(
        item,
        actor=request.user,
        ingredients=[row.dict() for row in payload.ingredients],
        products=payload.products if kind == "cocktail" else None,
        reason=payload.reason,
    )
    return _composition_out(kind, item)


# --- Holidays (a location's closed days) -----------------------------------------------------------------


def _holiday_out(holiday: Any) -> dict[str, Any]:
    return {"id": holiday.pk, "date": holiday.date, "name": holiday.name}


@router.get("/locations/{location_id}/holidays", response={200: list[HolidayOut]})
def list_holidays(request: HttpRequest, location_id: int, year: int | None = None) -> Any:
    """The location's closed days (of ``year`` when given), as Settings → Holidays lists them."""
    staff = _reader(request)
    location = scheduling_selectors.get_location_for_user(staff, location_id)
    if year is not None and not 2000 <= year <= 2100:  # the years a date lookup can hold, and more
        raise ValidationError({"year": [_("Give a year from 2000 to 2100.")]})
    return [_holiday_out(h) for h in scheduling_selectors.holidays_of(location, year=year)]


@router.post("/locations/{location_id}/holidays", response={201: HolidayOut})
def add_holiday(request: HttpRequest, location_id: int, payload: HolidayIn) -> Any:
    """Close the location on one day (the clinic's own holiday); a day already closed is 422 naming date."""
    staff = _writer(request)
    location = scheduling_selectors.get_location_for_user(staff, location_id)
    holiday = scheduling_services.add_holiday(
        location, day=payload.date, name=payload.name.strip(), actor=request.user
    )
    return Status(201, _holiday_out(holiday))


@router.post("/locations/{location_id}/holidays/public", response={201: list[HolidayOut]})
def add_public_holidays(request: HttpRequest, location_id: int, payload: PublicHolidaysIn) -> Any:
    """Close the location on the country's public holidays of a year (or the chosen ``days`` of them)."""
    staff = _writer(request)
    location = scheduling_selectors.get_location_for_user(staff, location_id)
    added = scheduling_services.add_public_holidays(
        location, country=payload.country.upper(), year=payload.year, days=payload.days, actor=request.user
    )
    dates = [h.date for h in added]  # bulk-created: read back with their ids
    return Status(
        201, [_holiday_out(h) for h in scheduling_selectors.holidays_of(location).filter(date__in=dates)]
    )


@router.delete("/locations/{location_id}/holidays/{holiday_id}", response={204: None})
def remove_holiday(request: HttpRequest, location_id: int, holiday_id: int) -> Any:
    """Open the location again that day (its weekly hours apply); audited."""
    staff = _writer(request)
    location = scheduling_selectors.get_location_for_user(staff, location_id)
    holiday = scheduling_selectors.get_holiday_for_user(staff, location, holiday_id)
    scheduling_services.remove_holiday(holiday, actor=request.user)
    return Status(204, None)


# --- Screening rules -------------------------------------------------------------------------------------


def _rules_out(clinic: Any) -> dict[str, Any]:
    data = safety_selectors.rule_table_data(clinic)
    return {
        "note": data.get("note") or "",
        "rules": [
            {
                **rule,
                "label": str(FACTORS.get(rule["factor"], rule["factor"])),
                "source": rule.get("source") or "",
            }
            for rule in data["rules"]
        ],
        "sources": [{"key": key, **source} for key, source in sorted(data["sources"].items())],
        "modalities": list(MODALITIES),
        "factors": list(FACTORS),
    }


@router.get("/screening-rules", response={200: ScreeningRulesOut})
def get_screening_rules(request: HttpRequest) -> Any:
    """The clinic's screening rules per factor and treatment, each with its source."""
    return _rules_out(_reader(request).clinic)


@router.put("/screening-rules", response={200: ScreeningRulesOut})
def put_screening_rule(request: HttpRequest, payload: ScreeningRuleIn) -> Any:
    """Set one factor's rule, as Settings → Screening rules does: the whole earlier table is kept, the change
    audited with before, after and the reason; refused (422 naming the field) as the screening core refuses it."""
    staff = _writer(request)
    if not payload.reason.strip():
        raise ValidationError({"reason": [_("Say why the rule changes.")]})
    safety_services.update_screening_rule(
        staff.clinic,
        factor=payload.factor,
        severity=dict(payload.severity),
        message=payload.message,
        source=payload.source,
        new_source=payload.new_source.dict() if payload.new_source else None,
        actor=request.user,
        reason=payload.reason,
    )
    return _rules_out(staff.clinic)


# --- Message templates --------------------------------------------------------------------------------------


@router.get("/message-templates", response={200: list[MessageTemplateOut]})
def list_message_templates(request: HttpRequest) -> Any:
    staff = _reader(request)
    return [
        {
            "kind": str(row["kind"]),
            "channel": str(row["channel"]),
            "language": str(row["language"]),
            "subject": row["subject"],
            "body": row["body"],
            "customised": row["custom"],
        }
        for row in notifications_selectors.templates_overview(staff.clinic)
    ]


@router.put("/message-templates", response={200: MessageTemplateOut})
def put_message_template(request: HttpRequest, payload: MessageTemplateIn) -> Any:
    staff = _writer(request)
    template = notifications_services.save_message_template(
        staff.clinic,
        kind=payload.kind,
        channel=payload.channel,
        language=payload.language,
        subject=payload.subject,
        body=payload.body,
        actor=request.user,
    )
    return {
        "kind": template.kind,
        "channel": template.channel,
        "language": template.language,
        "subject": template.subject,
        "body": template.body,
        "customised": True,
    }


@router.post("/message-templates/preview", response={200: MessagePreviewOut})
def preview_message_template(request: HttpRequest, payload: MessageTemplateIn) -> Any:
    """The message as a patient would get it, with sample values; nothing is saved. Refused like a save."""
    staff = _writer(request)
    subject = payload.subject if payload.channel == "email" else ""
    errors = notifications_services.check_template(subject, payload.body, clinic=staff.clinic)
    if errors:
        raise ValidationError(errors)
    values = {**SAMPLE_VALUES, "clinic": staff.clinic.name, "clinic_phone": staff.clinic.phone}
    rendered_subject, rendered_body = notifications_services.render_text(
        subject, payload.body, payload.channel, values
    )
    return {"subject": rendered_subject, "body": rendered_body}


# --- Staff (Settings → Staff: invite, edit, deactivate) ------------------------------------------------------


def _staff_out(member: StaffMember) -> dict[str, Any]:
    return {
        "id": member.pk,
        "email": member.user.email,
        "display_name": member.display_name,
        "title": member.title,
        "role": member.role,
        "modalities": list(member.modalities),
        "location_ids": sorted(location.pk for location in member.locations.all()),
        "is_active": member.is_active,
    }


def _chosen_modalities(staff: StaffMember, codes: list[str]) -> list[str]:
    """The codes as the Settings form offers them (the clinic's modalities); another is 422 naming modalities."""
    offered = set(catalog_selectors.modalities(staff.clinic).values_list("code", flat=True))
    if any(code not in offered for code in codes):
        raise ValidationError({"modalities": [_("Choose treatments this clinic offers.")]})
    return codes


def _chosen_locations(staff: StaffMember, ids: list[int]) -> list[Location]:
    """The clinic's locations with these ids; another clinic's (or no such) id is 422 naming locations."""
    found = list(scheduling_selectors.locations_for_clinic(staff.clinic).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"locations": [_("Choose locations of this clinic.")]})
    return found


@router.get("/staff", response={200: list[StaffMemberOut]})
def list_staff(request: HttpRequest) -> Any:
    """Every staff member, active first: role, qualifications (modalities), locations."""
    staff = _reader(request)
    return [_staff_out(member) for member in accounts_selectors.staff_of_clinic(staff.clinic)]


@router.post("/staff", response={201: StaffMemberOut})
def invite_staff(request: HttpRequest, payload: StaffInviteIn) -> Any:
    """Invite a staff member as Settings does: an account with no password, and an e-mail with the link to
    choose one; audited. An address that already has an account is 422 naming email."""
    staff = _writer(request)
    member = accounts_services.invite_staff_member(
        staff.clinic,
        email=payload.email,
        display_name=payload.display_name,
        role=payload.role,
        title=payload.title,
        modalities=_chosen_modalities(staff, payload.modalities),
        locations=_chosen_locations(staff, payload.location_ids),
        base_url=request.build_absolute_uri("/").rstrip("/"),
        actor=request.user,
    ).member
    return Status(201, _staff_out(accounts_selectors.get_staff_member_for_user(staff, member.pk)))


@router.patch("/staff/{staff_id}", response={200: StaffMemberOut})
def patch_staff(request: HttpRequest, staff_id: int, payload: StaffPatch) -> Any:
    """Change a member's role, name, title, qualifications or locations, or (de)activate them, as Settings
    does; the last active owner stays (422 naming role), nobody deactivates themselves (422)."""
    staff = _writer(request)
    member = accounts_selectors.get_staff_member_for_user(staff, staff_id)
    changes = _given(payload)
    for name in [n for n, v in changes.items() if v is None]:
        raise ValidationError({name: [_("Give a value, or leave the field out.")]})
    active = changes.pop("is_active", None)
    with transaction.atomic():
        if changes:
            accounts_services.update_staff_member(
                member,
                role=changes.get("role", member.role),
                display_name=changes.get("display_name", member.display_name),
                title=changes.get("title", member.title),
                modalities=_chosen_modalities(staff, changes.get("modalities", list(member.modalities))),
                locations=(
                    _chosen_locations(staff, changes["location_ids"])
                    if "location_ids" in changes
                    else list(member.locations.all())
                ),
                actor=request.user,
            )
        if active is not None:
            accounts_services.set_staff_active(member, active=active, actor=request.user)
    return _staff_out(accounts_selectors.get_staff_member_for_user(staff, member.pk))


# --- Consent templates: new versions, never edits -----------------------------------------------------------


def _consent_modality(staff: StaffMember, modality: str) -> Any:
    found = catalog_selectors.modalities(staff.clinic).filter(code=modality).first()
    if found is None:
        raise Http404
    return found


def _consent_out(template: Any) -> dict[str, Any]:
    author = template.created_by
    return {
        "modality": template.modality.code,
        "version": template.version,
        "title": template.title,
        "body": template.body,
        "created_at": template.created_at.isoformat(),
        "created_by": (author.get_full_name() or author.get_username()) if author else "",
    }


@router.get("/consent-templates/{modality}/versions", response={200: list[ConsentVersionOut]})
def consent_versions(request: HttpRequest, modality: str) -> Any:
    """Every published version of the modality's consent form, newest first (the first is what patients sign)."""
    staff = _reader(request)
    found = _consent_modality(staff, modality)
    versions = patients_selectors.consent_template_versions(staff.clinic, found).select_related("modality")
    return [_consent_out(template) for template in versions]


@router.post("/consent-templates/{modality}/versions", response={201: ConsentVersionOut})
def publish_consent_version(request: HttpRequest, modality: str, payload: ConsentVersionIn) -> Any:
    """Publish a new version (patients sign it from now on; the earlier versions stay as signed); audited.
    The same title and text as the current version is 422 naming body."""
    staff = _writer(request)
    found = _consent_modality(staff, modality)
    latest = patients_selectors.consent_template_versions(staff.clinic, found).first()
    if latest and (payload.title, payload.body) == (latest.title, latest.body):
        raise ValidationError({"body": [_("Nothing changed: edit the text to publish a new version.")]})
    template = patients_services.publish_consent_template(
        staff.clinic, modality=found, title=payload.title, body=payload.body, actor=request.user
    )
    return Status(201, _consent_out(template))


# --- A device's downtime ----------------------------------------------------------------------------------


def _downtime_out(downtime: Any) -> dict[str, Any]:
    return {
        "id": downtime.pk,
        "device_id": downtime.device_id,
        "starts_at": downtime.starts_at,
        "ends_at": downtime.ends_at,
        "reason": downtime.reason,
    }


def _aware(value: datetime, zone: str, name: str) -> datetime:
    """A time without a zone is the location's local time, as Settings' form reads it."""
    if not 2000 <= value.year <= 2100:  # the years a date lookup can hold, and more
        raise ValidationError({name: [_("Give a year from 2000 to 2100.")]})
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zoneinfo.ZoneInfo(zone))


@router.get("/devices/{device_id}/downtime", response={200: list[DowntimeOut]})
def list_downtime(request: HttpRequest, device_id: int) -> Any:
    staff = _reader(request)
    device = scheduling_selectors.get_device_for_user(staff, device_id)
    return [_downtime_out(d) for d in scheduling_selectors.downtime_of(device)]


@router.post("/devices/{device_id}/downtime", response={201: DowntimeOut})
def add_downtime(request: HttpRequest, device_id: int, payload: DowntimeIn) -> Any:
    """Make the device unbookable then (sessions already booked stay: the desk moves them); audited.
    An end not after the start is 422 naming ends_at."""
    staff = _writer(request)
    device = scheduling_selectors.get_device_for_user(staff, device_id)
    zone = device.location.timezone
    downtime = scheduling_services.add_device_downtime(
        device,
        starts_at=_aware(payload.starts_at, zone, "starts_at"),
        ends_at=_aware(payload.ends_at, zone, "ends_at"),
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, _downtime_out(downtime))


@router.delete("/devices/{device_id}/downtime/{downtime_id}", response={204: None})
def remove_downtime(request: HttpRequest, device_id: int, downtime_id: int) -> Any:
    """The device can be booked again then; audited."""
    staff = _writer(request)
    device = scheduling_selectors.get_device_for_user(staff, device_id)
    downtime = scheduling_selectors.get_downtime_for_user(staff, device, downtime_id)
    scheduling_services.remove_device_downtime(downtime, actor=request.user)
    return Status(204, None)
