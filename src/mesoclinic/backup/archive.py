"""One portable archive of the whole installation: every table's rows as JSON lines, every media file, a manifest.

Layout of the (tar, optionally gzip) archive::

    db/<app_label>.<model>.jsonl   one JSON object per row, keyed by column attname, values in portable form
    media/<storage name>           every file of the default storage, byte for byte
    manifest.json                  format, time, DB vendor, applied migrations, sha256/size/rows of every part

The rows are read inside one snapshot (PostgreSQL: ``SERIALIZABLE READ ONLY DEFERRABLE``; SQLite: one deferred
read transaction, which in WAL mode sees one consistent state while writers go on), on a connection of its
own so the running application is never blocked. Media files are written once under random names and never
changed, so copying them *after* the snapshot finds every file a snapshot row names.

Values are written in a vendor-neutral form (ISO dates and times, decimals as strings, JSON as JSON), so a
SQLite backup restores into PostgreSQL and back. Restore inserts with raw SQL (no ``save()``: ``auto_now``
fields and append-only models keep their stored values) inside one transaction; foreign keys are created
``DEFERRABLE INITIALLY DEFERRED`` by Django on both vendors, so row order does not matter.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import posixpath
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, cast

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

from mesoclinic.audit import triggers as audit_triggers
from mesoclinic.privacy.selectors import json_value

FORMAT = "mesoclinic-backup/1"
MANIFEST = "manifest.json"
# Sessions are transient logins: restoring them would resurrect signed-in browsers. Left out on purpose.
SKIPPED = frozenset({"sessions.session"})
# Rows that ``migrate`` creates by itself; a restore replaces them with the archived ones (ids must match).
SEEDED = frozenset({"contenttypes.contenttype", "auth.permission"})
_CHUNK = 1 << 20
_BATCH = 500


class BackupError(Exception):
    """The archive cannot be written or restored; the message says why in one sentence."""


@dataclass
class Part:
    sha256: str
    size: int
    rows: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"sha256": self.sha256, "size": self.size}
        if self.rows is not None:
            data["rows"] = self.rows
        return data


@dataclass
class Manifest:
    vendor: str
    created_at: str
    migrations: list[list[str]]
    parts: dict[str, Part] = field(default_factory=dict)
    format: str = FORMAT

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "created_at": self.created_at,
            "vendor": self.vendor,
            "migrations": self.migrations,
            "parts": {name: part.as_dict() for name, part in sorted(self.parts.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise BackupError(f"This is not a {FORMAT} archive (format {data.get('format')!r}).")
        return cls(
            vendor=data["vendor"],
            created_at=data["created_at"],
            migrations=[list(pair) for pair in data["migrations"]],
            parts={name: Part(**part) for name, part in data["parts"].items()},
        )

    @property
    def tables(self) -> dict[str, Part]:
        return {name[3:-6]: part for name, part in self.parts.items() if name.startswith("db/")}

    @property
    def media(self) -> dict[str, Part]:
        return {name[6:]: part for name, part in self.parts.items() if name.startswith("media/")}


def backed_up_models() -> list[type[models.Model]]:
    """Every model with a table of its own (auto-created many-to-many tables and histories included)."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in SKIPPED
    ]
    return sorted(found, key=lambda model: model._meta.label_lower)


# -- values -------------------------------------------------------------------------------------------------


def encode_value(field_: models.Field[Any, Any], value: Any) -> Any:
    """A column value as plain JSON that any vendor reads back identically (JSON columns as they are)."""
    if value is None or isinstance(field_, models.JSONField):
        return value
    return json_value(value)


def decode_value(field_: models.Field[Any, Any], value: Any, connection: Any) -> Any:
    """The database parameter for an archived value (inverse of ``encode_value``)."""
    if value is not None and not isinstance(field_, models.JSONField):
        value = field_.to_python(value)
    return field_.get_db_prep_save(value, connection)


