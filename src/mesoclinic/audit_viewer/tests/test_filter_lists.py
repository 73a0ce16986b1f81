"""The viewer's filter lists come from small tables, never from the clinic's whole log: "who" from the staff
table, actions and object types from ``AuditTerm`` (kept by a database trigger on every insert into the log).
A clinic's tenth year (2,000,000 events) made the DISTINCT over the log take longer than the request's limit.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit import selectors
from mesoclinic.audit.models import AuditTerm
from mesoclinic.audit.services import record_event
from mesoclinic.audit_viewer.selectors import actors_for_clinic
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db
URL = reverse("audit:events")


def test_every_insert_notes_its_action_and_object_type_once_per_clinic(
    clinic: Clinic, other_clinic: Clinic
) -> None:
    patient = make_patient(clinic)
    before = set(selectors.actions_for_clinic(clinic))
    for _ in range(3):
        record_event("test.zeta", patient, actor=None)
    record_event("test.alpha", actor=None, clinic=clinic)  # no object: no object type noted
    record_event("test.foreign", actor=None, clinic=other_clinic)
    record_event("test.nowhere", actor=None)  # no clinic: in no clinic's list
    assert set(selectors.actions_for_clinic(clinic)) - before == {"test.alpha", "test.zeta"}
    assert selectors.actions_for_clinic(clinic) == sorted(selectors.actions_for_clinic(clinic))
    assert "patients.patient" in selectors.object_types_for_clinic(clinic)
    assert "" not in selectors.object_types_for_clinic(clinic)
    assert AuditTerm.objects.filter(clinic=clinic, kind="action", value="test.zeta").count() == 1
    assert "test.foreign" not in selectors.actions_for_clinic(clinic)
    assert "test.foreign" in selectors.actions_for_clinic(other_clinic)
    assert not AuditTerm.objects.filter(value="test.nowhere").exists()


def test_the_filter_lists_never_read_the_log(clinic: Clinic, physician: StaffMember) -> None:
    patient = make_patient(clinic)
    record_event("test.mine", patient, actor=physician.user)
    with CaptureQueriesContext(connection) as queries:
        actors = actors_for_clinic(clinic)
        actions = selectors.actions_for_clinic(clinic)
        types = selectors.object_types_for_clinic(clinic)
    assert (physician.user_id, "Dr Paula Physician") in actors
    assert "test.mine" in actions
    assert "patients.patient" in types
    assert len(queries) == 3
    assert not [q["sql"] for q in queries if "audit_auditevent" in q["sql"]]


def test_who_lists_the_staff_former_ones_too_and_a_logged_outsider_asked_for(
    clinic: Clinic, physician: StaffMember, auditor: StaffMember
) -> None:
    physician.is_active = False
    physician.save(update_fields=["is_active"])
    admin = get_user_model().objects.create_user("platform-admin")
    stranger = get_user_model().objects.create_user("never-here")
    record_event("test.support", actor=admin, clinic=clinic)
    client = client_for(auditor)

    def who(query: dict[str, object]) -> str:
        body = client.get(URL, query).content.decode()
        return body.split('name="actor"')[1].split("</select>")[0]

    assert "Dr Paula Physician" in who({})
    assert "platform-admin" not in who({})
    asked = client.get(URL, {"actor": admin.pk}).content.decode()
    assert "platform-admin" in asked.split('name="actor"')[1].split("</select>")[0]
    assert "test.support" in asked.split("</select>")[-1]
    assert "never-here" not in who({"actor": stranger.pk})  # no event of theirs here: not offered


def test_the_migration_fills_the_terms_from_the_events_already_logged(clinic: Clinic) -> None:
    """A clinic upgraded with years of log gets its lists from them once (the migration's one DISTINCT)."""
    record_event("test.old", make_patient(clinic), actor=None)
    expected = (selectors.actions_for_clinic(clinic), selectors.object_types_for_clinic(clinic))
    AuditTerm.objects.all().delete()  # as before the migration
    assert selectors.actions_for_clinic(clinic) == []
    terms = importlib.import_module("mesoclinic.audit.migrations.0005_terms")
    terms.fill_and_install(None, SimpleNamespace(connection=connection))
    assert (selectors.actions_for_clinic(clinic), selectors.object_types_for_clinic(clinic)) == expected
    record_event("test.after", actor=None, clinic=clinic)  # the trigger is (still) there
    assert "test.after" in selectors.actions_for_clinic(clinic)
