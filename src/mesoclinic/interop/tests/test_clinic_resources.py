"""The clinic export reads in chunks: the number of queries does not grow with the number of patients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mesoclinic import testing
from mesoclinic.interop import selectors
from mesoclinic.interop.fhir.bundles import BULK_TYPES

pytestmark = pytest.mark.django_db


def add_patients(clinic, practitioner, lot, n):
    for k in range(n):
        patient = testing.make_patient(clinic, conditions=["epilepsy"], allergies=["lidocaine"])
        at = datetime(2026, 6, 1, 9, tzinfo=UTC) + timedelta(hours=k)
        testing.make_signed_session(patient, practitioner, uses=[(lot, 1)], performed_at=at)


def export_queries(clinic):
    ctx = selectors.export_context(clinic)
    with CaptureQueriesContext(connection) as queries:
        count = sum(1 for kind in BULK_TYPES for _ in selectors.clinic_resources(ctx, clinic, kind))
    return len(queries), count


def test_the_number_of_queries_is_the_same_for_3_and_for_30_patients(clinic, practitioner):
    lot = testing.make_lot(clinic, quantity=100)
    add_patients(clinic, practitioner, lot, 3)
    few, few_resources = export_queries(clinic)
    add_patients(clinic, practitioner, lot, 27)
    many, many_resources = export_queries(clinic)
    assert many_resources > 5 * few_resources
    assert many == few


def test_rows_are_read_in_chunks(clinic, practitioner, monkeypatch):
    monkeypatch.setattr(selectors, "CHUNK", 4)
    lot = testing.make_lot(clinic, quantity=100)
    add_patients(clinic, practitioner, lot, 10)
    ctx = selectors.export_context(clinic)
    with CaptureQueriesContext(connection) as queries:
        ids = [r["id"] for r in selectors.clinic_resources(ctx, clinic, "Procedure")]
    assert len(ids) == 10
    zone_prefetches = [q for q in queries.captured_queries if "treatments_sessionzone" in q["sql"]]
    assert len(zone_prefetches) == 3  # 10 records in chunks of 4
