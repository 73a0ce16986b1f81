"""Creating clinics and staff accounts; the clinic's security settings, API tokens and sign-in events."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from allauth.account.forms import ResetPasswordForm, default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from mesoclinic.accounts.models import ApiToken, Clinic, ClinicLanguage, Location, Role, StaffMember
from mesoclinic.accounts.permissions import MATRIX
from mesoclinic.accounts.selectors import has_authenticator
from mesoclinic.actors import Actor
from mesoclinic.audit.services import field_changes, record_event, save_changes


@transaction.atomic
def create_clinic(
    *, name: str, slug: str, timezone: str, actor: Actor, country: str = "GB", language: str = "en"
) -> Clinic:
    """Create a clinic; its catalog and rules are loaded by the catalog and safety services."""
    clinic = Clinic(name=name, slug=slug, timezone=timezone, country=country, language=language)
    clinic.full_clean()
    clinic.save()
    record_event("clinic.create", clinic, actor=actor, clinic=clinic)
    return clinic


@transaction.atomic
def add_location(
    clinic: Clinic, *, name: str, timezone: str, address: str = "", phone: str = "", actor: Actor
) -> Location:
    """A new location of ``clinic``, checked whole before anything is saved (a refused phone saves nothing)."""
    location = Location(clinic=clinic, name=name, timezone=timezone, address=address, phone=phone.strip())
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
    actor: Actor,
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
def set_staff_language(member: StaffMember, *, language: str, actor: Actor) -> StaffMember:
    """Set the language of a staff member's pages ("" for the clinic's); audited."""
    if language and language not in ClinicLanguage.values:
        raise ValidationError({"language": [_("Choose a language from the list.")]})
    if member.language != language:
        before = member.language
        member.language = language
        member.save(update_fields=["language"])
        record_event("staff.language", member, actor=actor, data={"language": [before, language]})
    return member


@transaction.atomic
def set_clinic_mfa_requirement(clinic: Clinic, *, required: bool, actor: Actor) -> Clinic:
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
    actor: Actor,
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
def revoke_api_token(token: ApiToken, *, actor: Actor) -> ApiToken:
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


# --- The owner's Settings: clinic details, locations and staff ---------------------------------------------

CLINIC_DETAIL_FIELDS = ("name", "phone", "email", "address", "timezone", "country", "language")


@transaction.atomic
def update_clinic_details(clinic: Clinic, *, actor: Actor, **values: Any) -> Clinic:
    """Change the clinic's name, contact details, time zone, country or language; audited field by field.

    Raises ``ValidationError`` (naming the field) for an unknown time zone or language, an invalid e-mail,
    an empty name.
    """
    unknown = set(values) - set(CLINIC_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"Not a clinic detail: {', '.join(sorted(unknown))}")
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if "country" in values:
        values["country"] = values["country"].upper()
    save_changes(clinic, values, "clinic.update", actor=actor, clinic=clinic, exclude=["slug"])
    return clinic


@transaction.atomic
def update_location(
    location: Location, *, name: str, timezone: str, address: str = "", phone: str = "", actor: Actor
) -> Location:
    values = {"name": name.strip(), "timezone": timezone, "address": address.strip(), "phone": phone.strip()}
    save_changes(location, values, "location.update", actor=actor, clinic=location.clinic)
    return location


def _check_locations(clinic: Clinic, locations: Iterable[Location]) -> list[Location]:
    chosen = list(locations)
    if any(location.clinic_id != clinic.pk for location in chosen):
        raise ValidationError({"locations": _("Choose locations of this clinic.")})
    return chosen


def _active_owners(clinic: Clinic) -> Any:
    return StaffMember.objects.filter(clinic=clinic, role=Role.OWNER, is_active=True, user__is_active=True)


def _keep_an_owner(member: StaffMember, *, role: str, active: bool) -> None:
    """Refuse the change that would leave the clinic with no active owner (nobody could manage it)."""
    if member.role != Role.OWNER or (role == Role.OWNER and active):
        return
    if not _active_owners(member.clinic).exclude(pk=member.pk).exists():
        raise ValidationError(
            {"role": _("The clinic needs at least one active owner: make someone else an owner first.")}
        )


@dataclass(frozen=True)
class Invitation:
    """A new staff member and the link with which they choose their password (sent to them by e-mail)."""

    member: StaffMember
    link: str


def password_link(user: User) -> str:
    """A one-time link to choose a password: allauth's reset link (expires, dies once the password is set)."""
    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


