"""The password-reset token: allauth's e-mail-aware one, without its side effect.

allauth's ``EmailAwarePasswordResetTokenGenerator`` writes the user's address as an *unverified* e-mail row
while it computes a token; allauth then refuses two-factor enrolment to any account with an unverified
address. An anonymous reset request could so stop a member of staff (or a whole clinic that requires it)
from setting up two-factor sign-in. This generator hashes the same values and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.tokens import PasswordResetTokenGenerator


class ResetTokenGenerator(PasswordResetTokenGenerator):
    """A reset link stops working once the password, a sign-in or any of the account's addresses changes."""

    def _make_hash_value(self, user: Any, timestamp: int | datetime) -> str:
        value = super()._make_hash_value(user, timestamp)  # type: ignore[arg-type]  # Django's stubs want AbstractBaseUser, our users are Users
        emails = {user.email} if user.email else set()
        emails.update(EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True))
        return value + "|".join(sorted(emails))
