"""The waiting list for earlier dates (issue 18, item 5): the portal's writes and reads of it.

A signed-in patient joins it for one of their booked sessions. When a session is cancelled (scheduling's
``appointment_status_changed``) or moved (``appointment_moved``), the freed time is offered to the first
patient waiting (in the order they joined) whose session it fits: the same treatment at the same place, earlier
than their own, not sooner than the clinic's lead time, and keeping their series within its spacing, and who
was not offered that time before. An offer not accepted within ``PORTAL_WAITLIST_OFFER_HOURS`` (and never
later than the lead time before the session) lapses, by the worker's sweep or when accepted too late: the entry
waits again and the time goes to the next patient. They get a message; accepting moves their session there
through scheduling's ``move_session`` (every check again; the database settles a race with the desk or another
patient), in the same transaction that marks the entry accepted: the first to accept gets it, anyone later is
told and keeps waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from mesoclinic.audit.services import record_event
from mesoclinic.patients.models import Patient
from mesoclinic.portal import selectors
from mesoclinic.portal.models import WaitlistEntry, WaitlistStatus
from mesoclinic.scheduling.engine.lifecycle import Action
from mesoclinic.scheduling.forms import decode_slot, encode_slot
from mesoclinic.scheduling.selectors import SessionChoice, location_timezone
from mesoclinic.scheduling.services import (
    BookingError,
    check_sessions_fit,
    lock_schedule,
    move_refusal,
    move_session,
)

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
    slot = SessionChoice(freed.starts_at, freed.practitioner, freed.room, freed.device)
    return offer_time(
        freed.clinic, freed.protocol_id, freed.location_id, slot, exclude_appointment=freed.pk, now=now
    )


def offer_deadline(offered_at: datetime, start: datetime, lead_hours: int) -> datetime:
    """When an offer made at ``offered_at`` for a session at ``start`` lapses: after the configured hours, and
    in any case once the clinic's lead time before the session is reached (at least an hour before it)."""
    margin = max(timedelta(hours=lead_hours), timedelta(hours=1))
    return min(offered_at + timedelta(hours=settings.PORTAL_WAITLIST_OFFER_HOURS), start - margin)


def _key(start: datetime) -> str:
    return start.astimezone(UTC).isoformat()


def offer_time(
    clinic: Any,
    protocol_id: int,
    location_id: int,
    slot: SessionChoice,
    *,
    exclude_appointment: int | None = None,
    now: datetime | None = None,
) -> WaitlistEntry | None:
    """Offer a freed time (a cancelled, moved or lapsed session's) to the first patient waiting whose session
    it fits and who was not offered it before (inside the caller's transaction; the message goes once it
    commits). Returns the entry offered, if any."""
    now = now or timezone.now()
    lead_hours = selectors.portal_settings(clinic).lead_hours
    if slot.start < now + timedelta(hours=lead_hours) or offer_deadline(now, slot.start, lead_hours) <= now:
        return None
    candidates = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(
            clinic_id=clinic.pk,
            status=WaitlistStatus.WAITING,
            appointment__status="booked",
            appointment__protocol_id=protocol_id,
            appointment__location_id=location_id,
            appointment__starts_at__gt=slot.start,
        )
        .exclude(appointment_id=exclude_appointment or 0)
        .select_related(
            "appointment__course", "appointment__location", "appointment__protocol", "patient", "clinic"
        )
        .order_by("created_at", "pk")
    )
    for entry in candidates[:20]:
        if _key(slot.start) in (entry.lapsed_starts or []) or move_refusal(entry.appointment, slot.start):
            continue
        try:  # still free (a short move's old time may overlap its new one; a lapsed time may be taken)
            check_sessions_fit(
                entry.appointment.location, entry.appointment.protocol, [slot], exclude=[entry.appointment_id]
            )
        except BookingError:
            return None
        entry.status = WaitlistStatus.OFFERED
        entry.offered_slot = encode_slot(slot)
        entry.offered_start = slot.start
        entry.offered_at = now
        entry.offer_expires_at = offer_deadline(now, slot.start, lead_hours)
        entry.save(
            update_fields=[
                "status", "offered_slot", "offered_start", "offered_at", "offer_expires_at", "updated_at"
            ]
        )  # fmt: skip
        record_event(
            "waitlist.offer",
            entry,
            actor=None,
            clinic=entry.clinic,
            data={"patient": entry.patient_id, "start": slot.start.isoformat()},
        )
        transaction.on_commit(partial(_send_offer, entry))
        return entry
    return None


