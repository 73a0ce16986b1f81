"""The public booking pages (``/c/<clinic>/…``) under generated input: never a server error.

They are HTML forms, not operations of the OpenAPI document that ``test_api_fuzz.py`` reads, so schemathesis
never reaches them; this drives their fields and references with hypothesis instead (odd text, NUL and
control characters, dates far out, numbers for names), each example rolled back. Found ``/booking/%00/`` and
``?q=%00`` answering 500 on PostgreSQL (now 400, ``web/tests/test_nul_in_address.py``).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mesoclinic.testing.portal import NEEDLE, at, open_booking
from tests.security.conftest import rolled_back

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("MESOCLINIC_FUZZ_EXAMPLES", "5")) * 6
ANSWERS = {200, 302, 400, 404, 405, 410, 422, 429}
NASTY = [
    "",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x7f",
    "0001-01-01",
    "9999-12-31",
    "2031-03-03",
    "1990-05-06",
    "-1",
    "0",
    "99999999999999999999",
    "<script>alert(1)</script>",
    "x" * 5000,
    "Zażółć 😀",
    "ola@example.com",
    "on",
]
# Any text a browser can send (lone surrogates cannot be encoded in a form), and the nasty values above.
value = st.one_of(
    st.sampled_from(NASTY), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
)
fuzz = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@pytest.fixture
def offer(clinic):
    """The clinic with its booking page open, and a genuine offer token for its needle series."""
    open_booking(clinic)
    with at():
        url = reverse("portal:offers", args=[clinic.slug, NEEDLE])
        page = Client().get(url, {"location": clinic.locations.first().pk, "earliest": "2031-03-03"})
    token = re.findall(r'name="offer" value="([^"]+)"', page.content.decode())[0]
    return clinic, token


def _answer(method: str, url: str, data: dict | None = None) -> int:
    cache.clear()  # no address runs out of its rate limit over the examples
    with rolled_back(), at():
        response = getattr(Client(), method)(url, data or {})
    assert response.status_code in ANSWERS, (url, data, response.status_code)
    return response.status_code


@fuzz
@given(location=value, earliest=value, part=value, embed=value)
def test_the_search_for_offers(offer, location, earliest, part, embed):
    clinic, _token = offer
    query = {"location": location, "earliest": earliest, "part": part, "embed": embed}
    _answer("get", reverse("portal:offers", args=[clinic.slug, NEEDLE]), query)


@fuzz
@given(
    fields=st.fixed_dictionaries(
        {
            "given_name": value,
            "family_name": value,
            "birth_date": value,
            "email": value,
            "phone": value,
            "photo_use": st.one_of(st.just("clinical"), value),
            "accept": value,
            "conditions": st.lists(value, max_size=3),
            "website": st.one_of(st.just(""), value),
        }
    ),
    genuine=st.booleans(),
    forged=value,
)
def test_the_details_form(offer, fields, genuine, forged):
    clinic, token = offer
    data = {**fields, "offer": token if genuine else forged}
    status = _answer("post", reverse("portal:details", args=[clinic.slug, NEEDLE]), data)
    assert (
        status != 200
    )  # a sent form is either taken (302), refused by field (422), stale (410) or throttled


@fuzz
@given(reference=value, code=value, email=value, birth_date=value)
@example(reference="\x00", code="\x00", email="a\x00@example.com", birth_date="0001-01-01")
def test_references_codes_and_the_portal_sign_in(offer, reference, code, email, birth_date):
    clinic, _token = offer
    escaped = quote(reference, safe="") or "x"
    base = f"/c/{clinic.slug}"
    _answer("get", f"{base}/booking/{escaped}/")
    _answer("post", f"{base}/booking/{escaped}/verify/", {"code": code})
    _answer("get", f"{base}/booking/{escaped}/sessions.ics")
    _answer("post", f"{base}/booking/{escaped}/rebook/", {"offer": code})
    _answer("post", f"{base}/portal/code/{escaped}/", {"code": code})
    _answer("post", f"{base}/portal/", {"email": email, "birth_date": birth_date})
