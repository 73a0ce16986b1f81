"""The pure check of a session's parameters against its modality's parameter list."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.treatments.parameters import (
    clean_parameters,
    describe_range,
    parameter_problems,
    typing_problems,
)

DEPTH = {
    "code": "depth_mm",
    "label": "Injection depth",
    "type": "number",
    "unit": "mm",
    "min": 0.5,
    "max": 13,
    "choices": None,
    "required": True,
}
GAUGE = {
    "code": "gauge",
    "label": "Needle gauge",
    "type": "choice",
    "unit": None,
    "min": None,
    "max": None,
    "choices": ["27G", "30G", "32G"],
    "required": True,
}
PROGRAM = {"code": "program", "label": "Device program", "type": "text", "required": False}
FREQUENCY = {
    "code": "hz",
    "label": "Pulse frequency",
    "type": "number",
    "unit": "Hz",
    "min": None,
    "max": None,
    "required": True,
}
NEEDLE = [DEPTH, GAUGE, PROGRAM]


def test_it_accepts_valid_values():
    assert parameter_problems(NEEDLE, {"depth_mm": 1.5, "gauge": "30G"}) == []


def test_it_names_a_missing_required_parameter():
    problems = parameter_problems(NEEDLE, {"depth_mm": 1})
    assert [(p.code, p.message) for p in problems] == [("gauge", "Needle gauge is required.")]


def test_it_treats_blank_text_as_missing():
    assert parameter_problems([GAUGE], {"gauge": "  "})[0].message == "Needle gauge is required."


def test_it_refuses_a_number_below_the_minimum_with_the_range_in_words():
    problem = parameter_problems([DEPTH], {"depth_mm": "0.2"})[0]
    assert problem.message == "Injection depth must be 0.5–13 mm, not 0.2."


def test_it_refuses_a_number_above_the_maximum():
    assert parameter_problems([DEPTH], {"depth_mm": 14})[0].code == "depth_mm"


def test_it_accepts_the_bounds_themselves():
    assert parameter_problems([DEPTH], {"depth_mm": "0.5"}) == []
    assert parameter_problems([DEPTH], {"depth_mm": 13}) == []


def test_it_refuses_text_in_a_number_field():
    assert parameter_problems([DEPTH], {"depth_mm": "deep"})[0].message == "Injection depth must be a number."


def test_it_refuses_infinity_and_nan():
    assert parameter_problems([FREQUENCY], {"hz": float("inf")})[0].message.endswith("must be a number.")
    assert parameter_problems([FREQUENCY], {"hz": "NaN"})[0].message.endswith("must be a number.")


def test_it_refuses_a_boolean_as_a_number():
    assert parameter_problems([FREQUENCY], {"hz": True})[0].message.endswith("must be a number.")


def test_it_accepts_a_comma_decimal():
    assert clean_parameters([DEPTH], {"depth_mm": "1,5"}) == ({"depth_mm": 1.5}, [])


def test_it_refuses_a_choice_not_in_the_list():
    assert (
        parameter_problems([GAUGE], {"gauge": "18G"})[0].message
        == "Needle gauge must be one of: 27G, 30G, 32G."
    )


def test_it_lets_an_optional_parameter_stay_empty():
    assert clean_parameters([PROGRAM], {}) == ({}, [])


def test_it_drops_codes_the_modality_does_not_define():
    assert clean_parameters([PROGRAM], {"program": "A", "colour": "red"})[0] == {"program": "A"}


def test_it_keeps_what_was_typed_when_it_is_wrong():
    assert clean_parameters([DEPTH], {"depth_mm": "deep"})[0] == {"depth_mm": "deep"}


def test_it_keeps_integers_as_integers():
    assert clean_parameters([FREQUENCY], {"hz": "50"})[0] == {"hz": 50}


def test_it_describes_open_ranges():
    assert describe_range({"min": 20, "max": None, "unit": "kHz"}) == "at least 20 kHz"
    assert describe_range({"min": None, "max": 5, "unit": None}) == "at most 5"
    assert describe_range({"min": None, "max": None}) == ""


@given(st.decimals(min_value=Decimal("-100"), max_value=Decimal("100"), allow_nan=False, places=3))
def test_a_number_is_refused_exactly_when_it_is_outside_the_range(value):
    problems = parameter_problems([DEPTH], {"depth_mm": str(value)})
    assert bool(problems) == (value < Decimal("0.5") or value > 13)


@given(
    st.dictionaries(
        st.sampled_from(["depth_mm", "gauge", "program", "other"]),
        st.one_of(st.text(max_size=5), st.integers(-5, 20), st.floats(allow_nan=True)),
    )
)
def test_it_never_raises_and_only_returns_defined_codes(raw):
    cleaned, problems = clean_parameters(NEEDLE, raw)
    assert set(cleaned) <= {"depth_mm", "gauge", "program"}
    assert {p.code for p in problems} <= {"depth_mm", "gauge", "program"}


def test_a_draft_is_held_to_what_was_typed_not_to_what_is_missing():
    assert typing_problems(NEEDLE, {"depth_mm": "", "gauge": None}) == []
    assert [p.code for p in typing_problems(NEEDLE, {"depth_mm": "deep", "gauge": "99G"})] == [
        "depth_mm",
        "gauge",
    ]


@given(
    st.dictionaries(
        st.sampled_from(["depth_mm", "gauge", "program"]),
        st.one_of(st.text(max_size=5), st.integers(-5, 20), st.none()),
    )
)
def test_typing_problems_are_the_signing_problems_of_the_values_given(raw):
    typed = {p.code for p in typing_problems(NEEDLE, raw)}
    at_signing = {p.code for p in parameter_problems(NEEDLE, raw)}
    assert typed <= at_signing
    assert all(raw.get(code) not in (None, "") and str(raw[code]).strip() for code in typed)