def _send_offer(entry: WaitlistEntry) -> None:
    patient = entry.patient
    if not patient.email or entry.offered_start is None:
        return
    language = patient.preferred_language or entry.clinic.language
    tz = location_timezone(entry.appointment.location)
    when = entry.offered_start.astimezone(tz)
    link = settings.MESOCLINIC_BASE_URL.rstrip("/") + reverse(
        "portal:portal_sign_in", args=[entry.clinic.slug]
    )
    with translation.override(language):
        subject = _("An earlier date is free at %(clinic)s") % {"clinic": entry.clinic.name}
        body = _(
            "Hello %(name)s,\n\nan earlier date for your session is free: %(when)s.\n\nSign in to your "
            "portal to take it: %(link)s\n\nThe first patient to accept gets it; if you do nothing, your "
            "session stays as it is.\n"
        ) % {"name": patient.given_name, "when": date_format(when, "l j E Y, H:i"), "link": link}
        if entry.offer_expires_at is not None:
            until = date_format(entry.offer_expires_at.astimezone(tz), "l j E Y, H:i")
            body += "\n" + _(
                "The offer is open until %(until)s (the clinic's local time); then it goes to the next patient "
                "waiting and you stay on the waiting list.\n"
            ) % {"until": until}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])


def accept(patient: Patient, entry: WaitlistEntry, *, now: datetime | None = None) -> Any:
    """Move the patient's session to the offered time. Raises ``WaitlistError`` when the offer lapsed (it
    goes to the next patient), was taken meanwhile (the entry waits again) or is not theirs.

    One transaction: the entry becomes ``accepted`` together with the move, or not at all, so a failure in
    between (the database refusing a write, the worker killed) leaves the offer open as it was, never an
    accepted entry whose session did not move. The entry's row is locked after the location's schedule (the
    order every schedule write takes its locks in), so an accept and the worker's lapse settle it once:
    whichever locks the row first wins, the other finds it no longer offered."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        refusal, moved = _accept(patient, entry, now)
    if refusal:
        raise WaitlistError(refusal)
    return moved


def _accept(patient: Patient, entry: WaitlistEntry, now: datetime) -> tuple[str, Any]:
    """The accept inside its transaction: ``("", moved session)``, or the refusal in words and None (the
    entry's new state, lapsed or waiting again, is then kept: the caller raises after the commit)."""
    lock_schedule(entry.appointment.location_id)
    row = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("appointment__location", "appointment__protocol", "appointment__course", "clinic")
        .filter(pk=entry.pk, patient_id=patient.pk, status=WaitlistStatus.OFFERED)
        .first()
    )
    if row is None or (row.offer_expires_at is not None and row.offer_expires_at <= now):
        if lapse(entry.pk, now=now) or _was_lapsed(entry, patient):
            return _(
                "This offer lapsed: it was not accepted in time, so the date went to the next patient "
                "waiting. You stay on the waiting list."
            ), None
        return _("This offer is no longer open."), None
    token = decode_slot(row.offered_slot)
    sessions = selectors.resolve_slots(row.appointment.location, [row.offered_slot]) if token else None
    if not sessions:
        _wait_again(row)
        return _("This offer is no longer open."), None
    slot = sessions[0]
    try:
        moved = move_session(
            row.appointment,
            start=slot.start,
            actor=None,
            practitioner=slot.practitioner,
            room=slot.room,
            device=slot.device,
        )
    except BookingError:
        _wait_again(row)
        return _("Someone took that date just before you. You stay on the waiting list."), None
    row.status = WaitlistStatus.ACCEPTED
    row.save(update_fields=["status", "updated_at"])
    record_event("waitlist.accept", row, actor=None, clinic=row.clinic, data={"patient": patient.pk})
    return "", moved


