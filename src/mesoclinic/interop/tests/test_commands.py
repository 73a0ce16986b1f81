"""``mesoclinic fhir-export DIR`` and ``mesoclinic import-csv``: files, exit codes, all-or-nothing."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from mesoclinic import cli, testing
from mesoclinic.audit.models import AuditEvent
from mesoclinic.interop.fhir.bundles import BULK_TYPES, validate
from mesoclinic.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_fhir_export_writes_one_valid_ndjson_file_per_type(clinic, practitioner, tmp_path, capsys):
    patient = testing.make_patient(clinic, conditions=["raynaud"])
    testing.make_signed_session(patient, practitioner, uses=[(testing.make_lot(clinic), 1)])
    call_command("fhir-export", str(tmp_path), "--validate")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.ndjson" for t in BULK_TYPES)
    [line] = (tmp_path / "Patient.ndjson").read_text().splitlines()
    assert validate(json.loads(line))["id"] == str(patient.pk)
    [condition] = (tmp_path / "Condition.ndjson").read_text().splitlines()
    codings = json.loads(condition)["code"]["coding"]
    assert {
        "system": "http://snomed.info/sct",
        "code": "266261006",
        "display": "Raynaud's phenomenon",
    } in codings
    assert "MedicationAdministration" in capsys.readouterr().out
    assert AuditEvent.objects.get(action="export").data["channel"] == "cli"


def test_fhir_export_of_chosen_types_through_the_console_script(clinic, tmp_path):
    testing.make_patient(clinic)
    assert cli.main(["fhir-export", str(tmp_path), "--type", "Patient", "--type", "Organization"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Organization.ndjson", "Patient.ndjson"]


def test_fhir_export_needs_a_clinic_when_there_are_several(clinic, other_clinic, tmp_path):
    with pytest.raises(CommandError, match="several clinics"):
        call_command("fhir-export", str(tmp_path))
    call_command("fhir-export", str(tmp_path), "--clinic", other_clinic.slug, "--type", "Organization")
    assert json.loads((tmp_path / "Organization.ndjson").read_text())["name"] == other_clinic.name


CSV = "ID;First;Last;Born\nA1;Zofia;Kowalska;14.03.1985\nA2;Jan;Nowak;02.11.1979\n"


def test_import_csv_imports_with_a_json_mapping(clinic, tmp_path, capsys):
    path = tmp_path / "patients.csv"
    path.write_bytes(("\ufeff" + CSV).encode())
    mapping = json.dumps(
        {"external_id": "ID", "given_name": "First", "family_name": "Last", "birth_date": "Born"}
    )
    call_command("import-csv", "patients", str(path), "--mapping", mapping, "--source", "oldsys")
    assert "2 patients imported from 2 row(s)" in capsys.readouterr().out
    assert Patient.objects.filter(clinic=clinic).count() == 2


def test_import_csv_dry_run_saves_nothing(clinic, tmp_path, capsys):
    path = tmp_path / "patients.csv"
    path.write_text(CSV)
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps({"given_name": "First", "family_name": "Last", "birth_date": "Born"}))
    call_command("import-csv", "patients", str(path), "--mapping", str(mapping_file), "--dry-run")
    assert "2 patients would be imported (dry run)" in capsys.readouterr().out
    assert not Patient.objects.exists()


def test_import_csv_prints_each_bad_row_and_exits_2(clinic, tmp_path, capsys):
    path = tmp_path / "patients.csv"
    path.write_text(CSV + "A3;;Lis;1990-01-01\n")
    mapping = json.dumps({"given_name": "First", "family_name": "Last", "birth_date": "Born"})
    with pytest.raises(CommandError, match="nothing was imported") as caught:
        call_command("import-csv", "patients", str(path), "--mapping", mapping)
    assert caught.value.returncode == 2
    assert "row 4, First: This value is required." in capsys.readouterr().err
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("mapping", "message"),
    [("[1]", "must map field names"), ("{nope", "JSON object"), ('{"bogus": "First"}', "not a field")],
)
def test_import_csv_refuses_a_bad_mapping(clinic, tmp_path, mapping, message):
    path = tmp_path / "patients.csv"
    path.write_text(CSV)
    with pytest.raises(CommandError, match=message):
        call_command("import-csv", "patients", str(path), "--mapping", mapping)


def test_import_csv_refuses_a_missing_file(clinic, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import-csv", "patients", str(tmp_path / "nope.csv"))
