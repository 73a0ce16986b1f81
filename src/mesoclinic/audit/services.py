"""Writing audit rows. Called by every service inside its own transaction, and by the read-audit middleware.

Every row is a link of its clinic's hash chain (``mesoclinic.audit.chain``). Appending reads the chain's last
link and writes the next, so appends to one chain must never interleave: on PostgreSQL a transaction-scoped
advisory lock per chain serialises them across processes and app workers (released at commit, so the caller's
transaction decides how long it is held); on SQLite every write transaction is ``BEGIN IMMEDIATE`` and writers
are already one at a time. One chain per clinic, rather than one for the whole database, keeps clinics from
waiting on each other: a service holds its clinic's lock from its audit row until it commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import connection, transaction
from django.utils import timezone

from mesoclinic.actors import Actor
from mesoclinic.audit import chain
from mesoclinic.audit.context import normalise_ip, origin
from mesoclinic.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Model

# First key of the two-key advisory lock: a constant naming "the audit chain" so that other advisory locks
# (keyed by something else) never wait on it.
_LOCK_NAMESPACE = 0x41554454  # "AUDT"
PATIENT_TYPE = "patients.patient"


def acting_user(actor: Actor) -> User | None:
    """The user to store as "who did it": the actor when it is a signed-in user, else nobody (a script)."""
    return cast("User", actor) if actor is not None and getattr(actor, "is_authenticated", False) else None


def _patient_of(obj: Model | None, data: dict[str, Any]) -> int | None:
    if obj is not None and obj._meta.label_lower == PATIENT_TYPE:
        return int(obj.pk)
    patient_id = getattr(obj, "patient_id", None) if obj is not None else None
    if patient_id is None:
        patient_id = data.get("patient")
    return patient_id if isinstance(patient_id, int) and not isinstance(patient_id, bool) else None


def _lock_chain(clinic_id: int | None) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, (clinic_id or 0) % 2**31]
            )


def append_event(
    *,
    action: str,
    clinic_id: int | None,
    actor: Actor,
    object_type: str,
    object_id: str,
    patient_id: int | None,
    data: dict[str, Any] | None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one link to the clinic's chain: lock the chain, read its head, hash, insert."""
    where = origin.get()
    user = acting_user(actor)
    fields: dict[str, Any] = {
        "clinic_id": clinic_id,
        "actor_id": user.pk if user is not None else None,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "patient_id": patient_id,
        "ip": normalise_ip(ip if ip is not None else where.ip),
        "path": where.path,
        "user_agent": where.user_agent,
        "data": chain.json_roundtrip(data),
    }
    # savepoint=False: a failed audit row must fail the caller's whole transaction, and it is cheaper.
    with transaction.atomic(savepoint=False):
        _lock_chain(clinic_id)
        head = (
            (
                AuditEvent.objects.filter(clinic__isnull=True)
                if clinic_id is None
                else AuditEvent.objects.filter(clinic_id=clinic_id)
            )
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS)
        # The database keeps microseconds; hash exactly what it will give back.
        at = timezone.now()
        fields.update(seq=seq, at=at, prev_hash=prev_hash)
        event = AuditEvent(**fields, hash=chain.link_hash(**fields))
        event.save(force_insert=True)
    return event


def record_event(
    action: str,
    obj: Model | None = None,
    *,
    actor: Actor,
    clinic: Any = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event; ``obj`` names the object (type and id), ``data`` says what changed.

    The patient is taken from ``obj`` (a patient, or anything with a ``patient_id``) or ``data["patient"]``.
    """
    if clinic is None and obj is not None:
        clinic = getattr(obj, "clinic", None)
    data = data or {}
    return append_event(
        action=action,
        clinic_id=getattr(clinic, "pk", clinic),
        actor=actor,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        patient_id=_patient_of(obj, data),
        data=data,
        ip=ip,
    )


def field_changes(obj: Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the values that differ from ``obj``'s (what an audit row shows)."""
    return {
        name: [getattr(obj, name), value] for name, value in values.items() if getattr(obj, name) != value
    }


def save_changes(
    obj: Model,
    values: dict[str, Any],
    action: str,
    *,
    actor: Actor,
    clinic: Any = None,
    exclude: list[str] | None = None,
) -> dict[str, list[Any]]:
    """The one way a settings row is edited: set ``values`` on ``obj``, check it (``full_clean``, so a bad
    value is a ``ValidationError`` naming the field) and, where anything differs, save just those fields and
    audit ``action`` with ``{field: [before, after]}``. Returns those changes (empty: nothing saved)."""
    changes = field_changes(obj, values)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean(exclude=exclude)
    if changes:
        obj.save(update_fields=sorted(changes))
        record_event(action, obj, actor=actor, clinic=clinic, data=changes)
    return changes
