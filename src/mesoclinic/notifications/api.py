"""The notifications router of the JSON API: a patient's messages and contact preferences, and (for the
owner) the clinic's delivery log, a retry, and the message timing.

Patients are fetched through the clinic-scoped access helper; another clinic's patient or delivery is a 404.
"""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.notifications import selectors, services
from mesoclinic.notifications.models import ContactPreference, NotificationSettings
from mesoclinic.notifications.schemas import (
    DeliveryFilter,
    DeliveryOut,
    PreferenceIn,
    PreferenceOut,
    SettingsIn,
    SettingsOut,
)
from mesoclinic.patients.models import Patient
from mesoclinic.patients.selectors import get_patient_for_user

router = Router()


def _preference_out(patient: Patient, preference: ContactPreference | None) -> dict[str, Any]:
    return {
        "patient_id": patient.pk,
        "consent": bool(preference and preference.consent),
        "email": preference.email if preference else True,
        "sms": preference.sms if preference else False,
        "language": preference.language if preference else "",
        "opted_out_at": preference.opted_out_at if preference else None,
    }


def _settings_out(settings: NotificationSettings) -> dict[str, Any]:
    return {
        "reminder_lead_hours": settings.reminder_lead_hours,
        "quiet_start": settings.quiet_start,
        "quiet_end": settings.quiet_end,
        "recall_lead_days": settings.recall_lead_days,
        "continuation_lead_days": settings.continuation_lead_days,
    }


@router.get("/patients/{patient_id}/deliveries", response={200: list[DeliveryOut]})
@paginate(LimitOffsetPagination)
def patient_deliveries(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.VIEW_PATIENTS)
    return selectors.deliveries_for_patient(get_patient_for_user(staff, patient_id))


@router.get("/patients/{patient_id}/preference", response={200: PreferenceOut})
def get_preference(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.VIEW_PATIENTS)
    patient = get_patient_for_user(staff, patient_id)
    return _preference_out(patient, selectors.preference_for(patient))


@router.put("/patients/{patient_id}/preference", response={200: PreferenceOut})
def put_preference(request: HttpRequest, patient_id: int, payload: PreferenceIn) -> Any:
    staff = require(request, Capability.EDIT_PATIENTS)
    patient = get_patient_for_user(staff, patient_id)
    preference = services.update_contact_preference(patient, actor=request.user, **payload.dict())
    return _preference_out(patient, preference)


@router.get("/deliveries", response={200: list[DeliveryOut]})
@paginate(LimitOffsetPagination)
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFilter]) -> Any:
    staff = require(request, Capability.MANAGE_NOTIFICATIONS)
    return selectors.deliveries_for_clinic(
        staff.clinic, kind=filters.kind, status=filters.status, channel=filters.channel, search=filters.q
    )


@router.post("/deliveries/{delivery_id}/retry", response={200: DeliveryOut})
def retry_delivery(request: HttpRequest, delivery_id: int) -> Any:
    staff = require(request, Capability.MANAGE_NOTIFICATIONS)
    return services.retry_delivery(selectors.get_delivery_for_user(staff, delivery_id), actor=request.user)


@router.get("/settings", response={200: SettingsOut})
def get_settings(request: HttpRequest) -> Any:
    staff = require(request, Capability.MANAGE_NOTIFICATIONS)
    return _settings_out(selectors.settings_for(staff.clinic))


@router.put("/settings", response={200: SettingsOut})
def put_settings(request: HttpRequest, payload: SettingsIn) -> Any:
    staff = require(request, Capability.MANAGE_NOTIFICATIONS)
    settings = services.update_notification_settings(staff.clinic, actor=request.user, **payload.dict())
    return _settings_out(settings)
