"""Per-request account state: the staff member and clinic, the session's absolute lifetime, clinic-wide MFA."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mesoclinic import tenancy
from mesoclinic.accounts.selectors import has_authenticator, staff_for_user

SIGNED_IN_AT = "mesoclinic_signed_in_at"


class ClinicMiddleware:
    """Set ``request.staff`` and ``request.clinic`` (None for anonymous or clinic-less users).

    Datetimes are stored in UTC; the clinic's time zone is activated so pages and forms show clinic time. On
    PostgreSQL the request's queries are scoped to the clinic by row-level security (``mesoclinic.tenancy``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff = staff_for_user(request.user)
        request.staff = staff  # type: ignore[attr-defined]  # set on the request for the views (ClinicRequest declares it)
        request.clinic = staff.clinic if staff else None  # type: ignore[attr-defined]  # set on the request for the views (ClinicRequest declares it)
        if staff is not None:
            tenancy.use_clinic(staff.clinic_id)
            timezone.activate(zoneinfo.ZoneInfo(staff.clinic.timezone))
        try:
            return self.get_response(request)
        finally:
            # Also undoes the activation an API token's authentication makes for its clinic.
            timezone.deactivate()


class StaffLanguageMiddleware:
    """Pages of a signed-in staff member in their language: their own choice, else their clinic's.

    Runs after Django's LocaleMiddleware (which reads the ``django_language`` cookie, then Accept-Language)
    and after ClinicMiddleware. An explicit choice made in this browser with the language switch (Django's
    ``set_language`` view, which sets that cookie) beats the account's default; without one, staff get their
    account's language whatever the browser says. Public pages (no staff) keep LocaleMiddleware's choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff = getattr(request, "staff", None)
        if staff is not None and not self._chosen_in_browser(request):
            language = staff.page_language
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)

    @staticmethod
    def _chosen_in_browser(request: HttpRequest) -> bool:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        return chosen in {code for code, _name in settings.LANGUAGES}


class SessionLifetimeMiddleware:
    """End a session a fixed time after its sign-in, however active it has been.

    ``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST`` already ends idle sessions; this bounds the
    active ones too (``SESSION_ABSOLUTE_SECONDS``), so a stolen session cookie does not live forever.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if now - float(signed_in_at) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if not request.path.startswith("/api/"):
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


MFA_REQUIRED_MESSAGE = (
    "Your clinic requires two-factor authentication. Set up an authenticator app at /accounts/2fa/ "
    "before using MesoClinic or its API."
)


class MfaRequiredMiddleware:
    """Send staff of a clinic that requires MFA, who have no authenticator yet, to set one up.

    Every page but MFA setup, re-authentication, sign-out and static files redirects there; the API answers
    403 with the reason (API tokens are checked the same way in ``api_auth``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff = getattr(request, "staff", None)
        if staff is None or not staff.clinic.require_mfa or self._exempt(request.path):
            return self.get_response(request)
        if has_authenticator(request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": MFA_REQUIRED_MESSAGE}, status=403)
        messages.warning(
            request,
            _("Your clinic requires two-factor authentication. Set up an authenticator app to continue."),
        )
        return redirect("mfa_activate_totp")

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = (
            reverse("mfa_index"),
            reverse("account_reauthenticate"),
            reverse("logout"),
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
        )
        return path.startswith(allowed)
