"""Reads for webhooks: access helpers (404 across clinics), the delivery log, and what each event carries.

**What a payload carries** (documented for receivers, and kept minimal on purpose): ids and times only — the
appointment, session record, adverse event, patient, course, location and practitioner ids, start/end/sign/report
times and statuses. No names, contact details, clinical notes, products or findings: a receiver that needs more
asks the API, authenticated and audited, with those ids. A webhook URL is a third party the clinic chose; the
less personal data crosses to it unasked, the less can leak from its logs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404

from mesoclinic.accounts.models import StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.ids import pk_or_404
from mesoclinic.scheduling.models import Appointment
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.vigilance.models import AdverseEvent
from mesoclinic.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint

# The audit actions that are webhook events (``series.book`` books every appointment of a course at once).
AUDIT_ACTIONS = {
    "series.book": EventType.APPOINTMENT_BOOKED,
    "appointment.cancelled": EventType.APPOINTMENT_CANCELLED,
    "session.sign": EventType.SESSION_SIGNED,
    "adverse_event.report": EventType.ADVERSE_EVENT_REPORTED,
}


def get_endpoint_for_user(staff: StaffMember | None, endpoint_id: Any) -> WebhookEndpoint:
    """The endpoint with this id in the staff member's clinic, or 404."""
    if staff is None:
        raise Http404
    endpoint = WebhookEndpoint.objects.filter(pk=pk_or_404(endpoint_id), clinic_id=staff.clinic_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def get_delivery_for_user(staff: StaffMember | None, delivery_id: Any) -> WebhookDelivery:
    """The delivery with this id in the staff member's clinic (endpoint, event and attempts loaded), or 404."""
    if staff is None:
        raise Http404
    delivery = (
        WebhookDelivery.objects.filter(pk=pk_or_404(delivery_id), clinic_id=staff.clinic_id)
        .select_related("endpoint", "event")
        .prefetch_related("attempt_log")
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery


def endpoints_for_clinic(clinic_id: int) -> Any:
    return WebhookEndpoint.objects.filter(clinic_id=clinic_id).order_by("url", "id")


def deliveries_for_clinic(
    clinic_id: int, *, endpoint_id: int | None = None, status: str = "", event_type: str = ""
) -> Any:
    """The delivery log, newest first, filtered as the page asks."""
    deliveries = WebhookDelivery.objects.filter(clinic_id=clinic_id).select_related("endpoint", "event")
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    if status:
        deliveries = deliveries.filter(status=status)
    if event_type:
        deliveries = deliveries.filter(event__type=event_type)
    return deliveries.order_by("-created_at", "-id")


def subscribed_endpoints(clinic_id: int, event_type: str) -> list[WebhookEndpoint]:
    """Active endpoints of the clinic that receive ``event_type`` (few per clinic: filtered here, portably)."""
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(clinic_id=clinic_id, is_active=True)
        if event_type in endpoint.events
    ]


def _time(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _appointment(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "status": appointment.status,
        "starts_at": _time(appointment.starts_at),
        "ends_at": _time(appointment.ends_at),
        "patient_id": appointment.patient_id,
        "course_id": appointment.course_id,
        "session_index": appointment.session_index,
        "location_id": appointment.location_id,
        "practitioner_id": appointment.practitioner_id,
    }


def event_payloads(event_type: str, audit: AuditEvent) -> list[dict[str, Any]]:
    """The ``data`` of each webhook event an audit row stands for (one per appointment of a booked series)."""
    pk = int(audit.object_id)
    if event_type == EventType.APPOINTMENT_BOOKED:
        appointments = Appointment.objects.filter(course_id=pk).order_by("session_index", "pk")
        return [{"appointment": _appointment(a)} for a in appointments]
    if event_type == EventType.APPOINTMENT_CANCELLED:
        appointment = Appointment.objects.get(pk=pk)
        return [
            {
                "appointment": {
                    **_appointment(appointment),
                    "cancelled_at": _time(appointment.status_changed_at),
                }
            }
        ]
    if event_type == EventType.SESSION_SIGNED:
        record = SessionRecord.objects.get(pk=pk)
        return [
            {
                "session": {
                    "id": record.pk,
                    "patient_id": record.patient_id,
                    "appointment_id": record.appointment_id,
                    "course_id": record.course_id,
                    "practitioner_id": record.practitioner_id,
                    "performed_at": _time(record.performed_at),
                    "signed_at": _time(record.signed_at),
                }
            }
        ]
    if event_type == EventType.ADVERSE_EVENT_REPORTED:
        event = AdverseEvent.objects.get(pk=pk)
        return [
            {
                "adverse_event": {
                    "id": event.pk,
                    "patient_id": event.patient_id,
                    "onset_on": _time(event.onset_on),
                    "reported_at": _time(event.reported_at),
                    "session_ids": sorted(event.sessions.values_list("pk", flat=True)),
                }
            }
        ]
    raise ValueError(f"not an audit-driven event type: {event_type}")
