"""The SVG charts: well-formed, points in date order, markers and lines where the dates say."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from mesoclinic.reports import charts

NS = {"s": "http://www.w3.org/2000/svg"}


def _chart(**extra: object) -> charts.LineChart:
    defaults: dict[str, object] = {
        "title": "Wrinkle area <forehead>",
        "description": "Three measurements",
        "y_label": "wrinkle area (fraction)",
        "points": [
            charts.Point(date(2026, 5, 1), 0.041),
            charts.Point(date(2026, 1, 10), 0.050),
            charts.Point(date(2026, 3, 1), 0.044),
        ],
        "sessions": [charts.Marker(date(2026, 1, 12), "S1"), charts.Marker(date(2026, 2, 9), "S2")],
        "durability": [charts.Marker(date(2026, 8, 9), "6 months after series")],
        "band": (0.047, 0.053),
        "band_label": "baseline ± 6 %",
    }
    defaults.update(extra)
    return charts.LineChart(**defaults)  # type: ignore[arg-type]  # keyword values from a loosely typed dict of defaults


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, parsed to check it is well-formed


def test_it_renders_well_formed_svg_with_title_and_desc() -> None:
    root = _parse(charts.line_chart(_chart()))
    assert root.get("role") == "img"
    assert root.find("s:title", NS).text == "Wrinkle area <forehead>"
    assert root.find("s:desc", NS).text == "Three measurements"


def test_it_draws_the_points_in_date_order() -> None:
    root = _parse(charts.line_chart(_chart()))
    dates = [c.get("data-date") for c in root.iter("{http://www.w3.org/2000/svg}circle")]
    xs = [float(c.get("cx")) for c in root.iter("{http://www.w3.org/2000/svg}circle")]
    assert dates == ["2026-01-10", "2026-03-01", "2026-05-01"]
    assert xs == sorted(xs)


def test_it_puts_higher_values_higher_on_the_page() -> None:
    root = _parse(charts.line_chart(_chart()))
    cy = {c.get("data-date"): float(c.get("cy")) for c in root.iter("{http://www.w3.org/2000/svg}circle")}
    assert cy["2026-01-10"] < cy["2026-03-01"] < cy["2026-05-01"]


def test_it_places_session_markers_at_their_dates() -> None:
    root = _parse(charts.line_chart(_chart()))
    points = {c.get("data-date"): float(c.get("cx")) for c in root.iter("{http://www.w3.org/2000/svg}circle")}
    sessions = root.findall(".//s:g[@class='chart__session']", NS)
    x = {g.get("data-date"): float(g.get("data-x")) for g in sessions}
    assert list(x) == ["2026-01-12", "2026-02-09"]
    assert points["2026-01-10"] < x["2026-01-12"] < x["2026-02-09"] < points["2026-03-01"]
    assert [g.find("s:text", NS).text for g in sessions] == ["S1", "S2"]


def test_it_draws_the_durability_line_dashed_after_the_last_point() -> None:
    root = _parse(charts.line_chart(_chart()))
    (line,) = root.findall(".//s:g[@class='chart__durability']", NS)
    assert line.find("s:line", NS).get("stroke-dasharray")
    points = [float(c.get("cx")) for c in root.iter("{http://www.w3.org/2000/svg}circle")]
    assert float(line.get("data-x")) > max(points)
    assert line.find("s:text", NS).text == "6 months after series"


def test_it_shades_the_baseline_band() -> None:
    root = _parse(charts.line_chart(_chart()))
    band = root.find(".//s:rect[@class='chart__band']", NS)
    assert (float(band.get("data-low")), float(band.get("data-high"))) == (0.047, 0.053)


def test_it_labels_the_y_axis_with_its_unit() -> None:
    root = _parse(charts.line_chart(_chart()))
    assert root.find(".//s:text[@class='chart__ylabel']", NS).text == "wrinkle area (fraction)"


def test_it_says_so_when_there_is_nothing_to_draw() -> None:
    root = _parse(charts.line_chart(_chart(points=[], sessions=[], durability=[], band=None)))
    assert root.find(".//s:text[@class='chart__empty']", NS).text == "No measurements yet"


def test_it_draws_a_single_point() -> None:
    root = _parse(charts.line_chart(_chart(points=[charts.Point(date(2026, 1, 1), 3)], band=None)))
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) == 1


def _forest() -> str:
    return charts.forest_plot(
        [
            charts.ForestRow("Needle", 12, -18.0, -24.0, -12.0),
            charts.ForestRow("Needle-free", 9, -6.0, -10.0, -2.0),
            charts.ForestRow("Oxygen infusion", 2, 1.0, note="too few for a CI"),
        ],
        title="Change vs baseline",
        description="Needle against needle-free",
        x_label="change vs baseline (%)",
        ident="by-modality",
    )


def test_it_renders_a_forest_plot_with_one_row_per_group() -> None:
    root = _parse(_forest())
    rows = root.findall(".//s:g[@class='chart__row']", NS)
    assert [r.get("data-label") for r in rows] == ["Needle", "Needle-free", "Oxygen infusion"]
    assert root.get("id") == "by-modality"


def test_it_draws_the_interval_around_the_mean_and_the_zero_line_to_the_right() -> None:
    root = _parse(_forest())
    needle = root.find(".//s:g[@data-label='Needle']", NS)
    ci = needle.find("s:line", NS)
    mean_x = float(needle.find("s:rect", NS).get("data-x"))
    zero_x = float(root.find(".//s:line[@class='chart__zero']", NS).get("data-x"))
    assert float(ci.get("x1")) < mean_x < float(ci.get("x2")) < zero_x


def test_it_draws_no_interval_when_n_is_too_small() -> None:
    root = _parse(_forest())
    small = root.find(".//s:g[@data-label='Oxygen infusion']", NS)
    assert small.find("s:line", NS) is None
    assert "too few for a CI" in _forest()


def test_it_renders_an_empty_forest_plot() -> None:
    root = _parse(charts.forest_plot([], title="t", description="d", x_label="x"))
    assert root.find(".//s:text[@class='chart__empty']", NS) is not None


@pytest.mark.parametrize(("lo", "hi"), [(0.041, 0.053), (-24, 1), (5, 5), (0, 0), (-0.3, -0.1)])
def test_it_makes_ticks_that_cover_the_range(lo: float, hi: float) -> None:
    ticks = charts.nice_ticks(lo, hi)
    assert ticks[0] <= lo
    assert ticks[-1] >= hi
    assert ticks == sorted(ticks)
    assert 2 <= len(ticks) <= 12
