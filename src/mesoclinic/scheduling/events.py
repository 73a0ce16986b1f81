"""Events scheduling emits for the apps above it (import-linter forbids scheduling importing them).

``appointment_status_changed`` is sent inside the transaction of every status change the state machine
(``lifecycle.change_status``) makes, after the row and its audit event are written, so a receiver's
writes (billing applies the cancellation policy to a no-show or a late cancel) commit or roll back with
it. Arguments: ``appointment`` (its new ``status`` set), ``action`` (an ``engine.lifecycle.Action``
value), ``before`` (the status it left), ``at`` (the moment of the change) and ``actor``.
"""

from __future__ import annotations

from django.dispatch import Signal

appointment_status_changed = Signal()
"""Sent with ``appointment``, ``action``, ``before``, ``at`` and ``actor`` inside the changing transaction."""

appointment_moved = Signal()
"""Sent by ``reschedule_appointment`` inside its transaction once the session is saved at its new time, with
``appointment`` (already moved) and ``freed`` (a ``SessionChoice``: the start, practitioner, room and device it
left), so the waiting list can offer the freed time."""
