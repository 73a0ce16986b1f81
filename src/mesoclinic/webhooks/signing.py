"""Signing webhook bodies and spacing their retries: plain functions, no Django (the receiver's side too).

The signature header is ``X-MesoClinic-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``, where the HMAC key is
the endpoint's secret and the message is ``"<t>.<raw body>"``. Putting the time inside the signed message lets a
receiver refuse replays of an old, captured request (``verify`` checks a tolerance window); the scheme is the
one Stripe documents, so receivers' existing verification code works with a changed header name.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-MesoClinic-Signature"
EVENT_ID_HEADER = "X-MesoClinic-Event-Id"
EVENT_TYPE_HEADER = "X-MesoClinic-Event"
DELIVERY_ID_HEADER = "X-MesoClinic-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match the body."""


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp`` (Unix seconds)."""
    if not secret:
        raise ValueError("secret must not be empty")
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: int, tolerance: int = DEFAULT_TOLERANCE_SECONDS
) -> int:
    """Check a received signature header; return its timestamp or raise ``SignatureError``.

    Compares in constant time, and refuses a timestamp more than ``tolerance`` seconds from ``now``.
    """
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("The signature header has no timestamp.") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureError("The signature is too old (or from the future).")
    expected = _digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in fields.get("v1", [])):
        raise SignatureError("The signature does not match the body.")
    return timestamp


def backoff_seconds(attempt: int, *, base: int, cap: int) -> int:
    """The wait after failed attempt number ``attempt`` (1-based): ``base``, then doubling, at most ``cap``.

    With base 30 s: 30 s, 1 min, 2 min, 4 min, … — a receiver that is down for a deploy gets a few quick
    tries, one that is down for hours is not hammered.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if base < 1 or cap < base:
        raise ValueError("need 1 <= base <= cap")
    return min(cap, base * 2 ** min(attempt - 1, 32))
