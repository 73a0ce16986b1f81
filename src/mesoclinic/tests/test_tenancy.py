"""Row-level security keeps clinics apart in PostgreSQL itself (``mesoclinic.tenancy``).

The suite connects as ``postgres``, a superuser, whom row-level security never restricts; so the policies are
proven here as an ordinary role (``mesoclinic_rls_probe``, created inside the test's transaction and rolled back
with it), switched to with ``SET LOCAL ROLE``. It is not the tables' owner; the policies are FORCEd, so an owner
that is not a superuser is held to them alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db import ProgrammingError, close_old_connections, connection, connections, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from mesoclinic import tenancy, testing
from mesoclinic.accounts.middleware import ClinicMiddleware
from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.models import AuditEvent, AuditTerm
from mesoclinic.audit.services import record_event
from mesoclinic.patients.models import Patient
from mesoclinic.portal.selectors import clinic_by_slug

PROBE = "mesoclinic_rls_probe"

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="row-level security is PostgreSQL's; the embedded SQLite default keeps the selectors' scoping",
)


@pytest.fixture(autouse=True)
def _system_context_after(db: None) -> Iterator[None]:
    yield
    tenancy.clear()


def _setting() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [tenancy.SETTING])
        return str(cursor.fetchone()[0] or "") or None


def _as_ordinary_role() -> None:
    """From here to the end of the test's transaction, the connection is a role without any bypass."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0] is False:
            return  # the suite already connects as one (docs/deployment.md)
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {PROBE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {PROBE}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {PROBE}")
        cursor.execute(f"SET LOCAL ROLE {PROBE}")
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0] is False


