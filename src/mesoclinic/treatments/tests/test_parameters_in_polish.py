"""A session's parameters and their problems in the reader's language (issue 15): the label is the catalog's
default label translated, never the English one or the code, and the message around it is Polish."""

from __future__ import annotations

import pytest
from django.utils import translation

from mesoclinic.treatments.parameters import describe_range, parameter_problems, typing_problems
from mesoclinic.treatments.tests.test_parameters import DEPTH, GAUGE


def polish(function, *args):
    with translation.override("pl"):
        return function(*args, translation.gettext)


def test_a_missing_value_names_the_parameter_in_polish():
    assert [p.message for p in polish(parameter_problems, [GAUGE], {})] == [
        "Grubość igły: to pole jest wymagane."
    ]


def test_a_number_out_of_range_or_not_a_number_reads_in_polish():
    assert polish(typing_problems, [DEPTH], {"depth_mm": "20"})[0].message == (
        "Głębokość iniekcji: dozwolone 0.5–13 mm, a nie 20."
    )
    assert polish(typing_problems, [DEPTH], {"depth_mm": "głęboko"})[0].message == (
        "Głębokość iniekcji: wpisz liczbę."
    )
    assert polish(describe_range, {"min": 20, "max": None, "unit": "kHz"}) == "co najmniej 20 kHz"


def test_a_choice_not_offered_reads_in_polish():
    assert polish(parameter_problems, [GAUGE], {"gauge": "18G"})[0].message == (
        "Grubość igły: wybierz jedno z: 27G, 30G, 32G."
    )


@pytest.mark.django_db
def test_the_polish_session_page_labels_its_parameters_in_polish():
    from mesoclinic.accounts.models import Role  # noqa: PLC0415
    from mesoclinic.testing import client_for, make_clinic, make_staff  # noqa: PLC0415
    from mesoclinic.testing.treatments import first_appointment  # noqa: PLC0415
    from mesoclinic.treatments.services import open_session  # noqa: PLC0415

    clinic = make_clinic("Klinika", language="pl")
    nurse = make_staff(clinic, Role.PRACTITIONER, modalities=["needle"])
    record = open_session(first_appointment(clinic), actor=nurse.user)
    page = client_for(nurse).get(f"/sessions/{record.pk}/").content.decode()
    assert "Grubość igły" in page
    assert "Needle gauge" not in page
