"""``staff_required``: the one gate in front of every staff view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

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
