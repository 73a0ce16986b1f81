from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.clinical_codes.dates import age_on
from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS, MODALITIES
from mesoclinic.safety.rules import (
    Decision,
    Medication,
    PatientHistory,
    ProtocolSpec,
    RuleTable,
    Severity,
    default_rule_table,
    screen,
)

from .strategies import INGREDIENTS, medications, patients, protocols, rule_tables, screening_days

ON = date(2027, 6, 15)
ADULT = date(1980, 1, 1)

# DESIGN.md section 4, copied by hand (not from default_rules.json): one row per factor.
COLUMNS = {
    "needle": "needle",
    "electro": "electroporation",
    "cryo": "cryo_electroporation",
    "ionto": "iontophoresis",
    "sono": "sonophoresis",
    "oxygen": "oxygen_infusion",
}
DESIGN_TABLE = """
factor                       needle  electro cryo    ionto   sono    oxygen
pregnant                     block   block   block   block   block   block
breastfeeding                block   block   block   block   block   block
age_under_18                 block   block   block   block   block   block
active_herpes                block   block   block   block   block   block
active_skin_infection        block   block   block   block   block   block
active_cancer_treatment      block   block   block   block   block   block
allergy                      block   block   block   block   block   block
bleeding_disorder            block   -       -       -       -       -
anticoagulant                warn    -       -       -       -       -
antiplatelet                 warn    -       -       -       -       -
keloid_tendency              warn    -       -       -       -       -
autoimmune_disease           warn    -       -       -       -       -
immunosuppression            warn    -       -       -       -       -
immunosuppressant            warn    -       -       -       -       -
diabetes_uncontrolled        warn    -       -       -       -       -
isotretinoin                 warn    -       -       -       -       -
pacemaker                    -       block   block   block   warn    -
implanted_electronic_device  -       block   block   block   warn    -
metal_implant_in_area        -       block   block   block   warn    -
gold_threads                 -       block   block   block   warn    -
epilepsy                     -       block   block   block   -       -
heart_disease                -       warn    warn    warn    -       -
cold_urticaria               -       -       block   -       -       -
cryoglobulinaemia            -       -       block   -       -       -
raynaud                      -       -       block   -       -       -
"""


def _cells() -> list[tuple[str, str, str]]:
    header, *rows = (line.split() for line in DESIGN_TABLE.strip().splitlines())
    modalities = [COLUMNS[column] for column in header[1:]]
    return [
        (row[0], modality, cell) for row in rows for modality, cell in zip(modalities, row[1:], strict=True)
    ]


def _history_with(factor: str) -> tuple[PatientHistory, tuple[str, ...], str]:
    """A history where only ``factor`` is present; the cocktail; the expected finding's factor."""
    cocktail = ("hyaluronic_acid", "lidocaine")
    if factor == "allergy":
        return PatientHistory(ADULT, allergies=frozenset({"lidocaine"})), cocktail, "lidocaine"
    if factor == "age_under_18":
        return PatientHistory(date(2015, 3, 3)), cocktail, factor
    if factor in MEDICATIONS:
        return PatientHistory(ADULT, medications=(Medication(factor),)), cocktail, factor
    if factor in IMPLANTS:
        return PatientHistory(ADULT, implants=frozenset({factor})), cocktail, factor
    return PatientHistory(ADULT, conditions=frozenset({factor})), cocktail, factor


def test_the_design_table_covers_every_factor_and_modality():
    cells = _cells()
    factors = {factor for factor, _, _ in cells}
    assert factors == {*CONDITIONS, *MEDICATIONS, *IMPLANTS, "age_under_18", "allergy"}
    assert {modality for _, modality, _ in cells} == set(MODALITIES)
    assert len(cells) == len(factors) * len(MODALITIES)


