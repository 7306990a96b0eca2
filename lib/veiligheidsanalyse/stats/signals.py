"""Signal levels for a whole report: 95% = "signaal", 99.8% = "alarm", corrected for many tests.

A report tests ~60 indicators; at 5% about three would be flagged by chance alone. The p-values
of one report are therefore adjusted together before they are compared with the thresholds
0.05 (signaal) and 0.002 (alarm). Adjusted p-values let one adjustment serve both thresholds:
"adjusted p <= alpha" is exactly the procedure's decision at level alpha.

Default: Holm (1979) step-down, which controls the chance of *any* false signal in the report
(family-wise error) and is uniformly more powerful than Bonferroni. A council reads every
flag as a finding, so a false one is costly. ``method="bh"`` (Benjamini & Hochberg 1995,
false discovery rate) flags more and is offered for exploratory use; "none" switches it off.
Untested indicators (NaN p-value) are left out of the family and get "niet getoetst".
"""

from __future__ import annotations

import numpy as np

from ._common import as_float

SIGNAL = 0.05
ALARM = 0.002
METHODS = ("holm", "bh", "none")


def adjust_p(p_values, method: str = "holm"):
    """Adjusted p-values (Holm or Benjamini-Hochberg) over the non-NaN entries; NaN stays NaN."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    p = np.atleast_1d(as_float(p_values)).astype(float)
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    q = p[tested]
    m = q.size
    if m == 0 or method == "none":
        out[tested] = q
        return out
    order = np.argsort(q, kind="stable")
    ranked = q[order]
    if method == "holm":
        # p_(i) * (m - i + 1), made non-decreasing from the smallest p upwards
        adj = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        # p_(i) * m / i, made non-increasing from the largest p downwards
        adj = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(adj, 1.0)
    out[tested] = adjusted
    return out


def signal_levels(p_values, method: str = "holm", signal: float = SIGNAL, alarm: float = ALARM):
    """Per test "alarm" (adjusted p <= 0.002), "signaal" (<= 0.05), "geen" or "niet getoetst".

    Pass all p-values of one report at once. A pandas Series keeps its index; other input
    gives a numpy array of strings.
    """
    adjusted = adjust_p(p_values, method)
    levels = np.where(adjusted <= alarm, "alarm", np.where(adjusted <= signal, "signaal", "geen"))
    levels = np.where(np.isnan(adjusted), "niet getoetst", levels).astype(object)
    if hasattr(p_values, "index") and hasattr(p_values, "to_numpy"):  # a pandas Series
        import pandas as pd

        return pd.Series(levels, index=p_values.index, name="signaal")
    return levels


class Judged:
    """A test result as the report decides it: significant only when its *corrected* p-value is.

    Wraps a result of ``compare``, ``trend`` or ``survey`` and answers like it, except for
    ``direction``: "gelijk" when the p-value adjusted over the report's family of tests is above
    ``SIGNAL``, however small the uncorrected p-value. ``aanwijzing`` says that the uncorrected
    test alone would have called it significant; the verdict words label such a result as an
    indication, never as "significant". Every ``.direction`` a chapter reads is thereby the
    report's one standard of evidence.
    """

    def __init__(self, result, p_adjusted: float, signal: float = SIGNAL):
        self.result = result
        self.p_adjusted = float(p_adjusted)
        self.raw_direction = result.direction
        significant = self.raw_direction in ("hoger", "lager") and self.p_adjusted <= signal
        self.direction = self.raw_direction if significant or self.raw_direction not in ("hoger", "lager") else "gelijk"
        self.aanwijzing = self.raw_direction in ("hoger", "lager") and not significant

    def __getattr__(self, name):
        return getattr(self.result, name)


class Family:
    """The adjusted p-values of one report's family of tests, by (indicator, test) key.

    ``judge`` wraps a result in :class:`Judged` with its adjusted p-value. A test that is not in
    the family gets NaN: it can be an "aanwijzing" but never "significant".
    """

    def __init__(self, adjusted: dict[tuple[str, str], float]):
        self.adjusted = dict(adjusted)

    def p_adjusted(self, indicator: str, test: str) -> float:
        return float(self.adjusted.get((indicator, test), np.nan))

    def judge(self, indicator: str, test: str, result) -> Judged:
        return Judged(result, self.p_adjusted(indicator, test))
