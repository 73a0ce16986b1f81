"""A read that lost its database connection is answered once more on a fresh one, instead of a 500.

A PostgreSQL restart, a failover or an idle connection cut by a proxy leaves every app worker holding a dead
connection. ``CONN_HEALTH_CHECKS`` (settings) catches the ones that died between requests; this catches
one that dies during a request: a ``GET``, ``HEAD`` or ``OPTIONS`` changes nothing, so it is safe to run
again, once, after the dead connection is closed. A write is never repeated (it may have been committed
before the connection went), and neither is a request inside a transaction block.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import DatabaseError, close_old_connections, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
_LOST = "_mesoclinic_lost_connection"


def connection_lost() -> bool:
    """Whether any database connection of this thread is broken (and not inside a transaction block)."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            return False
        if connection.connection is not None and not connection.is_usable():
            return True
    return False


@receiver(got_request_exception, dispatch_uid="mesoclinic.web.db_retry")
def _note_lost_connection(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django turned an exception into a 500; note it on the request if a connection died under it."""
    exc = sys.exception()
    if request is not None and isinstance(exc, DatabaseError) and connection_lost():
        setattr(request, _LOST, True)


class RetryLostConnectionMiddleware:
    """Outermost: runs an idempotent request once more when its database connection was lost under it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in IDEMPOTENT and getattr(request, _LOST, False):
            delattr(request, _LOST)
            logger.warning(
                "Database connection lost during %s %s; answered again.", request.method, request.path
            )
            close_old_connections()  # closes the broken connection; the next query opens a new one
            response = self.get_response(request)
        return response
