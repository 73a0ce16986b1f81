"""``mesoclinic screen --protocol SLUG`` reads the protocol from the catalog in the database."""

from __future__ import annotations

import json

import pytest

from mesoclinic.catalog.models import Protocol
from mesoclinic.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_file(tmp_path):
    path = tmp_path / "patient.json"
    path.write_text(json.dumps({"birth_date": "1980-01-01", "implants": ["pacemaker"]}))
    return path


def test_it_screens_against_a_catalog_protocol(clinic, patient_file, capsys):
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    code = main(["screen", "--patient", str(patient_file), "--protocol", protocol.slug, "--on", "2027-01-01"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["decision"] == "block"
    assert [f["factor"] for f in out["findings"]] == ["pacemaker"]


def test_it_asks_which_clinic_when_there_are_several(clinic, other_clinic, patient_file, capsys):
    slug = Protocol.objects.filter(clinic=clinic).first().slug
    assert main(["screen", "--patient", str(patient_file), "--protocol", slug]) == 2
    assert "--clinic" in capsys.readouterr().err
    assert main(["screen", "--patient", str(patient_file), "--protocol", slug, "--clinic", clinic.slug]) == 0


def test_it_says_when_the_protocol_does_not_exist(clinic, patient_file, capsys):
    assert main(["screen", "--patient", str(patient_file), "--protocol", "no-such-protocol"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-protocol" in err
