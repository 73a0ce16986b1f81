"""Attach the signed-in user's staff membership and clinic to the request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mesoclinic.accounts.selectors import staff_for_user


class ClinicMiddleware:
    """Set ``request.staff`` and ``request.clinic`` (both None for anonymous or clinic-less users)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff = staff_for_user(request.user)
        request.staff = staff  # type: ignore[attr-defined]
        request.clinic = staff.clinic if staff else None  # type: ignore[attr-defined]
        return self.get_response(request)