@pytest.mark.parametrize(("factor", "modality", "cell"), _cells())
def test_the_default_table_matches_design(factor, modality, cell):
    patient, cocktail, expected_factor = _history_with(factor)
    result = screen(patient, ProtocolSpec(modality, cocktail), on=ON)
    if cell == "-":
        assert result.decision is Decision.OK
        assert result.findings == ()
        return
    assert result.decision == cell
    [finding] = result.findings
    assert (finding.severity, finding.factor) == (cell, expected_factor)
    assert "{" not in finding.message
    assert finding.message.endswith(("Do not treat.", "checked."))
    assert finding.source


def test_it_reproduces_the_project_example():
    patient = PatientHistory(
        date(1980, 1, 1), implants=frozenset({"pacemaker"}), allergies=frozenset({"lidocaine"})
    )
    protocol = ProtocolSpec("electroporation", ("hyaluronic_acid", "lidocaine"))
    result = screen(patient, protocol, on=date(2027, 1, 1))
    assert result.decision is Decision.BLOCK
    assert {(f.severity, f.factor) for f in result.findings} == {
        (Severity.BLOCK, "pacemaker"),
        (Severity.BLOCK, "lidocaine"),
    }


def test_it_fills_message_placeholders_with_labels():
    patient = PatientHistory(ADULT, implants=frozenset({"gold_threads"}), allergies=frozenset({"vitamin_c"}))
    result = screen(patient, ProtocolSpec("sonophoresis", ("vitamin_c",)), on=ON)
    messages = {f.factor: f.message for f in result.findings}
    assert "sonophoresis (ultrasound)" in messages["gold_threads"]
    assert messages["gold_threads"].endswith("Treat only after the practitioner has checked.")
    assert "Allergy to vitamin c" in messages["vitamin_c"]
    assert messages["vitamin_c"].endswith("Do not treat.")


class TestAllergies:
    def test_it_raises_one_finding_per_allergen_in_the_cocktail_sorted_by_code(self):
        patient = PatientHistory(ADULT, allergies=frozenset({"vitamin_c", "lidocaine", "dmae"}))
        protocol = ProtocolSpec("needle", ("vitamin_c", "hyaluronic_acid", "lidocaine"))
        result = screen(patient, protocol, on=ON)
        assert [(f.severity, f.factor) for f in result.findings] == [
            (Severity.BLOCK, "lidocaine"),
            (Severity.BLOCK, "vitamin_c"),
        ]

    def test_it_ignores_allergens_not_in_the_cocktail(self):
        patient = PatientHistory(ADULT, allergies=frozenset({"procaine"}))
        result = screen(patient, ProtocolSpec("needle", ("hyaluronic_acid",)), on=ON)
        assert result.decision is Decision.OK


class TestAge:
    def test_it_blocks_the_day_before_the_18th_birthday(self):
        result = screen(PatientHistory(date(2009, 6, 16)), ProtocolSpec("needle"), on=ON)
        assert [(f.severity, f.factor) for f in result.findings] == [(Severity.BLOCK, "age_under_18")]

    def test_it_allows_on_the_18th_birthday(self):
        assert (
            screen(PatientHistory(date(2009, 6, 15)), ProtocolSpec("needle"), on=ON).decision is Decision.OK
        )

    @pytest.mark.parametrize(
        ("on", "age"),
        [
            (date(2026, 2, 28), 17),  # common year: a 29 February birthday falls on 1 March
            (date(2026, 3, 1), 18),
            (date(2028, 2, 28), 19),
            (date(2028, 2, 29), 20),  # leap year: the birthday itself
        ],
    )
    def test_it_ages_leap_day_births_on_1_march_in_common_years(self, on, age):
        assert age_on(date(2008, 2, 29), on) == age

    def test_it_blocks_a_leap_day_birth_until_1_march(self):
        patient = PatientHistory(date(2008, 2, 29))
        assert screen(patient, ProtocolSpec("needle"), on=date(2026, 2, 28)).decision is Decision.BLOCK
        assert screen(patient, ProtocolSpec("needle"), on=date(2026, 3, 1)).decision is Decision.OK

    @given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(0, 120))
    def test_it_counts_whole_years_on_the_birthday(self, birth, years):
        try:
            birthday = birth.replace(year=birth.year + years)
        except ValueError:  # 29 February in a common year
            birthday = date(birth.year + years, 3, 1)
        assert age_on(birth, birthday) == years
        if years:
            assert age_on(birth, date.fromordinal(birthday.toordinal() - 1)) == years - 1


