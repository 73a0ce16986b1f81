"""Sign-in through allauth: by username or e-mail, the app's form, no signup, POST-only sign-out, audit rows."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import PASSWORD, client_for, make_staff
from mesoclinic.testing.accounts import signed_in

URL = reverse("login")


def test_it_signs_in_with_the_username_and_records_it(client, receptionist):
    response = client.post(URL, {"login": receptionist.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert event.actor == receptionist.user
    assert event.clinic == receptionist.clinic
    assert event.data == {"method": "password"}


def test_it_signs_in_with_the_e_mail_address(client, clinic):
    staff = make_staff(clinic, "practitioner", email="nina@example.org")
    response = client.post(URL, {"login": "Nina@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign_in", actor=staff.user).exists()


def test_it_records_a_failed_sign_in_without_the_typed_password(client, receptionist):
    client.post(URL, {"login": receptionist.user.username, "password": "not-the-password"})
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.object_id == str(receptionist.user.pk)
    assert event.clinic == receptionist.clinic
    assert "not-the-password" not in str(event.data)


def test_it_does_not_log_what_was_typed_for_an_unknown_account(client, db):
    client.post(URL, {"login": "my-password-by-mistake", "password": "x"})
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.object_id == ""
    assert event.data == {"known_account": False}


def test_it_sends_a_signed_in_user_home(receptionist):
    client = client_for(receptionist)
    assert client.get(URL)["Location"] == reverse("web:home")


def test_it_has_no_open_signup(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "stranger",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )
    assert "closed" in response.content.decode().lower()
    assert not User.objects.filter(username="stranger").exists()


def test_it_signs_out_with_post_only(receptionist):
    client = signed_in(receptionist)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("web:home"))["Location"].startswith(URL)


def test_it_sends_a_password_reset_link_by_e_mail(client, clinic, django_capture_on_commit_callbacks):
    make_staff(clinic, "receptionist", email="rita@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the request's commit
        response = client.post(reverse("account_reset_password"), {"email": "rita@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_it_sends_nothing_for_an_unknown_address_and_does_not_say_so(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
