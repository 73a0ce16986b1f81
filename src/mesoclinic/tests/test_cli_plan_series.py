from __future__ import annotations

import copy
import io
import json
import subprocess
import sys

import pytest

from mesoclinic import cli
from mesoclinic.scheduling.engine.tests.examples import ISSUE_EXAMPLE

PREFIX = "mesoclinic plan-series: error: "
REQUEST = ISSUE_EXAMPLE


@pytest.fixture
def request_file(tmp_path):
    def write(content: object, name: str = "request.json") -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return str(path)

    return write


def run(path: str) -> int:
    return cli.main(["plan-series", "--input", path])


def _plan(capsys) -> dict:
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def _error(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(PREFIX)
    assert err.count("\n") == 1
    return err[len(PREFIX) :].strip()


def test_it_plans_the_project_example(request_file, capsys):
    assert run(request_file(REQUEST)) == 0
    plan = _plan(capsys)
    assert plan["status"] == "planned"
    assert plan["sessions"][0] == {
        "index": 1,
        "start": "2027-01-04T09:00:00+01:00",
        "end": "2027-01-04T09:30:00+01:00",
        "practitioner": "anna",
        "room": "room-1",
        "device": "ep-1",
    }
    assert [s["start"] for s in plan["sessions"]] == [
        "2027-01-04T09:00:00+01:00",
        "2027-01-18T09:00:00+01:00",
        "2027-02-01T09:00:00+01:00",
        "2027-02-15T09:00:00+01:00",
    ]


def test_it_plans_across_the_spring_forward_change_in_local_time(request_file, capsys):
    data = copy.deepcopy(REQUEST)
    data["request"].update(earliest="2027-03-15T09:00", interval_days=7, tolerance_days=1, sessions=3)
    assert run(request_file(data)) == 0
    assert [(s["start"], s["end"]) for s in _plan(capsys)["sessions"]] == [
        ("2027-03-15T09:00:00+01:00", "2027-03-15T09:30:00+01:00"),
        ("2027-03-22T09:00:00+01:00", "2027-03-22T09:30:00+01:00"),
        ("2027-03-29T09:00:00+02:00", "2027-03-29T09:30:00+02:00"),
    ]


def test_needle_sessions_have_no_device(request_file, capsys):
    data = copy.deepcopy(REQUEST)
    data["request"]["modality"] = "needle"
    data["resources"].pop()
    assert run(request_file(data)) == 0
    assert {s["device"] for s in _plan(capsys)["sessions"]} == {None}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"modality": "cryo_electroporation"}, "no practitioner is qualified for cryo_electroporation"),
        (
            {"sessions": 12},
            "the series does not fit within 120 days: 12 sessions at least 12 days apart need 132 days",
        ),
    ],
)
def test_it_prints_an_infeasible_plan_with_its_reason(request_file, capsys, change, reason):
    data = copy.deepcopy(REQUEST)
    data["request"].update(change)
    assert run(request_file(data)) == 0
    assert _plan(capsys) == {"status": "infeasible", "reason": reason}


def test_an_infeasible_reason_names_the_session_and_the_resources(request_file, capsys):
    data = copy.deepcopy(REQUEST)
    data["resources"][0]["busy"].append(["2027-01-25T00:00", "2027-02-10T00:00"])
    data["request"].update(sessions=3)
    data["horizon_days"] = 45
    assert run(request_file(data)) == 0
    plan = _plan(capsys)
    assert plan == {
        "status": "infeasible",
        "reason": (
            "session 3 cannot be placed 12–16 days after session 2: anna, room-1 or ep-1 is busy or closed "
            "on every such day"
        ),
    }


def test_it_reads_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(REQUEST)))
    assert cli.main(["plan-series", "--input", "-"]) == 0
    assert _plan(capsys)["status"] == "planned"


def test_it_reports_a_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    assert run(str(missing)) == 2
    assert _error(capsys) == f"{missing}: no such file"


def test_it_reports_malformed_json_with_its_line(request_file, capsys):
    path = request_file('{\n  "timezone": "Europe/Warsaw",\n  "resources": [\n}')
    assert run(path) == 2
    assert _error(capsys).startswith(f"{path}: invalid JSON at line 4, column 1:")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("colour",), "red", "unknown key 'colour' in request file"),
        (("timezone",), "Mars/Olympus", "timezone: unknown time zone 'Mars/Olympus'"),
        (("slot_minutes",), -15, "slot_minutes: must be at least 1, got -15"),
        (("resources", 0, "kind"), "nurse", "resources[0].kind: unknown kind 'nurse'"),
        (
            ("resources", 0, "hours"),
            {"mon": [["25:00", "26:00"]]},
            "resources[0].hours.mon[0][0]: '25:00' is not a time",
        ),
        (
            ("resources", 0, "hours"),
            {"Monday": [["09:00", "13:00"]]},
            "resources[0].hours: unknown day 'Monday'",
        ),
        (
            ("resources", 0, "hours"),
            {"mon": [["13:00", "09:00"]]},
            "resources[0].hours.mon[0]: end 09:00 is not after start 13:00",
        ),
        (
            ("resources", 0, "busy"),
            [["2027-01-05T11:30", "2027-01-05T10:00"]],
            "resources[0].busy[0]: end 2027-01-05T10:00 is not after start",
        ),
        (("request", "sessions"), -1, "request.sessions: must be at least 1, got -1"),
        (("request", "buffer_minutes"), -10, "request.buffer_minutes: must be at least 0, got -10"),
        (
            ("request", "earliest"),
            "2027-03-28T02:30",
            "request.earliest: '2027-03-28T02:30' does not exist in Europe/Warsaw",
        ),
        (("request", "earliest"), "tomorrow", "request.earliest: 'tomorrow' is not a date and time"),
        (("request", "tolerance_days"), 20, "request.tolerance_days: must be less than interval_days"),
    ],
)
def test_it_rejects_bad_input_with_one_line(request_file, capsys, path, value, message):
    data = copy.deepcopy(REQUEST)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    file = request_file(data)
    assert run(file) == 2
    assert _error(capsys).startswith(f"{file}: {message}")


def test_it_does_not_load_django():
    code = (
        "import sys; from mesoclinic import cli; "
        "assert cli.main(['plan-series', '--input', sys.argv[1]]) == 2; "
        "assert 'django' not in sys.modules, 'django was imported'"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code, "/nonexistent.json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
