"""GET /api/v1/scheduling/availability: free starts of one protocol in a window, with their resources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesoclinic.accounts.models import Role
from mesoclinic.scheduling.selectors import available_starts, propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import client_for, make_patient, make_schedulable, make_staff
from mesoclinic.testing.scheduling import MONDAY, protocol_for_modality

pytestmark = pytest.mark.django_db
URL = "/api/v1/scheduling/availability"


def query(setup, start=MONDAY, days=1, **extra):
    return {
        "location_id": setup.location.pk,
        "protocol": protocol_for_modality(setup.location.clinic).slug,
        "start": start.isoformat(),
        "end": (start + timedelta(days=days)).isoformat(),
        **extra,
    }


def test_it_lists_free_starts_with_their_resources(clinic, setup, receptionist):
    response = client_for(receptionist).get(URL, query(setup))
    assert response.status_code == 200, response.content
    starts = response.json()
    expected = available_starts(
        setup.location, protocol_for_modality(clinic), MONDAY, MONDAY + timedelta(days=1)
    )
    assert [datetime.fromisoformat(s["start"]) for s in starts] == [c.start for c in expected]
    first = starts[0]
    assert datetime.fromisoformat(first["start"]) == MONDAY.astimezone(UTC)
    assert datetime.fromisoformat(first["end"]) - MONDAY == timedelta(
        minutes=protocol_for_modality(clinic).session_minutes
    )
    assert (first["practitioner_id"], first["room_id"], first["device_id"]) == (
        setup.practitioner.pk,
        setup.room.pk,
        setup.device.pk,
    )
    assert first["practitioner"] == "Nina Nurse"


def test_it_leaves_out_booked_time(clinic, setup, receptionist):
    ep = protocol_for_modality(clinic)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
    starts = [s["start"] for s in client_for(receptionist).get(URL, query(setup)).json()]
    taken = ep.session_minutes + ep.buffer_minutes
    assert all(not MONDAY <= datetime.fromisoformat(s) < MONDAY + timedelta(minutes=taken) for s in starts)
    assert starts


def test_it_restricts_to_one_practitioner(clinic, setup, receptionist):
    unqualified = make_staff(clinic, Role.PRACTITIONER, name="Nobody Hours", modalities=["needle"])
    client = client_for(receptionist)
    assert client.get(URL, query(setup, practitioner_id=unqualified.pk)).json() == []
    mine = client.get(URL, query(setup, practitioner_id=setup.practitioner.pk)).json()
    assert mine and {s["practitioner_id"] for s in mine} == {setup.practitioner.pk}


@pytest.mark.parametrize(
    "change",
    [
        {"start": "2031-03-03T09:00:00"},  # no UTC offset: ambiguous around DST changes
        {"end": "2031-03-02T09:00:00+01:00"},  # before the start
        {"end": "2031-06-03T09:00:00+01:00"},  # more than 62 days
        {"location_id": "abc"},
    ],
)
def test_it_rejects_bad_input(setup, receptionist, change):
    response = client_for(receptionist).get(URL, {**query(setup), **change})
    assert response.status_code == 422, response.content


def test_it_404s_for_another_clinics_location_protocol_and_practitioner(
    clinic, other_clinic, setup, receptionist
):
    theirs = make_schedulable(other_clinic)
    client = client_for(receptionist)
    assert client.get(URL, query(setup, location_id=theirs.location.pk)).status_code == 404
    assert client.get(URL, query(setup, practitioner_id=theirs.practitioner.pk)).status_code == 404
    assert client.get(URL, query(setup, protocol="no-such-protocol")).status_code == 404


def test_it_refuses_the_auditor_and_anonymous(setup, auditor, client):
    assert client_for(auditor).get(URL, query(setup)).status_code == 403
    assert client.get(URL, query(setup)).status_code == 401


def test_it_only_allows_get(setup, receptionist):
    assert client_for(receptionist).post(URL).status_code == 405
