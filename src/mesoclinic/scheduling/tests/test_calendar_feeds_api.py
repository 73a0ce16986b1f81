"""/api/v1/scheduling/feeds: create (URL shown once), list and revoke private calendar feeds."""

from __future__ import annotations

import pytest

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import CalendarFeed
from mesoclinic.testing import client_for, make_schedulable, make_staff
from mesoclinic.testing.scheduling import call

pytestmark = pytest.mark.django_db
URL = "/api/v1/scheduling/feeds"


def create(client, kind, object_id):
    return call(client, "post", URL, {"kind": kind, "object_id": object_id})


def token_of(url):
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def test_a_practitioner_creates_a_feed_of_their_own_diary(setup):
    me = setup.practitioner
    response = create(client_for(me), "practitioner", me.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"].startswith("http://testserver/calendar/feeds/")
    assert (body["kind"], body["object_id"], body["name"]) == ("practitioner", me.pk, "Nina Nurse")
    feed = CalendarFeed.objects.get(pk=body["id"])
    token = token_of(body["url"])
    assert len(token) >= 43
    assert feed.token_hash == CalendarFeed.hash_token(token) != token
    assert feed.created_by == me.user and feed.revoked_at is None


def test_it_never_stores_or_logs_the_token(setup):
    body = create(client_for(setup.practitioner), "practitioner", setup.practitioner.pk).json()
    token = token_of(body["url"])
    stored = CalendarFeed.objects.filter(pk=body["id"]).values().get()
    assert all(token not in str(value) for value in stored.values())
    event = AuditEvent.objects.get(action="calendar_feed.create")
    assert token not in str(event.data)


def test_the_owner_publishes_rooms_devices_and_colleagues(setup, owner):
    client = client_for(owner)
    for kind, object_id in (
        ("room", setup.room.pk),
        ("device", setup.device.pk),
        ("practitioner", setup.practitioner.pk),
    ):
        response = create(client, kind, object_id)
        assert response.status_code == 201, (kind, response.content)
    assert CalendarFeed.objects.filter(clinic=owner.clinic).count() == 3


def test_a_practitioner_may_not_publish_a_room_or_a_colleague(clinic, setup, physician):
    client = client_for(setup.practitioner)
    assert create(client, "room", setup.room.pk).status_code == 403
    assert create(client, "device", setup.device.pk).status_code == 403
    assert create(client, "practitioner", physician.pk).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_receptionist_may_not_publish_any_diary(setup, receptionist):
    assert create(client_for(receptionist), "room", setup.room.pk).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_it_404s_for_another_clinics_resources(other_clinic, owner):
    theirs = make_schedulable(other_clinic)
    client = client_for(owner)
    assert create(client, "room", theirs.room.pk).status_code == 404
    assert create(client, "device", theirs.device.pk).status_code == 404
    assert create(client, "practitioner", theirs.practitioner.pk).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_it_only_publishes_people_who_treat(clinic, owner):
    receptionist = make_staff(clinic, Role.RECEPTIONIST)
    assert create(client_for(owner), "practitioner", receptionist.pk).status_code == 404


@pytest.mark.parametrize("body", [{"kind": "patient", "object_id": 1}, {"kind": "room"}, {}])
def test_it_rejects_bad_input(owner, body):
    assert call(client_for(owner), "post", URL, body).status_code == 422


def test_it_lists_feeds_without_their_urls(setup, owner):
    create(client_for(owner), "room", setup.room.pk)
    create(client_for(setup.practitioner), "practitioner", setup.practitioner.pk)
    listed = client_for(owner).get(URL).json()
    assert {(f["kind"], f["name"]) for f in listed} == {("room", "Room 1"), ("practitioner", "Nina Nurse")}
    assert all("url" not in f for f in listed)
    own = client_for(setup.practitioner).get(URL).json()
    assert [f["kind"] for f in own] == ["practitioner"]


def test_it_revokes_a_feed_and_its_url_stops_working(setup, client):
    me = client_for(setup.practitioner)
    body = create(me, "practitioner", setup.practitioner.pk).json()
    path = body["url"].removeprefix("http://testserver")
    assert client.get(path).status_code == 200
    response = me.delete(f"{URL}/{body['id']}")
    assert response.status_code == 204
    feed = CalendarFeed.objects.get(pk=body["id"])
    assert feed.revoked_at is not None
    assert client.get(path).status_code == 404
    assert AuditEvent.objects.filter(action="calendar_feed.revoke").count() == 1


def test_only_the_owner_or_the_person_revokes(setup, owner, physician):
    room_feed = create(client_for(owner), "room", setup.room.pk).json()
    assert client_for(setup.practitioner).delete(f"{URL}/{room_feed['id']}").status_code == 403
    assert client_for(physician).delete(f"{URL}/{room_feed['id']}").status_code == 403
    assert CalendarFeed.objects.get(pk=room_feed["id"]).revoked_at is None
    assert client_for(owner).delete(f"{URL}/{room_feed['id']}").status_code == 204


def test_it_hides_other_clinics_feeds(setup, owner, outsider):
    feed = create(client_for(owner), "room", setup.room.pk).json()
    assert client_for(outsider).delete(f"{URL}/{feed['id']}").status_code == 404
    assert client_for(outsider).get(URL).json() == []
    assert CalendarFeed.objects.get(pk=feed["id"]).revoked_at is None


def test_it_refuses_the_auditor_and_anonymous(setup, auditor, client):
    assert create(client_for(auditor), "room", setup.room.pk).status_code == 403
    assert client_for(auditor).get(URL).status_code == 403
    assert create(client, "room", setup.room.pk).status_code == 401
    assert client.delete(f"{URL}/1").status_code == 401


def test_it_only_allows_delete_on_a_feed(setup, owner):
    feed = create(client_for(owner), "room", setup.room.pk).json()
    assert client_for(owner).get(f"{URL}/{feed['id']}").status_code == 405
