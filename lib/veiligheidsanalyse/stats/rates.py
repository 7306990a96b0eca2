"""Counts and rates with Poisson confidence intervals.

A gemeente of ~20,000 inhabitants sees ~24 woninginbraken a year: the exact 95% interval is
15-36, so every rate is shown with its interval. Conventions follow the PHE/Fingertips
technical guidance "Rates": the exact (Garwood, chi-square) interval below 10 events and
Byar's approximation (Breslow & Day 1987) from 10 events. Unknown counts (NaN) give unknown
rates; they are never treated as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._common import as_float, check_conf, unwrap, z_two_sided

if TYPE_CHECKING:
    import pandas as pd

BYAR_FROM = 10  # Fingertips: Byar for counts >= 10, exact below (Byar is within 0.2% there)
METHODS = ("exact", "byar", "auto")


def poisson_ci(count, conf: float = 0.95, method: str = "exact"):
    """Confidence interval ``(lower, upper)`` for a Poisson count.

    ``method="exact"``: Garwood's interval from the chi-square distribution,
    ``lower = chi2(alpha/2, 2O)/2`` and ``upper = chi2(1-alpha/2, 2O+2)/2`` (lower is 0 for O=0).
    ``method="byar"``: Byar's approximation, ``O(1-1/(9O)-z/(3*sqrt O))^3`` and
    ``(O+1)(1-1/(9(O+1))+z/(3*sqrt(O+1)))^3``; clipped at 0 for very small counts, where it
    should not be used. ``method="auto"``: exact below 10 events, Byar from 10.
    Accepts scalars or arrays; NaN counts give NaN bounds.
    """
    from scipy.stats import chi2

    counts = as_float(count)
    alpha = 1.0 - check_conf(conf)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if np.any(counts < 0):
        raise ValueError("a count cannot be negative")

    with np.errstate(divide="ignore", invalid="ignore"):
        # exact: chi2 with 2*O degrees of freedom is undefined for O=0, whose lower bound is 0
        exact_lo = np.where(counts == 0, 0.0, chi2.ppf(alpha / 2, 2 * counts) / 2)
        exact_hi = chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2
        if method == "exact":
            return unwrap(exact_lo), unwrap(exact_hi)
        z = z_two_sided(conf)
        byar_lo = counts * (1 - 1 / (9 * counts) - z / (3 * np.sqrt(counts))) ** 3
        byar_lo = np.where(counts == 0, 0.0, np.maximum(byar_lo, 0.0))
        byar_hi = (counts + 1) * (1 - 1 / (9 * (counts + 1)) + z / (3 * np.sqrt(counts + 1))) ** 3
    if method == "byar":
        return unwrap(byar_lo), unwrap(byar_hi)
    use_byar = counts >= BYAR_FROM  # NaN compares False; both branches are NaN then anyway
    return unwrap(np.where(use_byar, byar_lo, exact_lo)), unwrap(np.where(use_byar, byar_hi, exact_hi))


def ci_method_used(count, method: str = "auto"):
    """Name of the interval method applied to each count ("exact", "byar"; "onbekend" for NaN)."""
    if method != "auto":
        return method
    counts = as_float(count)
    names = np.where(counts >= BYAR_FROM, "byar", "exact")
    return unwrap(np.where(np.isnan(counts), "onbekend", names))


@dataclass(frozen=True)
class Rate:
    """A rate per ``per`` inhabitants (or youths, dwellings) with its confidence interval.

    Fields hold scalars for scalar input and arrays for array input. ``method`` says which
    interval was used ("exact" or "byar", per value when vectorised).
    """

    count: Any
    population: Any
    per: int
    value: Any
    lower: Any
    upper: Any
    method: Any
    conf: float = 0.95


def rate(count, population, per: int = 1000, conf: float = 0.95, method: str = "auto") -> Rate:
    """Crude rate ``count / population * per`` with a Poisson interval (see :func:`poisson_ci`).

    A NaN count or a missing/zero population gives a NaN rate: unknown is never 0.
    """
    counts = as_float(count)
    pops = as_float(population)
    lo, hi = poisson_ci(counts, conf, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(pops > 0, per / pops, np.nan)
        value = counts * scale
        lower = as_float(lo) * scale
        upper = as_float(hi) * scale
    return Rate(
        count=unwrap(counts),
        population=unwrap(pops),
        per=per,
        value=unwrap(value),
        lower=unwrap(lower),
        upper=unwrap(upper),
        method=ci_method_used(counts, method),
        conf=conf,
    )


def rates_frame(
    df: pd.DataFrame, count_col: str, pop_col: str, per: int = 1000, conf: float = 0.95, method: str = "auto"
) -> pd.DataFrame:
    """Copy of ``df`` with columns ``rate``, ``rate_lower``, ``rate_upper`` and ``rate_method`` added."""
    counts = df[count_col].to_numpy(dtype=float, na_value=np.nan)
    pops = df[pop_col].to_numpy(dtype=float, na_value=np.nan)
    result = rate(counts, pops, per, conf, method)
    out = df.copy()
    out["rate"] = np.atleast_1d(result.value)
    out["rate_lower"] = np.atleast_1d(result.lower)
    out["rate_upper"] = np.atleast_1d(result.upper)
    out["rate_method"] = np.atleast_1d(result.method)
    return out


def pooled_rate(counts, populations, per: int = 1000, conf: float = 0.95, method: str = "auto") -> Rate:
    """One rate over several years: total count / total person-years, for rare offences.

    ``populations`` are the yearly populations, so their sum is person-years and the result is
    a rate per ``per`` inhabitants *per year*. If any year is unknown (NaN) the pooled rate is
    unknown too: dropping the year silently would understate the count.
    """
    c = as_float(counts).ravel()
    p = as_float(populations).ravel()
    if c.shape != p.shape:
        raise ValueError("counts and populations need the same length (one per year)")
    total_c = np.nan if np.isnan(c).any() else float(c.sum())
    total_p = np.nan if np.isnan(p).any() else float(p.sum())
    return rate(total_c, total_p, per, conf, method)
