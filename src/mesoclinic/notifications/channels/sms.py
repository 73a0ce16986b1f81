"""SMS backends, chosen by the ``SMS_BACKEND`` setting (a dotted path), like Django's e-mail backends.

- ``ConsoleSmsBackend`` prints to stdout (the embedded default: nothing leaves the machine);
- ``FileSmsBackend`` appends JSON lines to ``SMS_FILE_PATH`` (development);
- ``LocmemSmsBackend`` keeps messages in ``outbox`` (tests);
- ``HttpSmsBackend`` posts JSON with a bearer key to a provider (``SMS_HTTP_URL``, ``SMS_HTTP_API_KEY``)
  and reads the provider's message id; HTTP and network errors become ``ChannelError``.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from mesoclinic.clinical_codes.words import N_
from mesoclinic.notifications.channels import ChannelError


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    reference: str = ""


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> str:
        """Hand the message over; return the provider's id for it."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> str:
        provider_id = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"SMS to {message.to} ({provider_id}):\n{message.body}\n{'-' * 40}\n")
        return provider_id


class FileSmsBackend(BaseSmsBackend):
    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        path = Path(settings.SMS_FILE_PATH)
        provider_id = f"file-{uuid.uuid4().hex[:12]}"
        line = json.dumps({"id": provider_id, **asdict(message)}, ensure_ascii=False)
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return provider_id


outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps what it sends in ``outbox``; a body containing ``FAIL-SMS`` fails, so tests can see retries."""

    def send(self, message: SmsMessage) -> str:
        if "FAIL-SMS" in message.body:
            raise ChannelError(N_("Test backend told to fail."))
        outbox.append(message)
        return f"locmem-{len(outbox)}"


class HttpSmsBackend(BaseSmsBackend):
    """A provider that takes ``{"to", "from", "text", "reference"}`` as JSON and answers ``{"id": ...}``.

    Status mapping: 2xx sent; 400/404/422 the provider rejects this message (permanent); 401/403 the key is
    wrong (permanent until someone fixes the configuration); 408/429/5xx and network errors are transient.
    """

    def __init__(self) -> None:
        self.url = settings.SMS_HTTP_URL
        self.key = settings.SMS_HTTP_API_KEY
        if not self.url or not self.key:
            raise ImproperlyConfigured("HttpSmsBackend needs SMS_HTTP_URL and SMS_HTTP_API_KEY.")
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an http(s) address.")
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_HTTP_TIMEOUT

    def send(self, message: SmsMessage) -> str:
        payload = {
            "to": message.to,
            "from": self.sender,
            "text": message.body,
            "reference": message.reference,
        }
        request = urllib.request.Request(  # noqa: S310 — the URL is the operator's configured provider
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            # B310 (bandit): the scheme was checked to be http(s) when the backend was made
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise _http_error(exc.code, exc.read()) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ChannelError(
                N_("The SMS provider could not be reached: %(reason)s"), {"reason": str(exc)}
            ) from None
        try:
            data = json.loads(body)
            provider_id = data.get("id") or data.get("message_id")
        except (ValueError, AttributeError):
            provider_id = None
        if not provider_id:
            raise ChannelError(N_("The SMS provider answered without a message id."))
        return str(provider_id)


def _http_error(status: int, raw: bytes) -> ChannelError:
    try:
        detail = str(json.loads(raw).get("error") or json.loads(raw).get("detail") or "")
    except (ValueError, AttributeError):
        detail = ""
    detail = detail[:200] or f"HTTP {status}"
    if status in (401, 403):
        return ChannelError(
            N_("The SMS provider refused the API key (%(detail)s)."), {"detail": detail}, permanent=True
        )
    if status in (400, 404, 422):
        return ChannelError(
            N_("The SMS provider rejected the message: %(detail)s"), {"detail": detail}, permanent=True
        )
    return ChannelError(
        N_("The SMS provider failed (HTTP %(status)s): %(detail)s"), {"status": status, "detail": detail}
    )


def get_sms_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    return backend_class()


def send_sms(*, to: str, body: str, reference: str = "") -> str:
    return get_sms_backend().send(SmsMessage(to=to, body=body, reference=reference))
