"""The vigilance router of the JSON API: recalls (by lot id, or by lot number and product), adverse events
(list, detail, report, follow-up), the sessions an event may be linked to, and the regulator's report.

Objects are fetched through clinic-scoped access helpers: another clinic's lot, event or patient is a 404.
A recall read is audit-logged, as on the recall page.
"""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.selectors import get_lot_for_user
from mesoclinic.pagination import LimitOffsetPagination
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.vigilance import selectors, services
from mesoclinic.vigilance.models import AdverseEvent
from mesoclinic.vigilance.schemas import (
    AmbiguousLotOut,
    EventFilter,
    EventIn,
    EventOut,
    FollowUpIn,
    RecallOut,
    SuggestedSessionOut,
)

router = Router()
FIRST_ONSET, LAST_ONSET = date(1900, 1, 1), date(2100, 12, 31)  # what an onset date may be (422 outside)


def _recall(request: HttpRequest, lot: Lot) -> dict[str, Any]:
    staff = require(request, Capability.RECALL)
    result = selectors.recall([lot])
    services.record_recall_view([lot], patients=len(result.patients), channel="api", actor=request.user)
    return selectors.recall_as_dict(lot.lot_number, result, staff.clinic)


@router.get("/recall/lots/{lot_id}", response={200: RecallOut})
def recall_by_id(request: HttpRequest, lot_id: int) -> Any:
    staff = require(request, Capability.RECALL)
    return _recall(request, get_lot_for_user(staff, lot_id))


@router.get("/recall", response={200: RecallOut, 404: dict, 409: AmbiguousLotOut})
def recall_by_number(request: HttpRequest, lot_number: str, product: str = "") -> Any:
    """The recall of a lot by its number; ``product`` (a product or cocktail code) when several share it."""
    staff = require(request, Capability.RECALL)
    lots = selectors.find_lots(staff.clinic, lot_number, product or None)
    if not lots:
        return Status(404, {"detail": f"No lot {lot_number} in this clinic."})
    if len(lots) > 1:
        codes = sorted(selectors.item_code(lot) for lot in lots)
        return Status(
            409, {"detail": "Several products have a lot with this number; choose one.", "products": codes}
        )
    return _recall(request, lots[0])


def event_out(event: AdverseEvent, *, follow_ups: bool = False) -> dict[str, Any]:
    return {
        "id": event.pk,
        "patient_id": event.patient_id,
        "category": event.category,
        "severity": event.severity,
        "onset_on": event.onset_on,
        "description": event.description,
        "zones": event.zones,
        "session_ids": [r.pk for r in event.sessions.all()],
        "lot_ids": [lot.pk for lot in event.lots.all()],
        "actions": event.actions,
        "outcome": event.outcome,
        "closed": event.closed_at is not None,
        "reported_at": event.reported_at,
        "reported_to_regulator": event.reported_to_regulator,
        "regulator_reference": event.regulator_reference,
        "follow_ups": [
            {"id": f.pk, "at": f.at, "note": f.note, "outcome": f.outcome} for f in event.follow_ups.all()
        ]
        if follow_ups
        else [],
    }


@router.get("/events", response={200: list[EventOut]})
@paginate(LimitOffsetPagination)
def list_events(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    staff = require(request, Capability.VIEW_CLINICAL)
    events = selectors.events_for_clinic(
        staff.clinic,
        category=filters.category,
        severity=filters.severity,
        status=filters.status,
        onset_from=filters.onset_from,
        onset_to=filters.onset_to,
        search=filters.q,
    ).prefetch_related("sessions", "lots")
    return [event_out(e) for e in events]


@router.get("/events/{event_id}", response={200: EventOut})
def get_event(request: HttpRequest, event_id: int) -> Any:
    staff = require(request, Capability.VIEW_CLINICAL)
    return event_out(selectors.get_event_for_user(staff, event_id), follow_ups=True)


@router.post("/events", response={201: EventOut})
def create_event(request: HttpRequest, payload: EventIn) -> Any:
    staff = require(request, Capability.VIEW_CLINICAL, Capability.REPORT_ADVERSE_EVENT)
    patient = get_patient_for_user(staff, payload.patient_id)
    sessions = selectors.sessions_by_id(patient, payload.session_ids)
    lots = selectors.lots_by_id(staff.clinic, payload.lot_ids)
    if len(sessions) != len(set(payload.session_ids)):
        raise HttpError(422, _("A session id is not one of this patient's sessions."))
    if len(lots) != len(set(payload.lot_ids)):
        raise HttpError(422, _("A lot id is not one of this clinic's lots."))
    fields = payload.dict(exclude={"patient_id", "session_ids", "lot_ids"})
    event = services.report_adverse_event(patient, sessions=sessions, lots=lots, actor=request.user, **fields)
    return Status(201, event_out(selectors.get_event_for_user(staff, event.pk), follow_ups=True))


@router.post("/events/{event_id}/follow-ups", response={201: EventOut})
def create_follow_up(request: HttpRequest, event_id: int, payload: FollowUpIn) -> Any:
    staff = require(request, Capability.VIEW_CLINICAL, Capability.REPORT_ADVERSE_EVENT)
    event = selectors.get_event_for_user(staff, event_id)
    services.add_follow_up(
        event, note=payload.note, outcome=payload.outcome, close=payload.close, actor=request.user
    )
    return Status(201, event_out(selectors.get_event_for_user(staff, event.pk), follow_ups=True))


@router.get("/events/{event_id}/report", response={200: dict})
def event_report(request: HttpRequest, event_id: int) -> Any:
    """What a regulator's form asks (no patient name): age at onset, sex, products, lots, dates, outcome."""
    staff = require(request, Capability.VIEW_CLINICAL)
    return selectors.regulator_report(selectors.get_event_for_user(staff, event_id))


@router.get("/patients/{patient_id}/suggested-sessions", response={200: list[SuggestedSessionOut]})
def suggested_sessions(request: HttpRequest, patient_id: int, onset_on: date) -> Any:
    """The patient's sessions in the 12 weeks up to the onset, newest first, with their lots."""
    staff = require(request, Capability.VIEW_CLINICAL)
    patient = get_patient_for_user(staff, patient_id)
    if not FIRST_ONSET <= onset_on <= LAST_ONSET:  # year 1 would overflow the 12 weeks before it (a 500)
        raise ValidationError({"onset_on": [_("The onset must be a date between 1900 and 2100.")]})
    return [
        {
            "session_id": s.record.pk,
            "performed_at": s.record.performed_at,
            "modality": s.record.modality,
            "zones": s.zones,
            "lots": [{"id": lot.pk, "lot_number": lot.lot_number, "name": lot.item_name} for lot in s.lots],
        }
        for s in selectors.suggest_sessions(patient, onset_on)
    ]
