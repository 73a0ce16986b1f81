"""Sign in the way a person does (through the form), and compute TOTP codes with nothing but the stdlib."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse

from mesoclinic.accounts.models import StaffMember
from mesoclinic.testing import PASSWORD


def totp(secret: str, *, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits) as an authenticator app computes it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def forget_used_codes() -> None:
    """allauth refuses a code used once in its 30 s window; a test that signs in twice in one window
    would otherwise have to sleep."""
    cache.clear()


def signed_in(staff: StaffMember, client: Client | None = None) -> Client:
    """A client signed in through the sign-in form (allauth records the password step, which MFA setup needs)."""
    client = client or Client()
    response = client.post(reverse("login"), {"login": staff.user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def activate_totp(staff: StaffMember, client: Client) -> tuple[str, list[str]]:
    """Set up an authenticator app for ``staff``; returns its secret and the recovery codes.

    allauth asks for the password again before any change to two-factor settings (a stolen session cannot
    add its own authenticator), so the helper confirms it, as the person would.
    """
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.status_code
    secret = page.context["form"].secret
    # allauth sends its "authenticator added" signal (our audit row) once the activation commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    codes = list(codes_page.context["unused_codes"])
    forget_used_codes()
    return secret, codes


def reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
