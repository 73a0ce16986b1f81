"""The Django admin has no password-only sign-in of its own: it sends people to the app's sign-in page."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import PASSWORD


def test_it_sends_admin_sign_in_to_the_app_sign_in(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_does_not_accept_a_password_posted_to_the_admin(client, receptionist):
    receptionist.user.is_staff = True
    receptionist.user.save(update_fields=["is_staff"])
    response = client.post(
        reverse("admin:login"), {"username": receptionist.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))
