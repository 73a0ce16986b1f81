"""A NUL character (``%00``) in a page's address is refused with 400, never a 500.

PostgreSQL cannot hold or compare text with NUL in it, so a search for ``?q=%00`` or a booking reference
``/booking/%00/`` failed with a DataError (500) there, and quietly searched on SQLite. No page accepts one;
forms already refuse it in their fields (Django's ``ProhibitNullCharactersValidator``); the JSON API and FHIR
keep their own documented answers (422 naming the field, an OperationOutcome).
"""

from __future__ import annotations

import pytest
from django.test import Client

from mesoclinic.testing import client_for
from mesoclinic.testing.portal import at, open_booking

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/patients/?q=%00",
        "/patients/?q=ab%00cd&sort=name",
        "/inventory/?q=%00",
        "/billing/?q=%00",
        "/patients/?%00=x",
    ],
)
def test_a_staff_search_with_a_nul_is_refused_not_a_server_error(owner, url):
    response = client_for(owner).get(url)
    assert response.status_code == 400, response.content[:300]
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "booking/%00/",
        "booking/%00/verify/",
        "booking/%00/sessions.ics",
        "portal/code/%00/",
    ],
)
def test_a_public_booking_reference_with_a_nul_is_refused(clinic, path):
    open_booking(clinic)
    with at():
        response = Client().get(f"/c/{clinic.slug}/{path}")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_it_is_said_in_the_visitors_language(clinic):
    response = Client().get(f"/c/{clinic.slug}/booking/%00/", HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 400
    assert "Adres zawiera znak NUL" in response.content.decode()


def test_the_api_keeps_its_own_answers(owner):
    """A JSON answer as documented (422 naming the value on PostgreSQL, an empty list on SQLite), not 400."""
    response = client_for(owner).get("/api/v1/patients?search=%00")
    assert response.status_code in {200, 422}, response.content
    assert response["Content-Type"].startswith("application/json")


def test_an_ordinary_search_still_works(owner):
    assert client_for(owner).get("/patients/?q=Nowak").status_code == 200
