"""What the calendar gives its drag-to-move script: which blocks can be picked up, where to post a move,
and for each column what a drop into it changes and where its grid's minutes count from."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from mesoclinic.scheduling.services import add_room
from mesoclinic.testing import checked_in, client_for
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db
URL = reverse("scheduling:calendar")
DAY = "2031-03-03"  # a Monday


def block(body, appointment):
    found = re.search(rf'<a class="cal-appt [^"]*"[^>]*data-appointment="{appointment.pk}"[^>]*>', body)
    assert found is not None
    return found.group(0)


def page(staff, setup, **params):
    response = client_for(staff).get(URL, {"location": setup.location.pk, "date": DAY, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_it_makes_a_booked_appointment_draggable(clinic, setup, receptionist):
    first = book(clinic, setup.location).appointments.get(session_index=1)
    tag = block(page(receptionist, setup), first)
    assert f'data-move-url="{reverse("scheduling:move", args=[first.pk])}"' in tag
    assert f'data-resources="{setup.practitioner.pk}~{setup.room.pk}~0"' in tag
    assert 'draggable="false"' in tag  # the link's own drag-and-drop would fight the script


def test_it_does_not_offer_to_drag_an_appointment_that_is_no_longer_booked(clinic, setup, receptionist):
    first = book(clinic, setup.location).appointments.get(session_index=1)
    checked_in(first)
    assert "data-move-url" not in block(page(receptionist, setup), first)


def test_it_names_each_column_and_its_local_midnight(setup, receptionist):
    room = add_room(setup.location, name="Room 2", modalities=["needle"], actor=None)
    body = page(receptionist, setup, by="room")
    for pk in (setup.room.pk, room.pk):
        assert f'data-column="room-{pk}" data-day-start="2031-03-03T00:00:00+01:00"' in body


def test_it_gives_the_script_the_grid_the_token_and_the_words(clinic, setup, receptionist):
    book(clinic, setup.location)
    body = page(receptionist, setup)
    cal = re.search(r'<div class="cal"[^>]*>', body)
    assert cal is not None
    tag = cal.group(0)
    for attribute in ("data-move", 'data-first-minute="480"', 'data-slot-minutes="15"', "data-csrf-token="):
        assert attribute in tag
    assert 'data-timezone="Europe/Warsaw"' in tag
    assert 'data-refused="The appointment was not moved; nothing has changed."' in tag
    assert 'id="cal-move-error"' in body
    assert "drag it to another time or column" in body
    assert "{#" not in body  # a template comment that spans lines is printed, not hidden
