"""API authentication and role checks: bearer tokens beside the session, ``require`` for every handler.

``require`` is the API twin of ``staff_required``. A request authenticated by an API token may do only what
the token's scopes name *and* what its user's role allows now: changing a role narrows every token at once.
"""

from __future__ import annotations

import hmac
import time
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from mesoclinic import tenancy
from mesoclinic.accounts.middleware import MFA_REQUIRED_MESSAGE
from mesoclinic.accounts.models import ApiToken, StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.accounts.selectors import api_token_by_prefix, has_authenticator, staff_for_user
from mesoclinic.accounts.services import TOKEN_PREFIX, hash_token_secret, mark_api_token_used
from mesoclinic.shared_cache import count_hit


def require(request: HttpRequest, *capabilities: Capability) -> StaffMember:
    """The caller's staff membership, if it (and its API token, if any) holds every capability; 403 otherwise."""
    staff: StaffMember | None = getattr(request, "staff", None)
    if staff is None:
        raise PermissionDenied("This account is not a member of any clinic.")
    token: ApiToken | None = getattr(request, "api_token", None)
    for capability in capabilities:
        if not role_has(staff.role, capability):
            raise PermissionDenied("Your role does not allow this.")
        if token is not None and str(capability) not in token.scopes:
            raise PermissionDenied(f"This API token's scopes do not include {capability}.")
    return staff


class _SettingsRate:
    """A fixed-window counter in the shared cache (``mesoclinic.shared_cache``), so that the documented rate
    holds across every worker process; the rate is read from settings on every request, so an operator's
    (or a test's) setting takes effect."""

    setting: str
    wait_seconds: float = 0.0

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)  # type: ignore[attr-defined]  # ninja's throttle base class defines it, untyped
        key = self.get_cache_key(request)  # type: ignore[attr-defined]  # ninja's throttle base class defines it, untyped
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        count = count_hit(f"{key}:{window}", window_seconds=self.duration)
        if count > self.num_requests:
            self.wait_seconds = (window + 1) * self.duration - now
            return False
        return True

    def wait(self) -> float:
        return max(self.wait_seconds, 1.0)


class CredentialRateThrottle(_SettingsRate, AuthRateThrottle):
    """One bucket per API token, or per user for session requests (``API_RATE_USER``)."""

    setting = "API_RATE_USER"

    def __init__(self) -> None:
        super().__init__(settings.API_RATE_USER)


class AddressRateThrottle(_SettingsRate, AnonRateThrottle):
    """One bucket per client address for requests without valid credentials (``API_RATE_ANON``)."""

    setting = "API_RATE_ANON"
    scope = "anon"

    def __init__(self) -> None:
        super().__init__(settings.API_RATE_ANON)


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer mc_<prefix>_<secret>``: a live token of an active staff member.

    The row is found by its public prefix and the secret's SHA-256 compared in constant time. A bad token
    counts against the caller's address (``API_RATE_ANON``), so guessing is throttled like anonymous calls.
    """

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = self._lookup(token)
        if found is None:
            self._throttle_guess(request)
            return None
        staff = staff_for_user(found.user)
        if staff is None or staff.clinic_id != found.clinic_id or not found.user.is_active:
            return None
        if staff.clinic.require_mfa and not has_authenticator(found.user):
            raise HttpError(403, MFA_REQUIRED_MESSAGE)
        tenancy.use_clinic(found.clinic_id)  # the rest of the call sees this clinic's rows only
        now = timezone.now()
        mark_api_token_used(found, now=now)
        request.user = found.user
        request.staff = staff  # type: ignore[attr-defined]  # set on the request for the views (ClinicRequest declares it)
        request.clinic = staff.clinic  # type: ignore[attr-defined]  # set on the request for the views (ClinicRequest declares it)
        request.api_token = found  # type: ignore[attr-defined]  # set on the request for the views (ClinicRequest declares it)
        timezone.activate(zoneinfo.ZoneInfo(staff.clinic.timezone))
        if not request.headers.get("Accept-Language"):
            # Error messages in the token owner's language unless the client asked for one.
            translation.activate(staff.page_language)
        return found

    @staticmethod
    def _lookup(secret: str) -> ApiToken | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        prefix, _, rest = secret.removeprefix(TOKEN_PREFIX).partition("_")
        if not prefix or not rest:
            return None
        token = api_token_by_prefix(prefix)
        if token is None or not hmac.compare_digest(token.secret_hash, hash_token_secret(secret)):
            return None
        return token if token.is_usable(timezone.now()) else None

    @staticmethod
    def _throttle_guess(request: HttpRequest) -> None:
        throttle = AddressRateThrottle()
        if not throttle.allow_request(request):
            raise HttpError(429, gettext("Too many requests with invalid credentials. Try again later."))