def _was_lapsed(entry: WaitlistEntry, patient: Patient) -> bool:
    """Whether the offer the patient saw (``entry`` as they loaded it) lapsed meanwhile."""
    if entry.offered_start is None:
        return False
    fresh = WaitlistEntry.objects.filter(pk=entry.pk, patient_id=patient.pk).first()
    return fresh is not None and _key(entry.offered_start) in (fresh.lapsed_starts or [])


def _wait_again(entry: WaitlistEntry) -> None:
    entry.status = WaitlistStatus.WAITING
    entry.offered_slot, entry.offered_start, entry.offered_at = "", None, None
    entry.offer_expires_at = None
    entry.save(
        update_fields=[
            "status", "offered_slot", "offered_start", "offered_at", "offer_expires_at", "lapsed_starts",
            "updated_at",
        ]
    )  # fmt: skip


@transaction.atomic
def lapse(entry_id: int, *, now: datetime | None = None) -> WaitlistEntry | None:
    """Lapse one offer whose time ran out: the entry waits again (never offered that time again) and the time
    goes to the next patient waiting whom it fits. None when the entry is no longer an offer that ran out."""
    now = now or timezone.now()
    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("appointment__location", "clinic")
        .filter(pk=entry_id, status=WaitlistStatus.OFFERED, offer_expires_at__lte=now)
        .first()
    )
    if entry is None:
        return None
    token, start = entry.offered_slot, entry.offered_start
    if start is not None:
        entry.lapsed_starts = [*(entry.lapsed_starts or []), _key(start)]
    _wait_again(entry)
    record_event(
        "waitlist.lapse",
        entry,
        actor=None,
        clinic=entry.clinic,
        data={"patient": entry.patient_id, "start": start.isoformat() if start else None},
    )
    sessions = selectors.resolve_slots(entry.appointment.location, [token]) if decode_slot(token) else None
    if sessions:
        offer_time(
            entry.clinic,
            entry.appointment.protocol_id,
            entry.appointment.location_id,
            sessions[0],
            exclude_appointment=entry.appointment_id,
            now=now,
        )
    return entry


def lapse_offers(*, now: datetime | None = None) -> int:
    """Lapse every offer whose time ran out (each in its own transaction); how many lapsed."""
    now = now or timezone.now()
    due = WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED, offer_expires_at__lte=now)
    return sum(1 for pk in list(due.values_list("pk", flat=True)[:500]) if lapse(pk, now=now))


@task()
def lapse_offers_task() -> int:
    """The worker's sweep (every five minutes): offers not accepted in time lapse to the next patient."""
    return lapse_offers()


def on_status_changed(sender: Any, appointment: Any, action: str, before: str, **kwargs: Any) -> None:
    """Scheduling's ``appointment_status_changed``: a cancelled booked session frees its time for the list;
    the list's own entry for that session closes."""
    if action != str(Action.CANCEL):
        return
    WaitlistEntry.objects.filter(appointment=appointment, status__in=OPEN).update(
        status=WaitlistStatus.LEFT, updated_at=timezone.now()
    )
    offer_freed_time(appointment)


def on_moved(sender: Any, appointment: Any, freed: SessionChoice, **kwargs: Any) -> None:
    """Scheduling's ``appointment_moved``: the time a moved session left is offered like a cancelled one."""
    offer_time(
        appointment.clinic,
        appointment.protocol_id,
        appointment.location_id,
        freed,
        exclude_appointment=appointment.pk,
    )
