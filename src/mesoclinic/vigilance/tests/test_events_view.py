"""The adverse event list: filters, search, pagination, CSV, access."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from mesoclinic.testing import client_for, csv_text, make_patient
from mesoclinic.testing.vigilance import make_event

URL = reverse("vigilance:events")


def test_it_lists_the_clinics_events(clinic, physician, other_clinic):
    make_event(make_patient(clinic), category="granuloma")
    make_event(make_patient(other_clinic), category="necrosis")
    response = client_for(physician).get(URL)
    assert "<td>Granuloma</td>" in response.text
    assert "<td>Necrosis</td>" not in response.text


def test_it_filters_by_severity(clinic, physician):
    make_event(make_patient(clinic), category="granuloma", severity="serious")
    make_event(make_patient(clinic), category="pruritus", severity="mild")
    response = client_for(physician).get(URL, {"severity": "serious"})
    assert "<td>Granuloma</td>" in response.text
    assert "<td>Pruritus (itching)</td>" not in response.text


def test_it_filters_open_events(clinic, physician):
    from django.utils import timezone  # noqa: PLC0415

    make_event(make_patient(clinic), category="granuloma")
    make_event(make_patient(clinic), category="pruritus", closed_at=timezone.now())
    response = client_for(physician).get(URL, {"status": "open"})
    assert "<td>Pruritus (itching)</td>" not in response.text


def test_it_filters_by_onset_period(clinic, physician):
    make_event(make_patient(clinic), category="granuloma", onset_on=date(2026, 1, 5))
    make_event(make_patient(clinic), category="pruritus", onset_on=date(2026, 6, 5))
    response = client_for(physician).get(URL, {"onset_from": "2026-06-01"})
    assert "<td>Granuloma</td>" not in response.text


def test_it_searches_the_description(clinic, physician):
    make_event(make_patient(clinic), category="granuloma", description="firm nodule")
    make_event(make_patient(clinic), category="pruritus", description="itching")
    response = client_for(physician).get(URL, {"q": "nodule"})
    assert "<td>Pruritus (itching)</td>" not in response.text


def test_it_exports_csv(clinic, physician):
    make_event(make_patient(clinic), category="granuloma")
    response = client_for(physician).get(URL, {"format": "csv"})
    assert csv_text(response).splitlines()[1].split(",")[3] == "Granuloma"


def test_it_paginates_with_bounded_queries(clinic, physician, django_assert_max_num_queries):
    for _ in range(30):
        make_event(make_patient(clinic))
    client = client_for(physician)
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert "Page 1 of 2" in response.text


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    assert client_for(receptionist).get(URL).status_code == 403


def test_it_only_allows_get(clinic, physician):
    assert client_for(physician).post(URL).status_code == 405
