from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS
from mesoclinic.safety.rules import (
    Medication,
    PatientHistory,
    ProtocolSpec,
    ScreeningInputError,
    parse_iso_date,
    patient_from_json,
    protocol_from_json,
)

KNOWN = frozenset({"hyaluronic_acid", "lidocaine", "vitamin_c"})


def test_it_reads_a_full_patient():
    patient = patient_from_json(
        {
            "birth_date": "1990-05-01",
            "conditions": ["pregnant", "epilepsy"],
            "medications": [{"code": "isotretinoin", "stopped": "2026-01-31"}, {"code": "anticoagulant"}],
            "implants": ["pacemaker"],
            "allergies": ["lidocaine"],
        },
        known_ingredients=KNOWN,
    )
    assert patient == PatientHistory(
        birth_date=date(1990, 5, 1),
        conditions=frozenset({"pregnant", "epilepsy"}),
        medications=(Medication("isotretinoin", date(2026, 1, 31)), Medication("anticoagulant")),
        implants=frozenset({"pacemaker"}),
        allergies=frozenset({"lidocaine"}),
    )


def test_it_reads_a_minimal_patient():
    assert patient_from_json({"birth_date": "1990-05-01"}, known_ingredients=None) == PatientHistory(
        date(1990, 5, 1)
    )


def test_it_treats_null_stopped_and_null_lists_as_absent():
    patient = patient_from_json(
        {
            "birth_date": "1990-05-01",
            "medications": [{"code": "antiplatelet", "stopped": None}],
            "implants": None,
        },
        known_ingredients=None,
    )
    assert patient.medications == (Medication("antiplatelet"),)
    assert patient.implants == frozenset()


def test_it_reads_a_protocol():
    protocol = protocol_from_json(
        {"modality": "needle", "ingredients": ["hyaluronic_acid", "lidocaine"]}, known_ingredients=KNOWN
    )
    assert protocol == ProtocolSpec("needle", ("hyaluronic_acid", "lidocaine"))
    assert protocol_from_json({"modality": "oxygen_infusion"}, known_ingredients=None) == ProtocolSpec(
        "oxygen_infusion"
    )


def test_it_only_checks_ingredient_shape_without_a_catalog():
    patient = patient_from_json(
        {"birth_date": "1990-05-01", "allergies": ["peptide_x1"]}, known_ingredients=None
    )
    assert patient.allergies == frozenset({"peptide_x1"})


