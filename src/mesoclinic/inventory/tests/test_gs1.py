"""The GS1 scan parser: element strings with GS separators, symbology prefixes and the bracketed form."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.inventory.gs1 import GS, GS1Element, GS1Error, encode, expand_date, gtin_check_digit, parse

TODAY = date(2026, 3, 10)
GTIN = "05012345678900"


def test_it_reads_gtin_expiry_and_lot_from_an_element_string() -> None:
    label = parse(f"01{GTIN}17271231" + "10AB12", today=TODAY)
    assert label == GS1Element(gtin=GTIN, lot="AB12", expiry=date(2027, 12, 31), serial=None)


@pytest.mark.parametrize("prefix", ["]d2", "]C1", "]Q3", ""])
def test_it_strips_the_symbology_identifier(prefix: str) -> None:
    assert parse(f"{prefix}01{GTIN}10AB12", today=TODAY).lot == "AB12"


def test_it_ends_a_variable_field_at_the_group_separator() -> None:
    label = parse(f"01{GTIN}10AB12{GS}17271231{GS}21SN99", today=TODAY)
    assert (label.lot, label.expiry, label.serial) == ("AB12", date(2027, 12, 31), "SN99")


def test_it_reads_the_bracketed_human_readable_form() -> None:
    label = parse(f"(01){GTIN}(17)271231(10)AB12", today=TODAY)
    assert (label.gtin, label.lot, label.expiry) == (GTIN, "AB12", date(2027, 12, 31))


def test_it_tolerates_production_date_serial_and_count() -> None:
    label = parse(f"01{GTIN}11250101" + f"21XYZ{GS}305{GS}10L1", today=TODAY)
    assert (label.serial, label.lot) == ("XYZ", "L1")


def test_it_reads_day_zero_as_the_last_day_of_the_month() -> None:
    assert parse(f"01{GTIN}17280200", today=TODAY).expiry == date(2028, 2, 29)


def test_it_refuses_a_wrong_check_digit() -> None:
    with pytest.raises(GS1Error, match="wrong check digit"):
        parse("0105012345678901" + "10AB12", today=TODAY)


def test_it_refuses_an_impossible_date() -> None:
    with pytest.raises(GS1Error, match="no month 13"):
        parse(f"01{GTIN}17271331", today=TODAY)


def test_it_refuses_the_31st_of_a_30_day_month() -> None:
    with pytest.raises(GS1Error, match="no day 31"):
        parse(f"01{GTIN}17270431", today=TODAY)


def test_it_refuses_truncated_input() -> None:
    with pytest.raises(GS1Error, match="cut off"):
        parse("01050123456", today=TODAY)


def test_it_refuses_an_unknown_application_identifier() -> None:
    with pytest.raises(GS1Error, match="do not read"):
        parse("99ABC", today=TODAY)


def test_it_refuses_an_empty_scan() -> None:
    with pytest.raises(GS1Error, match="empty"):
        parse("]d2", today=TODAY)


def test_it_refuses_a_lot_longer_than_twenty_characters() -> None:
    with pytest.raises(GS1Error, match="at most 20"):
        parse("10" + "A" * 21, today=TODAY)


def test_gs1error_is_a_value_error() -> None:
    assert issubclass(GS1Error, ValueError)


@pytest.mark.parametrize(
    ("yy", "year"), [("26", 2026), ("76", 2076), ("77", 1977), ("00", 2000), ("99", 1999)]
)
def test_it_chooses_the_century_by_the_gs1_rule(yy: str, year: int) -> None:
    assert expand_date(f"{yy}0101", TODAY).year == year


def test_check_digit_of_a_known_gtin() -> None:
    assert gtin_check_digit("0501234567890") == 0


_lots = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/.", min_size=1, max_size=20)


@st.composite
def _labels(draw: st.DrawFn) -> GS1Element:
    body = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    gtin = body + str(gtin_check_digit(body))
    expiry = draw(st.one_of(st.none(), st.dates(min_value=date(1977, 1, 1), max_value=date(2076, 12, 31))))
    return GS1Element(
        gtin=gtin,
        lot=draw(st.one_of(st.none(), _lots)),
        expiry=expiry,
        serial=draw(st.one_of(st.none(), _lots)),
    )


@given(_labels(), st.sampled_from(["", "]d2", "]C1", "]Q3"]))
def test_encode_then_parse_gives_the_label_back(label: GS1Element, prefix: str) -> None:
    assert parse(prefix + encode(label), today=TODAY) == label
