"""Adding a follow-up from the event page."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.vigilance import make_event


def _url(event):
    return reverse("vigilance:follow_up", args=[event.pk])


def test_it_adds_a_follow_up_and_closes_on_recovery(clinic, physician):
    event = make_event(make_patient(clinic))
    response = client_for(physician).post(_url(event), {"note": "Healed", "outcome": "recovered"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.outcome, event.closed_at is not None, event.follow_ups.count()) == ("recovered", True, 1)


def test_it_keeps_the_outcome_when_the_note_is_missing(clinic, physician):
    event = make_event(make_patient(clinic))
    response = client_for(physician).post(_url(event), {"note": "", "outcome": "recovering"})
    assert response.status_code == 200
    assert 'value="recovering" selected' in response.text
    event.refresh_from_db()
    assert event.follow_ups.count() == 0


def test_it_is_404_for_another_clinics_event(clinic, other_clinic, physician):
    event = make_event(make_patient(other_clinic))
    assert client_for(physician).post(_url(event), {"note": "x", "outcome": "ongoing"}).status_code == 404


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    event = make_event(make_patient(clinic))
    assert client_for(receptionist).post(_url(event), {"note": "x", "outcome": "ongoing"}).status_code == 403


def test_it_only_allows_post(clinic, physician):
    assert client_for(physician).get(_url(make_event(make_patient(clinic)))).status_code == 405
