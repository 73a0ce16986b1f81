"""Writing audit rows. Called by every service inside its own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesoclinic.audit.context import client_ip
from mesoclinic.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import Model


def acting_user(actor: Any) -> AbstractBaseUser | None:
    """The user to store as "who did it": the actor when it is a signed-in user, else nobody (a script)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def record_event(
    action: str,
    obj: Model | None = None,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    clinic: Any = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event; ``obj`` names the object (type and id), ``data`` says what changed."""
    if clinic is None and obj is not None:
        clinic = getattr(obj, "clinic", None)
    return AuditEvent.objects.create(
        clinic=clinic,
        actor=acting_user(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=ip if ip is not None else client_ip.get(),
        data=data or {},
    )
