"""What notifications does when a lower app says something happened (patients cannot import this app)."""

from __future__ import annotations

from typing import Any

from mesoclinic.actors import Actor
from mesoclinic.notifications.models import Language
from mesoclinic.notifications.services import update_contact_preference
from mesoclinic.patients.models import Patient
from mesoclinic.patients.signals import ContactAnswer, contact_answered


def _record_contact_answer(
    sender: Any, *, patient: Patient, answer: ContactAnswer, actor: Actor, **kw: Any
) -> None:
    """The answer given at registration becomes the patient's contact preference (same transaction)."""
    language = patient.preferred_language if patient.preferred_language in Language.values else ""
    update_contact_preference(
        patient, consent=answer.consent, email=answer.email, sms=answer.sms, language=language, actor=actor
    )


def connect() -> None:
    contact_answered.connect(_record_contact_answer, dispatch_uid="notifications-contact-answered")
