"""An allergy finding names the ingredient by its name in the reader's language, never by its code (issue 15)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from mesoclinic.safety.rules import PatientHistory, ProtocolSpec, screen
from mesoclinic.testing import client_for, make_clinic, make_patient, make_staff

ALLERGIC = PatientHistory(birth_date=date(1990, 1, 1), allergies=frozenset({"lidocaine", "dmae"}))
SPEC = ProtocolSpec("needle", ("dmae", "hyaluronic_acid", "lidocaine"))
NAMES = {"lidocaine": "Lidocaine hydrochloride", "dmae": "DMAE (dimethylaminoethanol)"}


def messages(result) -> dict[str, str]:
    return {f.factor: f.message for f in result.findings}


def test_the_pure_core_names_the_ingredient_lower_cased_as_in_a_sentence_but_keeps_an_acronym():
    found = messages(screen(ALLERGIC, SPEC, on=date(2026, 1, 5), ingredient_names=NAMES))
    assert found["lidocaine"].startswith("Allergy to lidocaine hydrochloride: the cocktail")
    assert found["dmae"].startswith("Allergy to DMAE (dimethylaminoethanol): the cocktail")


def test_without_a_name_the_code_is_read_with_spaces():
    spec = ProtocolSpec("needle", ("tranexamic_acid",))
    patient = PatientHistory(birth_date=date(1990, 1, 1), allergies=frozenset({"tranexamic_acid"}))
    assert (
        screen(patient, spec, on=date(2026, 1, 5))
        .findings[0]
        .message.startswith("Allergy to tranexamic acid:")
    )


def test_the_name_is_translated_with_the_message():
    with translation.override("pl"):
        found = messages(
            screen(ALLERGIC, SPEC, on=date(2026, 1, 5), translate=translation.gettext, ingredient_names=NAMES)
        )
    assert found["lidocaine"].startswith("Alergia na składnik: chlorowodorek lidokainy. Koktajl")
    assert "lidocaine" not in found["lidocaine"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [
        ("en", "Allergy to lidocaine hydrochloride: the cocktail of this treatment contains it", "Alergia"),
        ("pl", "Alergia na składnik: chlorowodorek lidokainy. Koktajl tego zabiegu go zawiera", "Allergy"),
    ],
)
def test_the_screening_page_names_the_ingredient_in_the_clinic_s_language(language, expected, not_expected):
    clinic = make_clinic("Klinika", language=language)
    patient = make_patient(clinic, allergies=["lidocaine"])
    client = client_for(make_staff(clinic, "practitioner", modalities=["needle"]))
    response = client.post(
        reverse("safety:screen_patient", args=[patient.pk]),
        {"protocol": "needle-hydration-face"},
        follow=True,
    )
    page = " ".join(response.content.decode().split())
    assert expected in page
    assert not_expected not in page
    finding = patient.screenings.get().findings
    assert [f["factor"] for f in finding if f["message"].startswith(expected[:20])] == ["lidocaine"]


@pytest.mark.django_db
def test_the_screening_api_names_the_ingredient_in_polish():
    clinic = make_clinic("Klinika", language="pl")
    patient = make_patient(clinic, allergies=["lidocaine"])
    client = client_for(make_staff(clinic, "practitioner", modalities=["needle"]))
    response = client.post(
        f"/api/v1/screening/patients/{patient.pk}",
        {"protocol": "needle-hydration-face"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    message = next(f["message"] for f in response.json()["findings"] if f["factor"] == "lidocaine")
    assert message.startswith("Alergia na składnik: chlorowodorek lidokainy.")
