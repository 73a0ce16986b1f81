from __future__ import annotations

import re

import pytest

from mesoclinic.clinical_codes import vocabulary as v

EXPECTED = {
    "CONDITIONS": "pregnant breastfeeding bleeding_disorder autoimmune_disease immunosuppression "
    "diabetes_uncontrolled keloid_tendency epilepsy heart_disease active_cancer_treatment cold_urticaria "
    "cryoglobulinaemia raynaud active_herpes active_skin_infection",
    "MEDICATIONS": "anticoagulant antiplatelet isotretinoin immunosuppressant",
    "IMPLANTS": "pacemaker implanted_electronic_device metal_implant_in_area gold_threads",
    "MODALITIES": "needle electroporation cryo_electroporation sonophoresis iontophoresis oxygen_infusion",
}


@pytest.mark.parametrize(("name", "codes"), EXPECTED.items())
def test_it_has_exactly_the_agreed_codes(name, codes):
    assert list(getattr(v, name)) == codes.split()


@pytest.mark.parametrize("name", EXPECTED)
def test_it_labels_every_code(name):
    for code, label in getattr(v, name).items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code)
        assert label.strip() == label
        assert label


def test_it_keeps_the_categories_disjoint():
    groups = [set(v.CONDITIONS), set(v.MEDICATIONS), set(v.IMPLANTS), {v.AGE_UNDER_18, v.ALLERGY}]
    assert sum(map(len, groups)) == len(set().union(*groups)) == len(v.FACTORS)


def test_it_names_the_special_factors():
    assert v.AGE_UNDER_18 == "age_under_18"
    assert v.ALLERGY == "allergy"
    assert {v.AGE_UNDER_18, v.ALLERGY} <= set(v.FACTORS)


def test_it_is_read_only():
    with pytest.raises(TypeError):
        v.CONDITIONS["new"] = "New"  # type: ignore[index]  # writing to the read-only mapping on purpose: the test checks that it raises
