"""The archive is portable: a SQLite backup restores into PostgreSQL and back, row for row.

Runs only on PostgreSQL (the other side is a SQLite installation in a temporary folder, driven through the
``mesoclinic`` console script as an operator would).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from mesoclinic.backup.archive import restore_backup, write_backup

pytestmark = pytest.mark.django_db(transaction=True)

MESOCLINIC = str(Path(sys.executable).with_name("mesoclinic"))


@pytest.fixture(autouse=True)
def _media(tmp_path: Path) -> Iterator[None]:
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield


def sqlite_install(folder: Path, *commands: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    env["MESOCLINIC_DATA_DIR"] = str(folder)
    for command in (["migrate", "--verbosity", "0"], *commands):
        subprocess.run([MESOCLINIC, *command], env=env, check=True, capture_output=True, timeout=300)  # noqa: S603


def table_parts(archive: Path) -> dict[str, str]:
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    return {name: part["sha256"] for name, part in manifest["parts"].items() if name.startswith("db/")}


def vendor(archive: Path) -> str:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))["vendor"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL on one side")
def test_a_sqlite_backup_restores_into_postgresql_and_back_identically(tmp_path):
    from_sqlite, from_postgres, again = tmp_path / "a.tar", tmp_path / "b.tar", tmp_path / "c.tar"
    sqlite_install(tmp_path / "a", ["load_demo"], ["backup", str(from_sqlite)])

    restore_backup(from_sqlite)
    write_backup(from_postgres)
    sqlite_install(tmp_path / "c", ["restore", str(from_postgres)], ["backup", str(again)])

    assert [vendor(a) for a in (from_sqlite, from_postgres, again)] == ["sqlite", "postgresql", "sqlite"]
    parts = table_parts(from_sqlite)
    assert parts["db/patients.patient.jsonl"]
    assert table_parts(from_postgres) == parts
    assert table_parts(again) == parts
