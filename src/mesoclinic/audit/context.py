"""Where the current request comes from, made available to services without threading the request through."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

USER_AGENT_MAX = 300
PATH_MAX = 300


@dataclass(frozen=True)
class Origin:
    """The client address, the path (never the query string: searches carry names) and the user agent."""

    ip: str | None = None
    path: str = ""
    user_agent: str = ""


origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039 — frozen, shared safely


def normalise_ip(value: str | None) -> str | None:
    """The address as the database stores it (``inet`` lower-cases and compresses IPv6), or None if not one."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def origin_of(request: HttpRequest) -> Origin:
    return Origin(
        ip=normalise_ip(request.META.get("REMOTE_ADDR")),
        path=request.path[:PATH_MAX],
        user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX],
    )


class AuditContextMiddleware:
    """Remember where the current request comes from, for the audit rows it writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = origin.set(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            origin.reset(token)
