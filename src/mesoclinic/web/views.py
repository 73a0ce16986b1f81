"""The layout's one page of its own: "Today", the reception's home.

One location at a time (tabs for the staff member's locations): the day's appointments by time, late
patients, who still needs consent, a one-click check-in, the lots expiring this week or running low, and
patients who reported a possible late complication. A practitioner's Today opens on their own patients
("My patients"), each row with "Record session". Rows come from the scheduling screens so the
htmx check-in answer and this page draw them the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import Role
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.billing.selectors import active_packages_for, standings_for
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.inventory.selectors import expiring_soon, low_stock
from mesoclinic.notifications.selectors import open_complication_alerts
from mesoclinic.portal.staff_selectors import patients_with_history_to_confirm
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.forms import ResolveScreeningAlertForm

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # a lazy translation, as django-stubs names it
from mesoclinic.scheduling.models import AppointmentSource, AppointmentStatus
from mesoclinic.scheduling.views import appointment_rows
from mesoclinic.scheduling.views.common import MANAGE_SCHEDULE

EXPIRY_WARNING_DAYS = 7
SCREENING_ALERTS_SHOWN = 50
PRACTITIONER_ROLES = (Role.PRACTITIONER, Role.PHYSICIAN)


@require_GET
@staff_required()
def home(request: ClinicRequest) -> HttpResponse:
    context: dict[str, object] = {"today": request.clinic.today()}
    if role_has(request.staff.role, Capability.VIEW_INVENTORY):
        context.update(
            expiring=expiring_soon(request.clinic, request.clinic.today(), days=EXPIRY_WARNING_DAYS),
            low_stock=low_stock(request.clinic),
        )
    if role_has(request.staff.role, Capability.VIEW_CLINICAL):
        context["complication_alerts"] = list(open_complication_alerts(request.clinic))
    if not role_has(request.staff.role, Capability.VIEW_PATIENTS):
        return render(request, "web/home.html", context)
    alerts = list(selectors.open_screening_alerts(request.clinic)[:SCREENING_ALERTS_SHOWN])
    # A practitioner's own patients first: the alert is addressed to them too.
    alerts.sort(key=lambda alert: alert.appointment.practitioner_id != request.staff.pk)
    context.update(
        screening_alerts=alerts,
        resolve_form=ResolveScreeningAlertForm() if role_has(request.staff.role, MANAGE_SCHEDULE) else None,
    )
    locations = selectors.staff_locations(request.staff)
    raw = request.GET.get("location")
    location = (
        selectors.get_location_for_user(request.staff, raw) if raw else (locations[0] if locations else None)
    )
    if location is None:
        return render(request, "web/home.html", context)
    if location not in locations:
        locations.append(location)
    now = timezone.now()
    today = local_day(now, location.timezone)
    day = list(
        selectors.appointments_between(location, *selectors.day_bounds(location, today)).select_related(
            "session_record"
        )
    )
    # A practitioner's own patients first: their Today opens on "My patients", with everyone a tab away.
    treats = request.staff.role in PRACTITIONER_ROLES or any(
        a.practitioner_id == request.staff.pk for a in day
    )
    who = request.GET.get("who") or ("mine" if request.staff.role in PRACTITIONER_ROLES else "all")
    mine = treats and who == "mine"
    if mine:
        day = [a for a in day if a.practitioner_id == request.staff.pk]
    active = appointment_rows([a for a in day if a.status != AppointmentStatus.CANCELLED], now=now)
    holds = list(selectors.holds_between(location, *selectors.day_bounds(location, today), now=now))
    context["holds"] = [h for h in holds if not mine or h.practitioner_id == request.staff.pk]
    online_firsts = {
        r.appointment.booked_patient.pk
        for r in active
        if r.appointment.source == AppointmentSource.ONLINE and r.appointment.session_index == 1
    }
    context["history_to_confirm"] = patients_with_history_to_confirm(request.clinic, online_firsts)
    if role_has(request.staff.role, Capability.VIEW_BILLING):
        patients = {r.appointment.booked_patient.pk: r.appointment.booked_patient for r in active}
        held = active_packages_for(patients, today=today)
        context["prepaid"] = [(patients[pid], held[pid]) for pid in patients if pid in held]
        money = standings_for(patients)
        context["standings"] = [(patients[pid], money[pid]) for pid in patients if pid in money]
    query = {"location": location.pk, **({"who": who} if treats else {})}
    here = f"{reverse('web:home')}?{urlencode(query)}"
    calendar = {"location": location.pk, "date": today.isoformat(), "view": "day", "by": "practitioner"}
    context.update(
        today=today,
        location=location,
        locations=locations,
        rows=active,
        cancelled=len(day) - len(active),
        treats=treats,
        mine=mine,
        next=here,
        calendar_url=f"{reverse('scheduling:calendar')}?{urlencode(calendar)}",
        counts={
            "total": len(active),
            "arrived": sum(r.appointment.status == AppointmentStatus.CHECKED_IN for r in active),
            "late": sum(r.late for r in active),
            "completed": sum(r.appointment.status == AppointmentStatus.COMPLETED for r in active),
            "consent": sum(
                r.needs_consent
                for r in active
                if r.appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
            ),
        },
    )
    return render(request, "web/home.html", context)


class Tool(NamedTuple):
    """One of the clinic's administration pages, shown to the roles holding its capability."""

    capability: Capability
    url_name: str
    title: str | _StrPromise
    help: str | _StrPromise


ADMIN_TOOLS = (
    Tool(
        Capability.MANAGE_NOTIFICATIONS,
        "notifications:log",
        _("Messages to patients"),
        _("reminders, recalls and check-ins sent; timing, quiet hours and templates"),
    ),
    Tool(
        Capability.MANAGE_PRIVACY,
        "privacy:index",
        _("Privacy"),
        _("erasure requests, restriction and the retention period"),
    ),
    Tool(
        Capability.USE_PHOTO_LIBRARY,
        "privacy:library",
        _("Teaching & marketing library"),
        _("photos whose current consent allows teaching or marketing use"),
    ),
    Tool(
        Capability.IMPORT_DATA,
        "interop:imports",
        _("Import"),
        _("patients and appointments from another system (CSV, with a dry run)"),
    ),
    Tool(
        Capability.MANAGE_WEBHOOKS,
        "webhooks:endpoints",
        _("Webhooks"),
        _("signed events sent to other systems, and their delivery log"),
    ),
    Tool(
        Capability.MANAGE_JOBS,
        "worker:jobs",
        _("Background jobs"),
        _("photo analysis, messages and purges; failed jobs can be run again"),
    ),
    Tool(
        Capability.VIEW_AUDIT,
        "audit:events",
        _("Audit log"),
        _("every change and every read of a chart, photo or export"),
    ),
    Tool(
        Capability.MANAGE_SECURITY,
        "accounts:security",
        _("Clinic security"),
        _("require two-factor authentication for all staff"),
    ),
)


@require_GET
@staff_required()
def clinic_admin(request: ClinicRequest) -> HttpResponse:
    """The administration pages this role may open, in one place instead of a crowded menu."""
    tools = [tool for tool in ADMIN_TOOLS if role_has(request.staff.role, tool.capability)]
    if not tools:
        raise PermissionDenied("Your role has no administration pages.")
    return render(request, "web/admin.html", {"tools": tools})
