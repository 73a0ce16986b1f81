"""Every write about vigilance: reporting an adverse event, following it up, correcting it, and the audit
row of every recall viewed (a recall lists patients and their contact details)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.catalog.data_file import zone_names
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.inventory.models import Lot
from mesoclinic.patients.models import Patient
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.vigilance.models import AdverseEvent, EventCategory, FollowUp, Outcome, Severity
from mesoclinic.vigilance.selectors import CLOSED_OUTCOMES, clinic_tz

EDITABLE_FIELDS = (
    "category",
    "severity",
    "onset_on",
    "description",
    "zones",
    "actions",
    "reported_to_regulator",
    "regulator_reference",
)


TEXT_MAX = 5000  # a description or a follow-up note: a page of text; longer is a paste gone wrong


def _text_problem(text: str, *, missing: str, what: str) -> str:
    """Why a required free text cannot be saved (``missing`` when blank, too long), or ``""``."""
    if not text.strip():
        return missing
    if len(text) > TEXT_MAX:
        return _("Keep the %(what)s under %(max)s characters.") % {"what": what, "max": TEXT_MAX}
    return ""


def _check_event(
    patient: Patient,
    *,
    category: str,
    severity: str,
    onset_on: date,
    description: str,
    zones: Sequence[str],
    sessions: Sequence[SessionRecord],
    lots: Sequence[Lot],
    reported_to_regulator: bool,
    regulator_reference: str,
) -> dict[str, list[str]]:
    """Every problem with an event's fields, in plain words, by field (empty when all is well)."""
    errors: dict[str, list[str]] = {}
    if category not in EventCategory.values:
        errors.setdefault("category", []).append("Choose what happened from the list.")
    if severity not in Severity.values:
        errors.setdefault("severity", []).append("Choose how severe it was.")
    today = patient.clinic.today()
    if onset_on > today:
        errors.setdefault("onset_on", []).append("The onset cannot be in the future.")
    elif onset_on < patient.birth_date:
        errors.setdefault("onset_on", []).append("The onset cannot be before the patient was born.")
    if problem := _text_problem(
        description, missing=_("Describe what the patient had."), what=_("description")
    ):
        errors.setdefault("description", []).append(problem)
    unknown = sorted(set(zones) - set(zone_names()))
    if unknown:
        errors.setdefault("zones", []).append(
            _("Unknown zone(s): %(zones)s.") % {"zones": ", ".join(unknown)}
        )
    tz = clinic_tz(patient.clinic)
    for record in sessions:
        if record.patient_id != patient.pk:
            errors.setdefault("sessions", []).append(
                _("Session %(id)s is another patient's.") % {"id": record.pk}
            )
        elif local_day(record.performed_at, tz) > onset_on:
            errors.setdefault("sessions", []).append(
                _("The session of %(date)s took place after the onset.")
                % {"date": record.performed_at.astimezone(tz).date().isoformat()}
            )
    for lot in lots:
        if lot.clinic_id != patient.clinic_id:
            errors.setdefault("lots", []).append(
                _("Lot %(id)s is not one of this clinic's lots.") % {"id": lot.pk}
            )
    if regulator_reference.strip() and not reported_to_regulator:
        errors.setdefault("reported_to_regulator", []).append(
            "Tick “reported to a regulator” when you give the regulator's reference."
        )
    return errors


@transaction.atomic
def report_adverse_event(
    patient: Patient,
    *,
    category: str,
    severity: str,
    onset_on: date,
    description: str,
    zones: Sequence[str] = (),
    sessions: Sequence[SessionRecord] = (),
    lots: Sequence[Lot] = (),
    actions: str = "",
    outcome: str = Outcome.ONGOING,
    reported_to_regulator: bool = False,
    regulator_reference: str = "",
    actor: Actor,
) -> AdverseEvent:
    """Record an adverse event, at any time after the session(s) it is linked to.

    Raises ``ValidationError`` by field: unknown category or zone, an onset in the future, a session of
    another patient or after the onset, a lot of another clinic. A recovered or fatal outcome closes it.
    """
    errors = _check_event(
        patient,
        category=category,
        severity=severity,
        onset_on=onset_on,
        description=description,
        zones=zones,
        sessions=sessions,
        lots=lots,
        reported_to_regulator=reported_to_regulator,
        regulator_reference=regulator_reference,
    )
    if outcome not in Outcome.values:
        errors.setdefault("outcome", []).append("Choose the outcome from the list.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    event = AdverseEvent(
        clinic=patient.clinic,
        patient=patient,
        category=category,
        severity=severity,
        onset_on=onset_on,
        description=description.strip(),
        zones=list(dict.fromkeys(zones)),
        actions=actions.strip(),
        outcome=outcome,
        reported_to_regulator=reported_to_regulator,
        regulator_reference=regulator_reference.strip(),
        reported_at=now,
        reported_by=acting_user(actor),
        closed_at=now if outcome in CLOSED_OUTCOMES else None,
    )
    event._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    event.save()
    event.sessions.set(sessions)
    event.lots.set(lots)
    record_event(
        "adverse_event.report",
        event,
        actor=actor,
        data={
            "patient": patient.pk,
            "category": category,
            "severity": severity,
            "sessions": sorted(r.pk for r in sessions),
            "lots": sorted(lot.pk for lot in lots),
        },
    )
    return event


