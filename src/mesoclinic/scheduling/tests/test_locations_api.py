"""GET /api/v1/scheduling/locations: the clinic's locations with what can be booked there."""

from __future__ import annotations

import pytest

from mesoclinic.testing import client_for, make_schedulable

pytestmark = pytest.mark.django_db
URL = "/api/v1/scheduling/locations"


def test_it_lists_locations_with_rooms_devices_and_practitioners(clinic, receptionist, physician):
    setup = make_schedulable(clinic)
    response = client_for(receptionist).get(URL)
    assert response.status_code == 200
    [location] = response.json()
    assert location["id"] == setup.location.pk
    assert location["timezone"] == "Europe/Warsaw"
    assert [r["id"] for r in location["rooms"]] == [setup.room.pk]
    assert location["rooms"][0]["modalities"] == ["electroporation", "needle"]
    assert [(d["id"], d["modality"]) for d in location["devices"]] == [(setup.device.pk, "electroporation")]
    # The physician has no working hours at this location, so they cannot be booked there.
    assert [p["id"] for p in location["practitioners"]] == [setup.practitioner.pk]


def test_it_shows_only_the_callers_clinic(clinic, other_clinic, outsider):
    make_schedulable(clinic)
    theirs = make_schedulable(other_clinic)
    locations = client_for(outsider).get(URL).json()
    assert [loc["id"] for loc in locations] == [theirs.location.pk]
    assert [r["id"] for r in locations[0]["rooms"]] == [theirs.room.pk]


def test_it_refuses_the_auditor_and_anonymous(clinic, auditor, client):
    assert client_for(auditor).get(URL).status_code == 403
    assert client.get(URL).status_code == 401


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405
