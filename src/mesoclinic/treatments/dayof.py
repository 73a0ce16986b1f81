"""The day-of screening questions and how the day's answers join the stored history (pure: no Django).

Screening is repeated on the day of every session: something may have changed since the history was
taken (a pregnancy, a cold sore, a new blood thinner). The answers are added to the history for that one
screening only; the stored history is never changed by them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mesoclinic.clinical_codes.words import N_
from mesoclinic.safety.rules import Medication, PatientHistory

__all__ = [
    "NOTHING_NEW",
    "QUESTIONS",
    "DayOfAnswerError",
    "Question",
    "clean_answers",
    "day_of_history",
    "day_of_notes",
    "unanswered",
]


class DayOfAnswerError(ValueError):
    """An answer is neither yes nor no, or names no question; the message says which."""


@dataclass(frozen=True, slots=True)
class Question:
    """One question asked on the day: ``kind`` is ``condition`` or ``medication`` (a screening factor),
    ``note`` (asked, recorded and shown, but no rule reads it) or ``text``."""

    code: str
    label: str
    kind: str


QUESTIONS: tuple[Question, ...] = (
    Question("pregnant", N_("Is the patient pregnant, or could she be?"), "condition"),
    Question("breastfeeding", N_("Is the patient breastfeeding?"), "condition"),
    Question("active_herpes", N_("Is there an active cold sore (herpes) now?"), "condition"),
    Question("active_skin_infection", N_("Is there a skin infection in or near the area?"), "condition"),
    Question("anticoagulant", N_("New: an anticoagulant (blood thinner)?"), "medication"),
    Question("antiplatelet", N_("New: an antiplatelet medicine (e.g. aspirin, clopidogrel)?"), "medication"),
    Question(
        "isotretinoin", N_("New: isotretinoin (acne medicine), now or in the last 6 months?"), "medication"
    ),
    Question("immunosuppressant", N_("New: an immunosuppressant medicine?"), "medication"),
    Question("fever", N_("Fever, or feeling unwell today?"), "note"),
    Question("other", N_("Anything else new since the last visit?"), "text"),
)
_BY_CODE = {question.code: question for question in QUESTIONS}
_YES = frozenset({"yes", "true", "1", "on"})
_NO = frozenset({"no", "false", "0"})

NOTHING_NEW: dict[str, bool | str] = {
    question.code: ("" if question.kind == "text" else False) for question in QUESTIONS
}
"""Every question answered "no" (a patient for whom nothing changed): for the demo and tests, not the UI."""


def clean_answers(raw: Mapping[str, Any]) -> dict[str, bool | str | None]:
    """Every question's answer: yes/no questions as True/False, None while unanswered; ``other`` as text.

    "No" is an answer, not a missing tick: a question left unanswered stays None (and stops the session
    from being signed); a value that is neither yes nor no, or a key that names no question, is refused
    with ``DayOfAnswerError`` rather than read as "no".
    """
    if unknown := sorted(set(raw) - set(_BY_CODE), key=str):
        raise DayOfAnswerError(f"{unknown[0]!r} is not a day-of question.")
    answers: dict[str, bool | str | None] = {}
    for question in QUESTIONS:
        value = raw.get(question.code)
        if question.kind == "text":
            if value is not None and not isinstance(value, str):
                raise DayOfAnswerError(f"{question.label} Answer in words.")
            answers[question.code] = (value or "").strip()[:1000]
        else:
            answers[question.code] = _yes_no(question, value)
    return answers


def _yes_no(question: Question, value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES:
        return True
    if isinstance(value, str) and value.strip().lower() in _NO:
        return False
    raise DayOfAnswerError(f"{question.label} Answer yes or no (not {value!r}).")


def unanswered(answers: Mapping[str, Any]) -> list[Question]:
    """The yes/no questions without a yes or a no in ``answers`` (stored answers of a session)."""
    return [q for q in QUESTIONS if q.kind != "text" and not isinstance(answers.get(q.code), bool)]


def day_of_history(history: PatientHistory, answers: Mapping[str, Any]) -> PatientHistory:
    """The stored history plus the day's yes answers as current conditions and medications, and anything
    else reported today as text to be read (screening warns with it)."""
    conditions = {code for code, value in answers.items() if value is True and _kind(code) == "condition"}
    medications = [
        Medication(code)
        for code, value in answers.items()
        if value is True and _kind(code) == "medication" and code not in _current(history)
    ]
    other = answers.get("other")
    reports = (other.strip(),) if isinstance(other, str) and other.strip() else ()
    return replace(
        history,
        conditions=history.conditions | conditions,
        medications=(*history.medications, *medications),
        other_reports=(*history.other_reports, *reports),
    )


def day_of_notes(answers: Mapping[str, Any]) -> list[str]:
    """What the day's answers say that screening does not read, for the practitioner to weigh (anything
    else reported is screened: it comes back as an ``other_report`` warning)."""
    notes = []
    if answers.get("fever") is True:
        notes.append("Fever or feeling unwell today: consider postponing the session.")
    return notes


def _kind(code: str) -> str:
    question = _BY_CODE.get(code)
    return question.kind if question else ""


def _current(history: PatientHistory) -> set[str]:
    return {medication.code for medication in history.medications if medication.stopped is None}
