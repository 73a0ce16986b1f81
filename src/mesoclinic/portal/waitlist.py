"""The waiting list for earlier dates (issue 18, item 5): the portal's writes and reads of it.

A signed-in patient joins it for one of their booked sessions. When a session is cancelled (scheduling's
``appointment_status_changed``), the freed time is offered to the first patient waiting (in the order they
joined) whose session it fits: the same treatment at the same place, earlier than their own, not sooner than
the clinic's lead time, and keeping their series within its spacing. They get a message; accepting moves their
session there through scheduling's ``reschedule_appointment`` (every check again; the database settles a race
with the desk or another patient): the first to accept gets it, anyone later is told and keeps waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mesoclinic.audit.services import record_event
from mesoclinic.patients.models import Patient
from mesoclinic.portal import selectors
from mesoclinic.portal.models import WaitlistEntry, WaitlistStatus
from mesoclinic.scheduling.engine.lifecycle import Action
from mesoclinic.scheduling.forms import decode_slot, encode_slot
from mesoclinic.scheduling.selectors import SessionChoice, location_timezone
from mesoclinic.scheduling.services import BookingError, move_refusal, reschedule_appointment

OPEN = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistError(Exception):
    """The waiting list cannot do this (not a booked session of the patient, or the offer is gone)."""


# --- Reads ----------------------------------------------------------------------------------------------------


def entries_for_patient(patient: Patient) -> list[WaitlistEntry]:
    """The patient's open entries (waiting or offered), with their sessions."""
    return list(
        WaitlistEntry.objects.filter(patient=patient, status__in=OPEN).select_related(
            "appointment__protocol", "appointment__location"
        )
    )


def entries_for_clinic(clinic: Any) -> QuerySet[WaitlistEntry]:
    """Every open entry of the clinic, first joined first (what staff see)."""
    return (
        WaitlistEntry.objects.filter(clinic=clinic, status__in=OPEN)
        .select_related("patient", "appointment__protocol", "appointment__location")
        .order_by("created_at", "pk")
    )


# --- Writes ---------------------------------------------------------------------------------------------------


@transaction.atomic
def join(patient: Patient, appointment: Any) -> WaitlistEntry:
    """Put the patient's booked session on the waiting list for an earlier date (once)."""
    if appointment.patient_id != patient.pk or appointment.status != "booked":
        raise WaitlistError(_("Only your booked sessions can wait for an earlier date."))
    if appointment.starts_at <= timezone.now():
        raise WaitlistError(_("This session has already started."))
    found = WaitlistEntry.objects.filter(appointment=appointment, status__in=OPEN).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                clinic=patient.clinic, patient=patient, appointment=appointment
            )
    except IntegrityError:  # joined twice at once: the other request's entry stands
        return WaitlistEntry.objects.get(appointment=appointment, status__in=OPEN)
    record_event("waitlist.join", entry, actor=None, clinic=patient.clinic, data={"patient": patient.pk})
    return entry


@transaction.atomic
def leave(patient: Patient, entry: WaitlistEntry) -> WaitlistEntry:
    if entry.patient_id != patient.pk:
        raise WaitlistError(_("This is not your waiting list entry."))
    entry.status = WaitlistStatus.LEFT
    entry.save(update_fields=["status", "updated_at"])
    record_event("waitlist.leave", entry, actor=None, clinic=entry.clinic, data={"patient": patient.pk})
    return entry


