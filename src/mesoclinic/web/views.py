"""The layout's one page of its own: "Today", the reception's home.

Appointments, arrivals and expiring lots arrive with scheduling and inventory; until then the page says so
instead of showing made-up data.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.patients.selectors import patients_for_clinic

RECENT_PATIENTS = 5


@require_GET
@staff_required()
def home(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    today = clinic.today()
    context: dict[str, object] = {"today": today}
    if role_has(request.staff.role, Capability.VIEW_PATIENTS):
        start_of_day = datetime.combine(today, time.min, tzinfo=zoneinfo.ZoneInfo(clinic.timezone))
        patients = patients_for_clinic(clinic)
        context.update(
            patient_count=patients.count(),
            registered_today=patients.filter(created_at__gte=start_of_day).count(),
            recent_patients=list(patients.order_by("-created_at", "-id")[:RECENT_PATIENTS]),
        )
    return render(request, "web/home.html", context)