BIRTH = {"birth_date": "1990-05-01"}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "patient: expected a JSON object, got list"),
        ({}, "birth_date: missing (required)"),
        (
            {**BIRTH, "alergies": []},
            "unknown key 'alergies' in patient (allowed: birth_date, taken, conditions,",
        ),
        ({"birth_date": "1990-13-01"}, "birth_date: '1990-13-01' is not a valid date (YYYY-MM-DD)"),
        ({"birth_date": "19900501"}, "birth_date: '19900501' is not a valid date (YYYY-MM-DD)"),
        ({"birth_date": 1990}, "birth_date: 1990 is not a valid date (YYYY-MM-DD)"),
        ({**BIRTH, "conditions": ["pregant"]}, "unknown condition code 'pregant' in conditions[0]"),
        ({**BIRTH, "conditions": "pregnant"}, "conditions: expected a list, got string"),
        (
            {**BIRTH, "conditions": ["epilepsy", 3]},
            "conditions[1]: expected a condition code (string), got number",
        ),
        (
            {**BIRTH, "implants": ["pacemaker", "gold_thread"]},
            "unknown implant code 'gold_thread' in implants[1]",
        ),
        ({**BIRTH, "medications": ["aspirin"]}, "medications[0]: expected a JSON object, got string"),
        (
            {**BIRTH, "medications": [{"code": "aspirin"}]},
            "unknown medication code 'aspirin' in medications[0]",
        ),
        ({**BIRTH, "medications": [{"stopped": None}]}, "medications[0].code: missing (required)"),
        (
            {**BIRTH, "medications": [{"code": "anticoagulant", "stop": "2026-01-01"}]},
            "unknown key 'stop' in medications[0] (allowed: code, stopped)",
        ),
        (
            {**BIRTH, "medications": [{"code": "isotretinoin", "stopped": "2026-02-30"}]},
            "medications[0].stopped: '2026-02-30' is not a valid date (YYYY-MM-DD)",
        ),
        ({**BIRTH, "allergies": ["lidocaine", "foo"]}, "unknown ingredient code 'foo' in allergies[1]"),
    ],
)
def test_it_names_what_is_wrong_in_a_patient(obj, message):
    with pytest.raises(ScreeningInputError) as info:
        patient_from_json(obj, known_ingredients=KNOWN)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ("needle", "protocol: expected a JSON object, got string"),
        ({"ingredients": []}, "modality: missing (required)"),
        ({"modality": "laser"}, "unknown modality code 'laser' in modality"),
        ({"modality": None}, "modality: expected a modality code (string), got null"),
        (
            {"modality": "needle", "ingredients": ["lidocaine", "foo"]},
            "unknown ingredient code 'foo' in ingredients[1]",
        ),
        ({"modality": "needle", "ingredients": {"a": 1}}, "ingredients: expected a list, got object"),
        (
            {"modality": "needle", "zones": []},
            "unknown key 'zones' in protocol (allowed: modality, ingredients)",
        ),
    ],
)
def test_it_names_what_is_wrong_in_a_protocol(obj, message):
    with pytest.raises(ScreeningInputError) as info:
        protocol_from_json(obj, known_ingredients=KNOWN)
    assert str(info.value).startswith(message)


def test_it_requires_snake_case_ingredients_without_a_catalog():
    with pytest.raises(
        ScreeningInputError, match=r"ingredients\[0\]: 'Hyaluronic Acid' is not a valid ingredient"
    ):
        protocol_from_json({"modality": "needle", "ingredients": ["Hyaluronic Acid"]}, known_ingredients=None)


def test_it_is_a_value_error():
    assert issubclass(ScreeningInputError, ValueError)


def test_it_parses_only_plain_iso_dates():
    assert parse_iso_date("2027-08-31", "--on") == date(2027, 8, 31)
    for text in ("2027-W01-1", "2027-08-31T00:00", " 2027-08-31", "31/08/2027"):
        with pytest.raises(ScreeningInputError, match=r"--on: .* is not a valid date"):
            parse_iso_date(text, "--on")


LIST_FIELDS = {"conditions": CONDITIONS, "implants": IMPLANTS, "allergies": KNOWN}


@given(
    st.sampled_from(sorted(LIST_FIELDS)),
    st.data(),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
)
def test_parse_errors_name_the_field_and_index(field, data, bad):
    good = sorted(LIST_FIELDS[field])
    assume(bad not in good)
    items = data.draw(st.lists(st.sampled_from(good), max_size=4))
    index = data.draw(st.integers(0, len(items)))
    items.insert(index, bad)
    with pytest.raises(ScreeningInputError) as info:
        patient_from_json({"birth_date": "1990-05-01", field: items}, known_ingredients=KNOWN)
    assert f"{bad!r} in {field}[{index}]" in str(info.value)


@given(st.lists(st.sampled_from(sorted(MEDICATIONS))), st.data())
def test_parse_errors_name_the_medication_index(codes, data):
    index = data.draw(st.integers(0, len(codes)))
    items = [{"code": code} for code in codes]
    items.insert(index, {"code": codes[0] if codes else "anticoagulant", "stopped": "yesterday"})
    with pytest.raises(ScreeningInputError, match=rf"^medications\[{index}\]\.stopped: 'yesterday'"):
        patient_from_json({"birth_date": "1990-05-01", "medications": items}, known_ingredients=None)
