"""Every status change of an appointment, applied through the one state machine (``engine.lifecycle``).

The desk's views, the API, signing a session record (treatments) and the privacy restriction all come
here, so the rules hold whoever asks. This module is part of scheduling's service layer, kept apart from
``services.py`` (booking, resources, courses) because it is the state machine's one door.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.actors import Actor
from mesoclinic.audit.services import record_event
from mesoclinic.scheduling.engine.lifecycle import Action, Facts, Transition, TransitionRefused, decide
from mesoclinic.scheduling.events import appointment_status_changed
from mesoclinic.scheduling.models import (
    HOLDING_STATUSES,
    Appointment,
    ExtraHours,
    ScheduleChange,
    WorkingHours,
    bump_schedule_versions,
)
from mesoclinic.scheduling.selectors import (
    Hold,
    location_schedule_token,
    location_timezone,
    patch_kept_indexes,
    replaced_token,
)


class BookingError(Exception):
    """A booking or a change of one cannot be made; ``str(error)`` says why in a receptionist's words."""


class StatusChangeRefused(BookingError):  # noqa: N818 — a refusal, as the state machine's
    """The state machine refused the change; ``code`` names the rule (``engine.lifecycle.decide``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


#: The schedule tokens a write's first bumps replaced, by location id (``bump_first``).
Tokens = dict[int, tuple[int, int]]


def served_locations(location_id: int, holds: Iterable[Hold] = ()) -> list[int]:
    """``location_id`` and every other location whose free time the ``holds`` change, in id order.

    Rooms and devices belong to one location; a practitioner may work at several, and booking them at
    one takes their time at every other where they have weekly hours, or extra hours near the held time
    (``engine_clinic`` counts their appointments wherever they are). One query, none without holds.
    """
    holds = tuple(holds)
    practitioners = {hold.practitioner_id for hold in holds}
    if not practitioners:
        return [location_id]
    lo = min(hold.start for hold in holds) - timedelta(days=1)
    hi = max(hold.end for hold in holds) + timedelta(days=1)
    weekly = (
        WorkingHours.objects.filter(staff_id__in=practitioners)
        .order_by()
        .values_list("location_id", flat=True)
    )
    extra = (
        ExtraHours.objects.filter(staff_id__in=practitioners, starts_at__lt=hi, ends_at__gt=lo)
        .order_by()
        .values_list("location_id", flat=True)
    )
    return sorted({location_id, *weekly.union(extra)})


def bump_first(location_id: int, holds: Iterable[Hold] = ()) -> Tokens:
    """Bump the schedule version of the location, and of every other location whose free time ``holds``
    (what the write is about to book or free) change (``served_locations``), as the first writes on
    their schedules; return the tokens the bumps replaced: the schedules this write starts from.

    Each bump's ``UPDATE`` locks its version row until commit, so two writes at one location take their
    turn (the second one's checks see the first's rows) and nobody else moves the version meanwhile. The
    rows are locked one by one in location id order, the order every other bump of several versions takes
    (``models.bump_schedule_versions``), so that two writes sharing a practitioner at two locations
    cannot deadlock; and before anything else the write locks (an appointment row, the audit chain).
    """
    tokens: Tokens = {}
    for location in served_locations(location_id, tuple(holds)):
        bump_schedule_versions(location_id=location)
        token = replaced_token(location)
        if token is not None:
            tokens[location] = token
    return tokens


def patch_on_commit(
    before: Tokens,
    *,
    added: Iterable[Hold] = (),
    removed: Iterable[Hold] = (),
) -> None:
    """Once this transaction commits, patch this process's kept indexes of every location in ``before``
    (the write's own and those of its practitioners' other locations, ``bump_first``) with the
    appointments this write booked (``added``) and freed (``removed``), rather than have the next proposal
    rebuild them from the database (``selectors.patch_kept_indexes``); and, in this transaction, write the
    same change to each location's change feed (``ScheduleChange``), from which every other process
    patches its own kept indexes before it next reads them. A location's index takes from the holds only
    its own resources' (another location's room is not in it; a shared practitioner is).

    Called last in the write, so that ``after`` is the version the write leaves. If anything else in the
    same transaction changes the schedule after this (an outer transaction), the committed version is not
    ``after`` and the patched entries are rebuilt anyway; if the transaction rolls back, nothing runs.
    A failing patch is logged, not raised (``robust``): the write has committed, and an unpatched entry
    is merely rebuilt.
    """
    added, removed = tuple(added), tuple(removed)
    for location_id, token in sorted(before.items()):
        after = location_schedule_token(location_id)
        if after is None:
            continue
        ScheduleChange.objects.create(
            location_id=location_id,
            version=after[0],
            stamp=after[1],
            previous_version=token[0],
            previous_stamp=token[1],
            added=[hold.as_row() for hold in added],
            removed=[hold.as_row() for hold in removed],
        )
        transaction.on_commit(
            partial(patch_kept_indexes, location_id, token, after, added=added, removed=removed),
            robust=True,
        )


def may_record_treated_elsewhere(actor: Actor) -> bool:
    staff = getattr(actor, "staff", None)
    return staff is not None and role_has(staff.role, Capability.RECORD_TREATED_ELSEWHERE)


def facts_for(
    appointment: Appointment,
    *,
    now: datetime | None = None,
    actor: Actor = None,
    record_signed: bool = False,
    reason: str = "",
) -> Facts:
    return Facts(
        now=now or timezone.now(),
        starts_at=appointment.starts_at,
        tz=location_timezone(appointment.location),
        record_signed=record_signed,
        physician=may_record_treated_elsewhere(actor),
        reason=reason,
    )


def decide_for(appointment: Appointment, action: Action, facts: Facts) -> Transition:
    """``engine.lifecycle.decide`` for this appointment, its refusal raised as ``StatusChangeRefused``."""
    try:
        return decide(appointment.status, action, facts)
    except TransitionRefused as refused:
        raise StatusChangeRefused(refused.code, str(refused)) from None


def refusal(appointment: Appointment, action: Action, facts: Facts) -> str:
    """Why ``action`` may not be taken now (empty: it may), for pages that offer or explain a button."""
    try:
        decide(appointment.status, action, facts)
    except TransitionRefused as refused:
        return str(refused)
    return ""


def change_status(
    appointment: Appointment,
    action: Action,
    *,
    actor: Actor,
    reason: str = "",
    record_signed: bool = False,
) -> Appointment:
    """Take ``action`` on ``appointment`` if the state machine allows it now, else raise
    ``StatusChangeRefused`` (a ``BookingError``) with the reason; the caller holds the transaction.

    Checking in and completing keep the time held (no new schedule version: the locations' kept indexes
    stay valid); cancelling and no-shows free it (the version is bumped first, before the row: the same
    lock order as booking). The row is then locked and, if another desk changed it meanwhile, the change
    is decided again on what they left.
    """
    appointment.status = Appointment.objects.values_list("status", flat=True).get(pk=appointment.pk)
    facts = facts_for(appointment, actor=actor, record_signed=record_signed, reason=reason)
    transition = decide_for(appointment, action, facts)
    held, holds = appointment.status in HOLDING_STATUSES, str(transition.to) in HOLDING_STATUSES
    keeps_schedule = held == holds
    hold = Hold.of(appointment)
    before = {} if keeps_schedule else bump_first(appointment.location_id, [hold])
    fresh = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if fresh.status != appointment.status:  # changed meanwhile by someone else: decide on what they left
        appointment.status = fresh.status
        transition = decide_for(appointment, action, facts)
        held, holds = appointment.status in HOLDING_STATUSES, str(transition.to) in HOLDING_STATUSES
        if held != holds and keeps_schedule:
            before = bump_first(appointment.location_id, [hold])
        keeps_schedule = held == holds
    to = str(transition.to)
    before_status = str(appointment.status)
    appointment.status = to
    appointment.status_changed_at = facts.now
    # Calendars that hold the event update it only when SEQUENCE rises.
    appointment.sequence = fresh.sequence + 1
    fields = ["status", "status_changed_at", "sequence"]
    data: dict[str, str] = {}
    if action is Action.CANCEL:
        appointment.cancel_reason = reason.strip()[:200]
        fields.append("cancel_reason")
        data["cancel_reason"] = appointment.cancel_reason
    if transition.completion is not None:
        appointment.completion = str(transition.completion)
        appointment.completion_reason = reason.strip()[:500]
        fields += ["completion", "completion_reason"]
        data["completion"] = appointment.completion
        if appointment.completion_reason:
            data["reason"] = appointment.completion_reason
    # A plain UPDATE sends no post_save, so the schedule version moves only when the time held changes,
    # and then by this explicit bump (what the signal does for any other save of an appointment).
    Appointment.objects.filter(pk=appointment.pk).update(
        **{name: getattr(appointment, name) for name in fields}
    )
    if not keeps_schedule:
        bump_schedule_versions(location_id=appointment.location_id)  # locked already (``bump_first``)
    record_event(f"appointment.{to}", appointment, actor=actor, data=data)
    appointment_status_changed.send(
        sender=Appointment,
        appointment=appointment,
        action=str(action),
        before=before_status,
        at=facts.now,
        actor=actor,
    )
    if not keeps_schedule:
        patch_on_commit(before, added=[hold] if holds else [], removed=[hold] if held else [])
    return appointment


@transaction.atomic
def complete_by_signed_record(appointment: Appointment, *, actor: Actor) -> Appointment:
    """Complete the visit whose session record has just been signed (called by ``sign_session`` only)."""
    return change_status(appointment, Action.SIGN_RECORD, actor=actor, record_signed=True)
