"""``staff_required``: the one gate in front of every staff view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError

from mesoclinic.accounts.api_auth import ApiTokenAuth, require
from mesoclinic.accounts.permissions import Capability, role_has

View = TypeVar("View", bound=Callable[..., HttpResponse])


def staff_required(*capabilities: Capability) -> Callable[[View], View]:
    """Require a signed-in active staff member of a clinic holding every capability named.

    Anonymous users are sent to the login page; signed-in users without the role get 403.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            staff = getattr(request, "staff", None)
            if staff is None:
                raise PermissionDenied("This account is not a member of any clinic.")
            for capability in capabilities:
                if not role_has(staff.role, capability):
                    raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def staff_or_token_required(*capabilities: Capability) -> Callable[[View], View]:
    """``staff_required`` for pages other systems call too (FHIR): an ``Authorization: Bearer`` API token
    may stand in for the session, limited to its scopes and its user's role as in the JSON API.

    A token request carries no ambient credential, so it needs no CSRF token; a session request still does.
    """

    def decorator(view: View) -> View:
        gated = staff_required(*capabilities)(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scheme, _, secret = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() != "bearer":
                refused = CsrfViewMiddleware(gated).process_view(request, gated, args, kwargs)
                return refused or gated(request, *args, **kwargs)
            try:
                token = ApiTokenAuth().authenticate(request, secret.strip())
            except HttpError as exc:
                return JsonResponse({"detail": str(exc)}, status=exc.status_code)
            if token is None:
                return JsonResponse({"detail": "Invalid, expired or revoked API token."}, status=401)
            require(request, *capabilities)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
