"""An adverse event's page and its follow-ups."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.vigilance import make_event


def test_it_shows_the_event(clinic, physician):
    event = make_event(make_patient(clinic), description="Firm nodule left cheek")
    response = client_for(physician).get(reverse("vigilance:event", args=[event.pk]))
    assert "Firm nodule left cheek" in response.text
    assert "Add follow-up" in response.text


def test_it_is_404_for_another_clinics_event(clinic, other_clinic, physician):
    event = make_event(make_patient(other_clinic))
    assert client_for(physician).get(reverse("vigilance:event", args=[event.pk])).status_code == 404


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    event = make_event(make_patient(clinic))
    assert client_for(receptionist).get(reverse("vigilance:event", args=[event.pk])).status_code == 403


def test_it_only_allows_get(clinic, physician):
    event = make_event(make_patient(clinic))
    assert client_for(physician).post(reverse("vigilance:event", args=[event.pk])).status_code == 405
