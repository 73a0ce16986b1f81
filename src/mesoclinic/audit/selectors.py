"""Reads of the audit log: verifying the chains, and the auditor's filtered view of one clinic's events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from mesoclinic.audit import chain
from mesoclinic.audit.models import AuditEvent, AuditTerm

_LINK_COLUMNS = (
    "id",
    "seq",
    "clinic_id",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "at",
    "ip",
    "path",
    "user_agent",
    "data",
    "prev_hash",
    "hash",
)


VERIFY_CHUNK = 2000
"""Rows the verifier reads at a time: its memory is about two chunks (one kept while the next is fetched),
whatever the chain's length."""


class UnknownClinicError(LookupError):
    """``--clinic`` named a clinic that has no events (or does not exist)."""


@dataclass(frozen=True)
class ChainReport:
    """One chain's verification: whose chain, how many events, the head hash, the first break."""

    clinic: str  # the clinic's slug; "" for events without a clinic
    events: int
    head: str
    broken: chain.Break | None


def _of_clinic(clinic_id: int | None) -> QuerySet[AuditEvent]:
    """The events of one clinic's chain; ``None``: the chain of events without a clinic."""
    if clinic_id is None:
        return AuditEvent.objects.filter(clinic__isnull=True)
    return AuditEvent.objects.filter(clinic_id=clinic_id)


def _links(clinic_id: int | None) -> Iterator[chain.Link]:
    rows = _of_clinic(clinic_id).order_by("seq").values(*_LINK_COLUMNS)
    return chain.chain_links(rows.iterator(chunk_size=VERIFY_CHUNK))


def verify_chains(clinic_slug: str | None = None) -> list[ChainReport]:
    """Verify every chain (or one clinic's), in a streaming pass; never loads a chain into memory."""
    chains = AuditEvent.objects.values_list("clinic_id", "clinic__slug").distinct().order_by("clinic_id")
    if clinic_slug is not None:
        chains = chains.filter(clinic__slug=clinic_slug)
    found = list(chains)
    if clinic_slug is not None and not found:
        raise UnknownClinicError(clinic_slug)
    reports = []
    for clinic_id, slug in found:
        result = chain.verify(_links(clinic_id))
        reports.append(ChainReport(slug or "", result.events, result.head, result.broken))
    return reports


@dataclass(frozen=True)
class EventFilter:
    actor: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    patient: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def events_for_clinic(clinic: Any, filters: EventFilter) -> QuerySet[AuditEvent]:
    """One clinic's events, newest first, narrowed by ``filters`` (dates in the clinic's time zone)."""
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor__staff").order_by("-seq")
    if filters.actor is not None:
        events = events.filter(actor_id=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.patient is not None:
        events = events.filter(patient_id=filters.patient)
    if filters.date_from is not None:
        events = events.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to is not None:
        events = events.filter(at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return events


def logged_actor(clinic: Any, user_id: int) -> tuple[int, str] | None:
    """The user ``user_id`` (id and user name) when the clinic's log holds an event of theirs, else None:
    one probe of the actor index, however long the log."""
    if not AuditEvent.objects.filter(clinic=clinic, actor_id=user_id).exists():
        return None
    return get_user_model().objects.filter(pk=user_id).values_list("pk", "username").first()


def _terms(clinic: Any, kind: str) -> list[str]:
    return list(
        AuditTerm.objects.filter(clinic=clinic, kind=kind).order_by("value").values_list("value", flat=True)
    )


def actions_for_clinic(clinic: Any) -> list[str]:
    """Every action in the clinic's log (``AuditTerm``, kept by a trigger on every insert), sorted."""
    return _terms(clinic, AuditTerm.ACTION)


def object_types_for_clinic(clinic: Any) -> list[str]:
    """Every object type in the clinic's log (``AuditTerm``), sorted."""
    return _terms(clinic, AuditTerm.OBJECT_TYPE)
