"""Screens: the patient's Messages tab (preferences and delivery log), the owner's delivery log, timing
and templates (with a preview), the Today alert's acknowledgement, and two patient-facing pages behind
signed links (opt-out, late-complication check)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import add_service_errors, run_and_flash, set_choices
from mesoclinic.notifications import selectors, services, tokens
from mesoclinic.notifications.defaults import PLACEHOLDERS
from mesoclinic.notifications.forms import (
    ComplicationAnswerForm,
    ContactPreferenceForm,
    DeliveryFilterForm,
    MessageTemplateForm,
    NotificationSettingsForm,
)
from mesoclinic.notifications.models import Channel, DeliveryStatus, Kind, Language
from mesoclinic.patients.models import Patient
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.treatments.models import SessionRecord

PAGE_SIZE = 50

SAMPLE_VALUES = {
    "name": "Anna",
    "when": "2026-05-14 10:30",
    "location": "Main",
    "protocol": "Skin hydration (needle)",
    "aftercare": "No make-up for 12 hours; no sauna or sport for 24 hours.",
    "due_on": "2026-11-14",
    "window_opens": "2026-05-20",
    "window_closes": "2026-05-24",
    "check_url": "https://clinic.example/notifications/check/…/",
    "opt_out_url": "https://clinic.example/notifications/opt-out/…/",
}


# --- Chart tab ---------------------------------------------------------------------------------------------


def _preference_initial(patient: Patient) -> dict[str, Any]:
    preference = selectors.preference_for(patient)
    if preference is None:
        return {"consent": False, "email": True, "sms": False, "language": ""}
    return {
        "consent": preference.consent,
        "email": preference.email,
        "sms": preference.sms,
        "language": preference.language,
    }


def _messages_page(
    request: ClinicRequest, patient: Patient, form: ContactPreferenceForm, status: int = 200
) -> HttpResponse:
    context = chart_context(request, patient, tab="messages")
    page = Paginator(selectors.deliveries_for_patient(patient), PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(form=form, page=page, preference=selectors.preference_for(patient))
    return render(request, "notifications/patient_messages.html", context, status=status)


@require_GET
@staff_required(Capability.VIEW_PATIENTS)
def patient_messages(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    return _messages_page(request, patient, ContactPreferenceForm(initial=_preference_initial(patient)))


@require_POST
@staff_required(Capability.EDIT_PATIENTS)
def preferences(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    form = ContactPreferenceForm(request.POST)
    if not form.is_valid():
        return _messages_page(request, patient, form, status=422)
    services.update_contact_preference(patient, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Contact preferences saved."))
    return redirect("notifications:patient_messages", patient.pk)


# --- Owner pages -------------------------------------------------------------------------------------------


@require_GET
@staff_required(Capability.MANAGE_NOTIFICATIONS)
def log(request: ClinicRequest) -> HttpResponseBase:
    form = DeliveryFilterForm(request.GET)
    set_choices(form, "kind", [("", _("All kinds")), *Kind.choices])
    set_choices(form, "status", [("", _("All statuses")), *DeliveryStatus.choices])
    set_choices(form, "channel", [("", _("All channels")), *Channel.choices])
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.deliveries_for_clinic(
        request.clinic,
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
        channel=filters.get("channel", ""),
        search=filters.get("q", ""),
    )
    if wants_csv(request):
        header = ["due", "sent", "patient", "kind", "channel", "status", "reason", "attempts", "to", "error"]
        lines = (
            [
                d.due_at.isoformat(),
                d.sent_at.isoformat() if d.sent_at else "",
                d.patient.full_name,
                d.get_kind_display(),
                d.get_channel_display(),
                d.get_status_display(),
                d.get_reason_display() if d.reason else "",
                d.attempts,
                d.to,
                d.error_text,
            ]
            for d in rows.iterator(chunk_size=500)
        )
        return csv_export(request, "messages.csv", header, lines, list_name="notifications.deliveries")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "notifications/partials/_log_rows.html" if request.htmx else "notifications/log.html"
    return render(request, template, {"form": form, "page": page})


@require_POST
@staff_required(Capability.MANAGE_NOTIFICATIONS)
def retry(request: ClinicRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.get_delivery_for_user(request.staff, delivery_id)
    run_and_flash(
        request,
        lambda: services.retry_delivery(delivery, actor=request.user),
        success=_("The message will be tried again within five minutes."),
    )
    return redirect("notifications:log")


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_NOTIFICATIONS)
def settings_view(request: ClinicRequest) -> HttpResponse:
    current = selectors.settings_for(request.clinic)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.update_notification_settings(request.clinic, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Message timing saved."))
                return redirect("notifications:settings")
        return render(request, "notifications/settings.html", {"form": form}, status=422)
    form = NotificationSettingsForm(
        initial={
            "reminder_lead_hours": ", ".join(str(h) for h in current.reminder_lead_hours),
            "quiet_start": current.quiet_start,
            "quiet_end": current.quiet_end,
            "recall_lead_days": current.recall_lead_days,
            "continuation_lead_days": current.continuation_lead_days,
        }
    )
    return render(request, "notifications/settings.html", {"form": form})


@require_GET
@staff_required(Capability.MANAGE_NOTIFICATIONS)
def templates(request: ClinicRequest) -> HttpResponse:
    return render(
        request, "notifications/templates.html", {"rows": selectors.templates_overview(request.clinic)}
    )


def _check_template_key(kind: str, channel: str, language: str) -> None:
    if kind not in Kind.values or channel not in Channel.values or language not in Language.values:
        raise Http404


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_NOTIFICATIONS)
def template_edit(request: ClinicRequest, kind: str, channel: str, language: str) -> HttpResponse:
    """Edit one template; "Preview" renders it with sample values without saving; "Reset" restores the default."""
    _check_template_key(kind, channel, language)
    subject, body = selectors.template_for(request.clinic.pk, kind, channel, language)
    key = {"kind": kind, "channel": channel, "language": language}
    preview = None
    status = 200
    if request.method == "POST" and request.POST.get("action") == "reset":
        services.reset_message_template(request.clinic, actor=request.user, **key)
        messages.success(request, _("The default wording is back."))
        return redirect("notifications:template", kind, channel, language)
    if request.method == "POST":
        form = MessageTemplateForm(request.POST, channel=channel)
        if form.is_valid():
            new_subject = form.cleaned_data.get("subject", "")
            errors = services.check_template(new_subject, form.cleaned_data["body"], clinic=request.clinic)
            for field, field_errors in errors.items():
                form.add_error(field if field in form.fields else "body", field_errors)
            if not errors and request.POST.get("action") == "preview":
                preview = _preview(new_subject, form.cleaned_data["body"], channel, request)
            elif not errors:
                services.save_message_template(
                    request.clinic,
                    subject=new_subject,
                    body=form.cleaned_data["body"],
                    actor=request.user,
                    **key,
                )
                messages.success(request, _("Template saved."))
                return redirect("notifications:templates")
        if form.errors:
            status = 422
    else:
        form = MessageTemplateForm(initial={"subject": subject, "body": body}, channel=channel)
        preview = _preview(subject, body, channel, request)
    context = {
        "form": form,
        "preview": preview,
        "kind_label": Kind(kind).label,
        "channel_label": Channel(channel).label,
        "language_label": Language(language).label,
        "placeholders": PLACEHOLDERS,
        **key,
    }
    return render(request, "notifications/template_edit.html", context, status=status)


def _preview(subject: str, body: str, channel: str, request: ClinicRequest) -> dict[str, str]:
    values = {**SAMPLE_VALUES, "clinic": request.clinic.name, "clinic_phone": request.clinic.phone}
    rendered_subject, rendered_body = services.render_text(subject, body, channel, values)
    return {"subject": rendered_subject, "body": rendered_body}


@require_POST
@staff_required(Capability.VIEW_CLINICAL)
def acknowledge(request: ClinicRequest, answer_id: int) -> HttpResponse:
    answer = selectors.get_alert_for_user(request.staff, answer_id)
    services.acknowledge_alert(answer, actor=request.user)
    messages.success(request, _("Marked as seen."))
    return redirect("web:home")


# --- Patient-facing pages ----------------------------------------------------------------------------------


def _in_patients_language(request: HttpRequest, patient: Patient) -> None:
    """A page reached from a message speaks the language the message was in (the patient's), unless this
    browser chose one with the language switch."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES):
        return
    language = patient.preferred_language if patient.preferred_language in dict(settings.LANGUAGES) else ""
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


@csrf_exempt  # RFC 8058: mail clients POST the one-click opt-out without a form; the signed link authorizes
@require_http_methods(["GET", "POST"])
def opt_out_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (link scanners open links; they must not opt anyone out); POST opts out."""
    patient_id = tokens.read_opt_out_token(token)
    patient = Patient.objects.filter(pk=patient_id).select_related("clinic").first() if patient_id else None
    if patient is None:
        return render(request, "notifications/public_invalid.html", status=404)
    _in_patients_language(request, patient)
    context = {"public_clinic": patient.clinic, "token": token}
    if request.method == "POST":
        services.opt_out(patient)
        return render(request, "notifications/opt_out_done.html", context)
    return render(request, "notifications/opt_out.html", context)


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, token: str) -> HttpResponse:
    """The late-complication question: "no" is logged; "yes" with a description opens an adverse event."""
    read = tokens.read_check_token(token)
    session = (
        SessionRecord.objects.filter(pk=read[0]).select_related("clinic", "patient").first() if read else None
    )
    if read is None or session is None:
        return render(request, "notifications/public_invalid.html", status=404)
    due_at = read[1]
    _in_patients_language(request, session.patient)
    context: dict[str, Any] = {"public_clinic": session.clinic, "token": token}
    previous = selectors.complication_answer(session.pk, due_at)
    if previous is not None:
        return render(request, "notifications/check_done.html", {**context, "answer": previous})
    form = ComplicationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answer = services.answer_complication_check(session, due_at=due_at, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except services.CheckAlreadyAnsweredError:
            already = selectors.complication_answer(session.pk, due_at)
            return render(request, "notifications/check_done.html", {**context, "answer": already})
        else:
            return render(request, "notifications/check_done.html", {**context, "answer": answer})
    status = 422 if form.errors else 200
    context.update(
        form=form, performed_on=session.performed_at, action=reverse("notifications:check", args=[token])
    )
    return render(request, "notifications/check.html", context, status=status)
