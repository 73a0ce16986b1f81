"""``Permissions-Policy``: the one security header Django's ``SecurityMiddleware`` does not set."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    """Send ``settings.PERMISSIONS_POLICY`` (feature → allow list) on every response.

    A page that needs no camera cannot be made to use one by injected content; photo capture gets the
    camera on this origin only.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy: dict[str, str] = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}={allow}" for feature, allow in policy.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
