"""Two-factor authentication with allauth: set up TOTP, sign in with a code or a recovery code, audit rows."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import PASSWORD
from mesoclinic.testing.accounts import activate_totp, reauthenticate, signed_in, totp


def _password_step(staff) -> tuple[Client, object]:
    client = Client()
    response = client.post(reverse("login"), {"login": staff.user.username, "password": PASSWORD})
    return client, response


def test_it_shows_the_secret_to_type_into_an_authenticator_app(practitioner):
    client = signed_in(practitioner)
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    body = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'id="authenticator_secret"' in body
    assert "<script" not in body.replace('<script src="', "")


def test_it_records_setting_up_two_factor(practitioner):
    activate_totp(practitioner, signed_in(practitioner))
    kinds = {e.data["kind"] for e in AuditEvent.objects.filter(action="auth.mfa_enabled")}
    assert "totp" in kinds
    assert AuditEvent.objects.filter(action="auth.mfa_enabled", clinic=practitioner.clinic).exists()


def test_it_asks_for_a_code_after_the_password(practitioner):
    activate_totp(practitioner, signed_in(practitioner))
    client, response = _password_step(practitioner)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("web:home")).status_code == 302  # not signed in yet


def test_it_signs_in_with_the_code_and_records_the_method(practitioner):
    secret, _ = activate_totp(practitioner, signed_in(practitioner))
    client, _ = _password_step(practitioner)
    response = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign_in", data__method="mfa").count() == 1


def test_it_refuses_a_wrong_code(practitioner):
    activate_totp(practitioner, signed_in(practitioner))
    client, _ = _password_step(practitioner)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302
    event = AuditEvent.objects.get(action="auth.mfa_failed")
    assert event.object_id == str(practitioner.user.pk)
    assert event.actor is None


def test_it_accepts_a_recovery_code_once(practitioner):
    _, codes = activate_totp(practitioner, signed_in(practitioner))
    client, _ = _password_step(practitioner)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    again, _ = _password_step(practitioner)
    assert again.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 200
    assert again.get(reverse("web:home")).status_code == 302


def test_it_records_switching_two_factor_off(practitioner):
    client = signed_in(practitioner)
    activate_totp(practitioner, client)
    reauthenticate(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.mfa_disabled", data__kind="totp").exists()


def test_it_stops_guessing_codes_after_ten_wrong_ones(practitioner):
    secret, _ = activate_totp(practitioner, signed_in(practitioner))
    client, _ = _password_step(practitioner)
    for _ in range(10):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    response = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert "Too many" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302
