"""Settings: the owner sets the clinic up in the app — its details, locations with opening hours and
holidays, staff (invite, role, qualifications, locations, deactivate), practitioners' weekly hours, extra
hours and time off, rooms, devices and their downtime.

Only ``manage_clinic`` (the owner) gets here. Every view parses input, fetches through the clinic-scoped
``get_*_for_user`` helpers (404 across clinics), calls the owning app's service (which audits the change),
then renders or redirects; a refused form comes back with 422 and everything typed kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts import selectors as accounts_selectors
from mesoclinic.accounts import services as accounts_services
from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import Location, Role, StaffMember
from mesoclinic.accounts.permissions import Capability
from mesoclinic.billing import selectors as billing_selectors
from mesoclinic.billing.models import ItemKind
from mesoclinic.catalog import selectors as catalog_selectors
from mesoclinic.catalog import services as catalog_services
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.selectors import modalities as clinic_modalities
from mesoclinic.clinic_settings.forms import (
    ClinicDetailsForm,
    CompositionForm,
    ConsentTemplateForm,
    DeviceForm,
    ExtraHoursForm,
    HolidayForm,
    IngredientForm,
    IntervalForm,
    InviteForm,
    LocationForm,
    ProductForm,
    ProtocolForm,
    PublicHolidaysForm,
    RoomForm,
    ScreeningRuleForm,
    StaffForm,
    WeeklyHoursForm,
    country_name,
)
from mesoclinic.clinical_codes.vocabulary import FACTORS, MODALITIES
from mesoclinic.form_errors import run_and_flash, save_form
from mesoclinic.patients import selectors as patients_selectors
from mesoclinic.patients import services as patients_services
from mesoclinic.safety import selectors as safety_selectors
from mesoclinic.safety import services as safety_services
from mesoclinic.scheduling import selectors as scheduling_selectors
from mesoclinic.scheduling import services as scheduling_services
from mesoclinic.scheduling.public_holidays import public_holidays

MANAGE = Capability.MANAGE_CLINIC
CLINICAL_ROLES = (Role.PHYSICIAN, Role.PRACTITIONER)


def _page(
    request: ClinicRequest, template: str, context: dict[str, Any], *, failed: bool = False
) -> HttpResponse:
    return render(request, template, {"section": "settings", **context}, status=422 if failed else 200)


def _modality_choices(request: ClinicRequest) -> list[tuple[str, str]]:
    return [(m.code, str(m)) for m in clinic_modalities(request.clinic).order_by("name")]


def _locations(request: ClinicRequest) -> Any:
    return scheduling_selectors.locations_for_clinic(request.clinic)


# --- Overview and the clinic's details ------------------------------------------------------------------


@require_GET
@staff_required(MANAGE)
def index(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    context = {
        "missing": clinic.missing_contact_details(),
        "staff_count": accounts_selectors.staff_of_clinic(clinic).filter(is_active=True).count(),
        "locations": _locations(request),
        "room_count": scheduling_selectors.rooms_of_clinic(clinic).filter(is_active=True).count(),
        "device_count": scheduling_selectors.devices_of_clinic(clinic).filter(is_active=True).count(),
    }
    return _page(request, "clinic_settings/index.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def clinic_details(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    initial = {name: getattr(clinic, name) for name in accounts_services.CLINIC_DETAIL_FIELDS}
    form = ClinicDetailsForm(request.POST or None, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: accounts_services.update_clinic_details(clinic, actor=request.user, **data),
        success=_("Clinic details saved."),
        then=reverse("settings:clinic"),
    )
    if saved:
        return saved
    context = {"form": form, "missing": clinic.missing_contact_details()}
    return _page(request, "clinic_settings/clinic.html", context, failed=bool(form.errors))


# --- Staff ----------------------------------------------------------------------------------------------


@require_GET
@staff_required(MANAGE)
def staff_list(request: ClinicRequest) -> HttpResponse:
    names = dict(_modality_choices(request))
    members = [
        (member, [names.get(code, code) for code in member.modalities])
        for member in accounts_selectors.staff_of_clinic(request.clinic)
    ]
    return _page(request, "clinic_settings/staff.html", {"members": members, "clinical": CLINICAL_ROLES})


def _staff_form(request: ClinicRequest, form_class: type[StaffForm], **kwargs: Any) -> StaffForm:
    return form_class(
        request.POST or None, modalities=_modality_choices(request), locations=_locations(request), **kwargs
    )


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def staff_invite(request: ClinicRequest) -> HttpResponse:
    form = _staff_form(request, InviteForm, initial={"role": Role.PRACTITIONER})

    def invite(data: dict[str, Any]) -> StaffMember:
        return accounts_services.invite_staff_member(
            request.clinic,
            email=data["email"],
            display_name=data["display_name"],
            role=data["role"],
            title=data["title"],
            modalities=data["modalities"],
            locations=data["locations"],
            base_url=request.build_absolute_uri("/").rstrip("/"),
            actor=request.user,
        ).member

    saved = save_form(
        request,
        form,
        invite,
        success=lambda member: (
            _("%(name)s is invited: an e-mail to %(email)s lets them choose a password.")
            % {"name": member.display_name, "email": member.user.email}
        ),
        then=lambda member: (
            reverse("settings:staff_hours", args=[member.pk])
            if member.role in CLINICAL_ROLES
            else reverse("settings:staff")
        ),
    )
    if saved:
        return saved
    return _page(request, "clinic_settings/staff_form.html", {"form": form}, failed=bool(form.errors))


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def staff_edit(request: ClinicRequest, staff_id: int) -> HttpResponse:
    member = accounts_selectors.get_staff_member_for_user(request.staff, staff_id)
    initial = {
        "display_name": member.display_name,
        "title": member.title,
        "role": member.role,
        "modalities": member.modalities,
        "locations": list(member.locations.all()),
    }
    form = _staff_form(request, StaffForm, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: accounts_services.update_staff_member(member, actor=request.user, **data),
        success=lambda _result: _("%(name)s saved.") % {"name": member.display_name},
        then=reverse("settings:staff"),
    )
    if saved:
        return saved
    context = {"form": form, "member": member, "clinical": CLINICAL_ROLES}
    return _page(request, "clinic_settings/staff_form.html", context, failed=bool(form.errors))


@require_POST
@staff_required(MANAGE)
def staff_active(request: ClinicRequest, staff_id: int) -> HttpResponse:
    member = accounts_selectors.get_staff_member_for_user(request.staff, staff_id)
    active = request.POST.get("active") == "1"
    run_and_flash(
        request,
        lambda: accounts_services.set_staff_active(member, active=active, actor=request.user),
        success=(
            _("%(name)s can sign in again.")
            if active
            else _("%(name)s is deactivated: they can no longer sign in; their records stay.")
        )
        % {"name": member.display_name},
    )
    return HttpResponseRedirect(reverse("settings:staff"))


# --- A practitioner's hours: weekly hours per location, extra hours and time off ---------------------------


def _hours_page(
    request: ClinicRequest,
    member: StaffMember,
    *,
    hours_forms: dict[int, WeeklyHoursForm] | None = None,
    off_form: IntervalForm | None = None,
    extra_form: ExtraHoursForm | None = None,
) -> HttpResponse:
    locations = list(member.locations.order_by("name")) or list(_locations(request))
    weekly: dict[int, list[tuple[int, Any, Any]]] = {loc.pk: [] for loc in locations}
    for span in scheduling_selectors.weekly_hours_of(member):
        weekly.setdefault(span.location_id, []).append((span.weekday, span.starts, span.ends))
    forms = hours_forms or {}
    by_location = [
        (
            location,
            forms.get(location.pk)
            or WeeklyHoursForm(
                prefix=f"loc{location.pk}", initial=WeeklyHoursForm.initial_for(weekly[location.pk])
            ),
        )
        for location in locations
    ]
    failed = any(f.errors for f in forms.values()) or bool(off_form and off_form.errors)
    failed = failed or bool(extra_form and extra_form.errors)
    context = {
        "member": member,
        "by_location": by_location,
        "time_off": scheduling_selectors.time_off_of(member),
        "extra_hours": scheduling_selectors.extra_hours_of(member).select_related("location"),
        "off_form": off_form or IntervalForm(prefix="off"),
        "extra_form": extra_form or ExtraHoursForm(prefix="extra", locations=_locations(request)),
    }
    return _page(request, "clinic_settings/staff_hours.html", context, failed=failed)


def _practitioner(request: ClinicRequest, staff_id: int) -> StaffMember:
    return scheduling_selectors.get_clinic_practitioner_for_user(request.staff, staff_id)


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def staff_hours(request: ClinicRequest, staff_id: int) -> HttpResponse:
    member = _practitioner(request, staff_id)
    if request.method == "GET":
        return _hours_page(request, member)
    if not request.POST.get("location"):
        messages.error(request, _("Choose the location whose hours these are."))
        response = _hours_page(request, member)
        response.status_code = 422
        return response
    location = scheduling_selectors.get_location_for_user(request.staff, request.POST["location"])
    form = WeeklyHoursForm(request.POST, prefix=f"loc{location.pk}")
    saved = save_form(
        request,
        form,
        lambda _data: scheduling_services.set_working_hours(
            member, location, form.spans(), actor=request.user
        ),
        success=_("Weekly hours of %(name)s at %(location)s saved.")
        % {"name": member.display_name, "location": location.name},
        then=reverse("settings:staff_hours", args=[member.pk]),
    )
    if saved:
        return saved
    return _hours_page(request, member, hours_forms={location.pk: form})


@require_POST
@staff_required(MANAGE)
def time_off_add(request: ClinicRequest, staff_id: int) -> HttpResponse:
    member = _practitioner(request, staff_id)
    form = IntervalForm(request.POST, prefix="off")
    saved = save_form(
        request,
        form,
        lambda data: scheduling_services.add_time_off(member, actor=request.user, **data),
        success=_("Time off added."),
        then=reverse("settings:staff_hours", args=[member.pk]),
    )
    if saved:
        return saved
    return _hours_page(request, member, off_form=form)


@require_POST
@staff_required(MANAGE)
def time_off_remove(request: ClinicRequest, staff_id: int, time_off_id: int) -> HttpResponse:
    member = _practitioner(request, staff_id)
    off = scheduling_selectors.get_time_off_for_user(request.staff, member, time_off_id)
    scheduling_services.remove_time_off(off, actor=request.user)
    messages.success(request, _("Time off removed."))
    return HttpResponseRedirect(reverse("settings:staff_hours", args=[member.pk]))


@require_POST
@staff_required(MANAGE)
def extra_hours_add(request: ClinicRequest, staff_id: int) -> HttpResponse:
    member = _practitioner(request, staff_id)
    form = ExtraHoursForm(request.POST, prefix="extra", locations=_locations(request))
    saved = save_form(
        request,
        form,
        lambda data: scheduling_services.add_extra_hours(
            member,
            data["location"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data["reason"],
            actor=request.user,
        ),
        success=_("Extra hours added."),
        then=reverse("settings:staff_hours", args=[member.pk]),
    )
    if saved:
        return saved
    return _hours_page(request, member, extra_form=form)


@require_POST
@staff_required(MANAGE)
def extra_hours_remove(request: ClinicRequest, staff_id: int, extra_hours_id: int) -> HttpResponse:
    member = _practitioner(request, staff_id)
    extra = scheduling_selectors.get_extra_hours_for_user(request.staff, member, extra_hours_id)
    scheduling_services.remove_extra_hours(extra, actor=request.user)
    messages.success(request, _("Extra hours removed."))
    return HttpResponseRedirect(reverse("settings:staff_hours", args=[member.pk]))


# --- Locations, opening hours and holidays ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def location_list(request: ClinicRequest) -> HttpResponse:
    form = LocationForm(request.POST or None, initial={"timezone": request.clinic.timezone})

    def add(data: dict[str, Any]) -> Location:
        return accounts_services.add_location(
            request.clinic,
            name=data["name"],
            timezone=data["timezone"],
            address=data["address"],
            phone=data["phone"],
            actor=request.user,
        )

    saved = save_form(
        request,
        form,
        add,
        success=lambda location: _("%(name)s added: now give its opening hours.") % {"name": location.name},
        then=lambda location: reverse("settings:location_edit", args=[location.pk]),
    )
    if saved:
        return saved
    context = {"form": form, "locations": _locations(request).prefetch_related("opening_hours")}
    return _page(request, "clinic_settings/locations.html", context, failed=bool(form.errors))


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def location_edit(request: ClinicRequest, location_id: int) -> HttpResponse:
    location = scheduling_selectors.get_location_for_user(request.staff, location_id)
    which = request.POST.get("form") if request.method == "POST" else None
    details = LocationForm(
        request.POST if which == "details" else None,
        prefix="details",
        initial={
            "name": location.name,
            "timezone": location.timezone,
            "address": location.address,
            "phone": location.phone,
        },
    )
    spans = [(h.weekday, h.starts, h.ends) for h in location.opening_hours.order_by("weekday", "starts")]
    hours = WeeklyHoursForm(
        request.POST if which == "hours" else None, prefix="hours", initial=WeeklyHoursForm.initial_for(spans)
    )
    here = reverse("settings:location_edit", args=[location.pk])
    saved = save_form(
        request,
        details,
        lambda data: accounts_services.update_location(location, actor=request.user, **data),
        success=lambda _result: _("%(name)s saved.") % {"name": location.name},
        then=here,
        posted=which == "details",
    ) or save_form(
        request,
        hours,
        lambda _data: scheduling_services.set_opening_hours(location, hours.spans(), actor=request.user),
        success=_("Opening hours of %(name)s saved.") % {"name": location.name},
        then=here,
        posted=which == "hours",
    )
    if saved:
        return saved
    context = {"location": location, "details": details, "hours": hours}
    return _page(
        request, "clinic_settings/location.html", context, failed=bool(details.errors or hours.errors)
    )


def _year(value: Any, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 1900 <= year <= 2100 else default


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def holidays(request: ClinicRequest, location_id: int) -> HttpResponse:
    """The location's closed days: pick them from the country's public holidays of a year, or add one."""
    location = scheduling_selectors.get_location_for_user(request.staff, location_id)
    clinic = request.clinic
    source = request.POST if request.method == "POST" else request.GET
    year = _year(source.get("year"), clinic.today().year)
    country = (source.get("country") or clinic.country).upper()
    try:
        listed = [(h.date, h.name) for h in public_holidays(country, year, language=clinic.language)]
    except ValueError:
        listed = []
    action = request.POST.get("action") if request.method == "POST" else None
    own = HolidayForm(request.POST if action == "add" else None, prefix="own")
    public = PublicHolidaysForm(
        request.POST if action == "import" else None,
        holidays=listed,
        initial={"country": country, "year": year},
    )

    def import_chosen(data: dict[str, Any]) -> Any:
        chosen = public.chosen_days()
        if not chosen:
            raise ValidationError({"days": _("Tick the holidays the location closes on.")})
        return scheduling_services.add_public_holidays(
            location, country=data["country"], year=data["year"], days=chosen, actor=request.user
        )

    saved = save_form(
        request,
        own,
        lambda data: scheduling_services.add_holiday(
            location, day=data["date"], name=data["name"], actor=request.user
        ),
        success=_("Holiday added."),
        then=lambda holiday: _holidays_url(location, country, holiday.date.year),
        posted=action == "add",
    ) or save_form(
        request,
        public,
        import_chosen,
        success=lambda added: _("%(count)d holidays added.") % {"count": len(added)},
        then=_holidays_url(location, country, year),
        posted=action == "import",
    )
    if saved:
        return saved
    taken = {h.date: h for h in scheduling_selectors.holidays_of(location)}
    context = {
        "location": location,
        "year": year,
        "country": country,
        "country_label": country_name(country),
        "own": own,
        "public": public,
        "listed": [(day, name, day in taken) for day, name in listed],
        "closed": scheduling_selectors.holidays_of(location, year=year),
        "years": [year - 1, year + 1],
    }
    return _page(request, "clinic_settings/holidays.html", context, failed=bool(own.errors or public.errors))


def _holidays_url(location: Location, country: str, year: int) -> str:
    return f"{reverse('settings:holidays', args=[location.pk])}?country={country}&year={year}"


@require_POST
@staff_required(MANAGE)
def holiday_remove(request: ClinicRequest, location_id: int, holiday_id: int) -> HttpResponse:
    location = scheduling_selectors.get_location_for_user(request.staff, location_id)
    holiday = scheduling_selectors.get_holiday_for_user(request.staff, location, holiday_id)
    scheduling_services.remove_holiday(holiday, actor=request.user)
    messages.success(request, _("%(date)s is a working day again.") % {"date": date.isoformat(holiday.date)})
    return HttpResponseRedirect(_holidays_url(location, request.clinic.country, holiday.date.year))


# --- Rooms, devices and downtime -------------------------------------------------------------------------


def _resource_form(
    request: ClinicRequest, form_class: type[RoomForm] | type[DeviceForm], **kwargs: Any
) -> Any:
    return form_class(
        request.POST or None, modalities=_modality_choices(request), locations=_locations(request), **kwargs
    )


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def rooms(request: ClinicRequest) -> HttpResponse:
    """Rooms and devices of every location; adding a room."""
    form = _resource_form(request, RoomForm, initial={"is_active": True})
    saved = save_form(
        request,
        form,
        lambda data: scheduling_services.add_room(
            data["location"], name=data["name"], modalities=data["modalities"], actor=request.user
        ),
        success=lambda room: _("%(name)s added.") % {"name": room.name},
        then=reverse("settings:rooms"),
    )
    if saved:
        return saved
    names = dict(_modality_choices(request))
    context = {
        "form": form,
        "rooms": [
            (room, [names.get(c, c) for c in room.modalities])
            for room in scheduling_selectors.rooms_of_clinic(request.clinic)
        ],
        "devices": [
            (device, names.get(device.modality, device.modality))
            for device in scheduling_selectors.devices_of_clinic(request.clinic)
        ],
    }
    return _page(request, "clinic_settings/rooms.html", context, failed=bool(form.errors))


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def room_edit(request: ClinicRequest, room_id: int) -> HttpResponse:
    room = scheduling_selectors.get_room_for_user(request.staff, room_id)
    initial = {
        "location": room.location,
        "name": room.name,
        "modalities": room.modalities,
        "is_active": room.is_active,
    }
    form = _resource_form(request, RoomForm, initial=initial)
    form.fields["location"].disabled = True  # a room does not move: its bookings are at its location
    saved = save_form(
        request,
        form,
        lambda data: scheduling_services.update_room(
            room,
            name=data["name"],
            modalities=data["modalities"],
            is_active=data["is_active"],
            actor=request.user,
        ),
        success=lambda _result: _("%(name)s saved.") % {"name": room.name},
        then=reverse("settings:rooms"),
    )
    if saved:
        return saved
    return _page(request, "clinic_settings/room.html", {"form": form, "room": room}, failed=bool(form.errors))


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def device_add(request: ClinicRequest) -> HttpResponse:
    form = _resource_form(request, DeviceForm, initial={"is_active": True})
    saved = save_form(
        request,
        form,
        lambda data: scheduling_services.add_device(
            data["location"],
            name=data["name"],
            modality=data["modality"],
            manufacturer=data["manufacturer"],
            model_name=data["model_name"],
            serial_number=data["serial_number"],
            actor=request.user,
        ),
        success=lambda device: _("%(name)s added.") % {"name": device.name},
        then=reverse("settings:rooms"),
    )
    if saved:
        return saved
    return _page(request, "clinic_settings/device.html", {"form": form}, failed=bool(form.errors))


def _device_page(
    request: ClinicRequest, device: Any, form: Any, downtime_form: IntervalForm | None = None
) -> HttpResponse:
    context = {
        "form": form,
        "device": device,
        "downtime": scheduling_selectors.downtime_of(device),
        "downtime_form": downtime_form or IntervalForm(prefix="down"),
    }
    failed = bool(form.errors or (downtime_form and downtime_form.errors))
    return _page(request, "clinic_settings/device.html", context, failed=failed)


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def device_edit(request: ClinicRequest, device_id: int) -> HttpResponse:
    device = scheduling_selectors.get_device_for_user(request.staff, device_id)
    initial = {
        "location": device.location,
        "name": device.name,
        "modality": device.modality,
        "manufacturer": device.manufacturer,
        "model_name": device.model_name,
        "serial_number": device.serial_number,
        "is_active": device.is_active,
    }
    form = _resource_form(request, DeviceForm, initial=initial)
    form.fields["location"].disabled = True

    def update(data: dict[str, Any]) -> Any:
        data = {name: value for name, value in data.items() if name != "location"}
        return scheduling_services.update_device(device, actor=request.user, **data)

    saved = save_form(
        request,
        form,
        update,
        success=lambda _result: _("%(name)s saved.") % {"name": device.name},
        then=reverse("settings:device_edit", args=[device.pk]),
    )
    if saved:
        return saved
    return _device_page(request, device, form)


@require_POST
@staff_required(MANAGE)
def downtime_add(request: ClinicRequest, device_id: int) -> HttpResponse:
    device = scheduling_selectors.get_device_for_user(request.staff, device_id)
    form = IntervalForm(request.POST, prefix="down")
    saved = save_form(
        request,
        form,
        lambda data: scheduling_services.add_device_downtime(device, actor=request.user, **data),
        success=_("Downtime added: the device cannot be booked then."),
        then=reverse("settings:device_edit", args=[device.pk]),
    )
    if saved:
        return saved
    initial = {
        "location": device.location,
        "name": device.name,
        "modality": device.modality,
        "is_active": device.is_active,
    }
    device_form = DeviceForm(
        modalities=_modality_choices(request), locations=_locations(request), initial=initial
    )
    return _device_page(request, device, device_form, form)


@require_POST
@staff_required(MANAGE)
def downtime_remove(request: ClinicRequest, device_id: int, downtime_id: int) -> HttpResponse:
    device = scheduling_selectors.get_device_for_user(request.staff, device_id)
    downtime = scheduling_selectors.get_downtime_for_user(request.staff, device, downtime_id)
    scheduling_services.remove_device_downtime(downtime, actor=request.user)
    messages.success(request, _("Downtime removed."))
    return HttpResponseRedirect(reverse("settings:device_edit", args=[device.pk]))


# --- Consent templates: new versions, never edits -------------------------------------------------------


@require_GET
@staff_required(MANAGE)
def consent_templates(request: ClinicRequest) -> HttpResponse:
    """Each modality with the version of its consent form that patients sign now."""
    current = {t.modality_id: t for t in patients_selectors.current_consent_templates(request.clinic)}
    rows = [
        (modality, current.get(modality.pk))
        for modality in clinic_modalities(request.clinic).order_by("name")
    ]
    return _page(request, "clinic_settings/consents.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def consent_publish(request: ClinicRequest, modality: str) -> HttpResponse:
    """Publish a new version of a modality's consent form, starting from the current text."""
    found = clinic_modalities(request.clinic).filter(code=modality).first()
    if found is None:
        raise Http404
    versions = patients_selectors.consent_template_versions(request.clinic, found)
    latest = versions.first()
    initial = {"title": latest.title, "body": latest.body} if latest else {"title": found.name}
    form = ConsentTemplateForm(request.POST or None, initial=initial)

    def publish(data: dict[str, Any]) -> Any:
        if latest and (data["title"], data["body"]) == (latest.title, latest.body):
            raise ValidationError({"body": _("Nothing changed: edit the text to publish a new version.")})
        return patients_services.publish_consent_template(
            request.clinic, modality=found, title=data["title"], body=data["body"], actor=request.user
        )

    saved = save_form(
        request,
        form,
        publish,
        success=lambda template: (
            _("Version %(version)d of the %(modality)s consent is published: patients sign it from now on.")
            % {"version": template.version, "modality": found.name}
        ),
        then=reverse("settings:consents"),
    )
    if saved:
        return saved
    context = {"form": form, "modality": found, "versions": versions, "latest": latest}
    return _page(request, "clinic_settings/consent_publish.html", context, failed=bool(form.errors))


