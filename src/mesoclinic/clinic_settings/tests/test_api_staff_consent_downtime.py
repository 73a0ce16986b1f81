"""The Settings API does what Settings → Staff, Consent forms and a device's downtime do, through the same
services: the owner writes, an auditor reads; another clinic's ids are not found; refusals are 422 naming
the field."""

from __future__ import annotations

import json
import re
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.core import mail

from mesoclinic.accounts.models import StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.patients.models import ConsentTemplate
from mesoclinic.scheduling.models import DeviceDowntime
from mesoclinic.testing import client_for, make_staff

pytestmark = pytest.mark.django_db
API = "/api/v1/settings"


def _send(member, method: str, path: str, body: dict | None = None) -> object:
    client = client_for(member)
    return getattr(client, method)(
        f"{API}{path}", data=json.dumps(body or {}), content_type="application/json"
    )


@pytest.fixture
def other_owner(other_clinic):
    return make_staff(other_clinic, "owner", name="Otto Other")


def _device(owner) -> int:
    location = owner.clinic.locations.get()
    body = {"location_id": location.pk, "name": "EP-API", "modality": "electroporation"}
    created = _send(owner, "post", "/devices", body)
    assert created.status_code == 201, created.content
    return created.json()["id"]


# --- Staff ---------------------------------------------------------------------------------------------------


