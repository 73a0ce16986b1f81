"""Small descriptive statistics for outcome reports: mean, SD, a 95 % confidence interval, change vs baseline.

Pure functions on plain floats (no Django), so that the cohort report and the progress page say the same
thing and the figures can be checked against textbook examples. The t quantile comes from
``scipy.stats.t.ppf`` (scipy is already a dependency of the analysis core), not from a hand-typed table.

References
----------
.. [1] Student (W. S. Gosset), "The probable error of a mean", Biometrika 6(1), 1908, 1-25.
.. [2] NIST/SEMATECH e-Handbook of Statistical Methods, §7.2.2.1 "Confidence limits for the mean",
       https://www.itl.nist.gov/div898/handbook/prc/section2/prc221.htm
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import t as student_t

# Below this many values a confidence interval is not shown: with n = 2 the 95 % t quantile is 12.7 and the
# interval says nothing useful; reports say "too few to estimate" instead.
MIN_N_FOR_CI = 3


@dataclass(frozen=True)
class Summary:
    """n, mean, sample standard deviation and the 95 % CI of the mean (``None`` where undefined)."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None


@dataclass(frozen=True)
class Change:
    """A follow-up value against its baseline: absolute difference and percentage (``None`` if baseline is 0)."""

    baseline: float
    value: float
    absolute: float
    percent: float | None


def _check_finite(values: Sequence[float]) -> list[float]:
    out = [float(v) for v in values]
    if any(not math.isfinite(v) for v in out):
        raise ValueError("values must be finite numbers (no NaN or infinity)")
    return out


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean; ``None`` for no values (an empty cohort has no mean, not a zero one)."""
    xs = _check_finite(values)
    return math.fsum(xs) / len(xs) if xs else None


def sd(values: Sequence[float]) -> float | None:
    """Sample standard deviation (n − 1 in the denominator); ``None`` below two values."""
    xs = _check_finite(values)
    if len(xs) < 2:  # the sample SD needs two values
        return None
    m = math.fsum(xs) / len(xs)
    return math.sqrt(math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def t_quantile(df: int, *, level: float = 0.95) -> float:
    """Two-sided Student t quantile for ``df`` degrees of freedom (12.706 for df = 1, 1.960 as df → ∞)."""
    if df < 1:
        raise ValueError(f"df must be at least 1, got {df}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return float(student_t.ppf(0.5 + level / 2, df))


def summarize(values: Sequence[float], *, level: float = 0.95, min_n: int = MIN_N_FOR_CI) -> Summary:
    """n, mean, SD and the t-based confidence interval of the mean ``mean ± t·sd/√n`` [2].

    The interval is left out (``None``) below ``min_n`` values. Identical values give SD 0 and a zero-width
    interval, which is the honest answer for them.
    """
    xs = _check_finite(values)
    n = len(xs)
    m = mean(xs)
    s = sd(xs)
    if n < max(min_n, 2) or m is None or s is None:
        return Summary(n=n, mean=m, sd=s, ci_low=None, ci_high=None)
    half = t_quantile(n - 1, level=level) * s / math.sqrt(n)
    return Summary(n=n, mean=m, sd=s, ci_low=m - half, ci_high=m + half)


def change(baseline: float, value: float) -> Change:
    """Change of ``value`` vs ``baseline``: absolute and in % of the baseline (no % from a zero baseline)."""
    b, v = _check_finite([baseline, value])
    percent = None if b == 0 else (v - b) / abs(b) * 100
    return Change(baseline=b, value=v, absolute=v - b, percent=percent)


def beyond_repeatability(percent: float | None, repeatability_pct: float) -> bool | None:
    """Whether a % change is larger than the method's repeatability (CV); ``None`` when there is no %."""
    if percent is None:
        return None
    return abs(percent) > repeatability_pct