# --- Protocols: a clinical change is a new version; the price is the price list's -----------------------


def _protocol_prices(request: ClinicRequest) -> dict[int, dict[str, Any]]:
    """Each protocol's session and package price items from the price list (billing), by protocol id."""
    prices: dict[int, dict[str, Any]] = {}
    items = billing_selectors.price_items(request.clinic).filter(
        kind__in=[ItemKind.SESSION, ItemKind.PACKAGE], protocol__isnull=False
    )
    for item in items:
        prices.setdefault(cast(int, item.protocol_id), {})[item.kind] = item
    return prices


@require_GET
@staff_required(MANAGE)
def protocols(request: ClinicRequest) -> HttpResponse:
    """Every protocol (offered or not) with its series, version and price from the price list."""
    prices = _protocol_prices(request)
    rows = [
        (protocol, prices.get(protocol.pk, {}).get(ItemKind.SESSION))
        for protocol in catalog_selectors.protocols(request.clinic, active_only=False)
    ]
    context = {"rows": rows, "currency": billing_selectors.settings_for(request.clinic).currency}
    return _page(request, "clinic_settings/protocols.html", context)


def _protocol_initial(protocol: Protocol) -> dict[str, Any]:
    return {name: getattr(protocol, name) for name in catalog_services.EDITABLE_PROTOCOL_FIELDS}


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def protocol_edit(request: ClinicRequest, slug: str) -> HttpResponse:
    """Edit a protocol: its series and spacing (a new version, the earlier kept) or its description."""
    protocol = catalog_selectors.get_protocol_for_clinic(request.clinic, slug)
    form = ProtocolForm(
        request.POST or None,
        initial=_protocol_initial(protocol),
        cocktails=catalog_selectors.cocktails(request.clinic),
    )
    before = protocol.version

    def save(data: dict[str, Any]) -> Protocol:
        return catalog_services.update_protocol(protocol, actor=request.user, **data)

    def saved_message(result: Protocol) -> str:
        if result.version != before:
            return _("%(name)s saved as version %(version)d: courses already started keep their plan.") % {
                "name": result.name,
                "version": result.version,
            }
        return _("%(name)s saved.") % {"name": result.name}

    saved = save_form(
        request,
        form,
        save,
        success=saved_message,
        then=reverse("settings:protocol_edit", args=[protocol.slug]),
    )
    if saved:
        return saved
    context = {
        "form": form,
        "protocol": protocol,
        "prices": _protocol_prices(request).get(protocol.pk, {}),
        "currency": billing_selectors.settings_for(request.clinic).currency,
        "versions": catalog_selectors.protocol_versions(protocol),
    }
    return _page(request, "clinic_settings/protocol.html", context, failed=bool(form.errors))