def _isotretinoin(stopped: date | None, on: date) -> Decision:
    patient = PatientHistory(ADULT, medications=(Medication("isotretinoin", stopped),))
    return screen(patient, ProtocolSpec("needle"), on=on).decision


class TestIsotretinoin:
    @pytest.mark.parametrize(
        ("on", "cutoff"),
        [
            (date(2027, 7, 15), date(2027, 1, 15)),
            (date(2027, 8, 31), date(2027, 2, 28)),  # clamped to the end of February
            (date(2028, 8, 31), date(2028, 2, 29)),  # leap year
            (date(2027, 3, 31), date(2026, 9, 30)),  # across the year
            (date(2027, 12, 31), date(2027, 6, 30)),
        ],
    )
    def test_it_counts_a_stop_after_the_six_month_cutoff(self, on, cutoff):
        assert _isotretinoin(cutoff, on) is Decision.OK
        assert _isotretinoin(date.fromordinal(cutoff.toordinal() + 1), on) is Decision.WARN

    def test_it_counts_current_and_future_stops(self):
        assert _isotretinoin(None, ON) is Decision.WARN
        assert _isotretinoin(date(2027, 12, 1), ON) is Decision.WARN


class TestOtherMedications:
    @pytest.mark.parametrize(
        ("stopped", "decision"),
        [
            (None, Decision.WARN),
            (date(2027, 6, 14), Decision.OK),
            (ON, Decision.WARN),
            (date(2027, 7, 1), Decision.WARN),
        ],
    )
    def test_it_counts_only_current_medication(self, stopped, decision):
        patient = PatientHistory(ADULT, medications=(Medication("anticoagulant", stopped),))
        assert screen(patient, ProtocolSpec("needle"), on=ON).decision is decision


class TestDecision:
    def test_it_orders_blocks_first_then_table_order(self):
        patient = PatientHistory(
            ADULT,
            conditions=frozenset(
                {"keloid_tendency", "bleeding_disorder", "active_cancer_treatment", "pregnant"}
            ),
            medications=(Medication("anticoagulant"),),
            allergies=frozenset({"lidocaine", "dmae"}),
        )
        result = screen(patient, ProtocolSpec("needle", ("lidocaine", "dmae")), on=ON)
        assert result.decision is Decision.BLOCK
        assert [f.factor for f in result.findings] == [
            "pregnant",
            "active_cancer_treatment",
            "dmae",
            "lidocaine",
            "bleeding_disorder",
            "anticoagulant",
            "keloid_tendency",
        ]

    def test_it_warns_when_only_warnings(self):
        patient = PatientHistory(ADULT, conditions=frozenset({"heart_disease"}))
        assert screen(patient, ProtocolSpec("iontophoresis"), on=ON).decision is Decision.WARN

    def test_it_allows_a_clean_history(self):
        assert screen(PatientHistory(ADULT), ProtocolSpec("needle", ("lidocaine",)), on=ON).as_dict() == {
            "decision": "ok",
            "findings": [],
        }

    def test_it_uses_the_given_table(self):
        patient = PatientHistory(ADULT, conditions=frozenset({"pregnant"}))
        assert screen(patient, ProtocolSpec("needle"), on=ON, rules=RuleTable(())).decision is Decision.OK


