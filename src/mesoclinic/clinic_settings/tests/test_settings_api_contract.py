"""What schemathesis found in the Settings API (issue 13's full run): opening hours and working weeks
documented as JSON Schema's "time" (RFC 3339, an offset required) that every answer violated, and a
PATCH body that was not a JSON object (``[null]``) answered 200 as if it were ``{}``."""

from __future__ import annotations

import json

import pytest

from mesoclinic.accounts.models import Clinic, Location
from mesoclinic.scheduling.models import Device, Room, WorkingHours
from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.openapi import assert_documented

pytestmark = pytest.mark.django_db
API = "/api/v1/settings"


def _send(member, method: str, path: str, raw: str) -> object:
    return getattr(client_for(member), method)(f"{API}{path}", data=raw, content_type="application/json")


def test_opening_hours_and_a_working_week_match_their_documented_schema(owner):
    setup = make_schedulable(owner.clinic)
    client = client_for(owner)
    locations = client.get(f"{API}/locations").json()
    assert any(location["opening_hours"] for location in locations)
    assert_documented(locations, f"{API}/locations")
    hours = client.get(f"{API}/practitioners/{setup.practitioner.pk}/hours").json()
    assert hours and hours[0]["spans"]
    assert_documented(hours, f"{API}/practitioners/{{practitioner_id}}/hours")
    changed = _send(owner, "patch", f"/locations/{setup.location.pk}", json.dumps({"phone": "+48 22 1"}))
    assert_documented(changed.json(), f"{API}/locations/{{location_id}}", "patch")


def test_a_time_with_an_offset_is_refused_naming_the_span(owner):
    """The document says a local time of day without an offset; the code holds it to that."""
    setup = make_schedulable(owner.clinic)
    before = list(WorkingHours.objects.filter(staff=setup.practitioner).values_list("weekday", "starts"))
    week = {
        "location_id": setup.location.pk,
        "spans": [{"weekday": 0, "starts": "09:00:00+01:00", "ends": "17:00:00"}],
    }
    path = f"/practitioners/{setup.practitioner.pk}/hours"
    response = _send(owner, "put", path, json.dumps(week))
    assert response.status_code == 422, response.content
    assert "spans[0].starts" in response.json()["errors"]
    after = list(WorkingHours.objects.filter(staff=setup.practitioner).values_list("weekday", "starts"))
    assert after == before


NOT_AN_OBJECT = ["[null]", "[]", "null", "1", '"x"', "true", '[{"name": "Renamed"}]']


def _rows(clinic: Clinic) -> list[object]:
    return [
        list(Room.objects.filter(location__clinic=clinic).values_list("name", "modalities", "is_active")),
        list(Location.objects.filter(clinic=clinic).values_list("name", "phone", "address")),
        list(Device.objects.filter(location__clinic=clinic).values_list("name", "is_active")),
        Clinic.objects.filter(pk=clinic.pk).values_list("name", "phone").get(),
    ]


@pytest.mark.parametrize("raw", NOT_AN_OBJECT)
@pytest.mark.parametrize("target", ["rooms", "locations", "devices", "clinic"])
def test_a_body_that_is_not_a_json_object_is_refused_and_changes_nothing(owner, target, raw):
    setup = make_schedulable(owner.clinic)
    ids = {"rooms": setup.room.pk, "locations": setup.location.pk, "devices": setup.device.pk}
    path = f"/{target}/{ids[target]}" if target in ids else f"/{target}"
    before = _rows(owner.clinic)
    response = _send(owner, "patch", path, raw)
    assert response.status_code == 422, response.content
    assert "body" in response.json()["errors"]
    assert _rows(owner.clinic) == before


def test_an_empty_object_is_still_a_patch_that_changes_nothing(owner):
    setup = make_schedulable(owner.clinic)
    response = _send(owner, "patch", f"/rooms/{setup.room.pk}", "{}")
    assert response.status_code == 200
    assert response.json()["name"] == setup.room.name


def test_no_time_of_day_is_documented_as_an_rfc_3339_time(client):
    """Every time of day the API has is a clinic's wall clock (``mesoclinic.local_time.LocalTime``)."""
    found: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if node.get("format") == "time":
                found.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(client.get("/api/v1/openapi.json").json(), "")
    assert found == []
