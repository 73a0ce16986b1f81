"""Every resource type the export writes, built from the demo clinic, parses back with fhir.resources R4B."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest
import time_machine

from mesoclinic.demo import load_demo
from mesoclinic.interop.fhir.bundles import BULK_TYPES, validate
from mesoclinic.interop.selectors import clinic_resources, export_context
from mesoclinic.interop.tests.factories import make_analysis, make_assessment, make_photo
from mesoclinic.treatments.models import SessionRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    with time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=UTC), tick=True):
        clinic, _ = load_demo()
    record = SessionRecord.objects.filter(clinic=clinic, status="signed").order_by("pk").first()
    photo = make_photo(record.patient, datetime(2026, 9, 1, 10, tzinfo=UTC), session_id=record.pk)
    make_analysis(photo)
    make_assessment(record.patient, date(2026, 9, 1), session_id=record.pk)
    return clinic


def test_it_exports_every_type_from_the_demo_clinic_and_each_resource_validates(demo):
    ctx = export_context(demo)
    counts: Counter[str] = Counter()
    for kind in BULK_TYPES:
        for resource in clinic_resources(ctx, demo, kind):
            assert resource["resourceType"] == kind
            validate(json.loads(json.dumps(resource)))
            counts[kind] += 1
    assert set(counts) == set(BULK_TYPES), set(BULK_TYPES) - set(counts)
    assert counts["Patient"] == 60
