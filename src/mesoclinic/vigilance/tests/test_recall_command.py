"""``mesoclinic recall``: the JSON contract, exit codes, the table, the console script."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from mesoclinic import cli
from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import make_lot, make_patient, make_signed_session
from mesoclinic.testing.vigilance import add_zones, make_preparation, make_reachable_patient


def _json(capsys, *args: str) -> dict:
    call_command("recall", *args, "--json")
    return json.loads(capsys.readouterr().out)


def test_it_prints_the_patient_reached_through_a_preparation(clinic, practitioner, capsys):
    ingredient = make_lot(clinic, lot_number="I1")
    prep = make_preparation(ingredient, lot_number="P7")
    patient = make_patient(clinic)
    record = make_signed_session(patient, practitioner, uses=[(prep, 2)])
    add_zones(record, "forehead")
    data = _json(capsys, "I1")
    assert data["lot_number"] == "I1"
    assert [lot["via"] for lot in data["lots"]] == [["lot I1"], ["lot I1", "preparation P7"]]
    assert data["lots"][1]["cocktail"] == "hydration_ha_lidocaine"
    [session] = data["sessions"]
    assert session | {"performed_at": None} == session | {
        "session_id": record.pk,
        "patient_id": patient.pk,
        "zones": ["forehead"],
        "quantity": "2.000",
        "unit": "ml",
        "lot_number": "P7",
        "via": ["lot I1", "preparation P7"],
        "performed_at": None,
    }
    assert session["performed_at"] == "2026-06-01T11:00:00+02:00"
    assert data["patients"][0]["name"] == patient.full_name


def test_it_prints_empty_lists_for_a_lot_that_reached_nobody(clinic, capsys):
    make_lot(clinic, lot_number="Z1")
    data = _json(capsys, "Z1")
    assert (data["sessions"], data["patients"], len(data["lots"])) == ([], [], 1)


def test_it_exits_2_for_an_unknown_lot(clinic):
    with pytest.raises(CommandError) as error:
        call_command("recall", "NOPE", "--json")
    assert error.value.returncode == 2


def test_it_names_the_products_sharing_a_number(clinic):
    make_lot(clinic, "ha_1pct_ampoule", lot_number="X9")
    make_lot(clinic, "lidocaine_2pct", lot_number="X9")
    with pytest.raises(CommandError, match="ha_1pct_ampoule, lidocaine_2pct") as error:
        call_command("recall", "X9")
    assert error.value.returncode == 2


def test_it_takes_the_product_to_choose(clinic, capsys):
    make_lot(clinic, "ha_1pct_ampoule", lot_number="X9")
    make_lot(clinic, "lidocaine_2pct", lot_number="X9")
    data = _json(capsys, "X9", "--product", "lidocaine_2pct")
    assert data["lots"][0]["product"] == "lidocaine_2pct"


def test_it_needs_the_clinic_when_there_are_several(clinic, other_clinic):
    with pytest.raises(CommandError, match="--clinic"):
        call_command("recall", "X9")


def test_it_takes_the_clinic_slug(clinic, other_clinic, capsys):
    make_lot(other_clinic, lot_number="X9")
    data = _json(capsys, "X9", "--clinic", other_clinic.slug)
    assert len(data["lots"]) == 1


def test_it_prints_a_table_without_json(clinic, practitioner, capsys):
    lot = make_lot(clinic, lot_number="A1")
    make_signed_session(make_reachable_patient(clinic), practitioner, uses=[(lot, 1)])
    call_command("recall", "A1")
    out = capsys.readouterr().out
    assert "Patients (1)" in out
    assert "+48600100200" in out  # E.164, as stored: a console table is read by people and scripts


def test_it_is_audited(clinic):
    lot = make_lot(clinic, lot_number="A1")
    call_command("recall", "A1", "--json")
    assert AuditEvent.objects.filter(action="recall.view", object_id=str(lot.pk)).exists()


def test_the_console_script_prints_json(clinic, capsys):
    make_lot(clinic, lot_number="A1")
    assert cli.main(["recall", "A1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lot_number"] == "A1"


def test_the_console_script_exits_2_with_one_line(clinic, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["recall", "NOPE", "--json"])
    out, err = capsys.readouterr()
    # Only this command's own lines: under xdist, the browser tests' live server (a thread of the same
    # process) may log to stderr at the same moment.
    own = [line for line in err.splitlines() if line.startswith("CommandError")]
    assert (exit_.value.code, out, len(own), "Traceback" in err) == (2, "", 1, False)
    assert "no lot NOPE" in own[0]
