"""A real HTTP receiver for the delivery tests: a thread serving 127.0.0.1, verifying every signature.

Each request is answered from a script (a status code, or ``"hang"`` to answer only after the sender's
timeout); when the script runs out it answers 200. Every request is kept with its headers, body and whether
its signature verified against ``secret``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mesoclinic.webhooks import signing


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    error: str = ""


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    secret: str = ""
    script: list[Any] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    hang_seconds: float = 2.5

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/mesoclinic"


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                signing.verify(
                    receiver.secret,
                    self.headers.get(signing.SIGNATURE_HEADER, ""),
                    body,
                    now=int(time.time()),
                )
                verified, error = True, ""
            except signing.SignatureError as exc:
                verified, error = False, str(exc)
            receiver.requests.append(Received(self.path, dict(self.headers), body, verified, error))
            answer = receiver.script.pop(0) if receiver.script else 200
            if answer == "hang":
                time.sleep(receiver.hang_seconds)
                answer = 200
            status = answer if verified else 401
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"no")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
