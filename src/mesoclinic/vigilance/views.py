"""Vigilance screens: the recall page (search a lot, see every patient it reached, export, mark it
recalled), the adverse event list, page, form and follow-ups, a patient's events and the regulator's report.

Every view fetches objects through clinic-scoped ``get_<thing>_for_user`` helpers (404 across clinics)
and writes only through services. Every recall shown or exported is audit-logged: it reveals patients.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.catalog.data_file import zone_names
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import save_form
from mesoclinic.inventory import services as inventory_services
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.selectors import get_lot_for_user
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.vigilance import selectors, services
from mesoclinic.vigilance.forms import (
    AdverseEventForm,
    CorrectionForm,
    EventFilterForm,
    FollowUpForm,
    MarkRecalledForm,
    RecallSearchForm,
)
from mesoclinic.vigilance.models import AdverseEvent

PAGE_SIZE = 25


# --- Recall -----------------------------------------------------------------------------------------------


def _item_choices(request: ClinicRequest) -> list[tuple[str, str]]:
    products = Product.objects.filter(clinic=request.clinic).order_by("name").values_list("code", "name")
    cocktails = Cocktail.objects.filter(clinic=request.clinic).order_by("name").values_list("code", "name")
    return [*products, *[(code, _("%(name)s (preparation)") % {"name": name}) for code, name in cocktails]]


def _recall_page(
    request: ClinicRequest, lot: Lot | None, *, mark_form: MarkRecalledForm | None = None, **extra: Any
) -> HttpResponse:
    context: dict[str, Any] = {
        "search_form": extra.pop("search_form", None)
        or RecallSearchForm(
            initial={"lot_number": lot.lot_number if lot else ""}, products=_item_choices(request)
        ),
        "lot": lot,
        "zone_names": zone_names(),
        **extra,
    }
    if lot is not None:
        result = selectors.recall([lot])
        services.record_recall_view([lot], patients=len(result.patients), channel="web", actor=request.user)
        context["recall"] = result
        context["tz"] = request.clinic.timezone
        if role_has(request.staff.role, Capability.MANAGE_INVENTORY) and not lot.is_recalled:
            context["mark_form"] = mark_form or MarkRecalledForm()
    return render(request, "vigilance/recall.html", context)


def _recall_csv(request: ClinicRequest, lot: Lot) -> HttpResponseBase:
    result = selectors.recall([lot])
    services.record_recall_view([lot], patients=len(result.patients), channel="csv", actor=request.user)
    tz = selectors.clinic_tz(request.clinic)
    rows = [
        [
            use.patient.pk,
            use.patient.full_name,
            use.patient.phone,
            use.patient.email,
            use.record.pk,
            use.record.performed_at.astimezone(tz).isoformat(),
            use.record.get_status_display(),
            use.record.practitioner.display_name,
            " ".join(use.zones),
            use.line.quantity,
            use.line.unit,
            use.line.lot.lot_number,
            use.line.lot.item_name,
            " → ".join(use.via),
            "yes" if use.voided else "",
            "yes" if use.amended else "",
        ]
        for use in result.uses
    ]
    header = [
        "patient_id",
        "patient",
        "phone",
        "email",
        "session_id",
        "performed_at",
        "status",
        "practitioner",
        "zones",
        "quantity",
        "unit",
        "lot_number",
        "product",
        "via",
        "line_voided",
        "amended",
    ]
    return csv_export(request, f"recall-{lot.lot_number}.csv", header, rows, list_name="vigilance.recall")


@require_GET
@staff_required(Capability.RECALL)
def recall(request: ClinicRequest) -> HttpResponseBase:
    """Search a lot by number; with ``?lot=<id>`` show (or with ``format=csv`` export) whom it reached."""
    if "lot" in request.GET:
        lot = get_lot_for_user(request.staff, request.GET["lot"])
        if wants_csv(request):
            return _recall_csv(request, lot)
        return _recall_page(request, lot)
    if "lot_number" not in request.GET:
        return _recall_page(request, None)
    form = RecallSearchForm(request.GET, products=_item_choices(request))
    candidates: list[Lot] = []
    if form.is_valid():
        candidates = selectors.find_lots(
            request.clinic, form.cleaned_data["lot_number"], form.cleaned_data["product"] or None
        )
        if len(candidates) == 1:
            return HttpResponseRedirect(f"{reverse('vigilance:recall')}?lot={candidates[0].pk}")
    return _recall_page(request, None, search_form=form, candidates=candidates, searched=form.is_valid())


@require_POST
@staff_required(Capability.RECALL, Capability.MANAGE_INVENTORY)
def recall_mark(request: ClinicRequest, lot_id: int) -> HttpResponse:
    lot = get_lot_for_user(request.staff, lot_id)
    form = MarkRecalledForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: inventory_services.mark_lot_recalled(lot, reason=data["reason"], actor=request.user),
        success=_("Lot %(number)s is recalled and can no longer be used.") % {"number": lot.lot_number},
        then=f"{reverse('vigilance:recall')}?lot={lot.pk}",
    )
    return saved or _recall_page(request, lot, mark_form=form)


# --- Adverse events ---------------------------------------------------------------------------------------


def _filtered_events(request: ClinicRequest) -> tuple[EventFilterForm, Any]:
    form = EventFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    events = selectors.events_for_clinic(
        request.clinic,
        category=data.get("category") or "",
        severity=data.get("severity") or "",
        status=data.get("status") or "",
        onset_from=data.get("onset_from"),
        onset_to=data.get("onset_to"),
        search=data.get("q") or "",
    )
    return form, events


EVENT_CSV_HEADER = [
    "event_id",
    "patient_id",
    "patient",
    "category",
    "severity",
    "onset_on",
    "outcome",
    "status",
    "reported_at",
    "reported_to_regulator",
    "regulator_reference",
]


def _event_row(e: AdverseEvent, patient: Any) -> list[Any]:
    return [
        e.pk,
        e.patient_id,
        patient.full_name,
        e.get_category_display(),
        e.get_severity_display(),
        e.onset_on.isoformat(),
        e.get_outcome_display(),
        "closed" if e.closed_at else "open",
        e.reported_at.isoformat(),
        "yes" if e.reported_to_regulator else "no",
        e.regulator_reference,
    ]


@require_GET
@staff_required(Capability.VIEW_CLINICAL)
def events(request: ClinicRequest) -> HttpResponseBase:
    form, events = _filtered_events(request)
    if wants_csv(request):
        rows = (_event_row(e, e.patient) for e in events)
        return csv_export(request, "adverse-events.csv", EVENT_CSV_HEADER, rows, list_name="vigilance.events")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    partial = request.htmx and not request.htmx.history_restore_request
    template = "vigilance/partials/_event_rows.html" if partial else "vigilance/events.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _event_page(
    request: ClinicRequest, event: AdverseEvent, *, form: FollowUpForm | None = None
) -> HttpResponse:
    context: dict[str, Any] = {
        "event": event,
        "zone_names": zone_names(),
        "age": event.patient.age_on(event.onset_on),
        "products": selectors.report_products(event),
    }
    if role_has(request.staff.role, Capability.REPORT_ADVERSE_EVENT):
        context["follow_up_form"] = form or FollowUpForm(initial={"outcome": event.outcome})
    return render(request, "vigilance/event_detail.html", context)


@require_GET
@staff_required(Capability.VIEW_CLINICAL)
def event_detail(request: ClinicRequest, event_id: int) -> HttpResponse:
    return _event_page(request, selectors.get_event_for_user(request.staff, event_id))


@require_POST
@staff_required(Capability.VIEW_CLINICAL, Capability.REPORT_ADVERSE_EVENT)
def follow_up(request: ClinicRequest, event_id: int) -> HttpResponse:
    event = selectors.get_event_for_user(request.staff, event_id)
    form = FollowUpForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: services.add_follow_up(event, actor=request.user, **data),
        success=_("Follow-up added."),
        then=reverse("vigilance:event", args=[event.pk]),
    )
    return saved or _event_page(request, event, form=form)


def _onset(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


@require_http_methods(["GET", "POST"])
@staff_required(Capability.VIEW_CLINICAL, Capability.REPORT_ADVERSE_EVENT)
def report(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """The adverse event form; the sessions of the 12 weeks before the onset are offered with their lots."""
    patient = get_patient_for_user(request.staff, patient_id)
    today = request.clinic.today()
    data = request.POST if request.method == "POST" else None
    onset = _onset((data or request.GET).get("onset_on"), today)
    suggestions = selectors.suggest_sessions(patient, min(onset, today))
    if data is None:
        form = AdverseEventForm(
            suggestions=suggestions,
            today=today,
            initial={
                "onset_on": onset,
                "sessions": [s.record.pk for s in suggestions],
                "lots": list(dict.fromkeys(lot.pk for s in suggestions for lot in s.lots)),
            },
        )
    else:
        form = AdverseEventForm(data, suggestions=suggestions, today=today)

        def report(cleaned: dict[str, Any]) -> Any:
            fields = dict(cleaned)
            sessions = selectors.sessions_by_id(patient, fields.pop("sessions"))
            lots = selectors.lots_by_id(request.clinic, fields.pop("lots"))
            return services.report_adverse_event(
                patient, sessions=sessions, lots=lots, actor=request.user, **fields
            )

        saved = save_form(
            request,
            form,
            report,
            success=_("Adverse event recorded."),
            then=lambda event: reverse("vigilance:event", args=[event.pk]),
        )
        if saved:
            return saved
    context = {"patient": patient, "form": form, "suggestions": suggestions, "zone_names": zone_names()}
    if request.htmx and request.method == "GET" and "onset_on" in request.GET:
        return render(request, "vigilance/partials/_suggested_sessions.html", context)
    return render(request, "vigilance/report_form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Capability.REPORT_ADVERSE_EVENT)
def correct(request: ClinicRequest, event_id: int) -> HttpResponse:
    """Correct a reported event (a wrong date, a missed lot); the earlier version stays in its history."""
    event = selectors.get_event_for_user(request.staff, event_id)
    patient = event.patient
    today = request.clinic.today()
    data = request.POST if request.method == "POST" else None
    onset = _onset(data.get("onset_on") if data else event.onset_on.isoformat(), today)
    suggestions = selectors.suggest_sessions(patient, min(onset, today))
    if data is None:
        initial = {name: getattr(event, name) for name in services.EDITABLE_FIELDS}
        initial.update(
            sessions=[r.pk for r in event.sessions.all()], lots=[lot.pk for lot in event.lots.all()]
        )
        form = CorrectionForm(suggestions=suggestions, today=today, initial=initial)
    else:
        form = CorrectionForm(data, suggestions=suggestions, today=today)

        def correct(cleaned: dict[str, Any]) -> Any:
            fields = dict(cleaned)
            sessions = selectors.sessions_by_id(patient, fields.pop("sessions"))
            lots = selectors.lots_by_id(request.clinic, fields.pop("lots"))
            reason = fields.pop("reason")
            return services.update_adverse_event(
                event, reason=reason, sessions=sessions, lots=lots, actor=request.user, **fields
            )

        saved = save_form(
            request,
            form,
            correct,
            success=_("The report is corrected; the earlier version is kept."),
            then=reverse("vigilance:event", args=[event.pk]),
        )
        if saved:
            return saved
    context = {
        "patient": patient,
        "event": event,
        "form": form,
        "suggestions": suggestions,
        "zone_names": zone_names(),
    }
    return render(request, "vigilance/report_form.html", context)


@require_GET
@staff_required(Capability.VIEW_CLINICAL)
def patient_events(request: ClinicRequest, patient_id: int) -> HttpResponseBase:
    patient = get_patient_for_user(request.staff, patient_id)
    events = selectors.events_for_patient(patient)
    if wants_csv(request):
        rows = (_event_row(e, patient) for e in events)
        filename = f"adverse-events-patient-{patient.pk}.csv"
        return csv_export(
            request, filename, EVENT_CSV_HEADER, rows, list_name="vigilance.patient_events", subject=patient
        )
    context = chart_context(request, patient, tab="adverse_events")
    context["events"] = events
    return render(request, "vigilance/patient_events.html", context)


@require_GET
@staff_required(Capability.VIEW_CLINICAL)
def event_report(request: ClinicRequest, event_id: int) -> HttpResponseBase:
    """The regulator's report of one event, as JSON (default) or CSV (``?format=csv``): no patient name."""
    event = selectors.get_event_for_user(request.staff, event_id)
    data = selectors.regulator_report(event)
    if wants_csv(request):
        header = list(data["rows"][0]) if data["rows"] else []
        return csv_export(
            request,
            f"adverse-event-{event.pk}.csv",
            header,
            [list(row.values()) for row in data["rows"]],
            list_name="vigilance.event_report",
        )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="adverse-event-{event.pk}.json"'
    return response
