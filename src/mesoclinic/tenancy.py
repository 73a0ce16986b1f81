"""Tenant isolation in the database too: PostgreSQL row-level security keyed to the request's clinic.

Every selector already filters by clinic; this is the second wall, for the query that forgets to. On PostgreSQL
each table that carries a ``clinic_id`` has a policy (``policy_statements``, installed by the migration
``accounts.0007_row_level_security``) that lets a connection see and write only the rows of the clinic named in
the session setting ``mesoclinic.clinic`` (and rows of no clinic, where the column may be empty):

* a number: that clinic only. Set by ``use_clinic`` for a staff member's request (``ClinicMiddleware``), an API
  token's (``api_auth``), and a public page or the public booking API (the clinic in the address);
* unset or empty: the trusted system context, which sees every row: migrations, management commands, the demo,
  backups and restores, the background worker, and a request before its clinic is known (the sign-in, the
  session's user and staff member are read there).

Why "unset means everything" rather than an explicit ``system`` value that every trusted entry point must
name: what the policies defend against is a request of one clinic reading or writing another's rows, and every
request names its clinic as soon as it knows it, before any view runs. Code outside requests has no tenant to be
confused about, and making it opt in would turn each forgotten opt-in into an outage that only production sees
(the test suite connects as a superuser, which row-level security never restricts).

The setting lives in the database session, not in a transaction (``set_config(..., false)``): requests run in
autocommit, so a transaction-local value would be gone after the first statement. A kept connection
(``CONN_MAX_AGE``) must therefore never carry one request's clinic into the next: the clinic is cleared when a
request starts and when it finishes, and a connection opened in the middle of a request (the first query, or a
reconnect after a lost connection) gets the request's clinic from a context variable.

SQLite (the embedded default) has no row-level security: there every function here only notes the clinic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

SETTING = "mesoclinic.clinic"
SYSTEM = ""
"""The setting's value in the trusted system context (every row)."""

_clinic: ContextVar[int | None] = ContextVar("tenant_clinic_id", default=None)
_APPLIED = "_mesoclinic_tenant"  # what this connection's session was last set to, on Django's wrapper


def current_clinic_id() -> int | None:
    """The clinic this thread's requests are scoped to; None in the system context."""
    return _clinic.get()


def _value(clinic_id: int | None) -> str:
    return SYSTEM if clinic_id is None else str(int(clinic_id))


def _apply(db: BaseDatabaseWrapper, value: str) -> None:
    # On the driver's connection, as Django's own health check runs its ``SELECT 1``: plumbing, not a query of
    # the page's (query counts stay the same on both databases; it is one round trip when the clinic changes).
    db.ensure_connection()
    with db.wrap_database_errors, db.connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])
    setattr(db, _APPLIED, value)


def _sync(db: BaseDatabaseWrapper) -> None:
    """Bring an open PostgreSQL connection's setting in line with the context variable."""
    if db.vendor != "postgresql" or db.connection is None or db.needs_rollback:
        return
    value = _value(_clinic.get())
    if getattr(db, _APPLIED, SYSTEM) != value:
        _apply(db, value)


def use_clinic(clinic_id: int | None) -> None:
    """Scope this request's queries to one clinic (None: back to the system context)."""
    _clinic.set(None if clinic_id is None else int(clinic_id))
    _sync(connection)


def clear() -> None:
    """Back to the system context (a request's end and start)."""
    use_clinic(None)


@contextmanager
def scoped_to(clinic_id: int | None) -> Iterator[None]:
    """Run a block as one clinic (or, with None, in the system context), then restore the previous scope."""
    before = _clinic.get()
    use_clinic(clinic_id)
    try:
        yield
    finally:
        use_clinic(before)


def _on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    # A new session starts unset (system); one opened mid-request takes the request's clinic at once.
    setattr(connection, _APPLIED, SYSTEM)
    if connection.vendor == "postgresql" and _clinic.get() is not None:
        _apply(connection, _value(_clinic.get()))


def _on_request_boundary(sender: Any, **kwargs: Any) -> None:
    clear()


def connect() -> None:
    """Wire the request boundaries and new connections (from ``AccountsConfig.ready``)."""
    connection_created.connect(_on_connection_created, dispatch_uid="mesoclinic.tenancy.created")
    request_started.connect(_on_request_boundary, dispatch_uid="mesoclinic.tenancy.started")
    request_finished.connect(_on_request_boundary, dispatch_uid="mesoclinic.tenancy.finished")


# --- The policies (PostgreSQL only), used by migrations ----------------------------------------------------

POLICY = "mesoclinic_clinic_isolation"
_CLINIC = f"nullif(current_setting('{SETTING}', true), '')"


def policy_statements(table: str, *, nullable: bool) -> list[str]:
    """Row-level security on one clinic-scoped table: enabled, forced on its owner too, one policy.

    ``FORCE`` matters where the application connects as the tables' owner (it ran the migrations): without it
    the owner is exempt. Superusers and roles with ``BYPASSRLS`` are exempt whatever is set.
    """
    allowed = f"{_CLINIC} IS NULL OR clinic_id = {_CLINIC}::bigint"
    if nullable:
        allowed += " OR clinic_id IS NULL"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({allowed}) WITH CHECK ({allowed})',
    ]


# Row-level security keeps a query's own conditions from running before the policy's unless their functions
# are LEAKPROOF, and an index scan runs them first: without these two, patient search cannot use its trigram
# indexes (``patients.0006``) and scans the clinic's rows (a 100,000-patient clinic: 12-34 ms -> 237-272 ms,
# docs/performance.md). Neither leaks a row's value (``textlike`` raises only on a malformed pattern, its
# second argument; ``upper`` only on running out of memory). Marking needs a superuser: the migration does it
# when it runs as one, else docs/deployment.md gives the two statements to run once.
LEAKPROOF_FUNCTIONS = ["pg_catalog.textlike(text, text)", "pg_catalog.upper(text)"]


def leakproof_statements(*, leakproof: bool = True) -> list[str]:
    mark = "LEAKPROOF" if leakproof else "NOT LEAKPROOF"
    return [f"ALTER FUNCTION {function} {mark}" for function in LEAKPROOF_FUNCTIONS]


def removal_statements(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]
