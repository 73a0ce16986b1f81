"""Attach the signed-in user's staff membership and clinic to the request, in the clinic's time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from mesoclinic.accounts.selectors import staff_for_user


class ClinicMiddleware:
    """Set ``request.staff`` and ``request.clinic`` (None for anonymous or clinic-less users).

    Datetimes are stored in UTC; the clinic's time zone is activated so pages and forms show clinic time.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff = staff_for_user(request.user)
        request.staff = staff  # type: ignore[attr-defined]
        request.clinic = staff.clinic if staff else None  # type: ignore[attr-defined]
        if staff is None:
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(staff.clinic.timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
