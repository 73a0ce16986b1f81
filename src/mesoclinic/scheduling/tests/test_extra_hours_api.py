"""/api/v1/scheduling/practitioners/{id}/extra-hours: list, add and delete a practitioner's extra hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from mesoclinic.scheduling.models import ExtraHours
from mesoclinic.scheduling.services import add_extra_hours
from mesoclinic.testing import client_for
from mesoclinic.testing.scheduling import WARSAW, call, protocol_for_modality

pytestmark = pytest.mark.django_db
SATURDAY = datetime(2031, 3, 8, 9, 0, tzinfo=WARSAW)


def url(setup, *rest):
    return "/".join(
        [f"/api/v1/scheduling/practitioners/{setup.practitioner.pk}/extra-hours", *map(str, rest)]
    )


def saturday(setup, hours=4, **extra):
    return {
        "location_id": setup.location.pk,
        "starts_at": SATURDAY.isoformat(),
        "ends_at": (SATURDAY + timedelta(hours=hours)).isoformat(),
        **extra,
    }


def saturday_starts(client, setup, clinic):
    response = client.get(
        "/api/v1/scheduling/availability",
        {
            "location_id": setup.location.pk,
            "protocol": protocol_for_modality(clinic).slug,
            "start": SATURDAY.isoformat(),
            "end": (SATURDAY + timedelta(hours=8)).isoformat(),
        },
    )
    assert response.status_code == 200, response.content
    return [datetime.fromisoformat(s["start"]) for s in response.json()]


def test_it_adds_extra_hours_that_make_a_saturday_bookable(clinic, setup, receptionist):
    client = client_for(receptionist)
    assert saturday_starts(client, setup, clinic) == []
    response = call(client, "post", url(setup), saturday(setup, reason="Saturday clinic"))
    assert response.status_code == 201, response.content
    body = response.json()
    extra = ExtraHours.objects.get(pk=body["id"])
    assert (extra.staff, extra.location, extra.starts_at, extra.reason) == (
        setup.practitioner,
        setup.location,
        SATURDAY,
        "Saturday clinic",
    )
    assert body["practitioner_id"] == setup.practitioner.pk
    assert datetime.fromisoformat(body["ends_at"]) == (SATURDAY + timedelta(hours=4)).astimezone(UTC)
    assert saturday_starts(client, setup, clinic)[0] == SATURDAY


def test_it_lists_them_by_start_page_by_page(setup, receptionist):
    made = [
        add_extra_hours(
            setup.practitioner,
            setup.location,
            starts_at=SATURDAY + timedelta(days=7 * n),
            ends_at=SATURDAY + timedelta(days=7 * n, hours=3),
            actor=None,
        )
        for n in (2, 0, 1)
    ]
    client = client_for(receptionist)
    body = client.get(url(setup)).json()
    assert body["count"] == 3
    assert [item["id"] for item in body["items"]] == [made[1].pk, made[2].pk, made[0].pk]
    later = client.get(url(setup), {"ends_after": (SATURDAY + timedelta(days=1)).isoformat()}).json()
    assert [item["id"] for item in later["items"]] == [made[2].pk, made[0].pk]
    page = client.get(url(setup), {"limit": 1, "offset": 1}).json()
    assert [item["id"] for item in page["items"]] == [made[2].pk]


def test_it_deletes_them(clinic, setup, receptionist):
    extra = add_extra_hours(
        setup.practitioner,
        setup.location,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=4),
        actor=None,
    )
    client = client_for(receptionist)
    assert saturday_starts(client, setup, clinic)
    response = client.delete(url(setup, extra.pk))
    assert response.status_code == 204
    assert not ExtraHours.objects.filter(pk=extra.pk).exists()
    assert saturday_starts(client, setup, clinic) == []


@pytest.mark.parametrize(
    "change",
    [
        {"ends_at": SATURDAY.isoformat()},
        {"ends_at": (SATURDAY - timedelta(hours=1)).isoformat()},
        {"ends_at": (SATURDAY + timedelta(hours=25)).isoformat()},
        {"starts_at": "2031-03-08T09:00:00"},  # no UTC offset
        {"reason": "x" * 201},
    ],
)
def test_it_refuses_a_bad_interval_with_422(setup, receptionist, change):
    response = call(client_for(receptionist), "post", url(setup), {**saturday(setup), **change})
    assert response.status_code == 422, response.content
    assert not ExtraHours.objects.exists()


def test_another_clinics_practitioner_location_or_row_is_404(setup, receptionist, outsider, other_clinic):
    extra = add_extra_hours(
        setup.practitioner,
        setup.location,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=4),
        actor=None,
    )
    theirs = client_for(outsider)
    assert theirs.get(url(setup)).status_code == 404
    assert call(theirs, "post", url(setup), saturday(setup)).status_code == 404
    assert theirs.delete(url(setup, extra.pk)).status_code == 404
    ours = client_for(receptionist)
    elsewhere = {**saturday(setup), "location_id": other_clinic.locations.get().pk}
    assert call(ours, "post", url(setup), elsewhere).status_code == 404
    assert ours.delete(url(setup, extra.pk + 1000)).status_code == 404
    assert ExtraHours.objects.count() == 1


def test_someone_elses_extra_hours_are_404_under_another_practitioner(clinic, setup, physician, receptionist):
    extra = add_extra_hours(
        setup.practitioner,
        setup.location,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=4),
        actor=None,
    )
    other = f"/api/v1/scheduling/practitioners/{physician.pk}/extra-hours/{extra.pk}"
    assert client_for(receptionist).delete(other).status_code == 404
    assert ExtraHours.objects.filter(pk=extra.pk).exists()


def test_it_needs_a_role_that_keeps_the_diary(setup, auditor):
    extra = add_extra_hours(
        setup.practitioner,
        setup.location,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=4),
        actor=None,
    )
    assert client_for(auditor).get(url(setup)).status_code == 403
    assert call(client_for(auditor), "post", url(setup), saturday(setup)).status_code == 403
    assert client_for(auditor).delete(url(setup, extra.pk)).status_code == 403
    assert Client().get(url(setup)).status_code == 401
    assert ExtraHours.objects.count() == 1


def test_it_answers_405_to_other_methods(setup, receptionist):
    client = client_for(receptionist)
    assert call(client, "put", url(setup), saturday(setup)).status_code == 405
    assert client.get(url(setup, 1)).status_code == 405
