"""The notification tests' stub SMS provider: a real HTTP server in a thread (no mock of the HTTP layer)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Provider:
    """What the stub provider received and what it answers next."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.body: bytes = b'{"id": "msg-123"}'


@pytest.fixture
def provider(settings) -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers["Authorization"],
                    "content_type": self.headers["Content-Type"],
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "mesoclinic.notifications.channels.sms.HttpSmsBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    settings.SMS_HTTP_API_KEY = "test-key-not-secret"
    settings.SMS_SENDER = "RosaClinic"
    settings.SMS_HTTP_TIMEOUT = 2
    yield state
    server.shutdown()
    server.server_close()
