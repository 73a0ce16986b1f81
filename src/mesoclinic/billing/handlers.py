"""What billing does when a lower app says something happened (treatments cannot import billing)."""

from __future__ import annotations

from typing import Any

from mesoclinic.billing.services import draw_for_signed_session
from mesoclinic.treatments.signals import session_signed


def _draw_package_session(sender: Any, *, record: Any, actor: Any, **kw: Any) -> None:
    """A signed session of a protocol the patient prepaid draws one package session (same transaction)."""
    draw_for_signed_session(record, actor=actor)


def connect() -> None:
    session_signed.connect(_draw_package_session, dispatch_uid="billing-draw-package-session")
