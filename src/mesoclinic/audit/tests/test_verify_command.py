"""``mesoclinic audit verify``: intact chains pass; a row altered, removed or inserted behind the app fails."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from mesoclinic import cli
from mesoclinic.accounts.models import Clinic
from mesoclinic.audit import triggers
from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.services import record_event

pytestmark = pytest.mark.django_db


def _verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def events(clinic: Clinic) -> list[AuditEvent]:
    for n in range(5):
        record_event("test.event", actor=None, clinic=clinic, data={"n": n, "note": "ü"})
    return list(AuditEvent.objects.filter(clinic=clinic).order_by("seq"))


@pytest.fixture
def unguarded() -> Iterator[None]:
    """Tamper as an attacker with database access would: triggers dropped first."""
    with triggers.suspended(connection):
        yield


def _sql(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_it_passes_an_intact_chain(events: list[AuditEvent]) -> None:
    code, out, _ = _verify()
    total = AuditEvent.objects.count()
    assert code == 0
    assert out.strip().endswith(f"{total} events, chain intact")


def test_it_finds_an_altered_row(clinic: Clinic, events: list[AuditEvent], unguarded: None) -> None:
    victim = events[2]
    _sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["test.innocent", victim.pk])
    code, _, err = _verify()
    assert code == 1
    assert f"seq {victim.seq} (id {victim.pk})" in err
    assert "altered" in err


def test_it_finds_altered_data(clinic: Clinic, events: list[AuditEvent], unguarded: None) -> None:
    victim = events[1]
    AuditEvent.objects.filter(pk=victim.pk).update(data={"n": 99, "note": "ü"})
    code, _, err = _verify("--clinic", clinic.slug)
    assert code == 1
    assert f"id {victim.pk}" in err


def test_it_finds_a_removed_row(clinic: Clinic, events: list[AuditEvent], unguarded: None) -> None:
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    code, _, err = _verify()
    assert code == 1
    assert f"seq {events[3].seq} (id {events[3].pk})" in err
    assert "missing" in err


def test_it_finds_an_inserted_row(clinic: Clinic, events: list[AuditEvent], unguarded: None) -> None:
    """A forged row appended with a made-up hash, and the real one renumbered after it."""
    last = events[-1]
    _sql("UPDATE audit_auditevent SET seq = seq + 1 WHERE id = %s", [last.pk])
    _sql(
        "INSERT INTO audit_auditevent (clinic_id, seq, action, object_type, object_id, at, path, user_agent,"
        " data, prev_hash, hash) VALUES (%s, %s, 'test.forged', '', '', %s, '', '', '{}', %s, %s)",
        [clinic.pk, last.seq, last.at, events[-2].hash, "f" * 64],
    )
    forged = AuditEvent.objects.get(action="test.forged")
    code, _, err = _verify()
    assert code == 1
    assert f"seq {forged.seq} (id {forged.pk})" in err


def test_it_reports_as_json(clinic: Clinic, events: list[AuditEvent]) -> None:
    code, out, _ = _verify("--clinic", clinic.slug, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["intact"] is True
    assert report["chains"][0]["clinic"] == clinic.slug
    assert report["chains"][0]["events"] == len(events)
    assert report["chains"][0]["head"] == events[-1].hash


def test_it_names_the_break_in_json(clinic: Clinic, events: list[AuditEvent], unguarded: None) -> None:
    AuditEvent.objects.filter(pk=events[0].pk).update(ip="10.0.0.1")
    code, out, _ = _verify("--json")
    report = json.loads(out)
    assert code == 1
    assert report["intact"] is False
    broken = next(c["broken"] for c in report["chains"] if "broken" in c)
    assert (broken["seq"], broken["id"]) == (events[0].seq, events[0].pk)


def test_it_refuses_an_unknown_clinic() -> None:
    with pytest.raises(CommandError, match="no audit events for clinic nowhere"):
        call_command("audit", "verify", "--clinic", "nowhere")


def test_the_console_script_runs_it(events: list[AuditEvent], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["intact"] is True
