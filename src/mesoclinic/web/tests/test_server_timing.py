"""``Server-Timing``: what a request cost the server (app, database, CPU), only when ``SERVER_TIMING`` is on."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.accounts.models import Role
from mesoclinic.testing import client_for, make_patient, make_staff

HEADER = re.compile(
    r'^app;dur=(?P<app>\d+\.\d), db;dur=(?P<db>\d+\.\d);desc="(?P<queries>\d+) queries", cpu;dur=(?P<cpu>\d+\.\d)$'
)

pytestmark = pytest.mark.django_db


def test_it_is_off_by_default(clinic, settings):
    assert settings.SERVER_TIMING is False
    response = client_for(make_staff(clinic, Role.RECEPTIONIST)).get(reverse("web:home"))
    assert response.status_code == 200
    assert "Server-Timing" not in response.headers


def test_it_counts_every_query_of_the_request_and_times_them(clinic, settings):
    settings.SERVER_TIMING = True
    patient = make_patient(clinic)
    client = client_for(make_staff(clinic, Role.RECEPTIONIST))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    timing = HEADER.match(response.headers["Server-Timing"])
    assert timing, response.headers["Server-Timing"]
    assert int(timing["queries"]) == len(queries) > 0
    assert 0 < float(timing["db"]) <= float(timing["app"])


def test_a_page_without_queries_says_so(client, settings):
    settings.SERVER_TIMING = True
    response = client.get(reverse("javascript-catalog"))
    timing = HEADER.match(response.headers["Server-Timing"])
    assert timing, response.headers["Server-Timing"]
    assert timing["queries"] == "0"
    assert timing["db"] == "0.0"
