"""The before/after viewer and the Photos tab."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse

from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, give_consent, skin_jpeg
from mesoclinic.testing import client_for, make_patient


def _photo(patient, data, days=0):
    photo = upload_photo(
        patient,
        io.BytesIO(data),
        view="close_up",
        taken_at=TAKEN + timedelta(days=days),
        conditions={},
        actor=None,
    )
    analyze_photo.enqueue(photo.pk)
    return photo


@pytest.fixture
def pair(patient):
    before = _photo(patient, skin_jpeg(seed=2))
    after = _photo(patient, skin_jpeg(seed=2, shift=(2.0, 1.0)), days=90)
    return before, after


def _url(patient, before, after):
    return reverse("outcomes:compare", args=[patient.pk]) + f"?before={before.pk}&after={after.pk}"


def test_it_shows_both_photos_the_slider_and_the_metrics(patient, pair, physician):
    before, after = pair
    body = client_for(physician).get(_url(patient, before, after)).content.decode()
    assert reverse("outcomes:photo_file", args=[before.pk, "image"]) in body
    assert reverse("outcomes:photo_file", args=[after.pk, "aligned"]) in body
    assert 'id="slider-range"' in body
    assert "Spots (count)" in body
    assert "→" in body
    assert "within repeatability" in body


def test_it_404s_for_another_clinics_photo(patient, pair, other_clinic, physician):
    foreign = make_patient(other_clinic)
    give_consent(foreign)
    stranger = _photo(foreign, skin_jpeg())
    assert client_for(physician).get(_url(patient, pair[0], stranger)).status_code == 404


def test_it_404s_for_another_patients_photo(clinic, patient, pair, physician):
    other = make_patient(clinic)
    give_consent(other)
    assert client_for(physician).get(_url(other, pair[0], pair[1])).status_code == 404


def test_it_refuses_the_receptionist(patient, pair, receptionist):
    assert client_for(receptionist).get(_url(patient, *pair)).status_code == 403


def test_it_only_allows_get(patient, pair, physician):
    assert client_for(physician).post(_url(patient, *pair)).status_code == 405


def test_the_tab_lists_photos_by_date_with_badges(patient, pair, practitioner, django_assert_max_num_queries):
    for days in (1, 2, 3):
        _photo(patient, skin_jpeg(seed=2, shift=(1.0, 0.0)), days=days)
    client = client_for(practitioner)
    url = reverse("outcomes:patient_photos", args=[patient.pk])
    with django_assert_max_num_queries(20):
        body = client.get(url).content.decode()
    assert "Analysed" in body
    assert "Compare with baseline" in body
    assert body.count('class="photo-card"') == 5


def test_the_tab_404s_for_another_clinics_patient(other_clinic, practitioner):
    url = reverse("outcomes:patient_photos", args=[make_patient(other_clinic).pk])
    assert client_for(practitioner).get(url).status_code == 404


def test_the_tab_only_allows_get(patient, practitioner):
    assert (
        client_for(practitioner).post(reverse("outcomes:patient_photos", args=[patient.pk])).status_code
        == 405
    )
