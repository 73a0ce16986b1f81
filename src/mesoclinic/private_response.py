"""The one way a response carrying a patient's data is marked private: never cached, never sniffed."""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpResponseBase

__all__ = ["private"]

R = TypeVar("R", bound=HttpResponseBase)


def private(response: R) -> R:
    """``response`` (a photo, a signature, an export) with ``Cache-Control: private, no-store`` (no shared or
    browser cache keeps it) and ``X-Content-Type-Options: nosniff`` (the browser takes its type as given)."""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
