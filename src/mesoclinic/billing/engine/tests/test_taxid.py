from __future__ import annotations

import pytest

from mesoclinic.billing.engine.taxid import TaxIdError, normalise_tax_id


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        ("123-456-32-18", "1234563218"),
        ("1234563218", "1234563218"),
        ("PL 123 456 32 18", "PL1234563218"),
        ("de136695976", "DE136695976"),
        ("ATU13585627", "ATU13585627"),
    ],
)
def test_it_accepts_nips_and_eu_vat_numbers_in_their_compact_form(text: str, compact: str) -> None:
    assert normalise_tax_id(text) == compact


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Give the company's tax id"),
        ("123-456-32-19", "check digit"),
        ("12345", "10 digits"),
        ("PL1234563219", "check digit"),
        ("DE136695977", "check digit"),
        ("XX123456789", "not the prefix of an EU VAT number"),
        ("DE12", "not a valid DE VAT number"),
    ],
)
def test_it_says_what_is_wrong_with_a_tax_id(text: str, says: str) -> None:
    with pytest.raises(TaxIdError, match=says):
        normalise_tax_id(text)
