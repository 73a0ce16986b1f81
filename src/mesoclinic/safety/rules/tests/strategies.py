"""Hypothesis strategies shared by the screening core's tests."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from mesoclinic.clinical_codes.vocabulary import CONDITIONS, FACTORS, IMPLANTS, MEDICATIONS, MODALITIES
from mesoclinic.safety.rules import (
    Medication,
    PatientHistory,
    ProtocolSpec,
    Rule,
    RuleTable,
    Severity,
    Source,
)
from mesoclinic.safety.rules.model import SourceKind

INGREDIENTS = ("hyaluronic_acid", "lidocaine", "dmae", "vitamin_c", "procaine")
SOURCE = Source("test", "Test source", "https://example.org/", SourceKind.PR)

days = st.dates(date(1920, 1, 1), date(2030, 12, 31))
screening_days = st.dates(date(2026, 1, 1), date(2030, 12, 31))
medications = st.builds(Medication, st.sampled_from(sorted(MEDICATIONS)), st.none() | days)


def _subset(codes: object) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(sorted(codes)))  # type: ignore[arg-type]  # sorted codes are strings, which sampled_from takes


patients = st.builds(
    PatientHistory,
    birth_date=st.dates(date(1920, 1, 1), date(2025, 12, 31)),
    conditions=_subset(CONDITIONS),
    medications=st.lists(medications, max_size=4).map(tuple),
    implants=_subset(IMPLANTS),
    allergies=_subset(INGREDIENTS),
)
protocols = st.builds(
    ProtocolSpec,
    modality=st.sampled_from(sorted(MODALITIES)),
    ingredients=st.lists(st.sampled_from(INGREDIENTS), unique=True).map(tuple),
)


@st.composite
def rule_tables(draw: st.DrawFn) -> RuleTable:
    """Arbitrary rule tables over the whole vocabulary."""
    cells = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(sorted(FACTORS)), st.sampled_from(sorted(MODALITIES))),
            st.sampled_from(Severity),
        )
    )
    rules = tuple(
        Rule(factor, modality, severity, f"{factor} under {{modality}}.", SOURCE)
        for (factor, modality), severity in cells.items()
    )
    return RuleTable(rules, note="generated")