class TestArguments:
    def test_it_rejects_a_datetime(self):
        with pytest.raises(TypeError, match="on: expected a date, got datetime"):
            screen(PatientHistory(ADULT), ProtocolSpec("needle"), on=datetime(2027, 1, 1))  # noqa: DTZ001

    def test_it_rejects_a_birth_after_the_day(self):
        with pytest.raises(ValueError, match=r"patient\.birth_date: 2028-01-01 is after"):
            screen(PatientHistory(date(2028, 1, 1)), ProtocolSpec("needle"), on=ON)

    @pytest.mark.parametrize(
        ("patient", "message"),
        [
            (
                PatientHistory(ADULT, conditions=frozenset({"pregant"})),
                "patient.conditions: unknown code 'pregant'",
            ),
            (
                PatientHistory(ADULT, implants=frozenset({"pacemaker", "x"})),
                "patient.implants: unknown code 'x'",
            ),
            (
                PatientHistory(ADULT, medications=(Medication("aspirin"),)),
                "patient.medications: unknown code",
            ),
        ],
    )
    def test_it_rejects_unknown_codes(self, patient, message):
        with pytest.raises(ValueError, match=message):
            screen(patient, ProtocolSpec("needle"), on=ON)

    def test_it_rejects_an_unknown_modality(self):
        with pytest.raises(ValueError, match=r"protocol\.modality: unknown modality 'laser'"):
            screen(PatientHistory(ADULT), ProtocolSpec("laser"), on=ON)


# Property tests ---------------------------------------------------------------------------------------------

tables = st.one_of(st.just(default_rule_table()), rule_tables())


@given(patients, protocols, screening_days)
def test_an_empty_table_allows_everything(patient, protocol, on):
    result = screen(patient, protocol, on=on, rules=RuleTable(()))
    assert result.decision is Decision.OK
    assert result.findings == ()


@st.composite
def _additions(draw: st.DrawFn, patient: PatientHistory) -> PatientHistory:
    kind = draw(st.sampled_from(["condition", "implant", "medication", "allergy"]))
    if kind == "condition":
        return PatientHistory(
            patient.birth_date,
            patient.conditions | {draw(st.sampled_from(sorted(CONDITIONS)))},
            patient.medications,
            patient.implants,
            patient.allergies,
        )
    if kind == "implant":
        return PatientHistory(
            patient.birth_date,
            patient.conditions,
            patient.medications,
            patient.implants | {draw(st.sampled_from(sorted(IMPLANTS)))},
            patient.allergies,
        )
    if kind == "medication":
        return PatientHistory(
            patient.birth_date,
            patient.conditions,
            (*patient.medications, draw(medications)),
            patient.implants,
            patient.allergies,
        )
    return PatientHistory(
        patient.birth_date,
        patient.conditions,
        patient.medications,
        patient.implants,
        patient.allergies | {draw(st.sampled_from(INGREDIENTS))},
    )


@given(st.data(), patients, protocols, screening_days, tables)
def test_adding_to_a_history_never_lowers_the_decision(data, patient, protocol, on, table):
    before = screen(patient, protocol, on=on, rules=table)
    after = screen(data.draw(_additions(patient)), protocol, on=on, rules=table)
    assert after.decision.rank >= before.decision.rank
    assert {f.factor for f in before.findings} <= {f.factor for f in after.findings}


@given(patients, protocols, screening_days, tables)
def test_findings_are_unique_ordered_and_decide(patient, protocol, on, table):
    result = screen(patient, protocol, on=on, rules=table)
    factors = [f.factor for f in result.findings]
    assert len(factors) == len(set(factors))
    severities = [f.severity for f in result.findings]
    assert severities == sorted(severities, key=lambda s: s is not Severity.BLOCK)
    expected = (
        Decision.BLOCK if Severity.BLOCK in severities else Decision.WARN if severities else Decision.OK
    )
    assert result.decision is expected
    allowed = {
        *patient.conditions,
        *patient.implants,
        *(m.code for m in patient.medications),
        *(patient.allergies & set(protocol.ingredients)),
        "age_under_18",
    }
    assert set(factors) <= allowed
    assert json.loads(json.dumps(result.as_dict())) == result.as_dict()


@given(patients, protocols, screening_days)
def test_screening_is_deterministic(patient, protocol, on):
    assert screen(patient, protocol, on=on) == screen(patient, protocol, on=on)
