"""Append-only in the database too: triggers that refuse UPDATE and DELETE on the audit table (and one that
keeps the viewer's filter terms).

The model already refuses in Python; the triggers stop raw SQL, a shell session or a future bulk
``update()``. Installed by a migration and, idempotently, after every ``migrate`` (an SQLite table rebuild by a
later migration drops its triggers). PostgreSQL's TRUNCATE is left alone on purpose: ``flush`` (and the test
runner) need it, and it takes the table owner's rights, which the application role should not have.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only"

_SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]
_POSTGRES_INSTALL = [
    "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$",
    f"CREATE OR REPLACE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()",
]
_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_event_no_change ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
]


# The viewer's filter lists (``models.AuditTerm``): every inserted event notes its action and object type
# in its clinic's terms, if not there yet. Installed once that table exists (its migration, then every
# migrate); lifted with the guards by ``suspended``, so a restore brings the terms back as they were.
TERMS = "audit_auditterm"
_SQLITE_TERMS_INSTALL = [
    "CREATE TRIGGER IF NOT EXISTS audit_event_terms AFTER INSERT ON audit_auditevent WHEN NEW.clinic_id IS NOT NULL "
    "BEGIN INSERT OR IGNORE INTO audit_auditterm (clinic_id, kind, value) VALUES (NEW.clinic_id, 'action', NEW.action); "
    "INSERT OR IGNORE INTO audit_auditterm (clinic_id, kind, value) SELECT NEW.clinic_id, 'object_type', NEW.object_type "
    "WHERE NEW.object_type <> ''; END",
]
_SQLITE_TERMS_REMOVE = ["DROP TRIGGER IF EXISTS audit_event_terms"]
_POSTGRES_TERMS_INSTALL = [
    "CREATE OR REPLACE FUNCTION audit_event_note_terms() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO audit_auditterm (clinic_id, kind, value) VALUES (NEW.clinic_id, 'action', NEW.action) "
    "ON CONFLICT DO NOTHING; "
    "IF NEW.object_type <> '' THEN INSERT INTO audit_auditterm (clinic_id, kind, value) "
    "VALUES (NEW.clinic_id, 'object_type', NEW.object_type) ON CONFLICT DO NOTHING; END IF; "
    "RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER audit_event_terms AFTER INSERT ON audit_auditevent "
    "FOR EACH ROW WHEN (NEW.clinic_id IS NOT NULL) EXECUTE FUNCTION audit_event_note_terms()",
]
_POSTGRES_TERMS_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_event_terms ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_note_terms()",
]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "sqlite":
        guards, terms = (
            (_SQLITE_INSTALL, _SQLITE_TERMS_INSTALL) if install else (_SQLITE_REMOVE, _SQLITE_TERMS_REMOVE)
        )
    elif connection.vendor == "postgresql":
        guards, terms = (
            (_POSTGRES_INSTALL, _POSTGRES_TERMS_INSTALL)
            if install
            else (_POSTGRES_REMOVE, _POSTGRES_TERMS_REMOVE)
        )
    else:
        return []  # other databases: the model's own refusal is all there is
    if install and TERMS not in connection.introspection.table_names():
        return guards  # before the terms' migration
    return guards + terms


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers (idempotent)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=True):
            cursor.execute(sql)


def remove_terms(connection: BaseDatabaseWrapper) -> None:
    """Drop the terms' trigger only (its migration undone)."""
    statements = {"sqlite": _SQLITE_TERMS_REMOVE, "postgresql": _POSTGRES_TERMS_REMOVE}
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=False):
            cursor.execute(sql)


@contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift the guard for a maintenance operation that replaces the whole database (flush, restore).

    Whatever such an operation leaves, ``mesoclinic audit verify`` still judges it.
    """
    remove(connection)
    try:
        yield
    finally:
        install(connection)