@pytest.fixture
def request_boundaries() -> Iterator[None]:
    """Request start and end as a server signals them, less Django's closing of old connections (as its test
    client does): that would close the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def two_clinics(db: None) -> tuple[Clinic, Patient, Clinic, Patient]:
    a, b = testing.make_clinic("Alpha Clinic"), testing.make_clinic("Beta Clinic")
    return a, testing.make_patient(a), b, testing.make_patient(b)


def _clinic_tables() -> dict[str, bool]:
    """Every table with a clinic foreign key, found from the models: {table: whether it may be empty}."""
    found: dict[str, bool] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Clinic:
                found[model._meta.db_table] = field.null
    return found


@postgres_only
@pytest.mark.django_db
def test_every_table_with_a_clinic_has_forced_row_security_and_the_policy() -> None:
    tables = _clinic_tables()
    assert "patients_patient" in tables and "audit_auditevent" in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = %s) "
            "FROM pg_class c WHERE c.relname = ANY(%s)",
            [tenancy.POLICY, list(tables)],
        )
        missing = {
            name for name, enabled, forced, policy in cursor.fetchall() if not (enabled and forced and policy)
        }
    assert missing == set(), f"add tenancy.policy_statements for these in a migration: {sorted(missing)}"


@postgres_only
def test_an_unscoped_query_as_clinic_a_sees_nothing_of_clinic_b(two_clinics: tuple) -> None:
    a, patient_a, _b, patient_b = two_clinics
    _as_ordinary_role()
    tenancy.use_clinic(a.pk)
    assert _setting() == str(a.pk)
    # Deliberately no clinic filter anywhere: the database applies it.
    assert set(Patient.objects.values_list("pk", flat=True)) == {patient_a.pk}
    assert not Patient.objects.filter(pk=patient_b.pk).exists()
    assert set(AuditEvent.objects.values_list("clinic_id", flat=True).distinct()) <= {a.pk, None}
    with connection.cursor() as cursor:  # raw SQL too
        cursor.execute(
            "SELECT DISTINCT clinic_id FROM scheduling_room UNION SELECT clinic_id FROM catalog_product"
        )
        assert {row[0] for row in cursor.fetchall()} == {a.pk}


@postgres_only
def test_another_clinics_rows_cannot_be_written_as_clinic_a(two_clinics: tuple) -> None:
    a, patient_a, b, patient_b = two_clinics
    _as_ordinary_role()
    tenancy.use_clinic(a.pk)
    with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
        Patient.objects.create(
            clinic=b, given_name="Eve", family_name="Intruder", birth_date=date(1990, 1, 1), sex="female"
        )
    with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
        Patient.objects.filter(pk=patient_a.pk).update(clinic=b)  # moving a row into another clinic
    # B's rows are not there to change or delete.
    assert Patient.objects.filter(pk=patient_b.pk).update(family_name="Changed") == 0
    tenancy.clear()
    assert Patient.objects.get(pk=patient_b.pk).family_name == patient_b.family_name


@postgres_only
def test_the_system_context_sees_every_clinic(two_clinics: tuple) -> None:
    a, patient_a, _b, patient_b = two_clinics
    _as_ordinary_role()
    tenancy.use_clinic(a.pk)
    tenancy.clear()
    assert _setting() is None
    assert {patient_a.pk, patient_b.pk} <= set(Patient.objects.values_list("pk", flat=True))


@postgres_only
def test_the_audit_chain_and_its_terms_trigger_work_as_a_scoped_ordinary_role(two_clinics: tuple) -> None:
    a, patient_a, _b, _patient_b = two_clinics
    _as_ordinary_role()
    tenancy.use_clinic(a.pk)
    before = AuditEvent.objects.filter(clinic=a).order_by("-seq").first()
    event = record_event("tenancy.probe", patient_a, actor=None, data={"why": "test"})
    assert event.clinic_id == a.pk and before is not None and event.seq == before.seq + 1
    assert event.prev_hash == before.hash
    assert AuditTerm.objects.filter(
        clinic=a, kind="action", value="tenancy.probe"
    ).exists()  # the trigger's row
    assert (
        record_event("tenancy.system", actor=None).clinic_id is None
    )  # a system event from a clinic's request


@postgres_only
def test_a_staff_members_pages_work_as_an_ordinary_role(two_clinics: tuple) -> None:
    """The whole request (session, sign-in, staff lookup, read auditing) before and after the clinic is set."""
    a, patient_a, _b, patient_b = two_clinics
    client = testing.client_for(testing.make_staff(a, "receptionist"))
    _as_ordinary_role()
    page = client.get(reverse("patients:list"))
    assert page.status_code == 200
    assert patient_a.family_name in page.text and patient_b.family_name not in page.text
    assert client.get(reverse("patients:detail", args=[patient_b.pk])).status_code == 404
    assert _setting() is None  # the request's end cleared the clinic from the kept connection


@pytest.mark.django_db
@pytest.mark.usefixtures("request_boundaries")
def test_a_staff_request_is_scoped_to_its_clinic_and_cleared_at_its_end() -> None:
    clinic = testing.make_clinic()
    staff = testing.make_staff(clinic, "receptionist")
    seen: list[object] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(tenancy.current_clinic_id())
        if connection.vendor == "postgresql":
            seen.append(_setting())
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = staff.user
    request_started.send(sender=None)
    ClinicMiddleware(view)(request)
    expected = [clinic.pk, str(clinic.pk)] if connection.vendor == "postgresql" else [clinic.pk]
    assert seen == expected
    request_finished.send(sender=None)
    assert tenancy.current_clinic_id() is None
    if connection.vendor == "postgresql":
        assert _setting() is None


@pytest.mark.django_db
@pytest.mark.usefixtures("request_boundaries")
def test_a_kept_connection_never_carries_a_clinic_into_the_next_request() -> None:
    """Even if a request ended without its end being signalled, the next one starts in no clinic."""
    clinic = testing.make_clinic()
    tenancy.use_clinic(clinic.pk)
    request_started.send(sender=None)
    assert tenancy.current_clinic_id() is None
    if connection.vendor == "postgresql":
        assert _setting() is None


@pytest.mark.django_db
def test_a_public_page_is_scoped_to_the_clinic_in_its_address() -> None:
    clinic = testing.make_clinic()
    elsewhere = testing.client_for(testing.make_staff(testing.make_clinic(), "owner"))
    assert clinic_by_slug(clinic.slug) == clinic
    assert tenancy.current_clinic_id() == clinic.pk
    response = elsewhere.get(reverse("portal:clinic", args=[clinic.slug]))
    assert response.status_code in {200, 302}
    assert tenancy.current_clinic_id() is None  # cleared at the request's end


@postgres_only
@pytest.mark.django_db
def test_a_connection_opened_mid_request_takes_the_requests_clinic() -> None:
    """A reconnect (``web.db_retry``) or a late first query must not fall back to the system context."""
    clinic = testing.make_clinic()
    tenancy.use_clinic(clinic.pk)
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [tenancy.SETTING])
            assert cursor.fetchone()[0] == str(clinic.pk)
    finally:
        fresh.close()


@postgres_only
@pytest.mark.parametrize(
    ("match", "index"),
    [
        (Q(search_name__contains="zajac"), "patients_search_name_trgm"),
        (Q(email__icontains="anna@example"), "patients_email_upper_trgm"),
        (Q(phone__contains="600123"), "patients_phone_trgm"),
    ],
    ids=["name", "email", "phone"],
)
def test_patient_search_keeps_its_trigram_indexes_under_the_policy(
    two_clinics: tuple, match: Q, index: str
) -> None:
    """The migration marks LIKE and UPPER leakproof; otherwise the policy keeps them out of index scans."""
    a = two_clinics[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(proleakproof) FROM pg_proc WHERE oid IN ('textlike(text, text)'::regprocedure, 'upper(text)'::regprocedure)"
        )
        marked = cursor.fetchone()[0]
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if not marked and not cursor.fetchone()[0]:
            pytest.skip("the migrations ran as an ordinary role: a superuser marks the two functions once")
    _as_ordinary_role()
    tenancy.use_clinic(a.pk)
    queryset = Patient.objects.filter(match)  # no clinic filter: the policy scopes it
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)  # nosec B608: Django's own SQL, parameters bound
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
