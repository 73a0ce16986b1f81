from __future__ import annotations

import json
import sys
import types

import pytest

from mesoclinic import cli
from mesoclinic.safety.rules import ProtocolSpec

PATIENT = {"birth_date": "1980-01-01", "implants": ["pacemaker"], "allergies": ["lidocaine"]}
PROTOCOL = {"modality": "electroporation", "ingredients": ["hyaluronic_acid", "lidocaine"]}
PREFIX = "mesoclinic screen: error: "


@pytest.fixture
def files(tmp_path):
    def write(name: str, content: object) -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return str(path)

    return write


def _error(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(PREFIX)
    assert err.count("\n") == 1
    return err[len(PREFIX) :].strip()


def test_it_screens_the_project_example(files, capsys):
    code = cli.main(
        [
            "screen",
            "--patient",
            files("p.json", PATIENT),
            "--protocol",
            files("r.json", PROTOCOL),
            "--on",
            "2027-01-01",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["decision"] == "block"
    assert {(f["severity"], f["factor"]) for f in result["findings"]} == {
        ("block", "pacemaker"),
        ("block", "lidocaine"),
    }
    assert all(set(f) == {"severity", "factor", "message", "source"} for f in result["findings"])


def test_it_prints_ok_for_a_clean_history(files, capsys):
    patient = files("p.json", {"birth_date": "1980-01-01"})
    assert cli.main(["screen", "--patient", patient, "--protocol", files("r.json", PROTOCOL)]) == 0
    assert json.loads(capsys.readouterr().out) == {"decision": "ok", "findings": []}


def test_it_screens_on_the_given_day(files, capsys):
    patient = files("p.json", {"birth_date": "2009-06-16"})
    args = ["screen", "--patient", patient, "--protocol", files("r.json", PROTOCOL)]
    assert cli.main([*args, "--on", "2027-06-15"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "block"
    assert cli.main([*args, "--on", "2027-06-16"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] == "ok"


@pytest.mark.parametrize(
    ("patient", "message"),
    [
        (
            {"birth_date": "1980-01-01", "conditions": ["pregant"]},
            "unknown condition code 'pregant' in conditions[0]",
        ),
        ({"birth_date": "1980-13-01"}, "birth_date: '1980-13-01' is not a valid date (YYYY-MM-DD)"),
        (
            {"birth_date": "2030-01-01"},
            "patient.birth_date: 2030-01-01 is after the screening day 2027-01-01",
        ),
    ],
)
def test_it_rejects_a_bad_patient(files, capsys, patient, message):
    path = files("p.json", patient)
    code = cli.main(
        ["screen", "--patient", path, "--protocol", files("r.json", PROTOCOL), "--on", "2027-01-01"]
    )
    assert code == 2
    assert message in _error(capsys)


def test_it_checks_ingredients_against_the_catalog(files, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_known_ingredients", lambda: frozenset({"lidocaine"}))
    protocol = files("r.json", {"modality": "needle", "ingredients": ["lidocaine", "unobtainium"]})
    assert cli.main(["screen", "--patient", files("p.json", PATIENT), "--protocol", protocol]) == 2
    assert _error(capsys) == f"{protocol}: unknown ingredient code 'unobtainium' in ingredients[1]"


def test_it_reads_the_default_catalog_or_none():
    known = cli._known_ingredients()
    assert known is None or {"hyaluronic_acid", "lidocaine"} <= known
    assert cli._known_ingredients("mesoclinic.no_such_app") is None
    assert cli._known_ingredients("mesoclinic.safety.rules", "data/missing.json") is None


def test_it_names_the_file_and_line_of_malformed_json(files, capsys):
    path = files("p.json", '{\n  "birth_date": "1980-01-01",\n}')
    assert cli.main(["screen", "--patient", path, "--protocol", files("r.json", PROTOCOL)]) == 2
    assert _error(capsys).startswith(f"{path}: invalid JSON at line 3, column 1:")


def test_it_names_a_missing_file(files, capsys, tmp_path):
    missing = str(tmp_path / "nope.json")
    assert cli.main(["screen", "--patient", missing, "--protocol", files("r.json", PROTOCOL)]) == 2
    assert _error(capsys) == f"{missing}: no such file"


def test_it_rejects_a_bad_on_date(files, capsys):
    args = ["screen", "--patient", files("p.json", PATIENT), "--protocol", files("r.json", PROTOCOL)]
    assert cli.main([*args, "--on", "2027-02-30"]) == 2
    assert _error(capsys) == "--on: '2027-02-30' is not a valid date (YYYY-MM-DD)"


def test_it_rejects_a_protocol_that_is_neither_file_nor_slug(files, capsys):
    assert cli.main(["screen", "--patient", files("p.json", PATIENT), "--protocol", "Not A Slug"]) == 2
    assert _error(capsys) == "--protocol: 'Not A Slug' is neither an existing JSON file nor a protocol slug"


def test_it_exits_2_on_usage_errors(capsys):
    assert cli.main(["screen", "--patient", "p.json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "the following arguments are required: --protocol" in err


def _fake_lookup(monkeypatch, behaviour):
    calls = []

    def protocol_spec_for_slug(slug, clinic):
        calls.append((slug, clinic))
        return behaviour(slug)

    module = types.ModuleType("mesoclinic.safety.catalog_lookup")
    module.protocol_spec_for_slug = protocol_spec_for_slug
    monkeypatch.setitem(sys.modules, "mesoclinic.safety.catalog_lookup", module)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
    return calls


def test_it_looks_a_slug_up_in_the_catalog(files, capsys, monkeypatch):
    calls = _fake_lookup(monkeypatch, lambda slug: ProtocolSpec("electroporation", ("lidocaine",)))
    args = [
        "screen",
        "--patient",
        files("p.json", PATIENT),
        "--protocol",
        "face-ha-electro",
        "--clinic",
        "north",
    ]
    assert cli.main([*args, "--on", "2027-01-01"]) == 0
    assert calls == [("face-ha-electro", "north")]
    assert json.loads(capsys.readouterr().out)["decision"] == "block"


def test_it_reports_a_slug_that_is_not_found(files, capsys, monkeypatch):
    def missing(slug):
        raise LookupError(f"no catalog protocol with slug {slug!r}")

    calls = _fake_lookup(monkeypatch, missing)
    assert cli.main(["screen", "--patient", files("p.json", PATIENT), "--protocol", "nope"]) == 2
    assert calls == [("nope", None)]
    assert _error(capsys) == "no catalog protocol with slug 'nope'"


def test_it_refuses_clinic_with_a_json_protocol(files, capsys):
    args = ["screen", "--patient", files("p.json", PATIENT), "--protocol", files("r.json", PROTOCOL)]
    assert cli.main([*args, "--clinic", "north"]) == 2
    assert _error(capsys).startswith("--clinic applies only to a catalog protocol slug")


def test_it_hands_other_commands_to_django(monkeypatch):
    received = []
    management = types.ModuleType("django.core.management")
    management.execute_from_command_line = received.append
    monkeypatch.setitem(sys.modules, "django", types.ModuleType("django"))
    monkeypatch.setitem(sys.modules, "django.core", types.ModuleType("django.core"))
    monkeypatch.setitem(sys.modules, "django.core.management", management)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "somewhere.settings")
    assert cli.main(["migrate", "--noinput"]) == 0
    assert received == [["mesoclinic", "migrate", "--noinput"]]


def test_it_lists_screen_and_mentions_django_in_help(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "screen" in out
    assert "Django management command" in out


def test_screen_does_not_import_django(files, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "django", None)  # any import of django now fails
    assert (
        cli.main(["screen", "--patient", files("p.json", PATIENT), "--protocol", files("r.json", PROTOCOL)])
        == 0
    )


def test_it_prints_help_without_arguments(capsys):
    assert cli.main([]) == 0
    assert "screen" in capsys.readouterr().out


def test_it_explains_the_screen_options(capsys):
    assert cli.main(["screen", "--help"]) == 0
    out = capsys.readouterr().out
    assert all(option in out for option in ("--patient", "--protocol", "--on", "--clinic"))
