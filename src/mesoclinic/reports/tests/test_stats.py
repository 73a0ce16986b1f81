"""The statistics core against textbook values and its edge cases (n = 0, 1, 2; identical values)."""

from __future__ import annotations

import math

import pytest

from mesoclinic.reports import stats


def test_it_gives_the_textbook_mean_and_sample_sd() -> None:
    values = [2, 4, 4, 4, 5, 5, 7, 9]  # classic example: mean 5, population SD 2, sample SD √(32/7)
    assert stats.mean(values) == 5
    assert stats.sd(values) == pytest.approx(math.sqrt(32 / 7))


@pytest.mark.parametrize(("df", "expected"), [(1, 12.706), (2, 4.303), (7, 2.365), (10, 2.228), (30, 2.042)])
def test_it_matches_the_printed_t_table(df: int, expected: float) -> None:
    assert stats.t_quantile(df) == pytest.approx(expected, abs=1e-3)


def test_it_computes_the_t_interval_of_the_mean() -> None:
    summary = stats.summarize([2, 4, 4, 4, 5, 5, 7, 9])
    half = 2.364624 * math.sqrt(32 / 7) / math.sqrt(8)
    assert summary.n == 8
    assert summary.ci_low == pytest.approx(5 - half, abs=1e-5)
    assert summary.ci_high == pytest.approx(5 + half, abs=1e-5)


def test_it_has_no_mean_for_no_values() -> None:
    summary = stats.summarize([])
    assert (summary.n, summary.mean, summary.sd, summary.has_ci) == (0, None, None, False)


def test_it_has_a_mean_but_no_sd_for_one_value() -> None:
    summary = stats.summarize([3.5])
    assert (summary.mean, summary.sd, summary.has_ci) == (3.5, None, False)


def test_it_gives_no_interval_below_three_values() -> None:
    summary = stats.summarize([1.0, 3.0])
    assert summary.mean == 2.0
    assert summary.sd == pytest.approx(math.sqrt(2))
    assert not summary.has_ci


def test_it_gives_an_interval_for_two_values_when_asked() -> None:
    summary = stats.summarize([1.0, 3.0], min_n=2)
    assert summary.ci_low == pytest.approx(2 - 12.7062 * math.sqrt(2) / math.sqrt(2), abs=1e-3)


def test_it_gives_a_zero_width_interval_for_identical_values() -> None:
    summary = stats.summarize([4.2, 4.2, 4.2, 4.2])
    assert summary.sd == 0
    assert summary.ci_low == summary.ci_high == pytest.approx(4.2)


def test_it_widens_the_interval_at_a_higher_level() -> None:
    values = [1.0, 2.0, 4.0, 7.0]
    narrow = stats.summarize(values, level=0.90)
    wide = stats.summarize(values, level=0.99)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


def test_it_refuses_nan() -> None:
    with pytest.raises(ValueError, match="finite"):
        stats.mean([1.0, math.nan])


def test_it_refuses_zero_degrees_of_freedom() -> None:
    with pytest.raises(ValueError, match="df must be at least 1"):
        stats.t_quantile(0)


def test_it_gives_change_in_absolute_and_percent() -> None:
    c = stats.change(0.050, 0.041)
    assert c.absolute == pytest.approx(-0.009)
    assert c.percent == pytest.approx(-18.0)


def test_it_gives_no_percent_from_a_zero_baseline() -> None:
    c = stats.change(0, 3)
    assert (c.absolute, c.percent) == (3, None)


def test_it_uses_the_baseline_magnitude_for_negative_baselines() -> None:
    assert stats.change(-10, -5).percent == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("percent", "cv", "expected"),
    [(-18.0, 6.0, True), (5.9, 6.0, False), (-6.0, 6.0, False), (None, 2.0, None)],
)
def test_it_says_whether_a_change_is_beyond_repeatability(
    percent: float | None, cv: float, expected: bool | None
) -> None:
    assert stats.beyond_repeatability(percent, cv) is expected
