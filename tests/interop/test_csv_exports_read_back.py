"""Every CSV export of the demo clinic, read back as a spreadsheet would: the standard library's ``csv.Sniffer``
(which knows nothing of how MesoClinic writes) must find the separator, and every row must parse.

The list of exports below is checked against the code: every ``csv_export(..., list_name=...)`` call in
``src/`` must have its entry here, so a new export cannot go unread.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import time_machine
from django.urls import reverse

from mesoclinic.accounts.models import StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.inventory.models import Lot
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Course
from mesoclinic.testing import client_for
from mesoclinic.vigilance.models import AdverseEvent
from mesoclinic.webhooks.services import create_endpoint, send_test_event

# One worker builds the demo for all its readers (once for the whole group, see the root conftest; `--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

SRC = Path(__file__).resolve().parents[2] / "src" / "mesoclinic"
DEMO_DAY = datetime(2026, 11, 25, 9, tzinfo=UTC)
CATALOG_SECTIONS = ("modalities", "cocktails", "products", "ingredients")


def _first(model, clinic, **extra):
    row = model.objects.filter(clinic=clinic, **extra).order_by("pk").first()
    assert row is not None, f"the demo has no {model.__name__}"
    return row


def _treated_patient(clinic) -> Patient:
    return _first(Patient, clinic, sessions__status="signed")


EXPORTS: dict[str, Callable] = {
    **{
        f"catalog.{section}": lambda clinic, section=section: reverse(f"catalog:{section}")
        for section in CATALOG_SECTIONS
    },
    "patients": lambda clinic: reverse("patients:list"),
    "appointments": lambda clinic: reverse("scheduling:calendar"),
    "sessions": lambda clinic: reverse("treatments:patient_sessions", args=[_treated_patient(clinic).pk]),
    "course": lambda clinic: reverse("treatments:course", args=[_first(Course, clinic).pk]),
    "photos": lambda clinic: reverse("outcomes:patient_photos", args=[_treated_patient(clinic).pk]),
    "inventory.lots": lambda clinic: reverse("inventory:lots"),
    "inventory.ledger": lambda clinic: reverse("inventory:lot", args=[_first(Lot, clinic).pk]),
    "safety.rules": lambda clinic: reverse("safety:rules"),
    "notifications.deliveries": lambda clinic: reverse("notifications:log"),
    "reports.outcomes": lambda clinic: reverse("reports:outcomes"),
    "reports.adherence": lambda clinic: reverse("reports:adherence"),
    "reports.no_shows": lambda clinic: reverse("reports:no_shows"),
    "reports.recalls_due": lambda clinic: reverse("reports:recalls"),
    "vigilance.recall": lambda clinic: f"{reverse('vigilance:recall')}?lot={_first(Lot, clinic).pk}",
    "vigilance.events": lambda clinic: reverse("vigilance:events"),
    "vigilance.patient_events": lambda clinic: reverse(
        "vigilance:patient_events", args=[_first(AdverseEvent, clinic).patient_id]
    ),
    "vigilance.event_report": lambda clinic: reverse(
        "vigilance:event_report", args=[_first(AdverseEvent, clinic).pk]
    ),
    "webhooks.endpoints": lambda clinic: reverse("webhooks:endpoints"),
    "webhooks.deliveries": lambda clinic: reverse("webhooks:deliveries"),
    "billing.documents": lambda clinic: reverse("billing:documents"),
    "billing.gift_cards": lambda clinic: reverse("billing:gift_cards"),
    "reports.money": lambda clinic: reverse("reports:money"),
    "reports.money_documents": lambda clinic: reverse("reports:money_export"),
    "reports.money_payments": lambda clinic: f"{reverse('reports:money_export')}?part=payments",
}
"""``list_name`` of each export -> its URL in the demo clinic (read by the owner)."""

LOCAL_DATE = re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b")
DOT_DECIMAL = re.compile(r"-?\d+\.\d+")


def list_names_in_the_code() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "csv_export":
                name = next(k.value for k in node.keywords if k.arg == "list_name")
                if isinstance(name, ast.Constant):
                    found.add(name.value)
                else:  # the catalog's f"catalog.{section}"
                    assert "catalog" in ast.unparse(name), ast.unparse(name)
                    found.update(f"catalog.{section}" for section in CATALOG_SECTIONS)
    return found


def test_every_export_in_the_code_is_read_back_here():
    assert list_names_in_the_code() == set(EXPORTS)


@pytest.fixture
def demo(demo_clinic, settings):
    """The demo clinic (loaded on ``DEMO_DAY``, built once for the demo group, see the root conftest) and a webhook
    endpoint with one (failed) delivery: a closed port on this machine."""
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    clinic = demo_clinic
    with time_machine.travel(DEMO_DAY, tick=True):
        owner = StaffMember.objects.get(clinic=clinic, user__username="owner")
        endpoint = create_endpoint(
            clinic, url="http://127.0.0.1:9/hooks", events=["appointment.booked"], actor=owner.user
        )
        send_test_event(endpoint, actor=owner.user)
    return clinic


def read_back(body: bytes, delimiter: str) -> list[list[str]]:
    """What a spreadsheet does: a byte-order mark says UTF-8; the separator is guessed from the text."""
    assert body.startswith(b"\xef\xbb\xbf"), body[:40]
    text = body.decode("utf-8-sig")
    sniffed = csv.Sniffer().sniff(text[:20000], delimiters=",;\t")
    assert sniffed.delimiter == delimiter
    rows = list(csv.reader(text.splitlines(), sniffed))
    header = rows[0]
    assert all(cell and not DOT_DECIMAL.fullmatch(cell) for cell in header), header
    assert len(set(header)) == len(header), header
    for row in rows[1:]:
        assert len(row) == len(header), (header, row)
    return rows


@pytest.mark.parametrize(("dialect", "delimiter"), [("", ","), ("excel-pl", ";")])
def test_every_list_export_of_the_demo_reads_back_in_a_spreadsheet(demo, dialect, delimiter):
    client = client_for(StaffMember.objects.get(clinic=demo, user__username="owner"))
    rows_seen = 0
    for list_name, url_of in EXPORTS.items():
        url, _, own_query = url_of(demo).partition("?")
        query = dict(parse_qsl(own_query)) | {"format": "csv"} | ({"dialect": dialect} if dialect else {})
        with time_machine.travel(DEMO_DAY, tick=True):
            response = client.get(url, query)
        assert response.status_code == 200, (list_name, response.status_code)
        assert response["Content-Type"] == "text/csv; charset=utf-8", list_name
        body = b"".join(response.streaming_content)
        rows = read_back(body, delimiter)
        assert AuditEvent.objects.filter(action="export").order_by("-pk").first().data["list"] == list_name
        for row in rows[1:]:
            for cell in row:
                assert not LOCAL_DATE.search(cell), (list_name, cell)  # dates are ISO 8601
                if dialect == "excel-pl":
                    assert not DOT_DECIMAL.fullmatch(cell), (list_name, cell)  # decimal comma
        rows_seen += len(rows) - 1
    assert rows_seen > 100


def test_the_audit_logs_export_reads_back_too(demo):
    client = client_for(StaffMember.objects.get(clinic=demo, user__username="auditor"))
    for dialect, delimiter in (("excel", ","), ("excel-pl", ";")):
        response = client.get(reverse("audit:events"), {"format": "csv", "dialect": dialect})
        assert response.status_code == 200
        rows = read_back(b"".join(response.streaming_content), delimiter)
        assert len(rows) > 10


def test_a_dialect_that_does_not_exist_is_refused_in_plain_words(demo):
    client = client_for(StaffMember.objects.get(clinic=demo, user__username="owner"))
    response = client.get(reverse("patients:list"), {"format": "csv", "dialect": "lotus"})
    assert response.status_code == 400
    assert "There is no CSV dialect 'lotus': use excel or excel-pl." in response.content.decode()
