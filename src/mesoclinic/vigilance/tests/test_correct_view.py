"""Correcting a reported adverse event: the form comes filled, a reason is required, history is kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from mesoclinic.testing import client_for, make_patient
from mesoclinic.vigilance.models import AdverseEvent
from mesoclinic.vigilance.services import report_adverse_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(clinic, practitioner):
    return report_adverse_event(
        make_patient(clinic),
        category="erythema",
        severity="mild",
        onset_on=clinic.today() - timedelta(days=3),
        description="Redness on both cheeks.",
        actor=practitioner.user,
    )


def url(event):
    return reverse("vigilance:correct", args=[event.pk])


def form_data(event, **changes):
    data = {
        "category": event.category,
        "onset_on": event.onset_on.isoformat(),
        "severity": event.severity,
        "description": event.description,
        "reason": "Typed the wrong severity.",
    }
    data.update(changes)
    return data


def test_it_shows_the_event_as_it_stands(practitioner, event):
    page = client_for(practitioner).get(url(event)).content.decode()
    assert "Redness on both cheeks." in page
    assert "Why is the report corrected?" in page


def test_it_corrects_the_event_and_keeps_the_earlier_version(practitioner, event):
    response = client_for(practitioner).post(url(event), form_data(event, severity="moderate"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.severity == "moderate"
    earlier = event.history.order_by("history_date")
    assert [h.severity for h in earlier] == ["mild", "moderate"]
    assert earlier.last().history_change_reason == "Typed the wrong severity."


def test_it_requires_a_reason_and_keeps_what_was_typed(practitioner, event):
    response = client_for(practitioner).post(url(event), form_data(event, severity="severe", reason=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert re.search(r'value="severe"[^>]*checked', response.content.decode())
    event.refresh_from_db()
    assert event.severity == "mild"


def test_it_refuses_an_onset_in_the_future(clinic, practitioner, event):
    future = (clinic.today() + timedelta(days=2)).isoformat()
    response = client_for(practitioner).post(url(event), form_data(event, onset_on=future))
    assert "The onset cannot be in the future." in response.content.decode()
    assert AdverseEvent.objects.get(pk=event.pk).onset_on == event.onset_on


def test_it_only_allows_get_and_post(practitioner, event):
    assert client_for(practitioner).put(url(event)).status_code == 405


def test_it_hides_another_clinics_event(outsider, event):
    assert client_for(outsider).get(url(event)).status_code == 404


def test_the_front_desk_cannot_correct_reports(receptionist, event):
    assert client_for(receptionist).get(url(event)).status_code == 403
