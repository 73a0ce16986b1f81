from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from mesoclinic.safety.rules import (
    Decision,
    Finding,
    PatientHistory,
    Rule,
    RuleTable,
    RuleTableError,
    Screening,
    Severity,
    Source,
    SourceKind,
)

SOURCE = Source("key", "A title", "https://example.org/a", SourceKind.VND)


def test_it_orders_decisions_ok_warn_history_needed_block():
    order = (Decision.OK, Decision.WARN, Decision.HISTORY_NEEDED, Decision.BLOCK)
    assert [d.rank for d in order] == [0, 1, 2, 3]


def test_it_serializes_a_screening_exactly():
    finding = Finding(Severity.BLOCK, "pacemaker", "Do not treat.", SOURCE.citation)
    result = Screening(Decision.BLOCK, (finding,)).as_dict()
    assert result == {
        "decision": "block",
        "findings": [
            {
                "severity": "block",
                "factor": "pacemaker",
                "message": "Do not treat.",
                "source": "A title [VND] https://example.org/a",
            }
        ],
    }
    assert json.loads(json.dumps(result)) == result
    assert type(result["decision"]) is str
    assert type(result["findings"][0]["severity"]) is str


def test_it_freezes_values():
    patient = PatientHistory(date(1990, 1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        patient.birth_date = date(1991, 1, 1)  # type: ignore[misc]  # assigning to a frozen dataclass on purpose: the test checks that it raises


def test_it_looks_rules_up_by_factor_and_modality():
    rule = Rule("epilepsy", "iontophoresis", Severity.BLOCK, "m", SOURCE)
    table = RuleTable((rule,), note="n")
    assert table.lookup("epilepsy", "iontophoresis") is rule
    assert table.lookup("epilepsy", "needle") is None
    assert table.for_modality("iontophoresis") == (rule,)
    assert table.for_modality("needle") == ()


def test_it_rejects_two_rules_for_the_same_cell():
    rule = Rule("epilepsy", "iontophoresis", Severity.BLOCK, "m", SOURCE)
    with pytest.raises(
        RuleTableError, match="duplicate rule for factor 'epilepsy' and modality 'iontophoresis'"
    ):
        RuleTable((rule, dataclasses.replace(rule, severity=Severity.WARN)))


def test_it_compares_tables_by_rules_and_note():
    rule = Rule("epilepsy", "iontophoresis", Severity.BLOCK, "m", SOURCE)
    assert RuleTable((rule,), "n") == RuleTable((rule,), "n")
    assert RuleTable((rule,), "n") != RuleTable((), "n")