def offer_freed_time(freed: Any, *, now: datetime | None = None) -> WaitlistEntry | None:
    """Offer a cancelled session's time to the first patient waiting whose session it fits (inside the
    cancelling transaction; the message goes once it commits). Returns the entry offered, if any."""
    now = now or timezone.now()
    lead = timedelta(hours=selectors.portal_settings(freed.clinic).lead_hours)
    if freed.starts_at < now + lead:
        return None
    candidates = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(
            clinic_id=freed.clinic_id,
            status=WaitlistStatus.WAITING,
            appointment__status="booked",
            appointment__protocol_id=freed.protocol_id,
            appointment__location_id=freed.location_id,
            appointment__starts_at__gt=freed.starts_at,
        )
        .exclude(appointment_id=freed.pk)
        .select_related("appointment__course", "appointment__location", "patient", "clinic")
        .order_by("created_at", "pk")
    )
    for entry in candidates[:20]:
        if move_refusal(entry.appointment, freed.starts_at):
            continue
        slot = SessionChoice(freed.starts_at, freed.practitioner, freed.room, freed.device)
        entry.status = WaitlistStatus.OFFERED
        entry.offered_slot = encode_slot(slot)
        entry.offered_start = freed.starts_at
        entry.offered_at = now
        entry.save(update_fields=["status", "offered_slot", "offered_start", "offered_at", "updated_at"])
        record_event(
            "waitlist.offer",
            entry,
            actor=None,
            clinic=entry.clinic,
            data={"patient": entry.patient_id, "start": freed.starts_at.isoformat()},
        )
        transaction.on_commit(partial(_send_offer, entry))
        return entry
    return None


def _send_offer(entry: WaitlistEntry) -> None:
    patient = entry.patient
    if not patient.email or entry.offered_start is None:
        return
    language = patient.preferred_language or entry.clinic.language
    when = entry.offered_start.astimezone(location_timezone(entry.appointment.location))
    link = settings.MESOCLINIC_BASE_URL.rstrip("/") + reverse(
        "portal:portal_sign_in", args=[entry.clinic.slug]
    )
    with translation.override(language):
        subject = _("An earlier date is free at %(clinic)s") % {"clinic": entry.clinic.name}
        body = _(
            "Hello %(name)s,\n\nan earlier date for your session is free: %(when)s.\n\nSign in to your "
            "portal to take it: %(link)s\n\nThe first patient to accept gets it; if you do nothing, your "
            "session stays as it is.\n"
        ) % {"name": patient.given_name, "when": f"{when:%Y-%m-%d %H:%M}", "link": link}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])


def accept(patient: Patient, entry: WaitlistEntry) -> Any:
    """Move the patient's session to the offered time. Raises ``WaitlistError`` when it was taken meanwhile
    (the entry waits again) or the offer is not theirs."""
    if entry.patient_id != patient.pk or entry.status != WaitlistStatus.OFFERED:
        raise WaitlistError(_("This offer is no longer open."))
    token = decode_slot(entry.offered_slot)
    sessions = selectors.resolve_slots(entry.appointment.location, [entry.offered_slot]) if token else None
    if not sessions:
        _wait_again(entry)
        raise WaitlistError(_("This offer is no longer open."))
    slot = sessions[0]
    try:
        moved = reschedule_appointment(
            entry.appointment,
            start=slot.start,
            actor=None,
            practitioner=slot.practitioner,
            room=slot.room,
            device=slot.device,
        )
    except BookingError:
        _wait_again(entry)
        raise WaitlistError(
            _("Someone took that date just before you. You stay on the waiting list.")
        ) from None
    entry.status = WaitlistStatus.ACCEPTED
    entry.save(update_fields=["status", "updated_at"])
    record_event("waitlist.accept", entry, actor=None, clinic=entry.clinic, data={"patient": patient.pk})
    return moved


def _wait_again(entry: WaitlistEntry) -> None:
    entry.status = WaitlistStatus.WAITING
    entry.offered_slot, entry.offered_start, entry.offered_at = "", None, None
    entry.save(update_fields=["status", "offered_slot", "offered_start", "offered_at", "updated_at"])


def on_status_changed(sender: Any, appointment: Any, action: str, before: str, **kwargs: Any) -> None:
    """Scheduling's ``appointment_status_changed``: a cancelled booked session frees its time for the list;
    the list's own entry for that session closes."""
    if action != str(Action.CANCEL):
        return
    WaitlistEntry.objects.filter(appointment=appointment, status__in=OPEN).update(
        status=WaitlistStatus.LEFT, updated_at=timezone.now()
    )
    offer_freed_time(appointment)
