"""Amending a signed record from its page: a reason is required; old values are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.testing import client_for
from mesoclinic.testing.treatments import ready_draft
from mesoclinic.treatments.services import sign_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    return record


def url(record):
    return reverse("treatments:amend", args=[record.pk])


def test_it_only_allows_post(practitioner, signed):
    assert client_for(practitioner).get(url(signed)).status_code == 405


def test_it_does_not_touch_another_clinics_record(outsider, signed):
    assert client_for(outsider).post(url(signed), {"reason": "x", "notes": "y"}).status_code == 404


def test_it_requires_a_reason(practitioner, signed):
    response = client_for(practitioner).post(url(signed), {"reason": "", "notes": "new"})
    assert response.status_code == 422
    assert "Say why" in response.content.decode()
    signed.refresh_from_db()
    assert signed.amendment_count == 0


def test_it_records_the_amendment_and_shows_old_and_new(practitioner, signed):
    client_for(practitioner).post(url(signed), {"reason": "Forgot", "notes": "Mild redness"})
    signed.refresh_from_db()
    assert signed.notes == "Mild redness"
    page = client_for(practitioner).get(reverse("treatments:session", args=[signed.pk])).content.decode()
    assert "Forgot" in page and "Mild redness" in page
