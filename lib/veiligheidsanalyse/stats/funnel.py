"""Funnel plots: is a gemeente's rate unusual given its size? (no league tables)

Sources: Spiegelhalter DJ (2005) "Funnel plots for comparing institutional performance",
Stat Med 24:1185-1202; Spiegelhalter DJ (2005) "Handling over-dispersion of performance
indicators", Qual Saf Health Care 14:347-351; Spiegelhalter et al. (2012) "Statistical methods
for healthcare regulation", JRSS A 175:1-47; the FunnelPlotR package (NHS-R community,
R/od_adjustment.R and R/build_limits_lookup.R) for the over-dispersion steps. (FunnelPlotR's
unadjusted limits are chi-square confidence limits; here they are Spiegelhalter's prediction
limits, as below.)

* **Limits without over-dispersion** are exact Poisson limits around the target: with
  E = target x population, r_p is the p-quantile of Poisson(E) and the limit count is
  ``r_p - a`` with ``a = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``, Spiegelhalter's interpolation
  between neighbouring counts; divided by the population it becomes a rate. The limit *counts*
  rise monotonically with E; the upper limit on the *rate* scale keeps a small sawtooth from
  the discreteness (under 1.2% for E >= 1, under 0.1% for E >= 5), the lower limit none.
  For tiny E the interpolation falls below E, to 0 when r_p = 0 (P(X = 0) >= p: E < 0.0253
  at 95%, E < 0.0010 at 99.8%), and a few thousandths above that; the upper limit count is
  then E itself (ratio 1), the lower limit never above E. Any single event is still above the
  upper limit there, as it should be (P(X >= 1) < (1 - level) / 2): flags do not change.
* **Over-dispersion** (regions differing more than chance allows): z-scores on the square-root
  scale, ``z = 2(sqrt(O) - sqrt(E))``, are Winsorised at 10% in each tail; ``phi = mean(z^2)``.
  Only when ``k * phi > k - 1`` (the chi-square expectation of sum z^2 with a target estimated
  from the same k units) is the adjustment applied: by default the additive random-effects
  ``tau2 = (k phi - (k - 1)) / (sum w - sum w^2 / sum w)``, ``w = 4E`` (DerSimonian-Laird), with
  limits ``(1 +/- z_p sqrt(1/(4E) + tau2))^2`` on the ratio scale; or multiplicative,
  ``(1 +/- z_p sqrt(phi / (4E)))^2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._common import as_float, check_conf

if TYPE_CHECKING:
    import pandas as pd

LEVELS = (0.95, 0.998)
OVERDISPERSION = ("auto", "none", "additive", "multiplicative")


def level_label(level: float) -> str:
    """Column suffix for a level: 0.95 -> "95", 0.998 -> "998"."""
    pct = round(level * 100, 6)
    return str(int(pct)) if pct == int(pct) else str(round(level * 1000))


def _limit_counts(expected: np.ndarray, p: float) -> np.ndarray:
    """Spiegelhalter's interpolated p-quantile of Poisson(expected), as a count (>= 0)."""
    from scipy.stats import poisson

    with np.errstate(invalid="ignore", divide="ignore"):
        r = poisson.ppf(p, expected)
        f_r = poisson.cdf(r, expected)
        f_below = poisson.cdf(r - 1, expected)
        a = (f_r - p) / (f_r - f_below)
        limit = np.maximum(r - a, 0.0)  # r_p = 0 would interpolate below zero counts
    return np.where(expected > 0, limit, np.nan)


def _ratio_limits(expected, level, tau2=0.0, phi=1.0):
    """(lower, upper) limits for O/E at one level; exact Poisson unless adjusted."""
    from scipy.special import ndtri

    expected = as_float(expected)
    if tau2 > 0 or phi > 1:
        z = ndtri(1 - (1 - level) / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.sqrt(phi / (4 * expected) + tau2)
        # on the sqrt scale the target is sqrt(1) = 1; a negative lower root means limit 0
        return np.maximum(1 - z * sd, 0.0) ** 2, (1 + z * sd) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        # never an upper limit below the target or a lower limit above it (tiny E; module notes)
        lower = np.minimum(_limit_counts(expected, (1 - level) / 2), expected) / expected
        upper = np.maximum(_limit_counts(expected, 1 - (1 - level) / 2), expected) / expected
    return lower, upper


def funnel_limits(
    expected_or_population,
    target_rate=None,
    levels=LEVELS,
    per: int = 1000,
    tau2: float = 0.0,
    phi: float = 1.0,
) -> pd.DataFrame:
    """Control limits for a funnel plot, one row per x value.

    With ``target_rate`` (per ``per``) the first argument is the population and the limits are
    rates per ``per`` around the target. Without it the first argument is the expected count E
    and the limits are for the ratio O/E around 1 (SIR style). ``tau2`` > 0 or ``phi`` > 1 give
    over-dispersion-adjusted limits (see module notes); take them from :func:`estimate_overdispersion`.
    Columns: ``x``, ``expected``, and ``lower_<level>``/``upper_<level>`` ("95", "998").
    """
    import pandas as pd

    if tau2 > 0 and phi > 1:
        raise ValueError("use either the additive tau2 or the multiplicative phi, not both")
    x = np.atleast_1d(as_float(expected_or_population))
    if target_rate is None:
        expected, scale = x, 1.0
    else:
        expected, scale = float(target_rate) / per * x, float(target_rate)
    out = {"x": x, "expected": expected}
    for level in levels:
        lo, hi = _ratio_limits(expected, check_conf(level), tau2, phi)
        out[f"lower_{level_label(level)}"] = lo * scale
        out[f"upper_{level_label(level)}"] = hi * scale
    return pd.DataFrame(out)


@dataclass(frozen=True)
class Dispersion:
    """Over-dispersion among k units: ``phi`` (Winsorised mean z^2) and ``tau2`` (additive)."""

    phi: float
    tau2: float
    k: int
    overdispersed: bool  # k * phi > k - 1


def _winsorise(z: np.ndarray, trim: float) -> np.ndarray:
    # quantiles with linear interpolation, the same as R's default (type 7) used by FunnelPlotR
    lo, hi = np.quantile(z, [trim, 1 - trim])
    return np.clip(z, lo, hi)


def estimate_overdispersion(counts, expected, trim: float = 0.1) -> Dispersion:
    """phi and tau2 for observed ``counts`` against ``expected`` counts (units with NaN skipped)."""
    o = as_float(counts).ravel()
    e = as_float(expected).ravel()
    ok = ~(np.isnan(o) | np.isnan(e)) & (e > 0)
    o, e = o[ok], e[ok]
    k = int(ok.sum())
    if k < 2:
        return Dispersion(np.nan, 0.0, k, False)
    z = 2 * (np.sqrt(o) - np.sqrt(e))  # sqrt-scale z: (sqrt(O/E) - 1) / (1 / (2 sqrt E))
    phi = float(np.mean(_winsorise(z, trim) ** 2))
    w = 4 * e  # 1 / s^2 on the sqrt scale
    over = k * phi > k - 1
    tau2 = max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum())) if over else 0.0
    return Dispersion(phi, float(tau2), k, bool(over))


