"""Creating clinics and staff accounts; the clinic's security settings, API tokens and sign-in events."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from mesoclinic.accounts.models import ApiToken, Clinic, Location, Role, StaffMember
from mesoclinic.accounts.permissions import MATRIX
from mesoclinic.accounts.selectors import has_authenticator
from mesoclinic.audit.services import record_event


@transaction.atomic
def create_clinic(*, name: str, slug: str, timezone: str, actor: Any, country: str = "GB") -> Clinic:
    """Create a clinic; its catalog and rules are loaded by the catalog and safety services."""
    clinic = Clinic(name=name, slug=slug, timezone=timezone, country=country)
    clinic.full_clean()
    clinic.save()
    record_event("clinic.create", clinic, actor=actor, clinic=clinic)
    return clinic


@transaction.atomic
def add_location(clinic: Clinic, *, name: str, timezone: str, address: str = "", actor: Any) -> Location:
    location = Location(clinic=clinic, name=name, timezone=timezone, address=address)
    location.full_clean()
    location.save()
    record_event("location.create", location, actor=actor)
    return location


@transaction.atomic
def add_staff_member(
    clinic: Clinic,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str,
    email: str = "",
    title: str = "",
    modalities: Iterable[str] = (),
    locations: Iterable[Location] = (),
    actor: Any,
) -> StaffMember:
    """Create a login and its staff membership in ``clinic``.

    The e-mail address is the owner's to enter, so it counts as verified (two-factor enrolment requires
    verified addresses; staff cannot sign up or add addresses themselves).
    """
    user = User.objects.create_user(username=username, password=password, email=email)
    if email:
        EmailAddress.objects.create(user=user, email=email.lower(), primary=True, verified=True)
    member = StaffMember(
        user=user,
        clinic=clinic,
        role=str(role),
        display_name=display_name,
        title=title,
        modalities=sorted(set(modalities)),
    )
    member.full_clean()
    member.save()
    member.locations.set(list(locations))
    record_event("staff.create", member, actor=actor, data={"role": str(role)})
    return member


# --- Security: clinic-wide MFA, API tokens, sign-in events -------------------------------------------------

TOKEN_PREFIX = "mc_"  # noqa: S105 — the public marker of a MesoClinic token, not a secret


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret: the only time the secret exists outside the caller's hands."""

    token: ApiToken
    secret: str


def hash_token_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def set_clinic_mfa_requirement(clinic: Clinic, *, required: bool, actor: Any) -> Clinic:
    """Switch clinic-wide two-factor enforcement; the owner must have an authenticator to switch it on."""
    if required and not has_authenticator(actor):
        raise ValidationError(
            _("Set up two-factor authentication for your own account first, so you are not locked out.")
        )
    clinic.require_mfa = required
    clinic.save(update_fields=["require_mfa"])
    record_event("clinic.require_mfa", clinic, actor=actor, data={"require_mfa": required})
    return clinic


@transaction.atomic
def create_api_token(
    staff: StaffMember,
    *,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    actor: Any,
) -> IssuedToken:
    """Issue a token for ``staff`` limited to ``scopes`` (each one a capability of their role now)."""
    wanted = sorted(set(scopes))
    allowed = {str(c) for c in MATRIX.get(staff.role, frozenset())}
    if not wanted:
        raise ValidationError({"scopes": _("Choose at least one action the token may do.")})
    if beyond := [s for s in wanted if s not in allowed]:
        raise ValidationError(
            {"scopes": _("Your role does not allow: %(scopes)s.") % {"scopes": ", ".join(beyond)}}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        clinic=staff.clinic,
        user=staff.user,
        name=name.strip(),
        prefix=prefix,
        secret_hash=hash_token_secret(secret),
        scopes=wanted,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    record_event(
        "api_token.create",
        token,
        actor=actor,
        data={"name": token.name, "prefix": prefix, "scopes": wanted, "user": staff.user_id},
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: Any) -> ApiToken:
    """Revoke a token at once; revoking it again changes nothing (and records nothing)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event("api_token.revoke", token, actor=actor, data={"prefix": token.prefix})
    return token


def mark_api_token_used(token: ApiToken, *, now: datetime) -> None:
    """Remember when a token was last used, at most once a minute (not a write per API call)."""
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _clinic_of(user: Any) -> Clinic | None:
    staff = StaffMember.objects.select_related("clinic").filter(user=user).first()
    return staff.clinic if staff is not None else None


@transaction.atomic
def record_sign_in(user: Any, *, method: str) -> None:
    record_event("auth.sign_in", user, actor=user, clinic=_clinic_of(user), data={"method": method})


@transaction.atomic
def record_failed_sign_in(username: str) -> None:
    """A failed sign-in; the account is named only if it exists (a mistyped password stays out of the log)."""
    user = User.objects.filter(username=username).first() if username else None
    record_event(
        "auth.sign_in_failed",
        user,
        actor=None,
        clinic=_clinic_of(user) if user is not None else None,
        data={"known_account": user is not None},
    )


@transaction.atomic
def record_lockout(username: str) -> None:
    user = User.objects.filter(username=username).first() if username else None
    record_event(
        "auth.locked_out",
        user,
        actor=None,
        clinic=_clinic_of(user) if user is not None else None,
        data={"known_account": user is not None, "minutes": settings.AXES_COOLOFF_TIME.total_seconds() // 60},
    )


@transaction.atomic
def record_account_security_event(user: Any, action: str, **data: Any) -> None:
    """MFA set up or removed, recovery codes regenerated, password changed or reset."""
    record_event(action, user, actor=user, clinic=_clinic_of(user), data=data)


@transaction.atomic
def record_failed_mfa(user: Any) -> None:
    """A wrong second-factor code after a right password: the account is named, nobody is the actor yet."""
    record_event("auth.mfa_failed", user, actor=None, clinic=_clinic_of(user))


# --- Password reset, off the request ---------------------------------------------------------------------


class _LinkRequest(HttpRequest):
    """The one thing a reset e-mail needs from the request that asked for it: the address the link points at."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        parts = urlsplit(base_url)
        self._link_scheme = parts.scheme
        self.META["HTTP_HOST"] = parts.netloc
        self.user = AnonymousUser()

    def _get_scheme(self) -> str:
        return self._link_scheme


def request_password_reset(email: str, *, base_url: str) -> None:
    """Send the reset e-mail for ``email`` from the worker, once the request has committed.

    Whether the address is known, and the token, rendering and sending that only a known one costs, happen
    in the background: the request takes one path whatever was typed, so its timing tells nobody which
    addresses have accounts.
    """
    transaction.on_commit(lambda: send_password_reset_task.enqueue(email, base_url), robust=True)


@task()
def send_password_reset_task(email: str, base_url: str) -> None:
    """allauth's own reset form and mail, for ``email`` (nothing is sent for an unknown address)."""
    request = _LinkRequest(base_url)
    with allauth_context.request_context(request):
        form = ResetPasswordForm(data={"email": email})
        if form.is_valid():
            form.save(request)
