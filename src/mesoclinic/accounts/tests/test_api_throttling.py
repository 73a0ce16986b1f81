"""API rate limits: per token or user, and per address for requests with bad credentials (429)."""

from __future__ import annotations

from django.test import Client, override_settings

from mesoclinic.accounts.services import create_api_token
from mesoclinic.testing import client_for

PATIENTS = "/api/v1/patients"


@override_settings(API_RATE_USER="3/min")
def test_it_limits_a_token(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=None)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert [client.get(PATIENTS).status_code for _ in range(4)] == [200, 200, 200, 429]
    other = create_api_token(receptionist, name="Other", scopes=["view_patients"], actor=None)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other.secret}").get(PATIENTS).status_code == 200


@override_settings(API_RATE_USER="2/min")
def test_it_limits_a_signed_in_user_and_says_when_to_retry(receptionist):
    client = client_for(receptionist)
    codes = [client.get(PATIENTS) for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert int(codes[-1]["Retry-After"]) > 0


@override_settings(API_RATE_ANON="2/min")
def test_it_limits_guessing_tokens_per_address(db):
    client = Client(HTTP_AUTHORIZATION="Bearer mc_abcdef012345_guess")
    assert [client.get(PATIENTS).status_code for _ in range(3)] == [401, 401, 429]
    elsewhere = Client(HTTP_AUTHORIZATION="Bearer mc_abcdef012345_guess", REMOTE_ADDR="10.0.0.7")
    assert elsewhere.get(PATIENTS).status_code == 401
