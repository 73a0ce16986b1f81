"""localstripe, a stateful fake Stripe server (PyPI), started on a free local port for the online payment
tests, as the S3 tests start moto's server: the official ``stripe`` library talks HTTP to it, nothing is
mocked in Python. ``configured`` points the settings at it the way the environment would
(``STRIPE_SECRET_KEY``, ``STRIPE_PUBLISHABLE_KEY``, ``STRIPE_WEBHOOK_SECRET``, ``STRIPE_API_BASE``).

localstripe writes its whole store to ``/tmp/localstripe.pickle`` after every change; the server here runs
with that turned off (``--from-scratch`` already skips reading it), so parallel test workers never share a
file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe

SECRET_KEY = "sk_test_mesoclinic"
PUBLISHABLE_KEY = "pk_test_mesoclinic"
WEBHOOK_SECRET = "whsec_mesoclinic_test"

_RUN = (
    "import sys, localstripe.resources as r; r.Store.dump_to_disk = lambda self: None; "
    "from localstripe.server import start; sys.argv = ['localstripe', '--port', sys.argv[1], '--from-scratch']; "
    "start()"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def localstripe_server() -> Iterator[str]:
    """A localstripe process on a free port; its base URL (``http://127.0.0.1:<port>``)."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and a fixed script
        [sys.executable, "-c", _RUN, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def configure(settings: Any, base: str) -> None:
    """Point the (pytest-django) ``settings`` at localstripe as the environment would."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = base
    settings.STRIPE_JS_URL = ""


def client(base: str) -> stripe.StripeClient:
    """The official client on localstripe: what a patient's browser (Stripe.js) would do, done directly."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": base})


def card_token(base: str, number: str = "4242424242424242") -> str:
    """A card tokenised the way Stripe.js tokenises it in the browser."""
    token = client(base).v1.tokens.create(
        params={"card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}}
    )
    return str(token.id)


def signed(
    payload: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, str]:
    """A webhook body and its ``Stripe-Signature`` header, signed as Stripe signs them (HMAC-SHA256)."""
    body = json.dumps(payload).encode()
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), b"%d." % stamp + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={digest}"


def event(kind: str, obj: dict[str, Any], event_id: str = "evt_test_1") -> dict[str, Any]:
    """A Stripe event as the webhook receives it."""
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "api_version": "2020-08-27",
        "data": {"object": obj},
    }
