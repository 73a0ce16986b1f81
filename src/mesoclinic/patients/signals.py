"""Events patients emit for the apps above them (import-linter forbids patients importing them).

``contact_answered`` carries the patient's answer to "may we contact you, and how?", asked when the patient
is registered; notifications (which owns contact preferences) records it in the same transaction.

``medical_history_changed`` is sent inside the transaction that saved a new version of a medical history,
so a receiver's writes (scheduling re-screens the patient's future appointments) commit or roll back with
it. Arguments: ``patient``, ``before`` and ``after`` (the history's PATIENT.json form as it was and as
it is now, for screening) and ``actor``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class ContactAnswer:
    """Whether the patient agrees to reminders and recalls, and by which channels."""

    consent: bool
    email: bool = False
    sms: bool = False


contact_answered = Signal()
"""Sent with ``patient``, ``answer`` (a ``ContactAnswer``) and ``actor`` inside the registering transaction."""

medical_history_changed = Signal()
"""Sent with ``patient``, ``before``, ``after`` and ``actor`` when a new version of the history is saved."""
