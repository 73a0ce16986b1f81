"""Settings → Locations: details, weekly opening hours and holidays from the country's public list."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import Holiday, OpeningHours, ScheduleVersion
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def _week(prefix: str, **days: tuple[str, str]) -> dict[str, str]:
    data = {}
    for weekday in range(7):
        starts, ends = days.get(f"d{weekday}", ("", ""))
        data[f"{prefix}-starts_{weekday}"] = starts
        data[f"{prefix}-ends_{weekday}"] = ends
    return data


def test_it_adds_a_location_and_sends_the_owner_to_its_hours(owner):
    response = client_for(owner).post(
        reverse("settings:locations"),
        {"name": "Kraków", "timezone": "Europe/Warsaw", "address": "Rynek 1", "phone": "+48 12 000 00 00"},
    )
    location = owner.clinic.locations.get(name="Kraków")
    assert response["Location"] == reverse("settings:location_edit", args=[location.pk])
    assert (location.address, location.phone) == ("Rynek 1", "+48 12 000 00 00")
    assert AuditEvent.objects.filter(action="location.create", object_id=str(location.pk)).exists()


def test_it_sets_the_opening_hours_and_bumps_the_schedule(owner):
    location = owner.clinic.locations.get()
    version = ScheduleVersion.objects.get(location=location).version
    url = reverse("settings:location_edit", args=[location.pk])
    data = {"form": "hours", **_week("hours", d0=("08:00", "18:00"), d5=("09:00", "13:00"))}
    assert client_for(owner).post(url, data)["Location"] == url
    spans = [(h.weekday, h.starts, h.ends) for h in OpeningHours.objects.filter(location=location)]
    assert spans == [(0, time(8), time(18)), (5, time(9), time(13))]
    assert ScheduleVersion.objects.get(location=location).version > version
    event = AuditEvent.objects.get(action="opening_hours.set")
    assert event.data == {"before": [], "after": ["0 08:00-18:00", "5 09:00-13:00"]}


def test_a_day_with_one_time_is_refused_beside_the_field_and_nothing_changes(owner):
    location = owner.clinic.locations.get()
    OpeningHours.objects.create(location=location, weekday=1, starts=time(9), ends=time(17))
    url = reverse("settings:location_edit", args=[location.pk])
    data = {"form": "hours", **_week("hours", d0=("08:00", ""), d2=("18:00", "09:00"))}
    response = client_for(owner).post(url, data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Give both times" in body
    assert "The end must be after the start" in body
    assert OpeningHours.objects.filter(location=location).count() == 1


def test_it_lists_the_countrys_public_holidays_for_a_year_and_closes_on_the_ticked_ones(owner):
    location = owner.clinic.locations.get()
    url = reverse("settings:holidays", args=[location.pk])
    page = client_for(owner).get(url, {"country": "PL", "year": 2031}).content.decode()
    assert "2031-11-11" in page  # Independence Day
    assert "2031-04-14" in page  # Easter Monday 2031: computed, not a fixed list
    response = client_for(owner).post(
        url, {"action": "import", "country": "PL", "year": "2031", "days": ["2031-11-11", "2031-04-14"]}
    )
    assert response.status_code == 302
    assert list(Holiday.objects.filter(location=location).values_list("date", flat=True)) == [
        date(2031, 4, 14),
        date(2031, 11, 11),
    ]
    event = AuditEvent.objects.get(action="holiday.import")
    assert event.data["dates"] == ["2031-04-14", "2031-11-11"]
    # Ticking them again adds nothing twice.
    client_for(owner).post(url, {"action": "import", "country": "PL", "year": "2031", "days": ["2031-11-11"]})
    assert Holiday.objects.filter(location=location).count() == 2


def test_a_date_that_is_not_on_the_countrys_list_is_refused(owner):
    location = owner.clinic.locations.get()
    url = reverse("settings:holidays", args=[location.pk])
    response = client_for(owner).post(
        url, {"action": "import", "country": "PL", "year": "2031", "days": ["2031-11-12"]}
    )
    assert response.status_code == 422
    assert not Holiday.objects.exists()


def test_it_adds_a_day_of_its_own_once_and_removes_it(owner):
    location = owner.clinic.locations.get()
    url = reverse("settings:holidays", args=[location.pk])
    client = client_for(owner)
    data = {"action": "add", "own-date": "2031-08-14", "own-name": "Staff training"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 422
    assert "already a holiday" in again.content.decode()
    holiday = Holiday.objects.get(location=location)
    client.post(reverse("settings:holiday_remove", args=[location.pk, holiday.pk]))
    assert not Holiday.objects.exists()
    assert AuditEvent.objects.filter(action="holiday.delete").exists()


def test_another_clinics_location_does_not_exist_here(owner, other_clinic):
    foreign = other_clinic.locations.get()
    client = client_for(owner)
    assert client.get(reverse("settings:location_edit", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("settings:holidays", args=[foreign.pk])).status_code == 404
