"""A patient's sessions: a receptionist sees the list but not the records."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.testing import client_for, make_patient, make_signed_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(clinic, practitioner):
    patient = make_patient(clinic)
    make_signed_session(patient, practitioner)
    return patient


def url(patient):
    return reverse("treatments:patient_sessions", args=[patient.pk])


def test_it_only_allows_get(practitioner, patient):
    assert client_for(practitioner).post(url(patient)).status_code == 405


def test_it_hides_another_clinics_patient(outsider, patient):
    assert client_for(outsider).get(url(patient)).status_code == 404


def test_a_receptionist_sees_no_link_to_the_record(receptionist, patient):
    page = client_for(receptionist).get(url(patient)).content.decode()
    assert "Signed" in page
    assert "/sessions/" not in page.split('id="sessions"')[1].split("</table>")[0].replace(url(patient), "")


def test_its_query_count_does_not_grow_with_the_rows(practitioner, patient):
    client = client_for(practitioner)
    client.get(url(patient))  # warm the session and the clinic's caches
    with CaptureQueriesContext(connection) as one_row:
        client.get(url(patient))
    for _ in range(5):
        make_signed_session(patient, practitioner)
    with CaptureQueriesContext(connection) as six_rows:
        client.get(url(patient))
    assert len(six_rows) == len(one_row)
