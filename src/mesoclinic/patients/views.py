"""Patient screens: the list, registration and identity, and the chart (history, versions, consents).

Every view parses input, fetches the patient through ``get_patient_for_user`` (404 for other clinics),
calls a service for any change, then renders or redirects. The chart's screening tab is served by
``mesoclinic.safety.views`` with the same page template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.catalog.selectors import ingredients
from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import add_service_errors, save_form
from mesoclinic.patients import selectors, services
from mesoclinic.patients.forms import (
    ConsentForm,
    MedicalHistoryForm,
    PatientForm,
    WithdrawConsentForm,
)
from mesoclinic.patients.models import Consent, HistoryStatus, MedicalHistory, Patient, PhotoUse
from mesoclinic.private_response import private

PAGE_SIZE = 25
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("family_name", "given_name", "id"),
    "-name": ("-family_name", "-given_name", "-id"),
    "birth_date": ("birth_date", "id"),
    "-birth_date": ("-birth_date", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
SORT_LABELS = {
    "name": gettext_lazy("Name"),
    "birth_date": gettext_lazy("Date of birth"),
    "created": gettext_lazy("Registered"),
}
CHART_TABS = ("history", "versions", "consents")


# ---------------------------------------------------------------------------------------------------------
# Shared pieces of the chart


@dataclass(frozen=True)
class Alert:
    """One item of the chart's alert strip: ``kind`` is allergy, condition, implant or medication."""

    kind: str
    label: str


def ingredient_names(request: ClinicRequest) -> dict[str, str]:
    return {code: _(name) for code, name in ingredients(request.clinic).values_list("code", "name")}


def history_alerts(history: MedicalHistory, names: dict[str, str]) -> list[Alert]:
    """The coded history as alert chips: allergies first, then conditions, implants and medications."""
    alerts = [
        Alert("allergy", _("Allergy: %(name)s") % {"name": names.get(code, code)})
        for code in history.allergies
    ]
    alerts += [
        Alert("allergy", _("Allergy (not in the list): %(text)s") % {"text": text})
        for text in history.other_allergies
    ]
    alerts += [Alert("condition", _(CONDITIONS.get(code, code))) for code in history.conditions]
    alerts += [Alert("implant", _(IMPLANTS.get(code, code))) for code in history.implants]
    for item in history.medications:
        label = _(MEDICATIONS.get(item["code"], item["code"]))
        if item.get("stopped"):
            label = _("%(medication)s (stopped %(date)s)") % {"medication": label, "date": item["stopped"]}
        alerts.append(Alert("medication", label))
    alerts += [
        Alert("medication", _("Medicine (not in the list): %(text)s") % {"text": text})
        for text in history.other_medications
    ]
    return alerts


def chart_context(request: ClinicRequest, patient: Patient, *, tab: str) -> dict[str, Any]:
    """What every tab of the chart needs: the patient, their age today and (for clinical staff) alerts."""
    today = request.clinic.today()
    context: dict[str, Any] = {
        "patient": patient,
        "age": patient.age_on(today),
        "today": today,
        "tab": tab,
        "medical_history": patient.medical_history,
    }
    if role_has(request.staff.role, Capability.VIEW_CLINICAL):
        context["alerts"] = history_alerts(patient.medical_history, ingredient_names(request))
    return context


def _chart_url(patient: Patient, tab: str) -> str:
    return f"{reverse('patients:detail', args=[patient.pk])}?tab={tab}"


def _default_tab(request: ClinicRequest) -> str:
    return "history" if role_has(request.staff.role, Capability.VIEW_CLINICAL) else "consents"


# ---------------------------------------------------------------------------------------------------------
# List


@dataclass(frozen=True)
class PatientRow:
    patient: Patient
    age: int
    alerts: list[Alert]


PATIENT_CSV_HEADER = [
    "patient_id",
    "family_name",
    "given_name",
    "birth_date",
    "age",
    "sex",
    "email",
    "phone",
    "preferred_language",
    "registered_at",
]


