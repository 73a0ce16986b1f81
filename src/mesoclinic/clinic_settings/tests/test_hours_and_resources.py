"""Settings → a practitioner's weekly hours, time off and extra hours; rooms, devices and downtime."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import Device, DeviceDowntime, Room, TimeOff, WorkingHours
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def _week(prefix: str, **days: tuple[str, str]) -> dict[str, str]:
    data = {}
    for weekday in range(7):
        starts, ends = days.get(f"d{weekday}", ("", ""))
        data[f"{prefix}-starts_{weekday}"] = starts
        data[f"{prefix}-ends_{weekday}"] = ends
    return data


def test_it_sets_a_practitioners_weekly_hours_at_a_location(owner, practitioner):
    location = owner.clinic.locations.get()
    url = reverse("settings:staff_hours", args=[practitioner.pk])
    data = {"location": location.pk, **_week(f"loc{location.pk}", d1=("10:00", "18:00"))}
    assert client_for(owner).post(url, data)["Location"] == url
    spans = [(h.weekday, h.starts, h.ends) for h in WorkingHours.objects.filter(staff=practitioner)]
    assert spans == [(1, time(10), time(18))]
    assert AuditEvent.objects.get(action="working_hours.set").data["after"] == ["1 10:00-18:00"]
    assert "10:00" in client_for(owner).get(url).content.decode()


def test_time_off_is_taken_in_the_clinics_time_and_can_be_removed(owner, practitioner):
    url = reverse("settings:time_off_add", args=[practitioner.pk])
    data = {"off-starts_at": "2031-07-01T09:00", "off-ends_at": "2031-07-14T18:00", "off-reason": "Leave"}
    assert client_for(owner).post(url, data).status_code == 302
    off = TimeOff.objects.get(staff=practitioner)
    assert off.starts_at == datetime(2031, 7, 1, 7, tzinfo=UTC)  # 09:00 in Warsaw (summer time)
    client_for(owner).post(reverse("settings:time_off_remove", args=[practitioner.pk, off.pk]))
    assert not TimeOff.objects.exists()


def test_an_inverted_interval_is_refused_and_kept_in_the_form(owner, practitioner):
    url = reverse("settings:time_off_add", args=[practitioner.pk])
    data = {"off-starts_at": "2031-07-14T09:00", "off-ends_at": "2031-07-01T18:00", "off-reason": "Leave"}
    response = client_for(owner).post(url, data)
    assert response.status_code == 422
    assert "The end must be after the start" in response.content.decode()
    assert 'value="Leave"' in response.content.decode()
    assert not TimeOff.objects.exists()


def test_extra_hours_are_added_at_a_location(owner, practitioner):
    location = owner.clinic.locations.get()
    url = reverse("settings:extra_hours_add", args=[practitioner.pk])
    data = {
        "extra-location": location.pk,
        "extra-starts_at": "2031-07-05T09:00",
        "extra-ends_at": "2031-07-05T13:00",
        "extra-reason": "Saturday list",
    }
    assert client_for(owner).post(url, data).status_code == 302
    assert practitioner.extra_hours.get().reason == "Saturday list"


def test_hours_are_for_practitioners_and_physicians_only(owner, receptionist):
    assert client_for(owner).get(reverse("settings:staff_hours", args=[receptionist.pk])).status_code == 404


def test_it_adds_and_edits_a_room(owner):
    location = owner.clinic.locations.get()
    client = client_for(owner)
    client.post(
        reverse("settings:rooms"), {"location": location.pk, "name": "Room 2", "modalities": ["needle"]}
    )
    room = Room.objects.get(name="Room 2")
    assert room.modalities == ["needle"]
    response = client.post(
        reverse("settings:room_edit", args=[room.pk]),
        {"name": "Room Two", "modalities": ["needle", "sonophoresis"]},  # not ticked: out of use
    )
    assert response["Location"] == reverse("settings:rooms")
    room.refresh_from_db()
    assert (room.name, room.modalities, room.is_active) == ("Room Two", ["needle", "sonophoresis"], False)
    assert AuditEvent.objects.get(action="room.update").data["is_active"] == [True, False]


def test_it_adds_a_device_and_its_downtime(owner):
    location = owner.clinic.locations.get()
    client = client_for(owner)
    client.post(
        reverse("settings:device_add"),
        {"location": location.pk, "name": "EP-2", "modality": "electroporation", "serial_number": "SN-1"},
    )
    device = Device.objects.get(name="EP-2")
    url = reverse("settings:downtime_add", args=[device.pk])
    data = {
        "down-starts_at": "2031-07-01T08:00",
        "down-ends_at": "2031-07-01T12:00",
        "down-reason": "Service",
    }
    assert client.post(url, data)["Location"] == reverse("settings:device_edit", args=[device.pk])
    downtime = DeviceDowntime.objects.get(device=device)
    assert downtime.reason == "Service"
    assert "Service" in client.get(reverse("settings:device_edit", args=[device.pk])).content.decode()
    client.post(reverse("settings:downtime_remove", args=[device.pk, downtime.pk]))
    assert not DeviceDowntime.objects.exists()
    assert AuditEvent.objects.filter(action="device_downtime.delete").exists()


def test_a_device_name_taken_at_the_location_is_refused_beside_the_field(owner):
    location = owner.clinic.locations.get()
    client = client_for(owner)
    data = {"location": location.pk, "name": "EP-2", "modality": "electroporation"}
    client.post(reverse("settings:device_add"), data)
    response = client.post(reverse("settings:device_add"), data)
    assert response.status_code == 422
    assert Device.objects.filter(name="EP-2").count() == 1
