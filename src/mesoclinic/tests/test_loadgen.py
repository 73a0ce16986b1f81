"""``mesoclinic generate_load_data`` (issue 20 item 1): small numbers, then checks that the data is valid."""

from __future__ import annotations

import io
import itertools
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Q, Sum

from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.selectors import verify_chains
from mesoclinic.inventory.models import Lot, StockMovement
from mesoclinic.loadgen import LoadSpec, generate
from mesoclinic.outcomes.models import PhotoAnalysis
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, Course, MaintenanceRecall
from mesoclinic.treatments.models import SessionProduct, SessionRecord

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 6, 15)
SPEC = LoadSpec(until=UNTIL, clinics=2, clinic_patients=40, years=2, seed=7, prefix="t")
HOLDING = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


def _overlaps(field: str) -> int:
    """Pairs of holding appointments of one resource whose held times overlap (should be none)."""
    rows = Appointment.objects.filter(status__in=HOLDING, **{f"{field}__isnull": False}).values_list(
        field, "starts_at", "blocked_until"
    )
    by: dict[int, list[tuple]] = {}
    for key, start, end in rows:
        by.setdefault(key, []).append((start, end))
    found = 0
    for spans in by.values():
        spans.sort()
        found += sum(1 for a, b in itertools.pairwise(spans) if b[0] < a[1])
    return found


def test_the_generated_clinics_are_valid() -> None:
    report = generate(SPEC)
    assert report.clinics == ["t-001", "t-002"]
    assert report.rows["appointments"] > 100 and report.rows["session_records"] > 50
    generated = AuditEvent.objects.filter(clinic__slug__startswith="t-", action="session.sign").count()
    assert generated == report.rows["session_records"]
    assert not Patient.objects.filter(clinic__slug__startswith="t-", medical_history__isnull=True).exists()
    # the audit chains verify
    reports = [r for r in verify_chains() if r.clinic.startswith("t-")]
    assert len(reports) == 2 and all(r.broken is None for r in reports)
    # stored lot balances equal their ledger, and no lot went below zero
    for lot in Lot.objects.filter(clinic__slug__startswith="t-").annotate(total=Sum("movements__quantity")):
        assert lot.balance == lot.total
        assert lot.balance >= 0
    # no practitioner, room or device is held twice at once
    assert _overlaps("practitioner") == _overlaps("room") == _overlaps("device") == 0
    # every signed record's product lines are use movements of the same lot and quantity
    lines = SessionProduct.objects.filter(record__clinic__slug__startswith="t-")
    assert lines.exists()
    assert not lines.exclude(movement__lot=F("lot"), movement__quantity=-F("quantity")).exists()
    # completed appointments have a signed record, nothing in the future is completed
    completed = Appointment.objects.filter(clinic__slug__startswith="t-", status=AppointmentStatus.COMPLETED)
    assert completed.count() == SessionRecord.objects.filter(clinic__slug__startswith="t-").count()
    assert not completed.filter(session_record__isnull=True).exists()
    assert not completed.filter(starts_at__date__gte=UNTIL).exists()
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED, starts_at__date__gte=UNTIL).exists()
    # completed courses have their recall; analyses are stored as JSON
    done = Course.objects.filter(clinic__slug__startswith="t-", status=Course.Status.COMPLETED)
    assert done.exists()
    assert done.count() == MaintenanceRecall.objects.filter(clinic__slug__startswith="t-").count()
    assert PhotoAnalysis.objects.filter(
        photo__clinic__slug__startswith="t-", metrics__has_key="forehead"
    ).exists()
    assert (
        not StockMovement.objects.filter(clinic__slug__startswith="t-", lot__expires_on__lt=F("at__date"))
        .exclude(Q(kind="receipt"))
        .exists()
    )


def _fingerprint() -> list[tuple]:
    return list(
        Appointment.objects.filter(clinic__slug__startswith="t-")
        .order_by("pk")
        .values_list("clinic__slug", "patient__search_name", "starts_at", "room__name", "status")
    )


def test_the_same_seed_gives_the_same_data() -> None:
    generate(SPEC)
    first = _fingerprint()
    generate(LoadSpec(until=UNTIL, clinics=2, clinic_patients=40, years=2, seed=7, prefix="u"))
    second = [
        (slug.replace("u-", "t-"), *rest)
        for slug, *rest in Appointment.objects.filter(clinic__slug__startswith="u-")
        .order_by("pk")
        .values_list("clinic__slug", "patient__search_name", "starts_at", "room__name", "status")
    ]
    assert second == first
    assert first


def test_the_command_reports_its_rows_and_refuses_a_used_prefix() -> None:
    out = io.StringIO()
    call_command("generate_load_data", "--clinics", "1", "--clinic-patients", "15", "--years", "1",
                 "--until", "2026-06-15", "--prefix", "c", stdout=out)  # fmt: skip
    assert "rows/s" in out.getvalue() and "appointments" in out.getvalue()
    with pytest.raises(CommandError, match="exist already"):
        call_command("generate_load_data", "--clinics", "1", "--prefix", "c", stdout=io.StringIO())
    with pytest.raises(CommandError, match="out of range"):
        call_command("generate_load_data", "--years", "0", stdout=io.StringIO())
