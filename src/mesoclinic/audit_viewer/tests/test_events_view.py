"""The auditor's viewer: only the own clinic, filters, pages, a streamed CSV export that is itself audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.services import record_event
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db
URL = reverse("audit:events")


@pytest.fixture
def logged(clinic: Clinic, other_clinic: Clinic, physician: StaffMember) -> None:
    patient = make_patient(clinic, history_taken=False)
    record_event("test.mine", patient, actor=physician.user)
    record_event("test.other", actor=None, clinic=clinic, data={"n": 1})
    record_event("test.foreign", actor=None, clinic=other_clinic)


def test_the_auditor_sees_only_the_own_clinic(logged: None, auditor: StaffMember) -> None:
    response = client_for(auditor).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "test.mine" in body
    assert "test.other" in body
    assert "test.foreign" not in body


@pytest.mark.parametrize("role", ["owner", "auditor"])
def test_owner_and_auditor_may_look(logged: None, role: str, request: pytest.FixtureRequest) -> None:
    assert client_for(request.getfixturevalue(role)).get(URL).status_code == 200


@pytest.mark.parametrize("role", ["physician", "practitioner", "receptionist"])
def test_other_roles_may_not(role: str, request: pytest.FixtureRequest) -> None:
    assert client_for(request.getfixturevalue(role)).get(URL).status_code == 403


def test_it_is_read_only(auditor: StaffMember) -> None:
    assert client_for(auditor).post(URL).status_code == 405


def test_it_filters_by_actor_action_patient_and_object(
    clinic: Clinic, logged: None, auditor: StaffMember, physician: StaffMember
) -> None:
    mine = AuditEvent.objects.get(action="test.mine")
    client = client_for(auditor)
    for query in (
        {"actor": physician.user_id},
        {"action": "test.mine"},
        {"object_type": "patients.patient", "object_id": mine.object_id, "actor": physician.user_id},
    ):
        page = client.get(URL, query).context["page"]
        assert [e.action for e in page.object_list] == ["test.mine"], query
    by_patient = client.get(URL, {"patient": mine.patient_id}).context["page"].object_list
    assert {e.action for e in by_patient} == {"patient.create", "test.mine"}


def test_it_filters_by_date(clinic: Clinic, logged: None, auditor: StaffMember) -> None:
    today = timezone.localdate()
    client = client_for(auditor)
    assert client.get(URL, {"date_from": today, "date_to": today}).context["page"].paginator.count >= 2
    tomorrow = today + timedelta(days=1)
    assert client.get(URL, {"date_from": tomorrow}).context["page"].paginator.count == 0


def test_it_pages(clinic: Clinic, auditor: StaffMember) -> None:
    for n in range(55):
        record_event("test.many", actor=None, clinic=clinic, data={"n": n})
    response = client_for(auditor).get(URL, {"action": "test.many", "page": 2})
    assert len(response.context["page"].object_list) == 5
    assert 'rel="prev"' in response.content.decode()


def test_the_csv_export_streams_every_match_and_is_audited(logged: None, auditor: StaffMember) -> None:
    response = client_for(auditor).get(URL, {"action": "test.mine", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["action"] for r in rows] == ["test.mine"]
    assert rows[0]["actor"] == "Dr Paula Physician"
    export = AuditEvent.objects.get(action="export")
    assert export.actor_id == auditor.user_id
    assert export.data["view"] == "audit:events"


def test_administration_shows_audit_to_the_auditor_only(
    auditor: StaffMember, receptionist: StaffMember
) -> None:
    admin = reverse("web:admin")
    assert URL in client_for(auditor).get(admin).content.decode()
    assert client_for(receptionist).get(admin).status_code == 403


def test_the_csv_export_defuses_formulas_in_what_a_request_brought(auditor: StaffMember) -> None:
    """A user agent (or path) is written by whoever sent the request: a spreadsheet must not run it."""
    attack = "=cmd|' /C calc'!A0"
    client = client_for(auditor)
    client.get(URL, {"format": "csv", "action": "export"}, HTTP_USER_AGENT=attack)  # logs an export event
    response = client.get(URL, {"format": "csv", "action": "export"}, HTTP_USER_AGENT=attack)
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert rows
    assert rows[-1]["user_agent"] == "'" + attack
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values() if cell)


def test_the_who_filter_lists_each_person_once_however_long_the_log(
    clinic: Clinic, physician: StaffMember, auditor: StaffMember
) -> None:
    patient = make_patient(clinic)
    for n in range(5):
        record_event("test.again", patient, actor=physician.user, data={"n": n})
    body = client_for(auditor).get(URL).content.decode()
    who = body.split('name="actor"')[1].split("</select>")[0]
    assert who.count("Dr Paula Physician") == 1
    assert who.count(f'value="{physician.user_id}"') == 1
