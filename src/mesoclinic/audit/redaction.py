"""No personal data in logs or error reports.

Patterns cannot recognise a name, so the rules are structural: what could carry a patient's data is withheld
whole, and only what cannot (paths without their query, numbers, types, code) is kept.

- ``RedactPersonalData`` (a logging filter on every handler): the formatted message loses query strings, e-mail
  addresses and phone-like numbers; SQL debug lines lose their values; exception messages are withheld (an
  IntegrityError quotes the duplicate e-mail) while the stack stays; known PII attributes are dropped and an
  attached request loses its body, query string and cookies.
- ``PiiSafeExceptionReporterFilter`` (Django's error reports, e-mailed or shown): every POST value and every
  local variable except plain numbers is hidden (a model instance shows as its type and id), always, not
  only without DEBUG.
- ``PiiSafeExceptionReporter``: the report's query string, exception message and chained causes are withheld.
"""

from __future__ import annotations

import copy
import logging
import re
import traceback
from collections.abc import ItemsView
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, QueryDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

WITHHELD = "[withheld]"
PII_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "full_name",
        "birth_date",
        "date_of_birth",
        "email",
        "phone",
        "address",
        "notes",
        "signed_by",
        "patient",
    }
)
"""Names of record attributes (from ``extra=``) that may hold a patient's identity; withheld in records.
(Not ``name``: on a log record that is the logger's name.)"""

_QUERY = re.compile(r"(?P<path>/[^\s?\"']*)\?[^\s\"']*")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w/])\+?\d(?:[\s().-]?\d){7,}(?![\w/])")
_SQL_LOGGER = "django.db.backends"


def scrub(text: str) -> str:
    """``text`` without query strings, e-mail addresses and phone-like numbers."""
    text = _QUERY.sub(lambda m: f"{m['path']}?{WITHHELD}", text)
    text = _EMAIL.sub("[e-mail]", text)
    return _PHONE.sub("[number]", text)


def _traceback_without_messages(exc_info: Any) -> str:
    """The stack (files, lines, code) with every exception of the chain reduced to its type."""
    top = traceback.TracebackException.from_exception(exc_info[1])
    pending: list[traceback.TracebackException] = [top]
    while pending:
        te = pending.pop()
        te._str = WITHHELD  # type: ignore[attr-defined]  # the one place the standard library keeps the message
        te.__notes__ = None
        pending.extend(t for t in (te.__cause__, te.__context__) if t is not None)
    return "".join(top.format(chain=True)).rstrip("\n")


def strip_request(request: HttpRequest) -> HttpRequest:
    """A shallow copy of ``request`` without its body, query string, uploaded files or cookies."""
    clean = copy.copy(request)
    clean.GET = QueryDict()
    clean._post = QueryDict()  # type: ignore[attr-defined]  # QueryDict's parsed-body caches, set on the copy so that the body is withheld
    clean._files = {}  # type: ignore[attr-defined]  # QueryDict's parsed-body caches, set on the copy so that the body is withheld
    clean._body = b""
    clean.COOKIES = {}
    clean.META = {k: v for k, v in request.META.items() if k not in ("QUERY_STRING", "HTTP_COOKIE")}
    return clean


class RedactPersonalData(logging.Filter):
    """Make a log record safe to keep: see the module docstring. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_redacted", False):
            return True
        if record.name.startswith(_SQL_LOGGER):
            duration = getattr(record, "duration", None)
            record.msg = "(%s) SQL statement withheld (it may hold patient data); alias=%s"
            record.args = (
                f"{duration:.3f}" if isinstance(duration, float) else "?",
                getattr(record, "alias", ""),
            )
            for attr in ("sql", "params"):
                if hasattr(record, attr):
                    setattr(record, attr, WITHHELD)
        else:
            record.msg = scrub(record.getMessage())
            record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _traceback_without_messages(record.exc_info)
        for attr in PII_FIELDS:
            if attr in record.__dict__:
                setattr(record, attr, WITHHELD)
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            record.request = strip_request(request)
        record._pii_redacted = True
        return True


def _safe_repr(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Model):
        return f"<{value._meta.label_lower} {value.pk}>"
    return SafeExceptionReporterFilter.cleansed_substitute


class PiiSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide every POST value and every non-numeric local variable, whatever DEBUG says."""

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, Any]:
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        for key in ("QUERY_STRING", "HTTP_COOKIE"):
            if key in meta:
                meta[key] = self.cleansed_substitute
        return meta

    def get_traceback_frame_variables(
        self, request: HttpRequest | None, tb_frame: Any
    ) -> ItemsView[str, Any]:
        return {name: _safe_repr(value) for name, value in tb_frame.f_locals.items()}.items()


class PiiSafeExceptionReporter(ExceptionReporter):
    """The error report without the query string, the exception's message or its causes' messages."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if "exception_value" in data:
            data["exception_value"] = WITHHELD
        data.pop("exception_notes", None)
        if "request_GET_items" in data:
            data["request_GET_items"] = [(k, WITHHELD) for k in self.request.GET]  # type: ignore[union-attr]  # the key is there only when Django's reporter had a request
        if "request_insecure_uri" in data:
            data["request_insecure_uri"] = scrub(str(data["request_insecure_uri"]))
        for frame in data.get("frames", []):
            cause = frame.get("exc_cause")
            if cause is not None:
                frame["exc_cause"] = f"{type(cause).__name__}: {WITHHELD}"
        return data
