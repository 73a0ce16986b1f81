"""No "OK" without an answer: an untaken history, and free text outside the coded lists (issue 12, items 3, 5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.clinical_codes.vocabulary import MODALITIES
from mesoclinic.safety.rules import (
    Decision,
    PatientHistory,
    ProtocolSpec,
    RuleTable,
    ScreeningInputError,
    Severity,
    patient_from_json,
    screen,
)

from .strategies import patients, protocols, rule_tables, screening_days

ON = date(2027, 6, 15)
ADULT = date(1980, 1, 1)
UNTAKEN = PatientHistory(ADULT, taken=False)


@pytest.mark.parametrize("modality", sorted(MODALITIES))
def test_an_untaken_history_is_history_needed_never_ok(modality):
    result = screen(UNTAKEN, ProtocolSpec(modality), on=ON)
    assert result.decision is Decision.HISTORY_NEEDED
    assert result.history_needed
    [finding] = result.findings
    assert finding.factor == "history_needed"
    assert finding.severity is Severity.BLOCK
    assert finding.message.startswith("History needed")


def test_an_empty_taken_history_is_ok():
    result = screen(PatientHistory(ADULT), ProtocolSpec("needle"), on=ON)
    assert result.decision is Decision.OK
    assert not result.history_needed


def test_a_rule_that_blocks_outright_still_says_block():
    minor = PatientHistory(date(2015, 1, 1), taken=False)
    result = screen(minor, ProtocolSpec("needle"), on=ON)
    assert result.decision is Decision.BLOCK
    assert result.history_needed
    assert {f.factor for f in result.findings} == {"history_needed", "age_under_18"}


def test_no_rule_table_removes_the_history_needed_finding():
    result = screen(UNTAKEN, ProtocolSpec("needle"), on=ON, rules=RuleTable(()))
    assert result.decision is Decision.HISTORY_NEEDED


def test_history_needed_ranks_between_warn_and_block():
    assert Decision.WARN.rank < Decision.HISTORY_NEEDED.rank < Decision.BLOCK.rank


@pytest.mark.parametrize(
    ("field", "factor", "words"),
    [
        ("other_allergies", "other_allergy", "Allergy not in the coded list: latex; chlorhexidine."),
        ("other_medications", "other_medication", "Medicine not in the coded list: latex; chlorhexidine."),
        ("other_reports", "other_report", "Reported on the day: latex; chlorhexidine."),
    ],
)
def test_free_text_warns_with_its_words(field, factor, words):
    patient = replace(PatientHistory(ADULT), **{field: ("latex", "chlorhexidine")})
    result = screen(patient, ProtocolSpec("oxygen_infusion"), on=ON, rules=RuleTable(()))
    assert result.decision is Decision.WARN
    [finding] = result.findings
    assert (finding.factor, finding.severity) == (factor, Severity.WARN)
    assert finding.message.startswith(words)


@given(patients, protocols, screening_days, rule_tables(), st.text(min_size=1).filter(str.strip))
def test_free_text_never_passes_silently(patient, protocol, on, table, text):
    result = screen(replace(patient, other_allergies=(text,)), protocol, on=on, rules=table)
    assert result.decision is not Decision.OK
    assert any(f.factor == "other_allergy" and text.strip() in f.message for f in result.findings)


@given(patients, protocols, screening_days, rule_tables())
def test_an_untaken_history_is_never_ok_or_warn(patient, protocol, on, table):
    result = screen(replace(patient, taken=False), protocol, on=on, rules=table)
    assert result.decision in (Decision.HISTORY_NEEDED, Decision.BLOCK)
    assert result.history_needed


def test_it_refuses_empty_free_text():
    with pytest.raises(ValueError, match="other_allergies"):
        screen(PatientHistory(ADULT, other_allergies=("  ",)), ProtocolSpec("needle"), on=ON)


def test_patient_json_reads_taken_and_free_text():
    patient = patient_from_json(
        {
            "birth_date": "1980-01-01",
            "taken": False,
            "other_allergies": [" latex "],
            "other_medications": ["Xarelto 20 mg"],
        },
        known_ingredients=None,
    )
    assert patient.taken is False
    assert patient.other_allergies == ("latex",)
    assert patient.other_medications == ("Xarelto 20 mg",)
    assert patient_from_json({"birth_date": "1980-01-01"}, known_ingredients=None).taken is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"taken": "no"}, "taken: expected true or false"),
        ({"other_allergies": "latex"}, "other_allergies: expected a list"),
        ({"other_allergies": [""]}, r"other_allergies\[0\]: expected text"),
        ({"other_medications": [3]}, r"other_medications\[0\]: expected text"),
        ({"other_medications": ["x" * 201]}, "longer than 200"),
    ],
)
def test_patient_json_refuses_bad_taken_and_free_text(data, message):
    with pytest.raises(ScreeningInputError, match=message):
        patient_from_json({"birth_date": "1980-01-01", **data}, known_ingredients=None)
