"""Is a change real? Test–retest spread of each metric, and the statistics of a difference of two measures.

A follow-up's metric minus its baseline's is the difference of two noisy measurements, each with the
test–retest standard deviation SD of the set-up. The difference has SD·√2, so an unchanged patient's
difference exceeds ``1.96·√2·SD`` (≈ 2.77 SD, the *repeatability coefficient* [1]_ [2]_) in only 5 % of
comparisons; a rule of "more than 2 SD" flags about 16 % of unchanged re-captures (2 / √2 = 1.41 SD of the
difference). With SD estimated from few re-captures, Student's t replaces 1.96.

Where SD comes from:

* the clinic's own test–retest (three captures of one patient at one visit, repeated on a few patients):
  :func:`spread_from_captures` gives the within-subject SD per region and metric, and :func:`pool` combines
  several such studies (variances weighted by their degrees of freedom);
* otherwise the method's default (:data:`METHOD_SPREAD`), measured on re-captured real portraits by
  ``python -m mesoclinic.outcomes.analysis.evaluation`` (docs/analysis.md): a relative part (CV) and an
  absolute floor, so a metric near zero (no spots) is not declared changed by one spot.

References
----------
.. [1] Bland, J. M., Altman, D. G. (1986). Statistical methods for assessing agreement between two methods of
    clinical measurement. The Lancet, 327(8476), 307-310. :DOI:`10.1016/S0140-6736(86)90837-8`
.. [2] Vaz, S., Falkmer, T., Passmore, A. E., Parsons, R., Andreou, P. (2013). The case for using the
    repeatability coefficient when calculating test–retest reliability. PLoS ONE, 8(9), e73990.
    :DOI:`10.1371/journal.pone.0073990`
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from .pipeline import Comparison

__all__ = [
    "CONFIDENCE",
    "METHOD_SPREAD",
    "Assessment",
    "Repeatability",
    "Spread",
    "assess_change",
    "compare_regions",
    "comparison_report",
    "pool",
    "spread_from_captures",
]

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Spread:
    """The test–retest standard deviation of one metric: ``sqrt((cv·value)² + floor²)``, with its df.

    ``df`` is the degrees of freedom of the estimate (``inf`` for the method's default, measured on many
    re-captures); few degrees of freedom widen the limit (Student's t instead of 1.96).
    """

    cv: float = 0.0
    floor: float = 0.0
    df: float = math.inf

    def sd(self, value: float) -> float:
        """The SD of one measurement whose value is about ``value``."""
        return math.hypot(self.cv * value, self.floor)

    def as_dict(self) -> dict[str, float | None]:
        return {"cv": self.cv, "floor": self.floor, "df": None if math.isinf(self.df) else self.df}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Spread:
        df = data.get("df")
        return cls(
            cv=float(data.get("cv") or 0.0),  # type: ignore[arg-type]  # a stored spread holds numbers; float() raises on anything else
            floor=float(data.get("floor") or 0.0),  # type: ignore[arg-type]  # a stored spread holds numbers; float() raises on anything else
            df=math.inf if df is None else float(df),  # type: ignore[arg-type]  # a stored spread holds numbers; float() raises on anything else
        )


#: The method's own test–retest spread per metric: the 75th percentile of the per-region CVs measured on
#: re-captured real portraits (tablet-like re-captures with exposure and white-balance changes, no grey card;
#: ``python -m mesoclinic.outcomes.analysis.evaluation --seed 0``, docs/analysis.md), rounded up, and an
#: absolute floor so a metric near zero is not declared changed by one faint feature. Deliberately on the
#: safe side: regions differ, and a clinic that records its own test–retest gets its own, usually tighter SD.
METHOD_SPREAD: dict[str, Spread] = {
    "spot_count": Spread(cv=0.34, floor=0.5),
    "spot_area_fraction": Spread(cv=0.03, floor=0.0005),  # method 3's continuous area (seed 0: p75 2.9 %)
    "pore_count": Spread(cv=0.27, floor=1.0),
    "wrinkle_area_fraction": Spread(cv=0.11, floor=0.001),
    "wrinkle_length_density": Spread(cv=0.11, floor=0.0003),
    "lab_l_mean": Spread(cv=0.028, floor=0.2),
    "lab_a_mean": Spread(cv=0.052, floor=0.2),
    "lab_b_mean": Spread(cv=0.039, floor=0.2),
    "ita_deg": Spread(cv=0.10, floor=1.0),
    "redness_area_fraction": Spread(cv=0.12, floor=0.003),
    "texture_roughness": Spread(cv=0.025, floor=0.02),
}


@dataclass(frozen=True)
class Repeatability:
    """Where a comparison's spreads come from: per region and metric, falling back to a per-metric default."""

    default: Mapping[str, Spread] = field(default_factory=lambda: dict(METHOD_SPREAD))
    by_region: Mapping[str, Mapping[str, Spread]] = field(default_factory=dict)
    source: str = "method"
    studies: int = 0

    def spread(self, region: str, metric: str) -> Spread | None:
        """The spread of ``metric`` in ``region``: the clinic's when measured, else the method's."""
        measured = self.by_region.get(region, {}).get(metric)
        return measured if measured is not None else self.default.get(metric)


@dataclass(frozen=True)
class Assessment:
    """One metric of one region: before, after, and whether the change is beyond repeatability.

    ``measurable`` is False when the change cannot be judged (no spread for the metric, a region measured
    on one visit only, or a spread of zero); then ``beyond`` is False and ``certainty`` is None.
    ``certainty`` is the two-sided confidence with which the change exceeds re-photographing noise (0–1).
    """

    before: float
    after: float
    change: float
    limit: float | None
    beyond: bool
    certainty: float | None
    measurable: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "before": _round(self.before),
            "after": _round(self.after),
            "change": _round(self.change),
            "limit": None if self.limit is None else _round(self.limit),
            "beyond_repeatability": self.beyond,
            "certainty": None if self.certainty is None else round(self.certainty, 4),
            "measurable": self.measurable,
        }