# --- Screening rules: every edit keeps the whole earlier table ---------------------------------------------


def _source_label(source: dict[str, Any]) -> str:
    return f"{source['title']} [{source['kind']}]"


@require_GET
@staff_required(MANAGE)
def screening_rules(request: ClinicRequest) -> HttpResponse:
    """Every factor with what it does per treatment and its source; each opens its editor."""
    data = safety_selectors.rule_table_data(request.clinic)
    ruled = {rule["factor"]: rule for rule in data["rules"]}
    rows = [
        {
            "factor": factor,
            "label": _(label),
            "cells": [
                (_(name), (ruled.get(factor) or {}).get("severity", {}).get(code, ""))
                for code, name in MODALITIES.items()
            ],
            "source": data["sources"].get((ruled.get(factor) or {}).get("source", "")),
        }
        for factor, label in FACTORS.items()
    ]
    context = {
        "rows": rows,
        "modalities": [_(name) for name in MODALITIES.values()],
        "note": data["note"],
        "versions": safety_selectors.rule_table_versions(request.clinic)[:10],
    }
    return _page(request, "clinic_settings/screening_rules.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def screening_rule_edit(request: ClinicRequest, factor: str) -> HttpResponse:
    if factor not in FACTORS:
        raise Http404
    data = safety_selectors.rule_table_data(request.clinic)
    rule = next((r for r in data["rules"] if r["factor"] == factor), None)
    sources = sorted(((key, _source_label(src)) for key, src in data["sources"].items()), key=lambda s: s[1])
    initial: dict[str, Any] = {"message": rule["message"], "source": rule["source"]} if rule else {}
    for code, severity in (rule or {}).get("severity", {}).items():
        initial[f"severity_{code}"] = severity
    form = ScreeningRuleForm(
        request.POST or None,
        initial=initial,
        modalities=[(code, _(name)) for code, name in MODALITIES.items()],
        sources=sources,
    )

    def save(cleaned: dict[str, Any]) -> Any:
        return safety_services.update_screening_rule(
            request.clinic,
            factor=factor,
            severity=form.severity(),
            message=cleaned["message"],
            source=cleaned.get("source") or "",
            new_source=form.new_source(),
            actor=request.user,
        )

    saved = save_form(
        request,
        form,
        save,
        success=_("The rule for “%(factor)s” is saved; the earlier table is kept.")
        % {"factor": FACTORS[factor]},
        then=reverse("settings:screening_rules"),
    )
    if saved:
        return saved
    context = {"form": form, "factor": factor, "label": _(FACTORS[factor]), "rule": rule}
    return _page(request, "clinic_settings/screening_rule.html", context, failed=bool(form.errors))


# --- Catalog items: ingredients and products (their codes stay: allergies, lots and recalls use them) ----

_CATALOG_KINDS: dict[str, tuple[Any, Any]] = {
    "ingredient": (catalog_selectors.ingredients, IngredientForm),
    "product": (catalog_selectors.products, ProductForm),
}


@require_GET
@staff_required(MANAGE)
def catalog_items(request: ClinicRequest) -> HttpResponse:
    context = {
        "ingredients": catalog_selectors.ingredients(request.clinic),
        "products": catalog_selectors.products(request.clinic),
        "cocktails": catalog_selectors.cocktails(request.clinic),
    }
    return _page(request, "clinic_settings/catalog_items.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def catalog_item_edit(request: ClinicRequest, kind: str, code: str) -> HttpResponse:
    if kind not in _CATALOG_KINDS:
        raise Http404
    listing, form_class = _CATALOG_KINDS[kind]
    item = listing(request.clinic).filter(code=code).first()
    if item is None:
        raise Http404
    initial = {name: getattr(item, name) for name in form_class.base_fields}
    form = form_class(request.POST or None, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: catalog_services.update_catalog_item(item, actor=request.user, **data),
        success=lambda result: _("%(name)s saved.") % {"name": result.name},
        then=reverse("settings:catalog_items"),
    )
    if saved:
        return saved
    context = {"form": form, "item": item, "kind": kind}
    return _page(request, "clinic_settings/catalog_item.html", context, failed=bool(form.errors))


_COMPOSED_KINDS: dict[str, Any] = {
    "product": catalog_selectors.products,
    "cocktail": catalog_selectors.cocktails,
}


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def composition_edit(request: ClinicRequest, kind: str, code: str) -> HttpResponse:
    """A product's or a cocktail's ingredients and amounts (and a cocktail's products): a new version."""
    if kind not in _COMPOSED_KINDS:
        raise Http404
    item = _COMPOSED_KINDS[kind](request.clinic).filter(code=code).first()
    if item is None:
        raise Http404
    current = catalog_selectors.current_composition(item)
    ingredients = [(i.code, str(i)) for i in catalog_selectors.ingredients(request.clinic)]
    products = (
        [(p.code, p.name) for p in catalog_selectors.products(request.clinic)] if kind == "cocktail" else None
    )
    form = CompositionForm(
        request.POST or None,
        ingredients=ingredients,
        rows=current["ingredients"],
        products=products,
        initial={"products": current["products"]},
    )
    saved = save_form(
        request,
        form,
        lambda data: catalog_services.update_composition(
            item,
            actor=request.user,
            ingredients=form.composition(),
            products=data.get("products") if kind == "cocktail" else None,
            reason=data["reason"],
        ),
        success=lambda result: (
            _("%(name)s: composition version %(version)s saved.")
            % {"name": result, "version": result.composition_version}
        ),
        then=reverse("settings:catalog_items"),
    )
    if saved:
        return saved
    context = {
        "form": form,
        "item": item,
        "kind": kind,
        "version": current["version"],
        "versions": catalog_selectors.composition_versions(item),
    }
    return _page(request, "clinic_settings/composition.html", context, failed=bool(form.errors))