def test_an_invitation_creates_the_member_emails_the_link_and_is_audited(
    owner, django_capture_on_commit_callbacks
):
    location = owner.clinic.locations.get()
    body = {
        "email": "Nadia@Example.org",
        "display_name": "Nadia Nowak",
        "title": "RN",
        "role": "practitioner",
        "modalities": ["needle"],
        "location_ids": [location.pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(owner, "post", "/staff", body)
    assert response.status_code == 201, response.content
    out = response.json()
    member = StaffMember.objects.get(user__email="nadia@example.org")
    assert out["id"] == member.pk
    assert (out["role"], out["modalities"], out["location_ids"], out["is_active"]) == (
        "practitioner",
        ["needle"],
        [location.pk],
        True,
    )
    assert not member.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["nadia@example.org"]
    assert "/accounts/password/reset/key/" in re.search(r"https?://\S+", message.body).group(0)
    event = AuditEvent.objects.get(action="staff.invite")
    assert event.actor == owner.user

    listed = client_for(owner).get(f"{API}/staff").json()
    assert {row["email"] for row in listed} >= {"nadia@example.org", owner.user.email}

    again = _send(owner, "post", "/staff", body)
    assert again.status_code == 422
    assert "email" in again.json()["errors"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "wizard"}, "role"),
        ({"modalities": ["no-such-treatment"]}, "modalities"),
        ({"location_ids": [987654]}, "locations"),
        ({"display_name": None}, "display_name"),
    ],
)
def test_a_refused_staff_value_is_422_naming_the_field(owner, practitioner, change, field):
    response = _send(owner, "patch", f"/staff/{practitioner.pk}", change)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_a_member_is_edited_deactivated_and_reactivated(owner, practitioner):
    location = owner.clinic.locations.get()
    change = {"title": "Dr", "role": "physician", "modalities": ["needle"], "location_ids": [location.pk]}
    response = _send(owner, "patch", f"/staff/{practitioner.pk}", change)
    assert response.status_code == 200, response.content
    practitioner.refresh_from_db()
    assert (practitioner.title, practitioner.role, practitioner.modalities) == ("Dr", "physician", ["needle"])
    assert AuditEvent.objects.filter(action="staff.update").exists()

    off = _send(owner, "patch", f"/staff/{practitioner.pk}", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    practitioner.refresh_from_db()
    assert not practitioner.is_active and not practitioner.user.is_active
    assert AuditEvent.objects.filter(action="staff.deactivate").exists()
    assert _send(owner, "patch", f"/staff/{practitioner.pk}", {"is_active": True}).json()["is_active"] is True


def test_the_last_owner_is_neither_demoted_nor_deactivated(owner):
    demoted = _send(owner, "patch", f"/staff/{owner.pk}", {"role": "practitioner"})
    assert demoted.status_code == 422
    assert "role" in demoted.json()["errors"]
    deactivated = _send(owner, "patch", f"/staff/{owner.pk}", {"is_active": False})
    assert deactivated.status_code == 422
    owner.refresh_from_db()
    assert (owner.role, owner.is_active) == ("owner", True)


def test_another_clinics_staff_member_is_not_found_and_an_auditor_only_reads(
    owner, practitioner, other_owner, auditor
):
    assert _send(other_owner, "patch", f"/staff/{practitioner.pk}", {"title": "X"}).status_code == 404
    assert practitioner.pk not in {row["id"] for row in client_for(other_owner).get(f"{API}/staff").json()}
    assert client_for(auditor).get(f"{API}/staff").status_code == 200
    assert _send(auditor, "patch", f"/staff/{practitioner.pk}", {"title": "X"}).status_code == 403


# --- Consent templates ---------------------------------------------------------------------------------------


def test_a_consent_version_is_new_and_the_earlier_kept(owner, other_owner):
    path = "/consent-templates/needle/versions"
    first = _send(owner, "post", path, {"title": "Needle consent", "body": "First text."})
    assert first.status_code == 201, first.content
    second = _send(owner, "post", path, {"title": "Needle consent", "body": "Second text."})
    assert second.status_code == 201, second.content
    assert second.json()["version"] == first.json()["version"] + 1
    versions = client_for(owner).get(f"{API}{path}").json()
    assert [v["body"] for v in versions[:2]] == ["Second text.", "First text."]
    kept = ConsentTemplate.objects.get(
        clinic=owner.clinic, version=first.json()["version"], modality__code="needle"
    )
    assert kept.body == "First text."
    assert AuditEvent.objects.filter(action="consent_template.publish").count() >= 2

    same = _send(owner, "post", path, {"title": "Needle consent", "body": "Second text."})
    assert same.status_code == 422
    assert "body" in same.json()["errors"]
    assert _send(owner, "post", path, {"title": "", "body": "x"}).status_code == 422
    assert client_for(owner).get(f"{API}/consent-templates/no-such/versions").status_code == 404
    assert _send(other_owner, "post", path, {"title": "T", "body": "Theirs."}).status_code in {201, 404}
    assert "Theirs." not in {v["body"] for v in client_for(owner).get(f"{API}{path}").json()}


# --- A device's downtime ---------------------------------------------------------------------------------------


def test_downtime_is_added_listed_and_removed(owner):
    device_id = _device(owner)
    body = {"starts_at": "2031-07-01T08:00:00Z", "ends_at": "2031-07-01T12:00:00Z", "reason": "Service"}
    added = _send(owner, "post", f"/devices/{device_id}/downtime", body)
    assert added.status_code == 201, added.content
    downtime = DeviceDowntime.objects.get(device_id=device_id)
    assert downtime.starts_at == datetime(2031, 7, 1, 8, tzinfo=UTC)
    assert [row["id"] for row in client_for(owner).get(f"{API}/devices/{device_id}/downtime").json()] == [
        downtime.pk
    ]
    assert AuditEvent.objects.filter(action="device_downtime.create").exists()

    removed = client_for(owner).delete(f"{API}/devices/{device_id}/downtime/{downtime.pk}")
    assert removed.status_code == 204
    assert not DeviceDowntime.objects.filter(device_id=device_id).exists()
    assert AuditEvent.objects.filter(action="device_downtime.delete").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2031-07-01T12:00:00Z", "ends_at": "2031-07-01T08:00:00Z"}, "ends_at"),
        ({"starts_at": "0001-01-01T00:00:00", "ends_at": "2031-07-01T08:00:00Z"}, "starts_at"),
        ({"starts_at": "not a time", "ends_at": "2031-07-01T08:00:00Z"}, "starts_at"),
    ],
)
def test_refused_downtime_is_422_naming_the_field(owner, body, field):
    response = _send(owner, "post", f"/devices/{_device(owner)}/downtime", body)
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json())


def test_a_local_time_is_the_locations_time(owner):
    device_id = _device(owner)
    body = {"starts_at": "2031-07-01T08:00:00", "ends_at": "2031-07-01T12:00:00"}
    assert _send(owner, "post", f"/devices/{device_id}/downtime", body).status_code == 201
    downtime = DeviceDowntime.objects.get(device_id=device_id)
    local = downtime.starts_at.astimezone(zoneinfo.ZoneInfo(owner.clinic.locations.get().timezone))
    assert (local.hour, local.minute) == (8, 0)


def test_another_clinics_device_and_downtime_are_not_found(owner, other_owner):
    device_id = _device(owner)
    body = {"starts_at": "2031-07-01T08:00:00Z", "ends_at": "2031-07-01T12:00:00Z"}
    downtime_id = _send(owner, "post", f"/devices/{device_id}/downtime", body).json()["id"]
    other = client_for(other_owner)
    assert other.get(f"{API}/devices/{device_id}/downtime").status_code == 404
    assert _send(other_owner, "post", f"/devices/{device_id}/downtime", body).status_code == 404
    assert other.delete(f"{API}/devices/{device_id}/downtime/{downtime_id}").status_code == 404
    assert DeviceDowntime.objects.filter(pk=downtime_id).exists()
