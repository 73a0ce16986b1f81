"""A practitioner protects their account with an authenticator app and signs in with it; brute force locks.

The TOTP code is computed here from the secret the page shows, with nothing but the standard library, as an
authenticator app would.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import PASSWORD, make_clinic, make_staff
from mesoclinic.testing.accounts import totp
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def password_step(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_two_factor_set_up_sign_in_recovery_code_and_lockout(page):
    clinic = make_clinic("Rosa Aesthetics")
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse")
    username = nurse.user.username
    # Each step hashes a password or renders a fresh template set; a busy shared test machine needs time.
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(60_000)

    # Set up: Account → Activate → confirm the password → scan (here: read) the secret → type the code.
    password_step(page, username)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Activate").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    screenshot(page, "mfa-setup")
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    sign_out(page)

    # Password alone is no longer enough: the app's code completes the sign-in.
    cache.clear()  # allauth refuses a code twice in one 30-second window; an app would show the next one
    password_step(page, username)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(totp(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")).to_be_visible()
    sign_out(page)

    # A recovery code works once.
    password_step(page, username)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    sign_out(page)
    password_step(page, username)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()

    # Five wrong passwords lock the account on this computer, and say so.
    cache.clear()
    for _ in range(5):
        password_step(page, username, "not-my-password")
    expect(page.get_by_role("heading", name="Sign-in locked")).to_be_visible()
    expect(page.get_by_text("Try again in 15 minutes")).to_be_visible()
    screenshot(page, "lockout")
    password_step(page, username)
    expect(page.get_by_role("heading", name="Sign-in locked")).to_be_visible()
    actions = set(AuditEvent.objects.filter(actor=nurse.user).values_list("action", flat=True))
    assert {"auth.sign_in", "auth.mfa_enabled"} <= actions
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id=str(nurse.user.pk)).exists()