def _round(value: float) -> float:
    return round(float(value), 6)


def assess_change(
    before: float, after: float, spread: Spread | None, *, level: float = CONFIDENCE
) -> Assessment:
    """Judge ``after − before`` against the repeatability coefficient ``q·√2·SD``.

    Parameters
    ----------
    before, after : float
        The baseline's and the follow-up's value.
    spread : Spread or None
        The metric's test–retest spread; None means it is unknown (not measurable).
    level : float
        Two-sided confidence of the limit (0.95: ``q`` = 1.96 for a known SD, Student's t for an estimate).

    Returns
    -------
    Assessment
    """
    change = after - before
    sd = spread.sd(before) if spread is not None else 0.0
    if spread is None or not math.isfinite(sd) or sd <= 0:
        return Assessment(before, after, change, None, False, None, False)
    scale = math.sqrt(2) * sd
    if math.isinf(spread.df):
        quantile = float(stats.norm.ppf(0.5 + level / 2))
        certainty = float(2 * stats.norm.cdf(abs(change) / scale) - 1)
    else:
        quantile = float(stats.t.ppf(0.5 + level / 2, spread.df))
        certainty = float(2 * stats.t.cdf(abs(change) / scale, spread.df) - 1)
    limit = quantile * scale
    return Assessment(before, after, change, limit, abs(change) > limit, certainty, True)


def spread_from_captures(
    captures: Sequence[Mapping[str, Mapping[str, float]]],
) -> dict[str, dict[str, Spread]]:
    """Within-subject SD per region and metric from repeated captures of one patient at one visit.

    Parameters
    ----------
    captures : sequence of ``{region: {metric: value}}``
        At least two analyses of the same view, taken minutes apart (the app's protocol takes three).

    Returns
    -------
    dict
        ``{region: {metric: Spread(floor=SD, df=n − 1)}}`` for every region and metric present in all captures.
    """
    if len(captures) < 2:
        raise ValueError("captures must hold at least two analyses of the same view")
    regions = set(captures[0])
    for capture in captures[1:]:
        regions &= set(capture)
    result: dict[str, dict[str, Spread]] = {}
    for region in sorted(regions):
        metrics = set(captures[0][region])
        for capture in captures[1:]:
            metrics &= set(capture[region])
        result[region] = {}
        for metric in sorted(metrics):
            values = np.array([float(capture[region][metric]) for capture in captures], dtype=np.float64)
            result[region][metric] = Spread(floor=float(values.std(ddof=1)), df=float(len(values) - 1))
    return result


def pool(studies: Iterable[Mapping[str, Mapping[str, Spread]]]) -> dict[str, dict[str, Spread]]:
    """Pool several test–retest studies: variances weighted by their degrees of freedom, df added."""
    sums: dict[tuple[str, str], list[float]] = {}
    for study in studies:
        for region, metrics in study.items():
            for metric, spread in metrics.items():
                total = sums.setdefault((region, metric), [0.0, 0.0])
                total[0] += spread.df * spread.floor**2
                total[1] += spread.df
    pooled: dict[str, dict[str, Spread]] = {}
    for (region, metric), (weighted, df) in sums.items():
        if df > 0:
            pooled.setdefault(region, {})[metric] = Spread(floor=math.sqrt(weighted / df), df=df)
    return pooled


def compare_regions(
    before: Mapping[str, Mapping[str, float]],
    after: Mapping[str, Mapping[str, float]],
    repeatability: Repeatability | None = None,
) -> dict[str, dict[str, Assessment]]:
    """Assess every metric of every region measured on both visits."""
    repeatability = repeatability or Repeatability()
    table: dict[str, dict[str, Assessment]] = {}
    for region, metrics in before.items():
        if region not in after:
            continue
        table[region] = {
            metric: assess_change(
                float(value), float(after[region][metric]), repeatability.spread(region, metric)
            )
            for metric, value in metrics.items()
            if metric in after[region] and isinstance(value, int | float)
        }
    return table


def comparison_report(
    comparison: Comparison, repeatability: Repeatability | None = None
) -> dict[str, object]:
    """The JSON printed by ``mesoclinic compare --json``."""
    table = compare_regions(comparison.baseline.regions, comparison.follow_up.regions, repeatability)
    return {
        "registration": comparison.registration.as_dict(),
        "repeatability": (repeatability or Repeatability()).source,
        "regions": {
            region: {metric: assessment.as_dict() for metric, assessment in metrics.items()}
            for region, metrics in table.items()
        },
        "not_measurable": sorted(
            (set(comparison.baseline.regions) ^ set(comparison.follow_up.regions))
            | set(comparison.baseline.unmeasured)
            | set(comparison.follow_up.unmeasured)
        ),
    }
