"""The signed-in patient's own sessions: move one (offers that keep the series within its tolerance) and
cancel one (what it costs under the clinic's policy shown before confirming). Another patient's session is
404; a signed-out visitor is sent to sign in."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mesoclinic.accounts.models import Clinic
from mesoclinic.form_errors import add_service_errors
from mesoclinic.patients.services import update_patient
from mesoclinic.portal import selectors, services
from mesoclinic.portal.views import _context, _signed_in, public_page
from mesoclinic.scheduling.selectors import location_timezone


@require_http_methods(["GET", "POST"])
@public_page
def portal_reschedule(request: HttpRequest, clinic: Clinic, appointment_id: int) -> HttpResponse:
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    appointment = selectors.get_patient_appointment(patient, appointment_id)
    now = timezone.now()
    error = ""
    if request.method == "POST":
        chosen = selectors.resolve_slots(appointment.location, [request.POST.get("slot", "")])
        if not chosen:
            error = _("That date is no longer offered; choose another one.")
        else:
            try:
                services.reschedule_by_patient(patient, appointment, chosen[0], now=now)
            except services.CancelRefusedError as exc:
                error = str(exc)
            else:
                when = chosen[0].start.astimezone(location_timezone(appointment.location))
                messages.success(
                    request,
                    _("Your session is moved to %(when)s.") % {"when": when.strftime("%d.%m.%Y %H:%M")},
                )
                return redirect("portal:portal_home", clinic.slug)
    tz = location_timezone(appointment.location)
    offers = selectors.reschedule_offers(appointment, now=now) if appointment.status == "booked" else []
    context = _context(
        request,
        clinic,
        appointment=appointment,
        start=appointment.starts_at.astimezone(tz),
        offers=[(o.token, o.choice.start.astimezone(tz)) for o in offers],
        window=selectors.reschedule_window(appointment, now=now),
        error=error,
    )
    return render(request, "portal/reschedule.html", context, status=409 if error else 200)


@require_http_methods(["GET", "POST"])
@public_page
def portal_cancel(request: HttpRequest, clinic: Clinic, appointment_id: int) -> HttpResponse:
    """GET: what cancelling this session costs now, to confirm; POST: cancel it."""
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    appointment = selectors.get_patient_appointment(patient, appointment_id)
    if request.method == "GET":
        tz = location_timezone(appointment.location)
        context = _context(
            request,
            clinic,
            appointment=appointment,
            start=appointment.starts_at.astimezone(tz),
            cost=selectors.cancellation_cost(appointment, now=timezone.now()),
        )
        return render(request, "portal/cancel.html", context)
    try:
        services.cancel_by_patient(patient, appointment)
    except services.CancelRefusedError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your session is cancelled."))
    return redirect("portal:portal_home", clinic.slug)


class ProfileForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail"), help_text=gettext_lazy("Your sign-in codes are sent here.")
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Language of our messages"), choices=settings.LANGUAGES
    )


@require_http_methods(["GET", "POST"])
@public_page
def portal_profile(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """The patient's own contact details and language (audited as the patient's change of the chart)."""
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    initial = {
        "email": patient.email,
        "phone": patient.phone,
        "preferred_language": patient.preferred_language,
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_patient(patient, actor=None, allow_duplicate=True, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your details are saved."))
            return redirect("portal:portal_home", clinic.slug)
    context = _context(request, clinic, patient=patient, form=form)
    return render(request, "portal/profile.html", context, status=422 if form.errors else 200)


class ProblemForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=services.PROBLEM_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("For example: a swelling on the left cheek that is getting bigger."),
    )
    started_on = forms.DateField(
        label=gettext_lazy("Since when?"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


@require_http_methods(["GET", "POST"])
@public_page
def portal_problem(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """Report a problem after treatment: staff see it with the last sessions before it."""
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    form = ProblemForm(
        request.POST if request.method == "POST" else None, initial={"started_on": clinic.today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.report_problem(patient, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Thank you. The clinic will contact you. If it is urgent, please call us or emergency services."
                ),
            )
            return redirect("portal:portal_home", clinic.slug)
    context = _context(request, clinic, patient=patient, form=form)
    return render(request, "portal/problem.html", context, status=422 if form.errors else 200)
