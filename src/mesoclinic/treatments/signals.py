"""Events treatments emit for the apps above them (import-linter forbids treatments importing them).

``session_signed`` is sent inside the transaction that signs a session record, after the record is locked
and its appointment completed, so a receiver's writes (billing draws a prepaid package session) commit or
roll back with the signature. Arguments: ``record`` (the signed ``SessionRecord``) and ``actor``.
"""

from __future__ import annotations

from django.dispatch import Signal

session_signed = Signal()
"""Sent with ``record`` and ``actor`` inside the signing transaction."""
