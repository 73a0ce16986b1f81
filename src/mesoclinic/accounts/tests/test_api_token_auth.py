"""The API with a bearer token: scopes and role both limit it; revoked, expired or wrong tokens get 401."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from mesoclinic.accounts.middleware import MFA_REQUIRED_MESSAGE
from mesoclinic.accounts.services import create_api_token, revoke_api_token
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.accounts import activate_totp, signed_in

PATIENTS = "/api/v1/patients"


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_it_lists_patients_with_a_token_scoped_to_view_them(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=None)
    response = _bearer(issued.secret).get(PATIENTS)
    assert response.status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_it_refuses_what_the_scopes_do_not_name(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_schedule"], actor=None)
    response = _bearer(issued.secret).get(PATIENTS)
    assert response.status_code == 403
    assert "view_patients" in response.json()["detail"]


def test_it_follows_the_role_as_it_is_now(practitioner):
    issued = create_api_token(practitioner, name="Sync", scopes=["view_patients"], actor=None)
    practitioner.role = "auditor"
    practitioner.save(update_fields=["role"])
    assert _bearer(issued.secret).get(PATIENTS).status_code == 403


def test_it_answers_401_to_a_revoked_an_expired_or_a_wrong_token(receptionist):
    revoked = create_api_token(receptionist, name="Old", scopes=["view_patients"], actor=None)
    revoke_api_token(revoked.token, actor=None)
    expired = create_api_token(
        receptionist,
        name="Short",
        scopes=["view_patients"],
        expires_at=timezone.now() + timedelta(days=1),
        actor=None,
    )
    expired.token.expires_at = timezone.now() - timedelta(seconds=1)
    expired.token.save(update_fields=["expires_at"])
    live = create_api_token(receptionist, name="Live", scopes=["view_patients"], actor=None)
    tampered = live.secret[:-2] + ("AA" if not live.secret.endswith("AA") else "BB")
    for secret in (revoked.secret, expired.secret, tampered, "mc_nothing", "not-a-token"):
        assert _bearer(secret).get(PATIENTS).status_code == 401, secret


def test_it_refuses_a_token_of_someone_who_left(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=None)
    receptionist.is_active = False
    receptionist.save(update_fields=["is_active"])
    assert _bearer(issued.secret).get(PATIENTS).status_code == 401


def test_it_sees_only_the_token_owners_clinic(receptionist, outsider, other_clinic):
    make_patient(other_clinic)
    mine = make_patient(receptionist.clinic)
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=None)
    ids = {p["id"] for p in _bearer(issued.secret).get(PATIENTS).json()["items"]}
    assert ids == {mine.pk}


def test_it_refuses_tokens_while_the_clinic_requires_mfa_the_user_lacks(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=None)
    receptionist.clinic.require_mfa = True
    receptionist.clinic.save(update_fields=["require_mfa"])
    response = _bearer(issued.secret).get(PATIENTS)
    assert response.status_code == 403
    assert response.json()["detail"] == MFA_REQUIRED_MESSAGE
    activate_totp(receptionist, signed_in(receptionist))
    assert _bearer(issued.secret).get(PATIENTS).status_code == 200


def test_it_writes_with_a_token_and_without_a_csrf_token(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["edit_patients"], actor=None)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    body = {
        "given_name": "Ada",
        "family_name": "Token",
        "birth_date": "1990-01-02",
        "sex": "female",
        "contact_consent": False,
    }
    response = client.post(PATIENTS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["family_name"] == "Token"


def test_it_still_asks_a_session_for_its_csrf_token(receptionist):
    client = client_for(receptionist)
    client.handler.enforce_csrf_checks = True
    body = {"given_name": "Ada", "family_name": "Session", "birth_date": "1990-01-02", "sex": "female"}
    assert client.post(PATIENTS, data=json.dumps(body), content_type="application/json").status_code == 403
