"""Privacy screens: the patient export, erasure requests (record, review, withdraw, erase) and the teaching
and marketing photo library. Every view: access helper, service, render."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.audit.reads import note_read_audited
from mesoclinic.form_errors import run_and_flash
from mesoclinic.patients.models import PhotoUse
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.privacy import selectors, services
from mesoclinic.privacy.export import stream_patient_zip
from mesoclinic.privacy.forms import ErasureRequestForm, WithdrawRequestForm
from mesoclinic.privacy.models import RequestStatus
from mesoclinic.private_response import private

PAGE_SIZE = 25


@require_GET
@staff_required()
def index(request: ClinicRequest) -> HttpResponse:
    role = request.staff.role
    if role_has(role, Capability.MANAGE_PRIVACY):
        return HttpResponseRedirect(reverse("privacy:requests"))
    if role_has(role, Capability.USE_PHOTO_LIBRARY):
        return HttpResponseRedirect(reverse("privacy:library"))
    raise PermissionDenied("Your role does not allow this.")


@require_GET
@staff_required(Capability.EXPORT_PATIENT_DATA)
def patient_export(request: ClinicRequest, patient_id: int) -> StreamingHttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    services.record_patient_export(patient, channel="web", actor=request.user)
    note_read_audited(request)  # the row above is this read\'s audit event
    response = StreamingHttpResponse(
        stream_patient_zip(patient, exported_at=timezone.now()), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}-export.zip"'
    return private(response)


# ---------------------------------------------------------------------------------------------------------
# Erasure requests


@require_GET
@staff_required(Capability.MANAGE_PRIVACY)
def request_list(request: ClinicRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in RequestStatus.values:
        status = ""
    page = Paginator(selectors.requests_for_clinic(request.clinic, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = request.clinic.today()
    rows = []
    ends = selectors.retention_ends_for([item.patient_id for item in page.object_list if item.patient_id])
    for item in page.object_list:
        ends_on = ends.get(item.patient_id) if item.patient_id is not None else None
        due = item.status == RequestStatus.RESTRICTED and (ends_on is None or ends_on <= today)
        rows.append({"request": item, "ends_on": ends_on, "due": due, "withdraw_form": WithdrawRequestForm()})
    context = {"page": page, "rows": rows, "status": status, "statuses": RequestStatus.choices}
    return render(request, "privacy/requests.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_PRIVACY)
def request_create(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    if request.method == "POST":
        form = ErasureRequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            received = datetime.combine(
                data["requested_on"], time(12), tzinfo=ZoneInfo(request.clinic.timezone)
            )
            try:
                services.record_erasure_request(
                    patient,
                    requested_by=data["requested_by"],
                    channel=data["channel"],
                    reason=data["reason"],
                    requested_at=received,
                    actor=request.user,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Erasure request recorded; the patient is now restricted."))
                return HttpResponseRedirect(reverse("privacy:requests"))
    else:
        form = ErasureRequestForm(
            initial={"requested_by": patient.full_name, "requested_on": request.clinic.today()}
        )
    context = {
        "patient": patient,
        "form": form,
        "ends_on": selectors.retention_ends_on(patient),
        "last_entry": selectors.last_clinical_entry(patient),
    }
    return render(request, "privacy/request_form.html", context)


@require_POST
@staff_required(Capability.MANAGE_PRIVACY)
def request_withdraw(request: ClinicRequest, request_id: int) -> HttpResponse:
    erasure = selectors.get_request_for_user(request.staff, request_id)
    form = WithdrawRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is withdrawn."))
    else:
        run_and_flash(
            request,
            lambda: services.withdraw_erasure_request(
                erasure, reason=form.cleaned_data["reason"], actor=request.user
            ),
            success=_("Request withdrawn; the restriction is lifted."),
        )
    return HttpResponseRedirect(reverse("privacy:requests"))


@require_POST
@staff_required(Capability.MANAGE_PRIVACY)
def request_erase(request: ClinicRequest, request_id: int) -> HttpResponse:
    erasure = selectors.get_request_for_user(request.staff, request_id)
    run_and_flash(
        request,
        lambda: services.erase_patient(erasure, today=request.clinic.today(), actor=request.user),
        success=_("The patient's data is erased."),
    )
    return HttpResponseRedirect(reverse("privacy:requests"))


# ---------------------------------------------------------------------------------------------------------
# Teaching and marketing library


@require_GET
@staff_required(Capability.USE_PHOTO_LIBRARY)
def library(request: ClinicRequest) -> HttpResponse:
    purpose = request.GET.get("purpose", PhotoUse.TEACHING.value)
    if purpose not in {p.value for p in selectors.LIBRARY_PURPOSES}:
        purpose = PhotoUse.TEACHING.value
    photos = selectors.photos_for_use(request.clinic, purpose)
    page = Paginator(photos, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "purpose": purpose,
        "purposes": [(p.value, p.label) for p in selectors.LIBRARY_PURPOSES],
    }
    return render(request, "privacy/library.html", context)
