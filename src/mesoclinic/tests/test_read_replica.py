"""Reads on a PostgreSQL streaming replica (mesoclinic.read_replica), against real servers the tests start.

The module starts its own primary (initdb) and a streaming replica of it (pg_basebackup -R) in a temporary
folder on free ports, loads the test database's schema into the primary, and points Django's ``default`` at that
primary and ``replica`` at the replica for each test. Replay on the replica is paused (``pg_wal_replay_pause``)
to make it lag on purpose: a row written on the primary then is visible to the chart and not to the reports.
The machine's own PostgreSQL server is only read (pg_dump of the test database); its configuration is untouched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from mesoclinic import read_replica
from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Protocol
from mesoclinic.read_replica import REPLICA, choose, replica_reads
from mesoclinic.reports import selectors
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.testing import client_for, make_clinic, make_patient, make_schedulable, make_staff

PG_BIN = Path(os.environ.get("MESOCLINIC_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


# --- Without a replica (both databases) ---------------------------------------------------------------------


def test_without_a_replica_every_read_is_the_primarys() -> None:
    assert not read_replica.configured()
    with replica_reads() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert read_replica.ReplicaRouter().db_for_read(Appointment) == DEFAULT_DB_ALIAS


def test_outside_the_block_the_router_leaves_reads_alone() -> None:
    router = read_replica.ReplicaRouter()
    assert router.db_for_read(Appointment) is None
    assert router.db_for_write(Appointment) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "scheduling") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "scheduling") is True


def _settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    code = "import mesoclinic.settings as s; print(sorted(s.DATABASES), s.DATABASES.get('replica', {}).get('TEST'))"
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env={**os.environ, **env}
    )


def test_the_settings_add_the_replica_only_beside_postgresql(tmp_path: Path) -> None:
    replica = "postgres://reader@db-replica:5432/mesoclinic"
    on_postgres = _settings_with(
        DATABASE_URL="postgres://app@db:5432/mesoclinic", DATABASE_REPLICA_URL=replica
    )
    assert on_postgres.returncode == 0, on_postgres.stderr
    assert on_postgres.stdout.strip() == "['default', 'replica'] {'MIRROR': 'default'}"
    on_sqlite = _settings_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DATABASE_REPLICA_URL=replica
    )
    assert "DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL." in on_sqlite.stderr
    not_postgres = _settings_with(
        DATABASE_URL="postgres://app@db:5432/mesoclinic", DATABASE_REPLICA_URL="mysql://reader@db/mesoclinic"
    )
    assert "DATABASE_REPLICA_URL must be a PostgreSQL URL." in not_postgres.stderr


# --- A real primary and streaming replica (PostgreSQL) ---------------------------------------------------------


@dataclass(frozen=True)
class Servers:
    folder: Path
    primary_port: int
    replica_port: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The server refuses to run as root: as root (a container), the servers run as the "postgres" account.
AS_USER = {"user": "postgres"} if os.geteuid() == 0 else {}


def _run(*args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 — PostgreSQL's own programs with arguments of the tests' making
        [str(a) for a in args], capture_output=True, text=True, timeout=60, check=False, **AS_USER, **kwargs
    )
    if done.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return done


def _configure(data: Path, port: int, folder: Path) -> None:
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nfsync = off\nfull_page_writes = off\n"
            "shared_buffers = 16MB\nmax_connections = 30\nwal_receiver_status_interval = 1s\n"
        )


def _psql(port: int, sql: str, database: str = "postgres") -> str:
    return _run(PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database,
                "-XAtqc", sql).stdout.strip()  # fmt: skip


@pytest.fixture(scope="module")
def servers(django_db_setup: None) -> Iterator[Servers]:
    if not POSTGRES:
        pytest.skip("the read replica is PostgreSQL's: run with DATABASE_URL=postgres://...")
    if not (PG_BIN / "pg_basebackup").exists():
        message = f"PostgreSQL server binaries not found in {PG_BIN} (set MESOCLINIC_PG_BIN)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="mesoclinic-replica-"))
    if AS_USER:
        shutil.chown(folder, "postgres", "postgres")
    primary, replica = folder / "primary", folder / "replica"
    started: list[Path] = []
    try:
        ports = Servers(folder, _free_port(), _free_port())
        _run(
            PG_BIN / "initdb",
            "-D",
            primary,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "-N",
        )
        _configure(primary, ports.primary_port, folder)
        _run(PG_BIN / "pg_ctl", "-D", primary, "-l", folder / "primary.log", "-w", "start")
        started.append(primary)
        _psql(ports.primary_port, "CREATE DATABASE mesoclinic")
        # The test database's schema and rows (migrations' data included) as the suite made it.
        source = connections[DEFAULT_DB_ALIAS].settings_dict
        dump = _run(
            PG_BIN / "pg_dump", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432),
            "-U", source["USER"], "-d", source["NAME"], "--no-owner", "--no-privileges",
            env={**os.environ, "PGPASSWORD": source["PASSWORD"] or ""},
        ).stdout  # fmt: skip
        assert "CREATE TABLE public.accounts_clinic" in dump, (source["NAME"], dump[:2000])
        _run(PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(ports.primary_port), "-U", "postgres",
             "-d", "mesoclinic", "-Xq", "-v", "ON_ERROR_STOP=1", input=dump)  # fmt: skip
        _run(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", str(ports.primary_port), "-U", "postgres",
             "-D", replica, "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        _configure(replica, ports.replica_port, folder)
        _run(PG_BIN / "pg_ctl", "-D", replica, "-l", folder / "replica.log", "-w", "start")
        started.append(replica)
        assert _psql(ports.replica_port, "SELECT pg_is_in_recovery()") == "t"
        yield ports
    finally:
        for data in reversed(started):
            subprocess.run(  # noqa: S603 — pg_ctl on the tests' own data folders
                [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=60, check=False, **AS_USER,
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _pointed_at(primary_port: int, replica_port: int) -> Iterator[None]:
    """``default`` on the started primary, ``replica`` on the given port, for the length of the block."""
    default = connections[DEFAULT_DB_ALIAS]
    kept = dict(default.settings_dict)
    default.close()
    default.settings_dict.update(HOST="127.0.0.1", PORT=str(primary_port), NAME="mesoclinic", USER="postgres")
    replica = {**default.settings_dict, "PORT": str(replica_port), "OPTIONS": {"connect_timeout": 2}}
    connections.settings[REPLICA] = replica
    read_replica.forget_failures()
    try:
        yield
    finally:
        for alias in (REPLICA, DEFAULT_DB_ALIAS):
            with contextlib.suppress(AttributeError):
                connections[alias].close()
        with contextlib.suppress(AttributeError):
            del connections[REPLICA]
        del connections.settings[REPLICA]
        default.settings_dict.clear()
        default.settings_dict.update(kept)
        read_replica.forget_failures()


@pytest.fixture
def routed(servers: Servers, django_db_blocker: Any) -> Iterator[Servers]:
    with django_db_blocker.unblock(), _pointed_at(servers.primary_port, servers.replica_port):
        yield servers


def _caught_up(servers: Servers) -> None:
    """Wait (a few seconds at most) until the replica has replayed everything the primary wrote so far."""
    target = _psql(servers.primary_port, "SELECT pg_current_wal_lsn()")
    for _ in range(200):
        if _psql(servers.replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up in 10 s")


def _received(servers: Servers) -> None:
    """Wait (a few seconds at most) until the replica has received, not replayed, everything the primary wrote:
    while it has not, it is not behind by what it knows (receive = replay), and its lag reads 0."""
    target = _psql(servers.primary_port, "SELECT pg_current_wal_lsn()")
    for _ in range(200):
        if _psql(servers.replica_port, f"SELECT pg_last_wal_receive_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not receive the primary's log in 10 s")


@contextlib.contextmanager
def _replay_paused(servers: Servers) -> Iterator[None]:
    _caught_up(servers)
    _psql(servers.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        _psql(servers.replica_port, "SELECT pg_wal_replay_resume()")


def on_servers(test: Any) -> Any:
    """The test database must exist (its schema is copied; nothing is written to it, so its flush is quick);
    one xdist worker runs every test on the servers, so that one pair is started per run, not one per worker."""
    return pytest.mark.xdist_group("read_replica")(pytest.mark.django_db(transaction=True)(test))


MARCH = {"first": date(2026, 3, 1), "last": date(2026, 3, 31)}


def _no_show(clinic: Any, where: Any, day: int) -> Appointment:
    starts_at = datetime(2026, 3, day, 9, tzinfo=UTC)
    return Appointment.objects.create(
        clinic=clinic,
        location=where.location,
        patient=make_patient(clinic),
        protocol=Protocol.objects.filter(clinic=clinic).first(),
        practitioner=where.practitioner,
        room=where.room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        blocked_until=starts_at + timedelta(minutes=40),
        status=AppointmentStatus.NO_SHOW,
    )


def _missed_in_march(clinic: Any) -> int:
    by_month, _people = selectors.no_shows(clinic, **MARCH)
    return sum(row.no_shows for row in by_month)


@on_servers
def test_a_report_reads_the_replica_and_the_chart_the_primary(routed: Servers) -> None:
    clinic = make_clinic()
    owner = make_staff(clinic, Role.OWNER)
    where = make_schedulable(clinic)
    _no_show(clinic, where, 2)
    client = client_for(owner)
    with _replay_paused(routed):
        late = _no_show(clinic, where, 3)  # on the primary only: the replica does not replay it
        with replica_reads() as alias:
            assert alias == REPLICA
            assert _missed_in_march(clinic) == 1
        assert _missed_in_march(clinic) == 2  # outside the block: the primary
        report = client.get("/reports/no-shows/?start=2026-03-01&end=2026-03-31&format=csv")
        assert "month,2026-03,1,1,100.000" in b"".join(report.streaming_content).decode().splitlines()
        # The patient's chart never reads the replica: it shows the appointment written a moment ago.
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            chart = client.get(f"/patients/{late.patient_id}/")
        assert chart.status_code == 200
        assert on_replica.captured_queries == []
    _caught_up(routed)
    with replica_reads():
        assert _missed_in_march(clinic) == 2


REPLICA_READS = [
    "/reports/outcomes/",
    "/reports/outcomes/?format=csv",
    "/reports/no-shows/",
    "/reports/adherence/",
    "/reports/adherence/?format=csv",
    "/reports/recalls/",
    "/reports/recalls/?format=csv",
    "/reports/money/",
    "/reports/money/?format=csv",
    "/reports/money/export/",
    "/reports/money/export/?part=payments",
    "/api/v1/reports/outcomes",
    "/fhir/R4/$export/Observation.ndjson",
]
PRIMARY_READS = ["/reports/patients/{patient}/progress/", "/fhir/R4/Patient/{patient}/$everything"]


@on_servers
def test_each_report_and_export_reads_the_replica_and_a_patients_own_pages_the_primary(
    routed: Servers,
) -> None:
    clinic = make_clinic()
    client = client_for(make_staff(clinic, Role.OWNER))
    patient = make_patient(clinic)
    _caught_up(routed)
    for url in REPLICA_READS:
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = client.get(url)
            assert response.status_code == 200, url
            if response.streaming:
                b"".join(response.streaming_content)
        # Not only the lag check that chooses the replica: the report's own queries.
        reads = [q for q in on_replica.captured_queries if "pg_last_wal_replay_lsn" not in q["sql"]]
        assert reads, f"{url} did not read the replica"
    for url in PRIMARY_READS:
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = client.get(url.format(patient=patient.pk))
            assert response.status_code == 200, url
        assert on_replica.captured_queries == [], f"{url} read the replica"


@on_servers
def test_the_fhir_bulk_export_reads_the_replica(routed: Servers) -> None:
    clinic = make_clinic()
    owner = make_staff(clinic, Role.OWNER)
    make_patient(clinic)
    client = client_for(owner)

    def exported() -> int:
        response = client.get("/fhir/R4/$export/Patient.ndjson")
        assert response.status_code == 200
        return len(b"".join(response.streaming_content).splitlines())

    with _replay_paused(routed):
        make_patient(clinic)
        assert exported() == 1
    _caught_up(routed)
    assert exported() == 2


@on_servers
def test_a_replica_too_far_behind_is_passed_over(routed: Servers, caplog: pytest.LogCaptureFixture) -> None:
    clinic = make_clinic()
    where = make_schedulable(clinic)
    _no_show(clinic, where, 2)
    with _replay_paused(routed):
        _no_show(clinic, where, 3)
        _received(routed)  # received and not replayed: now the replica knows it is behind
        time.sleep(0.01)  # the lag is measured from the last commit replayed: make it more than 0 s
        with (
            override_settings(REPLICA_MAX_LAG_SECONDS=0),
            caplog.at_level(logging.WARNING, "mesoclinic"),
            replica_reads() as alias,
        ):
            assert alias == DEFAULT_DB_ALIAS
            assert _missed_in_march(clinic) == 2
        assert "Read replica" in caplog.text
        assert "behind" in caplog.text


@on_servers
def test_a_replica_that_is_down_is_passed_over(servers: Servers, django_db_blocker: Any, caplog: Any) -> None:
    with django_db_blocker.unblock(), _pointed_at(servers.primary_port, _free_port()):
        clinic = make_clinic()
        where = make_schedulable(clinic)
        _no_show(clinic, where, 2)
        with caplog.at_level(logging.WARNING, "mesoclinic"):
            with replica_reads() as alias:
                assert alias == DEFAULT_DB_ALIAS
                assert _missed_in_march(clinic) == 1
            assert choose() == DEFAULT_DB_ALIAS  # not tried again at once: one failed connection, one line
        assert caplog.text.count("Read replica unavailable, reading the primary") == 1
