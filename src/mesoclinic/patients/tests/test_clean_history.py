"""The medical history is stored in canonical form and only in the coded vocabulary."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.patients.history import clean_history

KNOWN = {"lidocaine", "dmae"}


def test_it_sorts_and_deduplicates():
    cleaned = clean_history(
        conditions=["raynaud", "epilepsy", "raynaud"], allergies=["lidocaine"], known_ingredients=KNOWN
    )
    assert cleaned["conditions"] == ["epilepsy", "raynaud"]
    assert cleaned["allergies"] == ["lidocaine"]


def test_it_keeps_the_current_entry_of_a_medication_listed_twice():
    cleaned = clean_history(
        medications=[
            {"code": "isotretinoin", "stopped": "2026-01-01"},
            {"code": "isotretinoin", "stopped": None},
        ],
        known_ingredients=KNOWN,
    )
    assert cleaned["medications"] == [{"code": "isotretinoin", "stopped": None}]


def test_it_keeps_the_latest_stop_date():
    cleaned = clean_history(
        medications=[
            {"code": "isotretinoin", "stopped": "2026-05-01"},
            {"code": "isotretinoin", "stopped": "2026-01-01"},
        ],
        known_ingredients=KNOWN,
    )
    assert cleaned["medications"] == [{"code": "isotretinoin", "stopped": "2026-05-01"}]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("conditions", ["pregant"]),
        ("implants", ["pacemaker", 3]),
        ("allergies", ["peanuts"]),
        ("medications", [{"code": "aspirin"}]),
        ("medications", [{"code": "anticoagulant", "stopped": "last year"}]),
    ],
)
def test_it_names_the_field_with_a_bad_code(field, value):
    with pytest.raises(ValidationError) as error:
        clean_history(**{field: value}, known_ingredients=KNOWN)
    assert field in error.value.message_dict
