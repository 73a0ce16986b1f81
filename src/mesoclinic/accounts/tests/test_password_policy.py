"""The password policy (AUTH_PASSWORD_VALIDATORS, at least 12 characters) applies in allauth's forms."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import PASSWORD
from mesoclinic.testing.accounts import signed_in

URL = reverse("account_change_password")


def _change(client, new: str):
    return client.post(URL, {"oldpassword": PASSWORD, "password1": new, "password2": new})


def test_it_refuses_a_password_shorter_than_twelve_characters(receptionist):
    client = signed_in(receptionist)
    response = _change(client, "Short-pw-11")
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    receptionist.user.refresh_from_db()
    assert receptionist.user.check_password(PASSWORD)


def test_it_refuses_a_common_password(receptionist):
    response = _change(signed_in(receptionist), "password1234")
    assert "too common" in response.content.decode()


def test_it_accepts_a_long_password_and_records_the_change(receptionist):
    response = _change(signed_in(receptionist), "a-much-longer-passphrase")
    assert response.status_code == 302
    receptionist.user.refresh_from_db()
    assert receptionist.user.check_password("a-much-longer-passphrase")
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=receptionist.user).exists()
