"""Where a webhook may go, and the one HTTP POST that takes it there (no Django, standard library only).

A clinic owner types the URL, and the server then makes requests to it: a classic server-side request forgery
path into the clinic's own network (a router's admin page, a cloud metadata service). So a target must be
``https`` (``http`` only where allowed, for development) and must resolve to public addresses only; the address
is checked at every delivery and the connection is made **to the address that was checked** (DNS rebinding
cannot swap it between check and connect), with TLS still verified against the host name. Redirects are not
followed: a 3xx is a failed attempt.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from mesoclinic.clinical_codes.words import N_, Worded, WordedError

USER_AGENT = "MesoClinic-Webhooks/1"
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_RESPONSE_EXCERPT_BYTES = 512


class TargetError(WordedError):
    """The URL is not an acceptable webhook target; the message says why, in words an owner understands
    (``str`` in English, ``text(gettext)`` in the reader's language: this module imports no Django)."""


@dataclass(frozen=True)
class Outcome:
    """What one POST gave: the status code (None when no response came), how long it took, any error."""

    status_code: int | None
    duration_ms: int
    error: str = ""
    response_excerpt: str = ""
    #: The error as words (``error`` is their English text), to show later in each reader's language.
    error_words: Worded | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> None:
    """Refuse a URL that is not a plausible public webhook target, without any network access.

    Host names are resolved only when delivering (``post``); here a literal address and the obviously local
    names are refused.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in {"https", "http"} or (parts.scheme == "http" and not allow_http):
        raise TargetError(N_("The address must start with https://."))
    if not parts.hostname:
        raise TargetError(N_("The address has no host name."))
    if parts.username or parts.password:
        raise TargetError(N_("Put no user name or password in the address; the signature authenticates us."))
    try:
        parts.port  # noqa: B018 — raises on a bad port
    except ValueError:
        raise TargetError(N_("The port in the address is not a number between 0 and 65535.")) from None
    if allow_private:
        return
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        raise TargetError(N_("The address points at a local or private network, which is not allowed."))
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return
    if not _is_public(str(literal)):
        raise TargetError(N_("The address points at a local or private network, which is not allowed."))


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to: the first one DNS gives, provided every one it gives is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetError(
            N_("The host name %(host)s does not resolve (%(reason)s)."),
            {"host": host, "reason": exc.strerror},
        ) from None
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private and not all(_is_public(address) for address in addresses):
        raise TargetError(
            N_("%(host)s resolves to a local or private address, which is not allowed."), {"host": host}
        )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]  # http.client's HTTPSConnection keeps its SSL context here, not in its stubs


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allow_http: bool,
    allow_private: bool,
) -> Outcome:
    """POST ``body`` to ``url``; never raises for network trouble: the outcome carries the error."""
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    def failed(words: Worded) -> Outcome:
        return Outcome(None, elapsed(), str(words), error_words=words)

    try:
        check_url(url, allow_http=allow_http, allow_private=allow_private)
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve(host, port, allow_private=allow_private)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(host, port, address=address, timeout=timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, body=body, headers={"User-Agent": USER_AGENT, **headers})
            response = connection.getresponse()
            excerpt = response.read(_RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
            return Outcome(response.status, elapsed(), "", excerpt)
        finally:
            connection.close()
    except TargetError as exc:
        return failed(Worded(exc.template, exc.params))
    except TimeoutError:
        return failed(Worded(N_("No answer within %(seconds)s s (timed out)."), {"seconds": f"{timeout:g}"}))
    except ssl.SSLError as exc:
        return failed(Worded(N_("TLS failed: %(reason)s"), {"reason": str(exc.reason or exc)}))
    except (OSError, http.client.HTTPException) as exc:
        return failed(
            Worded(N_("Connection failed: %(reason)s"), {"reason": f"{exc.__class__.__name__}: {exc}"})
        )
