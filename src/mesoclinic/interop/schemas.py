"""Schemas of the interop router: an import's report."""

from __future__ import annotations

from ninja import Schema


class RowErrorOut(Schema):
    row: int
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
