"""/api/v1/scheduling/practitioners/{id}/time-off: list, add and delete a practitioner's time off."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.test import Client

from mesoclinic.scheduling.models import TimeOff
from mesoclinic.scheduling.services import add_time_off
from mesoclinic.testing import client_for
from mesoclinic.testing.scheduling import MONDAY, call, protocol_for_modality

pytestmark = pytest.mark.django_db


def url(setup, *rest):
    return "/".join([f"/api/v1/scheduling/practitioners/{setup.practitioner.pk}/time-off", *map(str, rest)])


def leave(days=5, **extra):
    return {"starts_at": MONDAY.isoformat(), "ends_at": (MONDAY + timedelta(days=days)).isoformat(), **extra}


def monday_starts(client, setup, clinic):
    response = client.get(
        "/api/v1/scheduling/availability",
        {
            "location_id": setup.location.pk,
            "protocol": protocol_for_modality(clinic).slug,
            "start": MONDAY.isoformat(),
            "end": (MONDAY + timedelta(hours=8)).isoformat(),
        },
    )
    assert response.status_code == 200, response.content
    return [datetime.fromisoformat(s["start"]) for s in response.json()]


def test_it_adds_time_off_that_frees_nothing_to_book(clinic, setup, receptionist):
    client = client_for(receptionist)
    assert monday_starts(client, setup, clinic)
    response = call(client, "post", url(setup), leave(reason="Annual leave"))
    assert response.status_code == 201, response.content
    off = TimeOff.objects.get(pk=response.json()["id"])
    assert (off.staff, off.starts_at, off.reason) == (setup.practitioner, MONDAY, "Annual leave")
    assert response.json()["practitioner_id"] == setup.practitioner.pk
    assert monday_starts(client, setup, clinic) == []


def test_it_lists_and_deletes_it(clinic, setup, receptionist):
    first = add_time_off(setup.practitioner, starts_at=MONDAY, ends_at=MONDAY + timedelta(days=1), actor=None)
    later = add_time_off(
        setup.practitioner,
        starts_at=MONDAY + timedelta(days=30),
        ends_at=MONDAY + timedelta(days=31),
        actor=None,
    )
    client = client_for(receptionist)
    assert [i["id"] for i in client.get(url(setup)).json()["items"]] == [first.pk, later.pk]
    after = {"ends_after": (MONDAY + timedelta(days=2)).isoformat()}
    assert [i["id"] for i in client.get(url(setup), after).json()["items"]] == [later.pk]
    assert client.delete(url(setup, first.pk)).status_code == 204
    assert not TimeOff.objects.filter(pk=first.pk).exists()
    assert monday_starts(client, setup, clinic)


@pytest.mark.parametrize(
    "change",
    [
        {"ends_at": MONDAY.isoformat()},
        {"ends_at": (MONDAY - timedelta(days=1)).isoformat()},
        {"ends_at": (MONDAY + timedelta(days=367)).isoformat()},
        {"ends_at": "2031-03-10T09:00:00"},  # no UTC offset
    ],
)
def test_it_refuses_a_bad_interval_with_422(setup, receptionist, change):
    response = call(client_for(receptionist), "post", url(setup), {**leave(), **change})
    assert response.status_code == 422, response.content
    assert not TimeOff.objects.exists()


def test_another_clinics_practitioner_or_row_is_404(setup, receptionist, physician, outsider):
    off = add_time_off(setup.practitioner, starts_at=MONDAY, ends_at=MONDAY + timedelta(days=1), actor=None)
    theirs = client_for(outsider)
    assert theirs.get(url(setup)).status_code == 404
    assert call(theirs, "post", url(setup), leave()).status_code == 404
    assert theirs.delete(url(setup, off.pk)).status_code == 404
    elsewhere = f"/api/v1/scheduling/practitioners/{physician.pk}/time-off/{off.pk}"
    assert client_for(receptionist).delete(elsewhere).status_code == 404
    assert TimeOff.objects.filter(pk=off.pk).exists()


def test_it_needs_a_role_that_keeps_the_diary(setup, auditor):
    off = add_time_off(setup.practitioner, starts_at=MONDAY, ends_at=MONDAY + timedelta(days=1), actor=None)
    assert client_for(auditor).get(url(setup)).status_code == 403
    assert call(client_for(auditor), "post", url(setup), leave()).status_code == 403
    assert client_for(auditor).delete(url(setup, off.pk)).status_code == 403
    assert Client().post(url(setup)).status_code == 401
    assert TimeOff.objects.count() == 1


def test_it_answers_405_to_other_methods(setup, receptionist):
    client = client_for(receptionist)
    assert call(client, "patch", url(setup), leave()).status_code == 405
    assert client.post(url(setup, 1)).status_code == 405


def test_an_offset_postgresql_cannot_store_is_read_in_utc(setup, receptionist):
    """Found by schemathesis on PostgreSQL: +19:21 is a valid ISO offset that the database refused (500)."""
    later = add_time_off(
        setup.practitioner,
        starts_at=MONDAY + timedelta(days=30),
        ends_at=MONDAY + timedelta(days=31),
        actor=None,
    )
    after = (MONDAY + timedelta(days=2)).astimezone(timezone(timedelta(hours=19, minutes=21)))
    response = client_for(receptionist).get(url(setup), {"ends_after": after.isoformat()})
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [later.pk]