@transaction.atomic
def add_follow_up(
    event: AdverseEvent, *, note: str, outcome: str, close: bool = False, actor: Actor
) -> FollowUp:
    """Add a follow-up and make its outcome the event's.

    The event is closed when the outcome is recovered or fatal, or when ``close`` says so; a follow-up
    with any other outcome (and no ``close``) reopens a closed event, since it is evidently not over.
    """
    errors: dict[str, list[str]] = {}
    if problem := _text_problem(note, missing=_("Write what was seen or done."), what=_("note")):
        errors["note"] = [problem]
    if outcome not in Outcome.values:
        errors["outcome"] = ["Choose the outcome from the list."]
    if errors:
        raise ValidationError(errors)
    event = AdverseEvent.objects.select_for_update().get(pk=event.pk)
    now = timezone.now()
    follow_up = FollowUp.objects.create(
        event=event, at=now, note=note.strip(), outcome=outcome, actor=acting_user(actor)
    )
    event.outcome = outcome
    event.closed_at = (event.closed_at or now) if (outcome in CLOSED_OUTCOMES or close) else None
    event._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    event._change_reason = "follow-up"  # type: ignore[attr-defined]  # simple-history takes the change reason from this attribute of the instance
    event.save(update_fields=["outcome", "closed_at"])
    record_event(
        "adverse_event.follow_up",
        event,
        actor=actor,
        data={"follow_up": follow_up.pk, "outcome": outcome, "closed": event.closed_at is not None},
    )
    return follow_up


@transaction.atomic
def update_adverse_event(
    event: AdverseEvent,
    *,
    reason: str,
    sessions: Sequence[SessionRecord] | None = None,
    lots: Sequence[Lot] | None = None,
    actor: Actor,
    **fields: Any,
) -> AdverseEvent:
    """Correct a reported event; every earlier version stays in its history with who, when and why."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown adverse event fields: {sorted(unknown)}")
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the report is corrected.")]})
    event = AdverseEvent.objects.select_for_update().select_related("patient__clinic").get(pk=event.pk)
    current_sessions = list(event.sessions.all())
    current_lots = list(event.lots.all())
    after = {name: fields.get(name, getattr(event, name)) for name in EDITABLE_FIELDS}
    errors = _check_event(
        event.patient,
        category=after["category"],
        severity=after["severity"],
        onset_on=after["onset_on"],
        description=after["description"],
        zones=after["zones"],
        sessions=current_sessions if sessions is None else sessions,
        lots=current_lots if lots is None else lots,
        reported_to_regulator=after["reported_to_regulator"],
        regulator_reference=after["regulator_reference"],
    )
    if errors:
        raise ValidationError(errors)
    changed = sorted(name for name in EDITABLE_FIELDS if getattr(event, name) != after[name])
    if sessions is not None and {r.pk for r in sessions} != {r.pk for r in current_sessions}:
        event.sessions.set(sessions)
        changed.append("sessions")
    if lots is not None and {lot.pk for lot in lots} != {lot.pk for lot in current_lots}:
        event.lots.set(lots)
        changed.append("lots")
    if not changed:
        return event
    for name in EDITABLE_FIELDS:
        setattr(event, name, after[name])
    event._history_user = acting_user(actor)  # type: ignore[attr-defined]  # simple-history takes the acting user from this attribute of the instance
    event._change_reason = reason.strip()  # type: ignore[attr-defined]  # simple-history takes the change reason from this attribute of the instance
    event.save()
    record_event(
        "adverse_event.update", event, actor=actor, data={"fields": sorted(changed), "reason": reason.strip()}
    )
    return event


@transaction.atomic
def record_recall_view(lots: Iterable[Lot], *, patients: int, channel: str, actor: Actor) -> None:
    """Audit that someone saw a recall: it reveals which patients had a lot, with their contact details."""
    for lot in lots:
        record_event("recall.view", lot, actor=actor, data={"patients": patients, "channel": channel})
