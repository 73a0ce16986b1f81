"""Staff's page of what patients did online (``/online-bookings/``): bookings waiting for their e-mailed
code (their dates held until the code expires), possible duplicate charts to resolve, and self-reported
histories to confirm. The waiting list lives beside it once it exists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.form_errors import add_service_errors
from mesoclinic.portal import selectors, staff_selectors, staff_services
from mesoclinic.portal.models import DuplicateResolution
from mesoclinic.portal.questions import plain_label

C = Capability


def _lines(answers: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """A self-reported history in words, one line per kind (the code where there are no plain words)."""
    meds = [str(m.get("code", "")) for m in answers.get("medications") or [] if isinstance(m, dict)]
    return [
        (_("Conditions"), [plain_label(c) or c for c in answers.get("conditions") or []]),
        (_("Medicines"), [plain_label(c) or c for c in meds]),
        (_("Implants"), [plain_label(c) or c for c in answers.get("implants") or []]),
        (_("Allergies"), [str(c) for c in answers.get("allergies") or []]),
    ]


@require_GET
@staff_required(C.VIEW_PATIENTS)
def online_bookings(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    show_history = role_has(request.staff.role, C.VIEW_CLINICAL)
    reviews = staff_selectors.history_reviews(clinic) if show_history else []
    for review in reviews:
        review.lines = _lines(review.answers)  # type: ignore[attr-defined]  # the template reads it
    context = {
        "section": "online_bookings",
        "awaiting": staff_selectors.awaiting_code(clinic, now=timezone.now()),
        "duplicates": staff_selectors.possible_duplicates(clinic),
        "reviews": reviews,
        "problems": staff_selectors.open_problems(clinic) if show_history else [],
        "show_history": show_history,
        "may_confirm": role_has(request.staff.role, C.EDIT_CLINICAL),
        "may_resolve": role_has(request.staff.role, C.EDIT_PATIENTS),
        "may_configure": role_has(request.staff.role, C.MANAGE_CLINIC),
        "may_report": role_has(request.staff.role, C.REPORT_ADVERSE_EVENT),
    }
    return render(request, "portal/staff/online_bookings.html", context)


@require_POST
@staff_required(C.EDIT_CLINICAL)
def confirm_history(request: ClinicRequest, review_id: int) -> HttpResponse:
    review = staff_selectors.get_review(request.clinic, review_id)
    corrected = request.POST.get("action") == "corrected"
    try:
        if corrected:
            staff_services.mark_history_corrected(review, actor=request.user)
        else:
            staff_services.confirm_history_review(review, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Marked as corrected on the chart.") if corrected else _("The history is confirmed."),
        )
    return redirect("online_bookings:index")


@require_POST
@staff_required(C.EDIT_PATIENTS)
def resolve_duplicate(request: ClinicRequest, booking_id: int) -> HttpResponse:
    booking = staff_selectors.get_booking_for_staff(request.clinic, booking_id)
    resolution = request.POST.get("resolution", "")
    try:
        staff_services.resolve_duplicate(booking, resolution=resolution, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The booking is moved to the existing chart.")
            if resolution == DuplicateResolution.LINKED
            else _("Kept as two people."),
        )
    return redirect("online_bookings:index")


class PortalSettingsForm(forms.Form):
    lead_hours = forms.IntegerField(
        label=gettext_lazy("Lead time (hours)"),
        min_value=0,
        max_value=24 * 30,
        help_text=gettext_lazy("No online booking starts sooner than this many hours from now."),
    )
    cancel_hours = forms.IntegerField(
        label=gettext_lazy("Change or cancel online up to (hours before)"),
        min_value=0,
        max_value=24 * 14,
    )
    embed_origins = forms.CharField(
        label=gettext_lazy("Web sites that may embed the booking page"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line, such as https://www.example.com (no path, no *)."),
    )

    def clean_embed_origins(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["embed_origins"].splitlines() if line.strip()]


@require_http_methods(["GET", "POST"])
@staff_required(C.MANAGE_CLINIC)
def portal_settings(request: ClinicRequest) -> HttpResponse:
    """The owner's online booking rules; which treatments are bookable is set per protocol, the deposit in the
    cancellation policy (both linked from the page)."""
    current = selectors.portal_settings(request.clinic)
    initial = {
        "lead_hours": current.lead_hours,
        "cancel_hours": current.cancel_hours,
        "embed_origins": "\n".join(current.embed_origins),
    }
    form = PortalSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            staff_services.update_portal_settings(request.clinic, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Online booking settings saved."))
            return redirect("online_bookings:settings")
    context = {
        "section": "settings",
        "form": form,
        "bookable": selectors.bookable_protocols(request.clinic),
    }
    return render(request, "portal/staff/settings.html", context, status=422 if form.errors else 200)


@require_POST
@staff_required(C.VIEW_CLINICAL, C.REPORT_ADVERSE_EVENT)
def handle_problem(request: ClinicRequest, problem_id: int) -> HttpResponse:
    report = staff_selectors.get_problem(request.clinic, problem_id)
    try:
        staff_services.close_problem(report, status=request.POST.get("status", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The reported problem is marked as handled."))
    return redirect("online_bookings:index")
