"""Document numbers: ``FV/2026/000123`` — a prefix per document kind, the calendar year, a sequence.

Plain Python. The sequence itself (no gaps, no duplicates under concurrency) is kept by the database in
``billing.services``; this module only says what a number looks like and reads one back.
"""

from __future__ import annotations

import re

__all__ = ["PREFIXES", "format_number", "parse_number"]

PREFIXES: dict[str, str] = {"invoice": "FV", "receipt": "PAR", "credit_note": "KOR"}
"""Polish conventions: *faktura VAT*, *paragon* (a receipt), *faktura korygująca* (a credit note)."""

_NUMBER = re.compile(r"^(?P<prefix>[A-Z]+)/(?P<year>\d{4})/(?P<seq>\d{6,})$")


def format_number(kind: str, year: int, seq: int) -> str:
    """``format_number("invoice", 2026, 123)`` → ``"FV/2026/000123"`` (six digits, more when needed)."""
    if kind not in PREFIXES:
        raise ValueError(f"kind: unknown document kind {kind!r}")
    if not 1 <= year <= 9999:
        raise ValueError(f"year: {year} is not a calendar year")
    if seq < 1:
        raise ValueError(f"seq: a sequence starts at 1, not {seq}")
    return f"{PREFIXES[kind]}/{year:04d}/{seq:06d}"


def parse_number(number: str) -> tuple[str, int, int]:
    """The kind, year and sequence of a formatted number; ``ValueError`` when it is not one."""
    match = _NUMBER.match(number)
    kinds = {prefix: kind for kind, prefix in PREFIXES.items()}
    if match is None or match["prefix"] not in kinds:
        raise ValueError(f"number: {number!r} is not a document number such as FV/2026/000123")
    return kinds[match["prefix"]], int(match["year"]), int(match["seq"])
