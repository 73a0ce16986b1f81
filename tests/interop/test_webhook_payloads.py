"""Every webhook event the demo clinic emits, validated against the JSON Schema published in docs/webhooks.md
(read from the document itself, so the documentation is the contract), with ``jsonschema``."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from jsonschema import Draft202012Validator

from mesoclinic.accounts.models import StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import cancel_appointment
from mesoclinic.webhooks.models import SUBSCRIBABLE, EventType, WebhookEvent
from mesoclinic.webhooks.selectors import AUDIT_ACTIONS
from mesoclinic.webhooks.services import body_of, create_endpoint, emit_for_audit_event, send_test_event

# One worker builds the demo for all its readers (once for the whole group, see the root conftest; `--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
DEMO_DAY = datetime(2026, 11, 25, 9, tzinfo=UTC)


def published_schema() -> dict:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- webhook-payload-schema -->\s*```json\n(.*?)\n```", text, re.DOTALL)
    assert block, "docs/webhooks.md has no payload schema block"
    schema = json.loads(block.group(1))
    Draft202012Validator.check_schema(schema)
    return schema


def validator() -> Draft202012Validator:
    return Draft202012Validator(published_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_published_schema_names_every_event_type():
    assert set(published_schema()["properties"]["type"]["enum"]) == set(EventType.values)


@pytest.fixture
def demo(demo_clinic, settings):
    """The demo clinic (loaded on ``DEMO_DAY``, built once for the demo group, see the root conftest) with an
    endpoint for every event, and its history's events emitted to it."""
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    clinic = demo_clinic
    with time_machine.travel(DEMO_DAY, tick=True):
        owner = StaffMember.objects.get(clinic=clinic, user__username="owner")
        endpoint = create_endpoint(
            clinic, url="http://127.0.0.1:9/hooks", events=[str(e) for e in SUBSCRIBABLE], actor=owner.user
        )
        for audit in AuditEvent.objects.filter(clinic=clinic, action__in=AUDIT_ACTIONS).order_by("pk"):
            emit_for_audit_event(audit)
        booked = Appointment.objects.filter(clinic=clinic, status="booked").order_by("starts_at").first()
        cancel_appointment(booked, reason="Patient ill", actor=owner.user)  # emitted as it happens
        send_test_event(endpoint, actor=owner.user)
    return clinic


def test_every_event_of_the_demo_matches_the_published_schema(demo):
    check = validator()
    kinds: Counter[str] = Counter()
    for event in WebhookEvent.objects.filter(clinic_id=demo.pk).order_by("pk"):
        payload = json.loads(body_of(event))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(payload)]
        assert not errors, (event.type, errors[:3])
        kinds[event.type] += 1
    assert set(kinds) == set(EventType.values)


def test_the_schema_refuses_a_payload_with_a_name_in_it(demo):
    event = WebhookEvent.objects.filter(clinic_id=demo.pk, type=EventType.APPOINTMENT_BOOKED).first()
    payload = json.loads(body_of(event))
    payload["data"]["appointment"]["patient_name"] = "Zofia Łęcka"
    assert not validator().is_valid(payload)
