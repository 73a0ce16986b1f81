"""The day-of screening questions and how the day's answers join the stored history (pure: no Django).

Screening is repeated on the day of every session: something may have changed since the history was
taken (a pregnancy, a cold sore, a new blood thinner). The answers are added to the history for that one
screening only; the stored history is never changed by them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mesoclinic.safety.rules import Medication, PatientHistory

__all__ = ["QUESTIONS", "Question", "clean_answers", "day_of_history", "day_of_notes"]


@dataclass(frozen=True, slots=True)
class Question:
    """One question asked on the day: ``kind`` is ``condition`` or ``medication`` (a screening factor),
    ``note`` (asked, recorded and shown, but no rule reads it) or ``text``."""

    code: str
    label: str
    kind: str


QUESTIONS: tuple[Question, ...] = (
    Question("pregnant", "Is the patient pregnant, or could she be?", "condition"),
    Question("breastfeeding", "Is the patient breastfeeding?", "condition"),
    Question("active_herpes", "Is there an active cold sore (herpes) now?", "condition"),
    Question("active_skin_infection", "Is there a skin infection in or near the area?", "condition"),
    Question("anticoagulant", "New: an anticoagulant (blood thinner)?", "medication"),
    Question("antiplatelet", "New: an antiplatelet medicine (e.g. aspirin, clopidogrel)?", "medication"),
    Question("isotretinoin", "New: isotretinoin (acne medicine), now or in the last 6 months?", "medication"),
    Question("immunosuppressant", "New: an immunosuppressant medicine?", "medication"),
    Question("fever", "Fever, or feeling unwell today?", "note"),
    Question("other", "Anything else new since the last visit?", "text"),
)
_BY_CODE = {question.code: question for question in QUESTIONS}


def clean_answers(raw: Mapping[str, Any]) -> dict[str, bool | str]:
    """Every question's answer: yes/no questions as booleans (unanswered = no), ``other`` as text."""
    answers: dict[str, bool | str] = {}
    for question in QUESTIONS:
        value = raw.get(question.code)
        if question.kind == "text":
            answers[question.code] = str(value or "").strip()[:1000]
        else:
            answers[question.code] = value is True or str(value).lower() in {"1", "true", "yes", "on"}
    return answers


def day_of_history(history: PatientHistory, answers: Mapping[str, Any]) -> PatientHistory:
    """The stored history plus the day's yes answers as current conditions and medications."""
    conditions = {code for code, value in answers.items() if value is True and _kind(code) == "condition"}
    medications = [
        Medication(code)
        for code, value in answers.items()
        if value is True and _kind(code) == "medication" and code not in _current(history)
    ]
    return replace(
        history,
        conditions=history.conditions | conditions,
        medications=(*history.medications, *medications),
    )


def day_of_notes(answers: Mapping[str, Any]) -> list[str]:
    """What the day's answers say that no screening rule reads, for the practitioner to weigh."""
    notes = []
    if answers.get("fever") is True:
        notes.append("Fever or feeling unwell today: consider postponing the session.")
    if isinstance(answers.get("other"), str) and answers["other"]:
        notes.append(f"Also new: {answers['other']}")
    return notes


def _kind(code: str) -> str:
    question = _BY_CODE.get(code)
    return question.kind if question else ""


def _current(history: PatientHistory) -> set[str]:
    return {medication.code for medication in history.medications if medication.stopped is None}