def _patients_csv(request: ClinicRequest, patients: Any) -> HttpResponseBase:
    """The whole filtered list (every page), streamed: identity and contact only, no medical history."""
    today = request.clinic.today()
    rows = (
        [
            p.pk,
            p.family_name,
            p.given_name,
            p.birth_date,
            p.age_on(today),
            p.sex,
            p.email,
            p.phone,
            p.preferred_language,
            p.created_at,
        ]
        for p in patients.iterator(chunk_size=500)
    )
    return csv_export(request, "patients.csv", PATIENT_CSV_HEADER, rows, list_name="patients")


@require_GET
@staff_required(Capability.VIEW_PATIENTS)
def patient_list(request: ClinicRequest) -> HttpResponseBase:
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    patients = selectors.patients_for_clinic(request.clinic, search=query)
    if wants_csv(request):
        return _patients_csv(request, patients.order_by(*SORTS[sort]))
    patients = patients.select_related("medical_history").order_by(*SORTS[sort])
    page: Page[Patient] = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    clinical = role_has(request.staff.role, Capability.VIEW_CLINICAL)
    names = ingredient_names(request) if clinical else {}
    today = request.clinic.today()
    rows = [
        PatientRow(p, p.age_on(today), history_alerts(p.medical_history, names) if clinical else [])
        for p in page.object_list
    ]
    context = {
        "query": query,
        "sort": sort,
        "sorts": [(key, label, sort == key, sort == f"-{key}") for key, label in SORT_LABELS.items()],
        "page": page,
        "rows": rows,
        "show_alerts": clinical,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "patients/partials/_patient_rows.html" if partial else "patients/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------------------------
# Registration and identity


def _booking_next(request: ClinicRequest) -> str:
    """The booking wizard's step to go back to after registering (``next``), or "" if it is not one."""
    raw = request.POST.get("next") or request.GET.get("next") or ""
    wizard = reverse("scheduling:book")
    if not raw.startswith(f"{wizard}?") or not url_has_allowed_host_and_scheme(raw, allowed_hosts=None):
        return ""
    return raw


def _save_patient(
    form: PatientForm, save: Callable[[bool], Patient]
) -> tuple[Patient | None, list[selectors.PossibleDuplicate]]:
    """Registering and editing save alike: ``save(allow_duplicate)`` gives the saved patient, or (None) the
    possible duplicates to show, which the form's "It is someone else" button saves anyway, or the
    service's refusals, put on ``form``."""
    try:
        return save(form.cleaned_data["allow_duplicate"]), []
    except services.PossibleDuplicateError as exc:
        return None, exc.duplicates
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, []


@require_http_methods(["GET", "POST"])
@staff_required(Capability.EDIT_PATIENTS)
def patient_create(request: ClinicRequest) -> HttpResponse:
    """Register a patient; from the booking wizard (``next``), the booking goes on with them chosen."""
    today = request.clinic.today()
    booking = _booking_next(request)
    duplicates: list[selectors.PossibleDuplicate] = []
    if request.method == "POST":
        form = PatientForm(request.POST, today=today, ask_contact=True, region=request.clinic.country)
        if form.is_valid():
            patient, duplicates = _save_patient(
                form,
                lambda allow: services.register_patient(
                    request.clinic,
                    actor=request.user,
                    contact=form.contact_answer(),
                    allow_duplicate=allow,
                    **form.patient_fields(),
                ),
            )
            if patient is not None:
                messages.success(request, _("%(name)s is registered.") % {"name": patient.full_name})
                if booking:
                    return HttpResponseRedirect(f"{booking}&{urlencode({'patient': patient.pk})}")
                return HttpResponseRedirect(reverse("patients:detail", args=[patient.pk]))
    else:
        # A new patient speaks the clinic's language unless the desk changes it.
        initial = {**_names_from(request.GET.get("name", "")), "preferred_language": request.clinic.language}
        form = PatientForm(today=today, ask_contact=True, initial=initial)
    context = {"form": form, "patient": None, "booking": booking, "duplicates": duplicates}
    return render(request, "patients/form.html", context)


def _names_from(text: str) -> dict[str, str]:
    """A name searched for before registering ("Ewa Zielińska", or only "Zielińska") as the form's names."""
    words = text.split()[:6]
    if not words:
        return {}
    if len(words) == 1:
        return {"family_name": words[0][:100]}
    return {"given_name": words[0][:100], "family_name": " ".join(words[1:])[:100]}


@require_http_methods(["GET", "POST"])
@staff_required(Capability.EDIT_PATIENTS)
def patient_edit(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = selectors.get_patient_for_user(request.staff, patient_id)
    today = request.clinic.today()
    duplicates: list[selectors.PossibleDuplicate] = []
    if request.method == "POST":
        form = PatientForm(
            request.POST, today=today, region=request.clinic.country, initial=PatientForm.initial_for(patient)
        )
        if form.is_valid():
            saved, duplicates = _save_patient(
                form,
                lambda allow: services.update_patient(
                    patient, actor=request.user, allow_duplicate=allow, **form.patient_fields()
                ),
            )
            if saved is not None:
                messages.success(
                    request, _("The details of %(name)s are saved.") % {"name": patient.full_name}
                )
                return HttpResponseRedirect(reverse("patients:detail", args=[patient.pk]))
    else:
        form = PatientForm(today=today, initial=PatientForm.initial_for(patient))
    context = {"form": form, "patient": patient, "duplicates": duplicates}
    return render(request, "patients/form.html", context)


# ---------------------------------------------------------------------------------------------------------
# The chart


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class VersionView:
    version: selectors.HistoryVersion
    changes: list[Change]


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    photo_use: list[str]
    withdraw_form: WithdrawConsentForm | None


FIELD_LABELS = {
    "status": gettext_lazy("History taken"),
    "conditions": gettext_lazy("Conditions"),
    "medications": gettext_lazy("Medications"),
    "other_medications": gettext_lazy("Other medicines (not in the list)"),
    "implants": gettext_lazy("Implants"),
    "allergies": gettext_lazy("Allergies"),
    "other_allergies": gettext_lazy("Other allergies (not in the list)"),
    "notes": gettext_lazy("Clinical notes"),
}


def _describe(field: str, value: Any, names: dict[str, str]) -> str:
    """A version's value in words, with the vocabulary's labels instead of codes."""
    if not value:
        return "—"
    if field == "notes":
        return str(value)
    if field == "status":
        return str(HistoryStatus(value).label) if value in HistoryStatus.values else str(value)
    if field in ("other_allergies", "other_medications"):
        return "; ".join(value)
    if field == "medications":
        parts = []
        for item in value:
            label = _(MEDICATIONS.get(item["code"], item["code"]))
            if item.get("stopped"):
                label = _("%(medication)s (stopped %(date)s)") % {
                    "medication": label,
                    "date": item["stopped"],
                }
            parts.append(label)
        return ", ".join(parts)
    labels = {"conditions": CONDITIONS, "implants": IMPLANTS, "allergies": names}[field]
    return ", ".join(_(labels.get(code, code)) for code in value)


def _history_form(request: ClinicRequest, patient: Patient, data: Any = None) -> MedicalHistoryForm:
    return MedicalHistoryForm(
        data,
        ingredients=ingredient_names(request),
        initial=MedicalHistoryForm.initial_for(patient.medical_history),
    )


def _render_chart(request: ClinicRequest, patient: Patient, tab: str, **extra: Any) -> HttpResponse:
    context = chart_context(request, patient, tab=tab)
    if tab == "history":
        if role_has(request.staff.role, Capability.EDIT_CLINICAL):
            context["history_form"] = extra.pop("history_form", None) or _history_form(request, patient)
        names = ingredient_names(request)
        context["history_summary"] = [
            (FIELD_LABELS[name], _describe(name, getattr(patient.medical_history, name), names))
            for name in FIELD_LABELS
        ]
    elif tab == "versions":
        names = ingredient_names(request)
        context["versions"] = [
            VersionView(
                v,
                [
                    Change(str(FIELD_LABELS[f]), _describe(f, old, names), _describe(f, new, names))
                    for f, (old, new) in v.changes.items()
                ],
            )
            for v in selectors.medical_history_versions(patient)
        ]
    elif tab == "consents":
        templates = selectors.current_consent_templates(request.clinic)
        may_record = role_has(request.staff.role, Capability.RECORD_CONSENT)
        withdraw_forms = extra.pop("withdraw_forms", {})
        context["consent_rows"] = [
            ConsentRow(
                consent,
                [str(PhotoUse(use).label) for use in consent.photo_use if use in PhotoUse.values],
                (withdraw_forms.get(consent.pk) or WithdrawConsentForm(prefix=f"withdraw-{consent.pk}"))
                if may_record and consent.is_valid
                else None,
            )
            for consent in selectors.consents_for_patient(patient)
        ]
        context["consent_templates"] = templates
        if may_record:
            context["consent_form"] = extra.pop("consent_form", None) or ConsentForm(
                templates=templates, initial={"signed_by": patient.full_name}
            )
    context.update(extra)
    return render(request, "patients/detail.html", context)


@require_GET
@staff_required(Capability.VIEW_PATIENTS)
def patient_detail(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = selectors.get_patient_for_user(request.staff, patient_id)
    tab = request.GET.get("tab") or _default_tab(request)
    if tab not in CHART_TABS:
        tab = _default_tab(request)
    if tab in {"history", "versions"} and not role_has(request.staff.role, Capability.VIEW_CLINICAL):
        raise PermissionDenied("Only clinical staff see the medical history.")
    if patient.is_restricted:
        services.record_restricted_chart_view(patient, actor=request.user)
    return _render_chart(request, patient, tab)


@require_POST
@staff_required(Capability.EDIT_CLINICAL)
def history_update(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = selectors.get_patient_for_user(request.staff, patient_id)
    form = _history_form(request, patient, request.POST)
    if form.is_valid():
        if not form.history_changed():
            messages.info(request, _("Nothing changed, so no new version was saved."))
            return HttpResponseRedirect(_chart_url(patient, "history"))
        saved = save_form(
            request,
            form,
            lambda _data: services.update_medical_history(
                patient, actor=request.user, **form.history_fields()
            ),
            success=_("Medical history saved. The previous version is kept."),
            then=_chart_url(patient, "history"),
        )
        if saved:
            return saved
    return _render_chart(request, patient, "history", history_form=form)


@require_POST
@staff_required(Capability.RECORD_CONSENT)
def consent_record(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = selectors.get_patient_for_user(request.staff, patient_id)
    templates = selectors.current_consent_templates(request.clinic)
    form = ConsentForm(request.POST, templates=templates)
    if form.is_valid():
        template = selectors.get_consent_template_for_clinic(request.clinic, form.cleaned_data["template"])
        saved = save_consent(request, patient, template, form, then=_chart_url(patient, "consents"))
        if saved:
            return saved
    return _render_chart(request, patient, "consents", consent_form=form)


def save_consent(
    request: ClinicRequest, patient: Patient, template: Any, form: ConsentForm, *, then: str
) -> HttpResponse | None:
    """Record the consent ``form`` (posted, for ``template``) as the patient signed it, on the chart or in the
    booking wizard: redirect to ``then``, or ``None`` with the refusal beside its field."""
    return save_form(
        request,
        form,
        lambda data: services.record_consent(
            patient,
            template=template,
            signed_by=data["signed_by"],
            photo_use=[PhotoUse.CLINICAL.value, *data["photo_use"]],
            signature=data["signature"],
            actor=request.user,
        ),
        success=_("Consent recorded: %(form)s.") % {"form": template.title},
        then=then,
    )


@require_POST
@staff_required(Capability.RECORD_CONSENT)
def consent_withdraw(request: ClinicRequest, patient_id: int, consent_id: int) -> HttpResponse:
    patient = selectors.get_patient_for_user(request.staff, patient_id)
    consent = selectors.get_consent_for_patient(patient, consent_id)
    form = WithdrawConsentForm(request.POST, prefix=f"withdraw-{consent.pk}")
    if form.is_valid():
        services.withdraw_consent(consent, reason=form.cleaned_data["reason"], actor=request.user)
        messages.success(request, _("Consent withdrawn: %(form)s.") % {"form": consent.template.title})
        return HttpResponseRedirect(_chart_url(patient, "consents"))
    return _render_chart(request, patient, "consents", withdraw_forms={consent.pk: form})


@require_GET
@staff_required(Capability.VIEW_PATIENTS)
def consent_signature(request: ClinicRequest, patient_id: int, consent_id: int) -> HttpResponse:
    """The signature drawn for a consent, as the PNG kept with it (404 if it was signed on paper)."""
    patient = selectors.get_patient_for_user(request.staff, patient_id)
    consent = selectors.get_consent_for_patient(patient, consent_id)
    if not consent.signature:
        raise Http404
    return private(HttpResponse(bytes(consent.signature), content_type="image/png"))
