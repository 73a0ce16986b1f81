from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.billing.engine.numbering import PREFIXES, format_number, parse_number


def test_it_formats_as_the_issue_shows() -> None:
    assert format_number("invoice", 2026, 123) == "FV/2026/000123"
    assert format_number("receipt", 2026, 1) == "PAR/2026/000001"
    assert format_number("credit_note", 2027, 1_234_567) == "KOR/2027/1234567"


@pytest.mark.parametrize(
    ("kind", "year", "seq"), [("bill", 2026, 1), ("invoice", 0, 1), ("invoice", 2026, 0)]
)
def test_it_refuses_what_is_not_a_number(kind: str, year: int, seq: int) -> None:
    with pytest.raises(ValueError, match=r"^(kind|year|seq):"):
        format_number(kind, year, seq)


@given(st.sampled_from(sorted(PREFIXES)), st.integers(1, 9999), st.integers(1, 10**9))
def test_it_reads_back_what_it_writes_and_sorts_by_sequence(kind: str, year: int, seq: int) -> None:
    number = format_number(kind, year, seq)
    assert parse_number(number) == (kind, year, seq)
    if seq < 999_999:
        assert format_number(kind, year, seq) < format_number(kind, year, seq + 1)


@pytest.mark.parametrize("text", ["FV/2026/123", "XX/2026/000001", "FV-2026-000001", ""])
def test_it_refuses_to_read_a_malformed_number(text: str) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_number(text)
