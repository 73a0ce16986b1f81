"""The messages marked for translation are exactly those of the default rule table."""

from __future__ import annotations

import json
from pathlib import Path

from mesoclinic.safety.rules.default_messages import MESSAGES
from mesoclinic.safety.rules.model import Severity
from mesoclinic.safety.rules.screen import _ACTION


def test_every_default_rule_message_is_marked_for_translation():
    rules = json.loads((Path(__file__).parents[1] / "default_rules.json").read_text(encoding="utf-8"))
    assert set(MESSAGES) == {rule["message"] for rule in rules["rules"]}


def test_screening_translates_through_the_callable_it_is_given():
    from datetime import date  # noqa: PLC0415

    from mesoclinic.safety.rules import PatientHistory, ProtocolSpec, screen  # noqa: PLC0415

    patient = PatientHistory(birth_date=date(1990, 1, 1), conditions=frozenset({"pregnant"}))
    shout = screen(patient, ProtocolSpec("needle"), on=date(2026, 1, 5), translate=str.upper)
    plain = screen(patient, ProtocolSpec("needle"), on=date(2026, 1, 5))
    assert shout.findings[0].message == shout.findings[0].message.upper()
    assert plain.findings[0].message.endswith(_ACTION[Severity.BLOCK])
