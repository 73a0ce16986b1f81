"""Events patients emit for the apps above them (import-linter forbids patients importing them).

``contact_answered`` carries the patient's answer to "may we contact you, and how?", asked when the patient
is registered; notifications (which owns contact preferences) records it in the same transaction.
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
