"""The day-of screening: the day's answers join the history for this screening only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.testing.treatments import first_appointment
from mesoclinic.treatments.services import open_session, record_day_of_screening

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(clinic):
    return open_session(first_appointment(clinic), actor=None)


def test_it_is_ok_with_no_new_answers(draft):
    screening = record_day_of_screening(draft, {}, actor=None)
    assert screening.decision == "ok"


def test_a_day_of_pregnancy_blocks(draft):
    screening = record_day_of_screening(draft, {"pregnant": True}, actor=None)
    assert screening.decision == "block"
    assert [f["factor"] for f in screening.findings] == ["pregnant"]


def test_a_new_blood_thinner_warns_for_a_needle(draft):
    screening = record_day_of_screening(draft, {"anticoagulant": "on"}, actor=None)
    assert screening.decision == "warn"


def test_it_stores_the_answers_and_screening_on_the_session(draft):
    screening = record_day_of_screening(draft, {"active_herpes": True, "other": " new cream "}, actor=None)
    draft.refresh_from_db()
    assert draft.screening == screening
    assert draft.day_of_answers["active_herpes"] is True
    assert draft.day_of_answers["pregnant"] is None  # not asked: unanswered, not "no"
    assert draft.day_of_answers["other"] == "new cream"


def test_it_does_not_change_the_stored_history(draft):
    record_day_of_screening(draft, {"pregnant": True, "isotretinoin": True}, actor=None)
    draft.patient.medical_history.refresh_from_db()
    assert draft.patient.medical_history.conditions == []
    assert draft.patient.medical_history.medications == []


def test_it_adds_to_what_the_history_already_says(clinic, draft):
    history = draft.patient.medical_history
    history.conditions = ["keloid_tendency"]
    history.save()
    screening = record_day_of_screening(draft, {"active_herpes": True}, actor=None)
    assert {f["factor"] for f in screening.findings} == {"keloid_tendency", "active_herpes"}


def test_no_is_an_answer_and_a_missing_answer_is_none(draft):
    record_day_of_screening(draft, {"pregnant": "no", "breastfeeding": False, "fever": "yes"}, actor=None)
    draft.refresh_from_db()
    assert draft.day_of_answers["pregnant"] is False
    assert draft.day_of_answers["breastfeeding"] is False
    assert draft.day_of_answers["fever"] is True
    assert draft.day_of_answers["active_herpes"] is None


@pytest.mark.parametrize("answers", [{"pregnant": "maybe"}, {"pregnant": 2}, {"pregnent": True}])
def test_it_refuses_an_answer_that_is_neither_yes_nor_no(draft, answers):
    with pytest.raises(ValidationError):
        record_day_of_screening(draft, answers, actor=None)
    draft.refresh_from_db()
    assert draft.screening is None


def test_anything_else_reported_today_warns_with_the_text(draft):
    screening = record_day_of_screening(draft, {"other": "started a retinol cream"}, actor=None)
    assert screening.decision == "warn"
    [finding] = screening.findings
    assert finding["factor"] == "other_report"
    assert "started a retinol cream" in finding["message"]
