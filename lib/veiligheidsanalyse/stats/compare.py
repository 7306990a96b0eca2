"""Comparisons of counts: two periods, the gemeente against a benchmark, against its region.

Conventions, chosen so that a verdict and its interval never contradict each other:

* Two-sided exact p-values are *central*: twice the smaller one-sided tail, capped at 1
  (Fay 2010, "Two-sided exact tests and matching confidence intervals for discrete data",
  R Journal 2(1); as in R's ``rateratio.test``). Such a p-value is below 1 - conf exactly when
  the matching exact interval (Garwood / Clopper-Pearson) excludes the null value. No mid-p.
* Ratios are "second against first": ``rate2 / rate1`` for two periods, gemeente / benchmark
  for a benchmark. ``direction`` is "hoger", "lager", "gelijk" (not significant) or "onbekend".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._common import as_float, check_conf, unwrap
from .rates import poisson_ci

PERIOD_METHODS = ("exact-cond", "etest", "quasi-poisson")


def _direction(significant, ratio, known):
    """'hoger'/'lager' when significant, 'gelijk' when not, 'onbekend' without data."""
    sig = np.asarray(significant, dtype=bool)
    ratio = np.asarray(ratio, dtype=float)
    out = np.where(sig & (ratio > 1), "hoger", np.where(sig & (ratio < 1), "lager", "gelijk"))
    return unwrap(np.where(np.asarray(known, dtype=bool), out, "onbekend"))


# --------------------------------------------------------------------------- two periods


@dataclass(frozen=True)
class PeriodComparison:
    """Change between two periods (or two areas): ``rate_ratio = rate2 / rate1`` with its CI."""

    rate_ratio: Any
    lower: Any
    upper: Any
    p_value: Any
    method: str
    count1: Any
    count2: Any
    exposure1: Any = 1.0
    exposure2: Any = 1.0
    conf: float = 0.95

    @property
    def direction(self):
        """'hoger' (significant rise), 'lager' (significant fall), 'gelijk' or 'onbekend'."""
        known = ~np.isnan(as_float(self.p_value))
        return _direction(as_float(self.p_value) < 1 - self.conf, self.rate_ratio, known)


def _conditional_exact(c1, e1, c2, e2, conf):
    """Exact conditional test and interval for rate2/rate1.

    Given the total n = c1 + c2, c2 ~ Binomial(n, pi) with pi = r e2 / (r e2 + e1) and r the
    rate ratio. The p-value is the central binomial one; the interval is Clopper-Pearson on
    pi mapped to the ratio, r = pi / (1 - pi) * e1 / e2 (as R's ``poisson.test``).
    """
    from scipy.stats import beta, binom

    alpha = 1.0 - conf
    n = c1 + c2
    pi0 = e2 / (e1 + e2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_low = binom.cdf(c2, n, pi0)  # P(X <= c2)
        p_high = binom.sf(c2 - 1, n, pi0)  # P(X >= c2)
        p_value = np.minimum(1.0, 2.0 * np.minimum(p_low, p_high))
        pi_lo = np.where(c2 == 0, 0.0, beta.ppf(alpha / 2, c2, n - c2 + 1))
        pi_hi = np.where(c2 == n, 1.0, beta.ppf(1 - alpha / 2, c2 + 1, n - c2))
        odds_to_ratio = e1 / e2
        lower = pi_lo / (1 - pi_lo) * odds_to_ratio
        upper = np.where(pi_hi >= 1, np.inf, pi_hi / (1 - pi_hi) * odds_to_ratio)
    no_events = n == 0  # nothing to compare: no test, no interval
    p_value = np.where(no_events, np.nan, p_value)
    lower = np.where(no_events, np.nan, lower)
    upper = np.where(no_events, np.nan, upper)
    return p_value, lower, upper


def _etest_p(c1, e1, c2, e2, ratio=1.0):
    """E-test p-value for H0: rate2 / rate1 = ``ratio`` (statsmodels' default E-test).

    Krishnamoorthy & Thomson (2004) with the score statistic (Gu et al. 2008), as
    ``statsmodels.stats.rates.test_poisson_2indep(c2, e2, c1, e1, value=ratio, method="etest")``
    (statsmodels names the ratio rate1 / rate2, so period 2 goes first there).
    """
    from statsmodels.stats.rates import etest_poisson_2indep

    return float(etest_poisson_2indep(c2, e2, c1, e1, value=ratio, method="score", compare="ratio")[1])


_ETEST_LOG_TOL = 1e-9  # bisection on log(ratio): bounds to a relative 1e-9
_ETEST_MAX_LOG = 700.0  # exp(700) is about the largest float


def _etest_bound(p_at, t_accept, side, alpha, null_side):
    """One bound of the interval {r : p(r) >= alpha}, searching from log r = ``t_accept`` outwards.

    ``side`` is +1 for the upper bound, -1 for the lower. ``null_side`` is True when the null
    value 1 (log 1 = 0) lies on this side of the estimate: then 0 itself brackets the search
    (as the accepting end when p(1) >= alpha, as the rejecting end otherwise), so that the
    interval contains 1 exactly when the test does not reject. The accepting end of the final
    bracket is returned, as exp(log r).
    """
    t_reject = None
    if null_side:
        if p_at(0.0) >= alpha:
            t_accept = 0.0
        else:
            t_reject = 0.0
    if t_reject is None:
        step = 0.5
        while True:
            t = t_accept + side * step
            if abs(t) > _ETEST_MAX_LOG:
                return np.inf if side > 0 else 0.0
            if p_at(t) < alpha:
                t_reject = t
                break
            t_accept, step = t, step * 2
    while abs(t_reject - t_accept) > _ETEST_LOG_TOL:
        mid = (t_accept + t_reject) / 2
        if p_at(mid) >= alpha:
            t_accept = mid
        else:
            t_reject = mid
    return float(np.exp(t_accept))


def _etest_one(c1, e1, c2, e2, alpha):
    """p-value at ratio 1 and the interval {r : p(r) >= alpha} around the estimate, for one pair."""
    cache = {}

    def p_at(t):
        if t not in cache:
            cache[t] = _etest_p(c1, e1, c2, e2, float(np.exp(t)))
        return cache[t]

    p_value = p_at(0.0)
    if c1 > 0 and c2 > 0:
        t_hat = float(np.log((c2 / e2) / (c1 / e1)))  # p(estimate) = 1: the statistic is 0 there
    else:
        # a zero count puts the estimate at 0 or infinity; start from half an event instead
        # and move towards the estimate until the test accepts (p -> 1 there)
        half = (max(c2, 0.5) / e2) / (max(c1, 0.5) / e1)
        towards = -1.0 if c2 == 0 else 1.0
        t_hat = float(np.log(half))
        t_hat = min(t_hat, -0.5) if c2 == 0 else max(t_hat, 0.5)  # on the estimate's side of 1
        while p_at(t_hat) < alpha and abs(t_hat) < _ETEST_MAX_LOG:
            t_hat += towards
    est_above_one = c1 == 0 or (c2 > 0 and t_hat > 0)
    est_below_one = c2 == 0 or (c1 > 0 and t_hat < 0)
    lower = 0.0 if c2 == 0 else _etest_bound(p_at, t_hat, -1, alpha, null_side=est_above_one)
    upper = np.inf if c1 == 0 else _etest_bound(p_at, t_hat, +1, alpha, null_side=est_below_one)
    return p_value, lower, upper


def _etest(c1, e1, c2, e2, conf):
    """Krishnamoorthy & Thomson (2004) E-test p-value with the interval that inverts it.

    The p-value is statsmodels' default E-test (score statistic; see :func:`_etest_p`). The
    E-test has no closed-form interval; the one here is the set of ratios the same test does
    not reject at ``1 - conf``, found by bisection on log(ratio) from the estimate outwards,
    with the null value 1 as one end of the bracket on its side. So the interval excludes 1
    exactly when p < 1 - conf, and a zero count gives a bound of 0 (or infinity) on its own
    side only, never a point.
    """
    if np.any((c1 != np.round(c1)) | (c2 != np.round(c2)), where=~(np.isnan(c1) | np.isnan(c2))):
        raise ValueError("the E-test needs whole counts")
    alpha = 1.0 - conf
    shape = np.broadcast(c1, e1, c2, e2).shape
    c1, e1, c2, e2 = (np.broadcast_to(a, shape).ravel() for a in (c1, e1, c2, e2))
    p_value = np.full(c1.shape, np.nan)
    lower = np.full(c1.shape, np.nan)
    upper = np.full(c1.shape, np.nan)
    for i in range(c1.size):
        if np.isnan([c1[i], e1[i], c2[i], e2[i]]).any() or c1[i] + c2[i] == 0:
            continue
        p_value[i], lower[i], upper[i] = _etest_one(float(c1[i]), float(e1[i]), float(c2[i]), float(e2[i]), alpha)
    return p_value.reshape(shape), lower.reshape(shape), upper.reshape(shape)


def _quasi_poisson(c1, e1, c2, e2, conf, dispersion):
    """Wald test of the log rate ratio with the Poisson variance times ``dispersion``.

    The same as a Poisson GLM of the two counts (offset log exposure, one indicator for period 2)
    fitted with ``scale=dispersion``. With a zero count the log ratio has no variance; those pairs
    fall back to the exact conditional test (a dispersion cannot be used there).
    """
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(c2 / e2) - np.log(c1 / e1)
        se = np.sqrt(dispersion * (1.0 / c1 + 1.0 / c2))
        z = log_ratio / se
    crit = norm.ppf(1 - (1 - conf) / 2)
    p_value = 2 * norm.sf(np.abs(z))
    lower, upper = np.exp(log_ratio - crit * se), np.exp(log_ratio + crit * se)
    zero = (c1 == 0) | (c2 == 0)
    if np.any(zero):
        p_exact, lo_exact, hi_exact = _conditional_exact(c1, e1, c2, e2, conf)
        p_value, lower, upper = (
            np.where(zero, exact, wald) for exact, wald in ((p_exact, p_value), (lo_exact, lower), (hi_exact, upper))
        )
    return p_value, lower, upper


def compare_periods(
    count1, exposure1, count2, exposure2, method: str = "exact-cond", conf: float = 0.95, dispersion: float = 1.0
):
    """Compare the rate in period 2 with period 1 (e.g. 2024 against 2019).

    ``exposure`` is the population (or person-years) of each period. ``method``:

    * ``"exact-cond"`` (default): exact conditional binomial test with central p-value and
      the matching Clopper-Pearson interval for the rate ratio (see module notes).
    * ``"etest"``: the more powerful E-test of Krishnamoorthy & Thomson (2004) as statsmodels'
      default (``test_poisson_2indep(..., method="etest")``, score statistic), with the
      interval that inverts the same test (excludes 1 exactly when p < 1 - conf).
    * ``"quasi-poisson"``: for yearly counts that vary more from year to year than Poisson allows.
      ``dispersion`` (phi >= 1, e.g. the Pearson dispersion of the trend fit over the same series)
      widens the variance of the log rate ratio: a Wald test as a Poisson GLM with that scale.

    Returns :class:`PeriodComparison` with ``rate_ratio = (count2/exposure2)/(count1/exposure1)``.
    NaN counts, or no events at all, give NaN results.
    """
    conf = check_conf(conf)
    if method not in PERIOD_METHODS:
        raise ValueError(f"method must be one of {PERIOD_METHODS}, got {method!r}")
    c1, e1, c2, e2 = (as_float(v) for v in (count1, exposure1, count2, exposure2))
    if np.any(c1 < 0) or np.any(c2 < 0):
        raise ValueError("a count cannot be negative")
    if np.any(e1 <= 0) or np.any(e2 <= 0):
        raise ValueError("exposures (populations) must be positive")
    if not (np.isfinite(dispersion) and dispersion >= 1.0):
        raise ValueError(f"dispersion must be a number >= 1, got {dispersion!r}")
    if method == "exact-cond":
        p_value, lower, upper = _conditional_exact(c1, e1, c2, e2, conf)
    elif method == "quasi-poisson":
        p_value, lower, upper = _quasi_poisson(c1, e1, c2, e2, conf, float(dispersion))
    else:
        p_value, lower, upper = _etest(c1, e1, c2, e2, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (c2 / e2) / (c1 / e1)
    ratio = np.where(c1 + c2 == 0, np.nan, ratio)
    return PeriodComparison(
        rate_ratio=unwrap(ratio),
        lower=unwrap(lower),
        upper=unwrap(upper),
        p_value=unwrap(p_value),
        method=method,
        count1=unwrap(c1),
        count2=unwrap(c2),
        exposure1=unwrap(e1),
        exposure2=unwrap(e2),
        conf=conf,
    )


# --------------------------------------------------------------------------- benchmark


@dataclass(frozen=True)
class BenchmarkComparison:
    """The gemeente's count against what a benchmark rate predicts for its population.

    ``expected = benchmark_rate / per * population``; ``ratio = observed / expected`` (as an
    SIR); ``lower``/``upper`` bound that ratio. ``rate*`` give the gemeente's own rate.
    """

    observed: Any
    expected: Any
    ratio: Any
    lower: Any
    upper: Any
    p_value: Any
    direction: Any
    benchmark_rate: Any = np.nan
    rate: Any = np.nan
    rate_lower: Any = np.nan
    rate_upper: Any = np.nan
    per: int = 1000
    conf: float = 0.95
    method: str = "exact"


def _poisson_central_p(observed, expected):
    """Two-sided exact Poisson p-value: twice the smaller tail, capped at 1."""
    from scipy.stats import poisson

    with np.errstate(invalid="ignore"):
        p_low = poisson.cdf(observed, expected)  # P(X <= O)
        p_high = poisson.sf(observed - 1, expected)  # P(X >= O)
        return np.minimum(1.0, 2.0 * np.minimum(p_low, p_high))


def compare_with_benchmark(count, population, benchmark_rate, per: int = 1000, conf: float = 0.95):
    """Is the gemeente's rate significantly above or below a benchmark (e.g. Nederland)?

    Fingertips "compared with benchmark": the benchmark's own uncertainty is negligible (NL has
    millions of inhabitants), so the gemeente's exact Poisson interval is compared with the
    benchmark value: "hoger" if the whole interval lies above it, "lager" if below, otherwise
    "gelijk". The exact interval is used at every count so that the direction always agrees
    with the p-value (central two-sided exact Poisson test, see module notes).
    Vectorised over gemeenten. An unknown (NaN) benchmark gives "onbekend"; a benchmark rate of
    0 or below (or infinite) is impossible as a comparison and raises ValueError: with no
    expected events every count would look "hoger".
    """
    conf = check_conf(conf)
    observed = as_float(count)
    pops = as_float(population)
    bench = as_float(benchmark_rate)
    impossible = ~np.isnan(bench) & ~((bench > 0) & np.isfinite(bench))
    if np.any(impossible):
        bad = np.atleast_1d(bench)[np.atleast_1d(impossible)][0]
        raise ValueError(
            f"benchmark_rate must be a positive number per {per} (got {float(bad)!r}); "
            "a benchmark without events cannot be compared with"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(pops > 0, bench / per * pops, np.nan)
        lo, hi = poisson_ci(observed, conf, "exact")
        lo, hi = as_float(lo), as_float(hi)
        ratio = observed / expected
        p_value = _poisson_central_p(observed, expected)
        rate_scale = np.where(pops > 0, per / pops, np.nan)
    known = ~(np.isnan(observed) | np.isnan(expected))
    direction = np.where(lo > expected, "hoger", np.where(hi < expected, "lager", "gelijk"))
    direction = np.where(known, direction, "onbekend")
    with np.errstate(divide="ignore", invalid="ignore"):
        return BenchmarkComparison(
            observed=unwrap(observed),
            expected=unwrap(expected),
            ratio=unwrap(ratio),
            lower=unwrap(lo / expected),
            upper=unwrap(hi / expected),
            p_value=unwrap(np.where(known, p_value, np.nan)),
            direction=unwrap(direction),
            benchmark_rate=unwrap(bench),
            rate=unwrap(observed * rate_scale),
            rate_lower=unwrap(lo * rate_scale),
            rate_upper=unwrap(hi * rate_scale),
            per=per,
            conf=conf,
            method="exact",
        )


def compare_with_region(
    count, population, region_count, region_population, per: int = 1000, conf: float = 0.95, method: str = "exact-cond"
) -> BenchmarkComparison:
    """Compare the gemeente with the *rest* of the region it belongs to (Drenthe, basisteam).

    Westerveld is part of Drenthe, so "Westerveld against Drenthe" partly compares Westerveld
    with itself: the difference is pulled towards zero and the two estimates are correlated,
    which a test for independent samples ignores. Subtracting the gemeente from the region
    gives two independent groups; they are compared with :func:`compare_periods` (gemeente as
    group 2), so the region's own Poisson variation is included (unlike a national benchmark,
    a region or basisteam is small enough for that to matter).

    Returns a :class:`BenchmarkComparison` in which ``benchmark_rate`` is the rest-of-region
    rate, ``expected`` the gemeente's count at that rate, ``ratio`` the rate ratio gemeente /
    rest of region with its interval, and ``direction`` follows the two-sample p-value.
    """
    conf = check_conf(conf)
    c = as_float(count)
    p = as_float(population)
    rest_c = as_float(region_count) - c
    rest_p = as_float(region_population) - p
    if np.any(rest_c < 0) or np.any(rest_p <= 0):
        raise ValueError("the region must contain the gemeente: region count/population are too small")
    two = compare_periods(rest_c, rest_p, c, p, method=method, conf=conf)
    rest_rate = rest_c / rest_p * per
    own = poisson_ci(c, conf, "exact")
    with np.errstate(divide="ignore", invalid="ignore"):
        return BenchmarkComparison(
            observed=unwrap(c),
            expected=unwrap(rest_rate / per * p),
            ratio=two.rate_ratio,
            lower=two.lower,
            upper=two.upper,
            p_value=two.p_value,
            direction=two.direction,
            benchmark_rate=unwrap(rest_rate),
            rate=unwrap(c / p * per),
            rate_lower=unwrap(as_float(own[0]) / p * per),
            rate_upper=unwrap(as_float(own[1]) / p * per),
            per=per,
            conf=conf,
            method=f"{method} (rest van de regio)",
        )
