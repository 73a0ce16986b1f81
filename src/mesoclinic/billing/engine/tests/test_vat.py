"""The VAT arithmetic of issue 17 item 3: worked examples, then properties that hold for any document."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesoclinic.billing.engine.vat import (
    EXEMPT,
    Line,
    VatError,
    compute_totals,
    discount_for_percent,
    line_gross,
    parse_money,
    parse_quantity,
    rate_percent,
    round_half_up,
)

D = Decimal
# Generation is cheap, but the machine that runs the suite is shared: a slow draw is not a failure.
relaxed = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RATES = ("23", "8", "5", "0", EXEMPT)

money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(
    min_value=D("0.001"), max_value=1_000, places=3, allow_nan=False, allow_infinity=False
)


@st.composite
def lines(draw: st.DrawFn) -> Line:
    quantity = draw(quantities)
    price = draw(money)
    most = (quantity * price).quantize(D("0.01"), rounding=ROUND_DOWN)
    discount = draw(st.decimals(min_value=0, max_value=most, places=2)) if most > 0 else D("0.00")
    return Line(quantity=quantity, unit_price=price, vat_rate=draw(st.sampled_from(RATES)), discount=discount)


documents = st.lists(lines(), max_size=8)


def test_it_rounds_halves_up_not_to_even() -> None:
    assert round_half_up(D("2.675")) == D("2.68")
    assert round_half_up(D("0.125")) == D("0.13")
    assert round_half_up(D("-0.125")) == D("-0.13")


def test_it_computes_a_line_from_quantity_price_and_discount() -> None:
    assert line_gross(Line(D("3"), D("333.33"), "23", D("0.99"))) == D("999.00")
    assert line_gross(Line(D("1.5"), D("10.01"), "8")) == D("15.02")  # 15.015 rounds up


def test_it_computes_vat_per_rate_from_the_gross_sum() -> None:
    totals = compute_totals(
        [
            Line(D("1"), D("450.00"), "23"),
            Line(D("2"), D("49.99"), "23", D("10.00")),
            Line(D("1"), D("120.00"), "8"),
            Line(D("1"), D("200.00"), EXEMPT),
        ]
    )
    by_rate = {r.rate: (r.net, r.vat, r.gross) for r in totals.by_rate}
    # 23 %: 450.00 + 89.98 = 539.98; 539.98 × 23 / 123 = 100.9718... → 100.97
    assert by_rate["23"] == (D("439.01"), D("100.97"), D("539.98"))
    # 8 %: 120 × 8 / 108 = 8.888... → 8.89
    assert by_rate["8"] == (D("111.11"), D("8.89"), D("120.00"))
    assert by_rate[EXEMPT] == (D("200.00"), D("0.00"), D("200.00"))
    assert (totals.net, totals.vat, totals.gross) == (D("750.12"), D("109.86"), D("859.98"))
    assert [r.rate for r in totals.by_rate] == ["23", "8", EXEMPT]


def test_it_differs_from_summing_vat_per_line() -> None:
    """Three lines of 0.10 at 23 %: per line VAT 0.02 each (0.06), per rate 0.30 × 23/123 = 0.06; and
    seven of 1.00: per line 0.19 each (1.33), per rate 7.00 × 23/123 = 1.31 — the per-rate rule decides."""
    totals = compute_totals([Line(D("1"), D("1.00"), "23")] * 7)
    assert totals.vat == D("1.31")


def test_an_empty_document_totals_zero() -> None:
    totals = compute_totals([])
    assert (totals.net, totals.vat, totals.gross, totals.by_rate) == (D(0), D(0), D(0), ())


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (Line(D("0"), D("1"), "23"), "quantity"),
        (Line(D("-1"), D("1"), "23"), "quantity"),
        (Line(D("1"), D("-1"), "23"), "unit_price"),
        (Line(D("1"), D("1"), "23", D("-1")), "discount"),
        (Line(D("1"), D("1"), "23", D("1.01")), "discount"),
        (Line(D("1"), D("1"), "7x"), "vat_rate"),
        (Line(D("1"), D("1"), "101"), "vat_rate"),
    ],
)
def test_it_names_the_field_of_a_bad_line(line: Line, field: str) -> None:
    with pytest.raises(VatError) as caught:
        compute_totals([Line(D("1"), D("1"), "23"), line])
    assert caught.value.field == field
    assert str(caught.value).startswith("Line 2:")


@pytest.mark.parametrize(
    ("text", "expected"), [("23", D(23)), ("5.5", D("5.5")), ("0", D(0)), (EXEMPT, D(0))]
)
def test_it_reads_rates(text: str, expected: Decimal) -> None:
    assert rate_percent(text) == expected


@pytest.mark.parametrize(
    ("value", "field_ok"), [("12,50", D("12.50")), ("7", D("7.00")), (D("0.10"), D("0.10"))]
)
def test_it_reads_money(value: object, field_ok: Decimal) -> None:
    assert parse_money(value, "unit_price") == field_ok


@pytest.mark.parametrize("value", [0.1, "1.005", "-1", "abc", "NaN", "Infinity", "1e30", None])
def test_it_refuses_bad_money_naming_the_field(value: object) -> None:
    with pytest.raises(VatError) as caught:
        parse_money(value, "unit_price")
    assert caught.value.field == "unit_price"


@pytest.mark.parametrize("value", ["0", "-2", "0.0001", 1.5, "x"])
def test_it_refuses_bad_quantities(value: object) -> None:
    with pytest.raises(VatError) as caught:
        parse_quantity(value)
    assert caught.value.field == "quantity"


def test_a_percentage_discount_becomes_an_amount() -> None:
    assert discount_for_percent(D("3"), D("33.33"), D("10")) == D("10.00")  # 9.999 → 10.00
    with pytest.raises(VatError):
        discount_for_percent(D("1"), D("1"), D("101"))


@relaxed
@given(documents)
def test_net_plus_vat_is_gross_for_every_rate_and_the_document(doc: list[Line]) -> None:
    totals = compute_totals(doc)
    for rate in totals.by_rate:
        assert rate.net + rate.vat == rate.gross
    assert totals.net + totals.vat == totals.gross
    assert totals.gross == sum((line_gross(line) for line in doc), D(0))


@relaxed
@given(documents)
def test_every_amount_has_two_places_and_is_never_negative(doc: list[Line]) -> None:
    totals = compute_totals(doc)
    for value in (totals.net, totals.vat, totals.gross, *(v for r in totals.by_rate for v in (r.net, r.vat))):
        assert value == value.quantize(D("0.01"))
        assert value >= 0


@relaxed
@given(documents)
def test_exempt_and_zero_rates_carry_no_vat_and_taxed_rates_match_the_formula(doc: list[Line]) -> None:
    for rate in compute_totals(doc).by_rate:
        if rate.rate in {"0", EXEMPT}:
            assert rate.vat == 0
        else:
            p = D(rate.rate)
            assert rate.vat == round_half_up(rate.gross * p / (100 + p))
            # VAT within half a grosz of the exact share
            assert abs(rate.vat - rate.gross * p / (100 + p)) <= D("0.005")


@relaxed
@given(documents, st.randoms(use_true_random=False))
def test_the_order_of_lines_changes_nothing(doc: list[Line], rnd: object) -> None:
    shuffled = list(doc)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]  # the seeded random.Random the fixture gives
    assert compute_totals(shuffled) == compute_totals(doc)


@relaxed
@given(documents, lines())
def test_adding_a_line_adds_its_gross(doc: list[Line], extra: Line) -> None:
    assert compute_totals([*doc, extra]).gross == compute_totals(doc).gross + line_gross(extra)


@relaxed
@given(lines())
def test_one_rate_per_line_once(line: Line) -> None:
    totals = compute_totals([line, line])
    assert len(totals.by_rate) == 1
    assert totals.by_rate[0].gross == 2 * line_gross(line)
