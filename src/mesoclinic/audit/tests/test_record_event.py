"""record_event: every event is the next link of its clinic's chain, with where it came from."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from mesoclinic import testing
from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit import chain
from mesoclinic.audit.context import Origin, origin
from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.selectors import verify_chains
from mesoclinic.audit.services import record_event

pytestmark = pytest.mark.django_db


def test_it_numbers_each_clinics_events_from_one(clinic: Clinic, other_clinic: Clinic) -> None:
    start = AuditEvent.objects.filter(clinic=clinic).count()
    first = record_event("test.one", actor=None, clinic=clinic)
    second = record_event("test.two", actor=None, clinic=clinic)
    elsewhere = record_event("test.one", actor=None, clinic=other_clinic)
    assert (first.seq, second.seq) == (start + 1, start + 2)
    assert second.prev_hash == first.hash
    assert elsewhere.prev_hash != first.hash
    assert AuditEvent.objects.filter(clinic=other_clinic, seq=elsewhere.seq).count() == 1


def test_it_starts_a_chain_at_genesis() -> None:
    event = record_event("system.start", actor=None)
    assert event.seq == 1
    assert event.prev_hash == chain.GENESIS
    assert event.clinic_id is None


def test_its_hash_covers_the_stored_row(clinic: Clinic, physician: StaffMember) -> None:
    event = record_event(
        "test.data", actor=physician.user, clinic=clinic, data={"b": [1, 2.5, (3, 4)], "a": {"x": None}}
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.hash == event.hash
    assert stored.data == {"a": {"x": None}, "b": [1, 2.5, [3, 4]]}
    assert all(r.broken is None for r in verify_chains(clinic.slug))


def test_it_keeps_the_patient_of_the_object(clinic: Clinic) -> None:
    patient = testing.make_patient(clinic)
    assert record_event("test.patient", patient, actor=None).patient_id == patient.pk
    assert record_event("test.data", actor=None, clinic=clinic, data={"patient": patient.pk}).patient_id == (
        patient.pk
    )


def test_it_records_the_requests_origin(clinic: Clinic) -> None:
    token = origin.set(Origin(ip="2001:DB8::1", path="/patients/1/", user_agent="Tablet"))
    try:
        event = record_event("test.origin", actor=None, clinic=clinic)
    finally:
        origin.reset(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (str(stored.ip), stored.path, stored.user_agent) == ("2001:db8::1", "/patients/1/", "Tablet")
    assert all(r.broken is None for r in verify_chains(clinic.slug))


def test_the_database_refuses_a_duplicate_number(clinic: Clinic) -> None:
    event = record_event("test.one", actor=None, clinic=clinic)
    fields = {f: getattr(event, f) for f in ("clinic_id", "action", "object_type", "prev_hash", "hash")}
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(seq=event.seq, **fields)


@pytest.mark.parametrize("sql", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"])
def test_the_database_refuses_update_and_delete(clinic: Clinic, sql: str) -> None:
    record_event("test.one", actor=None, clinic=clinic)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.filter(action="test.one").exists()


def test_the_model_refuses_update_and_delete(clinic: Clinic) -> None:
    event = record_event("test.one", actor=None, clinic=clinic)
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
