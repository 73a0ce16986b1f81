"""Pure screening core: a coded history and a planned treatment in, a decision with findings out.

No Django, no settings, no clock: callers pass the day of treatment and, optionally, the clinic's rule
table. See DESIGN.md section 4.
"""

from __future__ import annotations

from .model import (
    Decision,
    Finding,
    Medication,
    PatientHistory,
    ProtocolSpec,
    Rule,
    RuleTable,
    RuleTableError,
    Screening,
    Severity,
    Source,
    SourceKind,
)
from .parse import ScreeningInputError, parse_iso_date, patient_from_json, protocol_from_json
from .screen import screen
from .table import default_rule_table, default_rules_data, load_rule_table

__all__ = [
    "Decision",
    "Finding",
    "Medication",
    "PatientHistory",
    "ProtocolSpec",
    "Rule",
    "RuleTable",
    "RuleTableError",
    "Screening",
    "ScreeningInputError",
    "Severity",
    "Source",
    "SourceKind",
    "default_rule_table",
    "default_rules_data",
    "load_rule_table",
    "parse_iso_date",
    "patient_from_json",
    "protocol_from_json",
    "screen",
]
