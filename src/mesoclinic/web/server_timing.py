"""``Server-Timing`` on every response when ``settings.SERVER_TIMING`` is on (``SERVER_TIMING=true``).

What one request cost the server, as browsers' developer tools and the load benchmark read it::

    Server-Timing: app;dur=41.2, db;dur=12.7;desc="9 queries", cpu;dur=27.5

``app`` is the wall time inside Django (every middleware after this one, the view, the template), ``db`` the
time spent waiting for the database's answers (every query on every connection, counted by Django's
``execute_wrapper``), ``cpu`` the CPU time this process used for the request (``time.process_time``: right
for gunicorn's sync workers, one request per process at a time). Off by default: the figures tell an outsider
how much work a request made, which a public site need not say.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse


class _QueryClock:
    """Adds up the time and the number of the queries run while it is installed on connections."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
            self.queries += 1


class ServerTimingMiddleware:
    """Measure the request and send the figures in ``Server-Timing`` (first in ``MIDDLEWARE``, to see it all)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.SERVER_TIMING:
            return self.get_response(request)
        clock = _QueryClock()
        wall, cpu = time.perf_counter(), time.process_time()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(clock))
            response = self.get_response(request)
        app_ms = (time.perf_counter() - wall) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        response.headers["Server-Timing"] = (
            f'app;dur={app_ms:.1f}, db;dur={clock.seconds * 1000:.1f};desc="{clock.queries} queries", '
            f"cpu;dur={cpu_ms:.1f}"
        )
        return response
