"""Schemas of the interop router: an import's report, and a large import's run in the worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema


class RowErrorOut(Schema):
    row: int = Field(description="The CSV row's number (the header is row 1), or the Bundle entry's index.")
    column: str
    message: str


class ImportReportOut(Schema):
    kind: str
    dry_run: bool
    rows: int
    created: int
    saved: bool
    errors: list[RowErrorOut]


class ErrorOut(Schema):
    detail: str


class RequestErrorOut(Schema):
    """A request refused before the import reads the file (a form field missing or of the wrong type)."""

    detail: str | list[dict[str, Any]]
    errors: dict[str, list[str]] | None = None


class ImportRunOut(Schema):
    """A large import run by the worker: follow ``status`` until ``done`` (saved; nothing saved for a dry
    run) or ``failed`` (nothing saved: ``result.errors`` by row, or ``error``)."""

    id: int
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    dry_run: bool
    total: int = Field(description="Entries or rows in the file.")
    processed: int = Field(description="Entries or rows read so far.")
    result: ImportReportOut | None = Field(description="The import's report once it ran.")
    error: str = Field(description="Why the run could not finish (empty otherwise).")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
