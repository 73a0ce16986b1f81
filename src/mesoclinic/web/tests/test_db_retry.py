"""A database connection that dies (the server terminates it: restart, failover, a proxy's idle cut) costs
no request a 500: one that died between requests is replaced before use (``CONN_HEALTH_CHECKS``), and a
read whose connection dies under it is answered again, once, on a fresh one. Against the real PostgreSQL
server: the test terminates the app's own backend with ``pg_terminate_backend``, as an outage would."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from mesoclinic.testing import client_for
from mesoclinic.web.db_retry import RetryLostConnectionMiddleware

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="terminating a server backend needs PostgreSQL"
)


def _terminate_app_connection() -> None:
    """Kill this thread's database connection from another one, as the server would."""
    pid = connection.connection.info.backend_pid
    config = connection.settings_dict
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"], user=config["USER"], dbname=config["NAME"], autocommit=True
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)


class _Server:
    """Django's WSGI handler as a server calls it: request_started closes or checks old connections."""

    def __init__(self, cookie: str) -> None:
        self.handler = WSGIHandler()
        self.cookie = cookie
        self.exceptions: list[BaseException] = []
        got_request_exception.connect(self._note, dispatch_uid="test_db_retry")

    def _note(self, sender: Any, **kwargs: Any) -> None:
        import sys  # noqa: PLC0415

        self.exceptions.append(sys.exception())

    def get(self, path: str) -> str:
        environ = RequestFactory().get(path, HTTP_COOKIE=self.cookie, SERVER_NAME="testserver").environ
        status: list[str] = []
        response = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        b"".join(response)
        response.close()
        return status[0]

    def close(self) -> None:
        got_request_exception.disconnect(dispatch_uid="test_db_retry")


@pytest.fixture
def server(owner):
    client = client_for(owner)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    served = _Server(cookie)
    yield served
    served.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_that_died_between_requests_is_replaced_before_use(server):
    url = reverse("worker:jobs")
    assert server.get(url) == "200 OK"
    _terminate_app_connection()
    assert server.get(url) == "200 OK"
    assert server.exceptions == []  # the health check found it: no failed query at all


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_read_whose_connection_dies_under_it_is_answered_again(server):
    url = reverse("worker:jobs")
    assert server.get(url) == "200 OK"
    connection.health_check_enabled = False  # as if it died after the check, during the request
    _terminate_app_connection()
    assert server.get(url) == "200 OK"
    assert server.exceptions  # the first run failed on the dead connection
    assert all(isinstance(exc, OperationalError) for exc in server.exceptions)
    failed = len(server.exceptions)
    assert server.get(url) == "200 OK"
    assert len(server.exceptions) == failed  # on the fresh connection, nothing fails


@pytest.mark.django_db
def test_a_write_is_never_run_again(rf):
    calls = []

    def view(request):
        calls.append(request.method)
        request._mesoclinic_lost_connection = True
        return HttpResponse(status=500)

    middleware = RetryLostConnectionMiddleware(view)
    assert middleware(rf.post("/x")).status_code == 500
    assert calls == ["POST"]
    assert middleware(rf.get("/x")).status_code == 500
    assert calls == ["POST", "GET", "GET"]  # a read: once more, and only once
