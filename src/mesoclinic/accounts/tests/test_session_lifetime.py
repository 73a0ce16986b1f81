"""Sessions end when idle (SESSION_COOKIE_AGE, renewed by every request) and after an absolute maximum."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mesoclinic.accounts.middleware import SIGNED_IN_AT
from mesoclinic.testing import client_for
from mesoclinic.testing.accounts import signed_in


def test_it_is_configured_as_an_idle_timeout():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_it_pushes_the_expiry_forward_on_every_request(receptionist):
    client = client_for(receptionist)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    assert client.get(reverse("web:home")).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + timedelta(minutes=29)


def test_it_signs_out_a_session_left_idle(receptionist):
    client = client_for(receptionist)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(reverse("web:home"))["Location"].startswith(reverse("login"))


def _age(client, seconds: float) -> None:
    session = client.session
    session[SIGNED_IN_AT] = time.time() - seconds
    session.save()


def test_it_stamps_the_sign_in_time(receptionist):
    client = signed_in(receptionist)
    assert abs(client.session[SIGNED_IN_AT] - time.time()) < 60


@override_settings(SESSION_ABSOLUTE_SECONDS=3600)
def test_it_ends_an_active_session_after_the_absolute_maximum(receptionist):
    client = signed_in(receptionist)
    _age(client, 3500)
    assert client.get(reverse("web:home")).status_code == 200
    _age(client, 3601)
    response = client.get(reverse("web:home"))
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("web:home"))["Location"].startswith(reverse("login"))


@override_settings(SESSION_ABSOLUTE_SECONDS=3600)
def test_it_ends_an_old_session_for_the_api_too(receptionist):
    client = signed_in(receptionist)
    _age(client, 3601)
    assert client.get("/api/v1/patients").status_code == 401
