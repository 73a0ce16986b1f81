"""The "API tokens" page: every staff member creates, lists and revokes their own; the secret shows once."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.accounts.models import ApiToken
from mesoclinic.accounts.services import create_api_token
from mesoclinic.testing import client_for

URL = reverse("accounts:api_tokens")


def _revoke_url(token: ApiToken) -> str:
    return reverse("accounts:revoke_api_token", args=[token.pk])


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_is_open_to_every_role(receptionist, auditor):
    for staff in (receptionist, auditor):
        assert client_for(staff).get(URL).status_code == 200


def test_it_offers_only_the_callers_capabilities(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert 'value="view_patients"' in body
    assert 'value="view_clinical"' not in body


def test_it_shows_the_secret_once_and_stores_its_hash(receptionist):
    client = client_for(receptionist)
    response = client.post(
        URL, {"name": "Kiosk", "scopes": ["view_patients", "book"], "expires_in_days": "30"}
    )
    body = response.content.decode()
    token = ApiToken.objects.get(user=receptionist.user)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert f"mc_{token.prefix}_" in body
    secret = body.split('id="issued-secret" type="text" readonly value="')[1].split('"')[0]
    assert token.secret_hash != secret
    assert token.scopes == ["book", "view_patients"]
    assert token.expires_at is not None
    assert secret not in client.get(URL).content.decode()


def test_it_says_what_is_wrong_and_keeps_the_input(receptionist):
    response = client_for(receptionist).post(URL, {"name": "Kiosk", "scopes": ["view_clinical"]})
    assert response.status_code == 422
    assert 'value="Kiosk"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=None)
    client = client_for(receptionist)
    assert client.get(_revoke_url(issued.token)).status_code == 405
    assert client.post(_revoke_url(issued.token))["Location"] == URL
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None


def test_it_keeps_colleagues_tokens_apart_but_shows_all_to_the_owner(receptionist, practitioner, owner):
    issued = create_api_token(practitioner, name="Nurse sync", scopes=["view_patients"], actor=None)
    assert "Nurse sync" not in client_for(receptionist).get(URL).content.decode()
    assert client_for(receptionist).post(_revoke_url(issued.token)).status_code == 404
    assert "Nurse sync" in client_for(owner).get(URL).content.decode()
    assert client_for(owner).post(_revoke_url(issued.token)).status_code == 302


def test_it_gives_404_across_clinics(owner, outsider):
    issued = create_api_token(outsider, name="Theirs", scopes=["view_patients"], actor=None)
    assert client_for(owner).post(_revoke_url(issued.token)).status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_it_refuses_other_methods(receptionist):
    assert client_for(receptionist).put(URL).status_code == 405