def _flags(value, limits, levels):
    """Dutch flag per unit from its value and the limits at each level (widest first wins)."""
    flag = np.full(value.shape, "binnen", dtype=object)
    for level in sorted(levels):  # later (wider) levels overwrite narrower ones
        label = f"{round(level * 100, 1):g}".replace(".", ",")
        lo, hi = limits[level]
        flag = np.where(value > hi, f"boven {label}%", flag)
        flag = np.where(value < lo, f"onder {label}%", flag)
    return np.where(np.isnan(value), "onbekend", flag)


def funnel_assess(
    counts,
    populations,
    target_rate=None,
    overdispersion: str = "auto",
    per: int = 1000,
    levels=LEVELS,
    labels=None,
    trim: float = 0.1,
) -> pd.DataFrame:
    """Place each unit (gemeente) in the funnel: its rate, z-score, limits and a flag.

    ``target_rate`` per ``per`` (e.g. the NL rate); ``None`` uses the pooled rate of the units.
    ``overdispersion``: "auto" (default) and "additive" apply tau2, "multiplicative" applies
    phi, "none" keeps the exact Poisson limits; any adjustment only when ``k * phi > k - 1``.
    Flags: "binnen", "boven 95%", "boven 99,8%", "onder 95%", "onder 99,8%", "onbekend".
    The rows keep the input order (no ranking). ``df.attrs`` holds target_rate, phi, tau2, k
    and the adjustment used.
    """
    # Long: one procedure whose steps use each other's estimates (rate, dispersion, limits)
    import pandas as pd

    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"overdispersion must be one of {OVERDISPERSION}, got {overdispersion!r}")
    o = np.atleast_1d(as_float(counts))
    pop = np.atleast_1d(as_float(populations))
    known = ~(np.isnan(o) | np.isnan(pop)) & (pop > 0)
    if target_rate is None:
        target_rate = o[known].sum() / pop[known].sum() * per
    target_rate = float(target_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(known, target_rate / per * pop, np.nan)
        rate = np.where(known, o / pop * per, np.nan)
        ratio = o / expected
        z = 2 * (np.sqrt(o) - np.sqrt(expected))

    disp = estimate_overdispersion(o, expected, trim)
    if overdispersion == "none" or not disp.overdispersed:
        adjustment, tau2, phi = "geen", 0.0, 1.0
    elif overdispersion in ("auto", "additive"):
        adjustment, tau2, phi = "additief (tau2)", disp.tau2, 1.0
    else:
        adjustment, tau2, phi = "multiplicatief (phi)", 0.0, disp.phi
    with np.errstate(divide="ignore", invalid="ignore"):
        z_adjusted = (np.sqrt(ratio) - 1) / np.sqrt(phi / (4 * expected) + tau2)

    table = {
        "count": o,
        "population": pop,
        "expected": expected,
        "rate": rate,
        "ratio": ratio,
        "z": z,
        "z_adjusted": z_adjusted,
    }
    limits = {}
    for level in levels:
        lo, hi = _ratio_limits(expected, check_conf(level), tau2, phi)
        limits[level] = (lo * target_rate, hi * target_rate)
        table[f"lower_{level_label(level)}"] = limits[level][0]
        table[f"upper_{level_label(level)}"] = limits[level][1]
    table["flag"] = _flags(rate, limits, levels)
    df = pd.DataFrame(table, index=None if labels is None else pd.Index(labels))
    # estimated phi and tau2 are reported even when no adjustment was applied
    df.attrs.update(
        target_rate=target_rate,
        per=per,
        phi=disp.phi,
        tau2=disp.tau2,
        k=disp.k,
        overdispersed=disp.overdispersed,
        adjustment=adjustment,
    )
    return df