def table_rows(model: type[models.Model], *, connection: Any = None) -> Iterator[dict[str, Any]]:
    """Every row of the model's own table, by primary key, in archive form (on ``connection``, default
    the default database)."""
    connection = connection or connections["default"]
    fields = model._meta.local_concrete_fields
    names = [f.attname for f in fields]
    query = model._base_manager.order_by(model._meta.pk.attname).values_list(*names).query
    compiler = query.get_compiler(connection=connection)
    for row in compiler.results_iter(chunked_fetch=True, chunk_size=2000):
        yield {f.attname: encode_value(f, value) for f, value in zip(fields, row, strict=True)}


def applied_migrations(connection: Any) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return sorted([str(app), str(name)] for app, name in cursor.fetchall())


def storage_files(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first."""
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(path, name) if path else name
    for name in sorted(dirs):
        yield from storage_files(storage, posixpath.join(path, name) if path else name)


# -- backup -------------------------------------------------------------------------------------------------


@contextmanager
def snapshot(using: str = "default") -> Iterator[Any]:
    """A connection of its own whose open transaction sees one consistent state of the database.

    Built outside the connection registry on purpose: it is private to the backup, and the application's
    own connections (and their transactions) are left alone.
    """
    base = connections[using]
    settings = copy.deepcopy(base.settings_dict)
    connection = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, f"{using}__backup")
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE")
            else:
                # Deferred: no write lock. In WAL mode the first read fixes the snapshot for the transaction.
                cursor.execute("BEGIN DEFERRED")
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
        yield connection
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")
    finally:
        connection.close()


class _HashingReader:
    """Reads a file through sha256, so a media file is hashed while it is copied into the archive."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def write_backup(
    path: str | os.PathLike[str],
    *,
    using: str = "default",
    storage: Storage | None = None,
    on_table: Callable[[str, int], None] | None = None,
) -> Manifest:
    """Write the archive to ``path`` (``.tar`` or ``.tar.gz``) atomically and readable only by its owner.

    ``on_table(label, rows)`` is called after each table is read (progress output; tests use it to write
    concurrently while the snapshot is open).
    """
    storage = storage or default_storage
    target = Path(path)
    mode: Literal["w:gz", "w"] = "w:gz" if target.name.endswith((".gz", ".tgz")) else "w"
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode=mode) as tar:
            with (
                tempfile.TemporaryDirectory(prefix="mesoclinic-backup-") as staging,
                snapshot(using) as connection,
            ):
                manifest = Manifest(
                    vendor=connection.vendor,
                    created_at=datetime.now(tz=UTC).isoformat(),
                    migrations=applied_migrations(connection),
                )
                for model in backed_up_models():
                    label = model._meta.label_lower
                    name = f"db/{label}.jsonl"
                    staged = Path(staging) / name.replace("/", "_")
                    digest, rows = hashlib.sha256(), 0
                    with staged.open("wb") as handle:
                        for row in table_rows(model, connection=connection):
                            line = json.dumps(
                                row, ensure_ascii=False, separators=(",", ":"), sort_keys=True
                            ).encode()
                            handle.write(line + b"\n")
                            digest.update(line + b"\n")
                            rows += 1
                    tar.add(staged, arcname=name, recursive=False)
                    manifest.parts[name] = Part(digest.hexdigest(), staged.stat().st_size, rows)
                    staged.unlink()
                    if on_table is not None:
                        on_table(label, rows)
            # After the snapshot: every file its rows name already exists and never changes.
            for name in storage_files(storage):
                info = tarfile.TarInfo(f"media/{name}")
                try:
                    stored = storage.open(name, "rb")
                except FileNotFoundError:  # erased by a purge since the listing: the erasure wins
                    continue
                with stored:
                    info.size = stored.size
                    reader = _HashingReader(stored)
                    tar.addfile(info, reader)
                manifest.parts[info.name] = Part(reader.digest.hexdigest(), reader.size)
            data = json.dumps(manifest.as_dict(), indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(tz=UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


# -- restore ------------------------------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        handle = tar.extractfile(MANIFEST)
    except KeyError:
        raise BackupError("The archive has no manifest.json: it is not a MesoClinic backup.") from None
    if handle is None:
        raise BackupError("manifest.json in the archive is not a file.")
    return Manifest.from_dict(json.load(handle))


def verify_archive(tar: tarfile.TarFile, manifest: Manifest) -> None:
    """Every part the manifest lists is present with its hash and size, and nothing else is."""
    seen: set[str] = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        part = manifest.parts.get(member.name)
        if part is None or not member.isfile():
            raise BackupError(f"The archive holds {member.name!r}, which its manifest does not list.")
        _check_name(member.name)
        digest = hashlib.sha256()
        handle = tar.extractfile(member)
        assert handle is not None  # noqa: S101 — isfile() was checked above
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != part.sha256 or member.size != part.size:
            raise BackupError(
                f"{member.name} does not match its sha256 in the manifest: the archive is damaged."
            )
        seen.add(member.name)
    missing = sorted(set(manifest.parts) - seen)
    if missing:
        raise BackupError(f"The archive lacks {len(missing)} part(s) its manifest lists, e.g. {missing[0]}.")


def _check_name(name: str) -> None:
    parts = name.split("/")
    if name.startswith("/") or ".." in parts or "" in parts or "\\" in name:
        raise BackupError(f"Unsafe name in the archive: {name!r}.")


def database_is_empty(using: str = "default") -> bool:
    """No rows anywhere except those ``migrate`` creates by itself."""
    return not any(
        model._base_manager.using(using).exists()
        for model in backed_up_models()
        if model._meta.label_lower not in SEEDED
    )


def restore_backup(
    path: str | os.PathLike[str],
    *,
    force: bool = False,
    using: str = "default",
    storage: Storage | None = None,
) -> Manifest:
    """Restore the archive into this database and media storage.

    Refuses (``BackupError``) a damaged archive, a database at other migrations, and a database that holds
    data unless ``force`` (then every row of every table is replaced).
    """
    storage = storage or default_storage
    connection = connections[using]
    with tarfile.open(path) as tar:
        manifest = read_manifest(tar)
        verify_archive(tar, manifest)
        if not MigrationRecorder(connection).has_table() or not applied_migrations(connection):
            call_command("migrate", database=using, verbosity=0, interactive=False)
        here = applied_migrations(connection)
        if here != manifest.migrations:
            theirs, ours = {tuple(m) for m in manifest.migrations}, {tuple(m) for m in here}
            only = sorted(ours - theirs)[:3] or sorted(theirs - ours)[:3]
            raise BackupError(
                "The database is not at the archive's migrations (differs at "
                f"{', '.join('.'.join(m) for m in only)}): restore with the version that wrote the backup, "
                "then upgrade."
            )
        known = {model._meta.label_lower: model for model in backed_up_models()}
        unknown = sorted(set(manifest.tables) - set(known))
        if unknown:
            raise BackupError(f"The archive holds tables this version does not know: {', '.join(unknown)}.")
        if not force and not database_is_empty(using):
            raise BackupError("The database already holds data; restore into an empty one or pass --force.")
        # The audit table refuses DELETE by trigger; replacing the whole database lifts that guard for this
        # transaction only (DDL is transactional on both databases), and the chain is restored as it was.
        with transaction.atomic(using=using), audit_triggers.suspended(connection):
            with connection.cursor() as cursor:
                for model in known.values():
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608  # nosec B608
            for label in sorted(manifest.tables):
                handle = tar.extractfile(f"db/{label}.jsonl")
                assert handle is not None  # noqa: S101 — verified above
                _insert_rows(known[label], (json.loads(line) for line in handle), using=using)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(known.values())):
                    cursor.execute(sql)
        for name in sorted(manifest.media):
            handle = tar.extractfile(f"media/{name}")
            assert handle is not None  # noqa: S101 — verified above
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(handle, name=posixpath.basename(name)))
            if saved != name:
                raise BackupError(f"The media storage stored {name} as {saved}.")
    return manifest


def _insert_rows(model: type[models.Model], rows: Iterator[dict[str, Any]], *, using: str) -> None:
    connection = connections[using]
    fields = model._meta.local_concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(str, f.column)) for f in fields)  # a concrete field always has its column
    placeholders = ", ".join(["%s"] * len(fields))
    # B608 (bandit): table and column names come from the models, not the archive; values are parameters
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([decode_value(f, row.get(f.attname), connection) for f in fields])
            if len(batch) >= _BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
