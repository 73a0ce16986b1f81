"""What billing does when a lower app says something happened (treatments cannot import billing)."""

from __future__ import annotations

from typing import Any

from mesoclinic.actors import Actor
from mesoclinic.billing.online import refund_deposit_after_cancel
from mesoclinic.billing.services import apply_cancellation_policy, draw_for_signed_session
from mesoclinic.scheduling.events import appointment_status_changed
from mesoclinic.treatments.signals import session_signed


def _draw_package_session(sender: Any, *, record: Any, actor: Actor, **kw: Any) -> None:
    """A signed session of a protocol the patient prepaid draws one package session (same transaction)."""
    draw_for_signed_session(record, actor=actor)


def _apply_policy(sender: Any, *, appointment: Any, action: str, at: Any, actor: Actor, **kw: Any) -> None:
    """A no-show or a late cancel costs what the clinic's policy says (same transaction as the mark); a cancel
    in time gives a deposit paid online back to the card (after the cancel commits)."""
    if action in ("no_show", "cancel"):
        apply_cancellation_policy(appointment, action=action, at=at, actor=actor)
    if action == "cancel":
        refund_deposit_after_cancel(appointment, at=at, actor=actor)


def connect() -> None:
    appointment_status_changed.connect(_apply_policy, dispatch_uid="billing-cancellation-policy")
    session_signed.connect(_draw_package_session, dispatch_uid="billing-draw-package-session")
