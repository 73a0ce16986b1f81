"""``staff_required``: the one gate in front of every staff view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError

from mesoclinic.accounts.api_auth import ApiTokenAuth, require
from mesoclinic.accounts.permissions import Capability, role_has

View = TypeVar("View", bound=Callable[..., HttpResponseBase])  # a page, a redirect, a stream or a file


def staff_required(*capabilities: Capability) -> Callable[[View], View]:
    """Require a signed-in active staff member of a clinic holding every capability named.

    Anonymous users are sent to the login page; signed-in users without the role get 403.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            staff = getattr(request, "staff", None)
            if staff is None:
                raise PermissionDenied(gettext("This account is not a member of any clinic."))
            for capability in capabilities:
                if not role_has(staff.role, capability):
                    raise PermissionDenied(gettext("Your role does not allow this."))
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]  # functools.wraps keeps the view's signature; mypy sees the wrapper's

    return decorator


Refusal = Callable[[int, str], HttpResponse]


def _json_refusal(status: int, message: str) -> HttpResponse:
    return JsonResponse({"detail": message}, status=status)


def staff_or_token_required(
    *capabilities: Capability, refuse: Refusal | None = None
) -> Callable[[View], View]:
    """``staff_required`` for pages other systems call too (FHIR): an ``Authorization: Bearer`` API token
    may stand in for the session, limited to its scopes and its user's role as in the JSON API.

    A token request carries no ambient credential, so it needs no CSRF token; a session request still does.
    With ``refuse`` (status, message -> response), every refusal is answered in the caller's own format: an
    anonymous call gets 401 with ``WWW-Authenticate: Bearer`` instead of a redirect to the login page (a
    machine cannot sign in there), and a refused role, scope or CSRF check gets 403.
    """

    def decorator(view: View) -> View:
        gated = staff_required(*capabilities)(view)

        def by_token(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            require(request, *capabilities)
            return view(request, *args, **kwargs)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            scheme, _, secret = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() != "bearer":
                if refuse is not None and not request.user.is_authenticated:
                    return _challenge(
                        refuse(401, gettext("Sign in, or send an API token: Authorization: Bearer mc_…"))
                    )
                refused = CsrfViewMiddleware(gated).process_view(request, gated, args, kwargs)
                if refused is not None and refuse is not None:
                    return refuse(
                        403,
                        gettext("The CSRF check failed: send the form's CSRF token, or use an API token."),
                    )
                return refused or _refusing(refuse, gated, request, *args, **kwargs)
            answer = refuse or _json_refusal
            try:
                token = ApiTokenAuth().authenticate(request, secret.strip())
            except HttpError as exc:
                return answer(exc.status_code, str(exc))
            if token is None:
                return _challenge(answer(401, gettext("Invalid, expired or revoked API token.")))
            return _refusing(refuse, by_token, request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]  # functools.wraps keeps the view's signature; mypy sees the wrapper's

    return decorator


def _refusing(
    refuse: Refusal | None,
    view: Callable[..., HttpResponseBase],
    request: HttpRequest,
    *args: Any,
    **kwargs: Any,
) -> HttpResponseBase:
    """Call ``view``; with ``refuse``, a ``PermissionDenied`` it raises becomes ``refuse(403, message)``."""
    if refuse is None:
        return view(request, *args, **kwargs)
    try:
        return view(request, *args, **kwargs)
    except PermissionDenied as exc:
        return refuse(403, str(exc) or gettext("Your role does not allow this."))


def _challenge(response: HttpResponse) -> HttpResponse:
    response["WWW-Authenticate"] = 'Bearer realm="MesoClinic"'
    return response