@transaction.atomic
def invite_staff_member(
    clinic: Clinic,
    *,
    email: str,
    display_name: str,
    role: Role | str,
    title: str = "",
    modalities: Iterable[str] = (),
    locations: Iterable[Location] = (),
    base_url: str = "",
    actor: Actor,
) -> Invitation:
    """Create a staff account with no password and e-mail its owner a link to choose one.

    The sign-in name is the e-mail address. Raises ``ValidationError`` when the address already has an
    account, or a field is invalid.
    """
    email = email.strip().lower()
    display_name = display_name.strip()
    if not email:
        raise ValidationError({"email": _("Give the e-mail address the invitation goes to.")})
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        raise ValidationError({"email": _("Someone already has an account with this e-mail address.")})
    chosen = _check_locations(clinic, locations)
    user = User(username=email, email=email)
    user.set_unusable_password()
    member = StaffMember(
        user=user,
        clinic=clinic,
        role=str(role),
        display_name=display_name,
        title=title.strip(),
        modalities=sorted(set(modalities)),
    )
    user.full_clean(exclude=["password"])
    member.full_clean(exclude=["user"])
    user.save()
    # The owner typed the address: verified, or allauth would refuse the new member two-factor enrolment.
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    member.user = user
    member.save()
    member.locations.set(chosen)
    link = base_url + password_link(user)
    record_event(
        "staff.invite",
        member,
        actor=actor,
        clinic=clinic,
        data={
            "role": member.role,
            "modalities": member.modalities,
            "locations": sorted(loc.pk for loc in chosen),
        },
    )
    transaction.on_commit(lambda: _send_invitation(member, link))
    return Invitation(member=member, link=link)


def _send_invitation(member: StaffMember, link: str) -> None:
    """The invitation, in the language the new member's pages will be in (the clinic's by default)."""
    with translation.override(member.page_language):
        subject, body = _invitation_text(member, link)
    send_mail(subject, body, None, [member.user.email])


def _invitation_text(member: StaffMember, link: str) -> tuple[str, str]:
    subject = _("You are invited to %(clinic)s on MesoClinic") % {"clinic": member.clinic.name}
    body = _(
        "Hello %(name)s,\n\n%(clinic)s has added you to its MesoClinic as %(role)s. Choose your password "
        "here (the link works once):\n\n%(link)s\n\nYour sign-in name is %(email)s."
    ) % {
        "name": member.display_name,
        "clinic": member.clinic.name,
        "role": member.get_role_display(),
        "link": link,
        "email": member.user.email,
    }
    return subject, body


@transaction.atomic
def update_staff_member(
    member: StaffMember,
    *,
    role: Role | str,
    display_name: str,
    title: str = "",
    modalities: Iterable[str] = (),
    locations: Iterable[Location] = (),
    actor: Actor,
) -> StaffMember:
    """Change a staff member's role, name, qualifications (modalities) and locations; audited.

    The last active owner cannot stop being an owner.
    """
    _keep_an_owner(member, role=str(role), active=member.is_active)
    chosen = _check_locations(member.clinic, locations)
    values = {
        "role": str(role),
        "display_name": display_name.strip(),
        "title": title.strip(),
        "modalities": sorted(set(modalities)),
    }
    changes = field_changes(member, values)
    before_locations = sorted(member.locations.values_list("pk", flat=True))
    after_locations = sorted(location.pk for location in chosen)
    if before_locations != after_locations:
        changes["locations"] = [before_locations, after_locations]
    for name, value in values.items():
        setattr(member, name, value)
    member.full_clean(exclude=["user"])
    if changes:
        # Saved even when only its locations changed: the save's signal bumps the schedule versions.
        member.save(update_fields=sorted(set(changes) - {"locations"}) or ["display_name"])
        member.locations.set(chosen)
        record_event("staff.update", member, actor=actor, clinic=member.clinic, data=changes)
    return member


@transaction.atomic
def set_staff_active(member: StaffMember, *, active: bool, actor: Actor) -> StaffMember:
    """Deactivate (they can no longer sign in; their records and history stay) or reactivate a staff member.

    Nobody deactivates themselves, and the last active owner stays.
    """
    if member.is_active == active and member.user.is_active == active:
        return member
    if not active and actor is not None and member.user_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot deactivate your own account."))
    _keep_an_owner(member, role=member.role, active=active)
    member.is_active = active
    member.save(update_fields=["is_active"])
    member.user.is_active = active
    member.user.save(update_fields=["is_active"])
    record_event(
        "staff.activate" if active else "staff.deactivate", member, actor=actor, clinic=member.clinic
    )
    return member


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
