"""django-axes behind allauth's sign-in: five failures per username and address lock for 15 minutes."""

from __future__ import annotations

from django.test import Client, override_settings
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import PASSWORD, make_staff

URL = reverse("login")


def _fail(client: Client, login: str, times: int):
    response = None
    for _ in range(times):
        response = client.post(URL, {"login": login, "password": "wrong-password"})
    return response


def test_it_locks_after_five_failures_with_a_clear_message(client, receptionist):
    assert _fail(client, receptionist.user.username, 4).status_code == 200
    response = _fail(client, receptionist.user.username, 1)
    body = response.content.decode()
    assert response.status_code == 429
    assert "Sign-in locked" in body
    assert "Try again in 15 minutes" in body


def test_it_refuses_even_the_right_password_while_locked(client, receptionist):
    _fail(client, receptionist.user.username, 5)
    response = client.post(URL, {"login": receptionist.user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get(reverse("web:home")).status_code == 302


def test_it_counts_the_e_mail_and_any_letter_case_as_the_same_account(client, clinic):
    staff = make_staff(clinic, "receptionist", email="rita@example.org")
    _fail(client, staff.user.username.upper(), 2)
    _fail(client, "RITA@example.org", 2)
    assert _fail(client, staff.user.username, 1).status_code == 429


def test_it_locks_per_address_not_the_account_everywhere(client, receptionist):
    _fail(client, receptionist.user.username, 5)
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    response = elsewhere.post(URL, {"login": receptionist.user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_it_records_the_lockout_in_the_audit_log(client, receptionist):
    _fail(client, receptionist.user.username, 5)
    event = AuditEvent.objects.get(action="auth.locked_out")
    assert event.object_id == str(receptionist.user.pk)
    assert event.clinic == receptionist.clinic
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 5


def test_it_forgets_failures_after_a_successful_sign_in(client, receptionist):
    _fail(client, receptionist.user.username, 4)
    assert client.post(URL, {"login": receptionist.user.username, "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    assert _fail(client, receptionist.user.username, 4).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=2)
def test_it_takes_the_limit_from_the_settings(client, receptionist):
    assert _fail(client, receptionist.user.username, 2).status_code == 429
