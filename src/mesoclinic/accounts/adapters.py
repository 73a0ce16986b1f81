"""allauth's hooks: no open signup (the owner or an admin creates staff accounts), errors in the app's words."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class StaffAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _(
            "Please enter a correct username and password (or e-mail address and password)."
        ),
        "email_password_mismatch": _(
            "Please enter a correct username and password (or e-mail address and password)."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Staff accounts are created by the clinic owner; nobody signs up on their own."""
        return False
