"""Survey figures (Veiligheidsmonitor): intervals and comparisons between editions or areas.

* Published 95% margins (StatLine ``Marges``, I&O reports) always win: they include the
  weighting. Without them a percentage gets a Wilson score interval on the effective sample
  size ``n / deff`` (Kish); the default design effect 1.3 is an assumption (VM weighting,
  expected 1.2-1.5), say so in the text. A mean (rapportcijfer, schaalscore) without margins
  gets no interval: that needs the standard deviation, which is not published.
* Differences are tested with a z-test, ``SE = (upper - lower) / (2 z)`` per figure and
  ``SE_diff = sqrt(se1^2 + se2^2)`` (independent samples; CBS: significant when the difference
  remains after accounting for the margins). Overlapping intervals are *not* the test.
* The Veiligheidsmonitor was redesigned in 2021 (new questionnaire and method): an edition
  before 2021 is never tested against one from 2021 on ("niet vergelijkbaar"). An unknown
  edition could be on either side, so a comparison with one is not tested either.
* Westerveld against Drenthe (same edition) treats the samples as independent although
  Westerveld's respondents are part of Drenthe's; with a positive overlap the true SE of the
  difference is smaller, so the test is conservative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._common import as_float, check_conf, unwrap, z_two_sided

METHOD_BREAK_YEAR = 2021
DEFAULT_DEFF = 1.3


def check_deff(deff) -> float:
    """A design effect as a positive finite number (Kish; 1 for a simple random sample).

    Weighting usually makes it 1.2-1.5; below 1 is possible (stratification) but 0, negative
    or unknown values would give a zero-width or meaningless interval, so they raise.
    """
    try:
        value = float(deff)
    except (TypeError, ValueError):
        raise ValueError(f"deff (design effect) must be a positive number, e.g. 1.3; got {deff!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"deff (design effect) must be a positive number, e.g. 1.3; got {deff!r}")
    return value


def wilson_ci(p, n, conf: float = 0.95, deff: float = 1.0):
    """Wilson score interval ``(lower, upper)`` for a proportion ``p`` (0-1) from ``n`` respondents.

    With ``deff`` > 1 the interval uses the effective sample size ``n / deff``; ``deff`` must be
    a positive finite number (ValueError otherwise). Vectorised; NaN or non-positive ``n``
    gives NaN bounds.
    """
    z = z_two_sided(conf)
    p = as_float(p)
    n_eff = as_float(n) / check_deff(deff)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p is a proportion between 0 and 1 (divide percentages by 100)")
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(n_eff > 0, n_eff, np.nan)
        denom = 1 + z**2 / n_eff
        centre = (p + z**2 / (2 * n_eff)) / denom
        half = z * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2)) / denom
    # at p = 0 or 1 the bound is exactly 0 or 1; avoid rounding noise like 0.9999999999999999
    lower = np.where(p == 0, 0.0, np.clip(centre - half, 0, 1))
    upper = np.where(p == 1, 1.0, np.clip(centre + half, 0, 1))
    return unwrap(np.where(np.isnan(n_eff), np.nan, lower)), unwrap(np.where(np.isnan(n_eff), np.nan, upper))


@dataclass(frozen=True)
class SurveyInterval:
    """A survey figure with its interval and where the interval came from."""

    value: Any
    lower: Any
    upper: Any
    method: str  # "gepubliceerd", "wilson (n_eff)" or "geen"
    note: str = ""


def survey_interval(
    value, lower=None, upper=None, n=None, deff: float = DEFAULT_DEFF, unit: str = "procent", conf: float = 0.95
):
    """Interval for one survey figure: published margins, else Wilson on n/deff, else none.

    ``unit="procent"`` values are 0-100. For a mean (``unit`` "rapportcijfer" or "score")
    without published margins the bounds are NaN and ``note`` says why. An invalid ``deff``
    (0, negative, unknown) raises ValueError even when the margins are published.
    """
    deff = check_deff(deff)
    value = float(as_float(value))
    lo, hi = float(as_float(lower)), float(as_float(upper))
    if not (np.isnan(lo) or np.isnan(hi)):
        return SurveyInterval(value, lo, hi, "gepubliceerd", "marges zoals gepubliceerd")
    if np.isnan(value):
        return SurveyInterval(value, np.nan, np.nan, "geen", "waarde onbekend")
    if unit != "procent":
        return SurveyInterval(
            value, np.nan, np.nan, "geen", "geen marges gepubliceerd; voor een gemiddelde is de standaarddeviatie nodig"
        )
    n_value = float(as_float(n))
    if np.isnan(n_value) or n_value <= 0:
        return SurveyInterval(value, np.nan, np.nan, "geen", "geen marges en geen aantal respondenten")
    lo, hi = wilson_ci(value / 100.0, n_value, conf, deff)
    note = f"Wilson-interval op effectieve steekproef n/deff (n={n_value:g}, deff={deff:g}, aanname)"
    return SurveyInterval(value, lo * 100.0, hi * 100.0, "wilson (n_eff)", note)


@dataclass(frozen=True)
class SurveyComparison:
    """Difference ``value2 - value1`` between two survey figures, with a z-test."""

    difference: float
    se: float
    z: float
    p_value: float
    status: str  # "ok", "niet vergelijkbaar", "geen marges"
    edition1: int | None
    edition2: int | None
    conf: float = 0.95

    @property
    def direction(self) -> str:
        """'hoger' when value2 is significantly higher, 'lager', 'gelijk', or 'onbekend'."""
        if self.status != "ok" or np.isnan(self.p_value):
            return "onbekend"
        if self.p_value >= 1 - self.conf:
            return "gelijk"
        return "hoger" if self.difference > 0 else "lager"


def _edition(edition) -> int | None:
    """An edition year as int; None, NaN and pandas NA are unknown (None)."""
    value = float(as_float(edition))
    if np.isnan(value):
        return None
    if value != int(value):
        raise ValueError(f"an edition is a year, got {edition!r}")
    return int(value)


def crosses_method_break(edition1, edition2, break_year: int = METHOD_BREAK_YEAR) -> bool:
    """True when one edition is before ``break_year`` and the other from it on.

    Also True when an edition is unknown (None, NaN): it may lie on the other side of the
    break, so the break cannot be ruled out.
    """
    ed1, ed2 = _edition(edition1), _edition(edition2)
    if ed1 is None or ed2 is None:
        return True
    return (ed1 < break_year) != (ed2 < break_year)


def compare_survey(
    value1,
    lower1,
    upper1,
    edition1,
    value2,
    lower2,
    upper2,
    edition2,
    conf: float = 0.95,
    break_year: int = METHOD_BREAK_YEAR,
) -> SurveyComparison:
    """z-test of ``value2`` against ``value1`` using their published ``conf`` bounds.

    The same edition twice compares two areas; two editions compare over time. Editions on
    both sides of ``break_year`` (2021), or an unknown edition (None, NaN) on either side, give
    status "niet vergelijkbaar" and no p-value.
    """
    conf = check_conf(conf)
    ed1, ed2 = _edition(edition1), _edition(edition2)
    v1, l1, u1, v2, l2, u2 = (float(as_float(x)) for x in (value1, lower1, upper1, value2, lower2, upper2))
    difference = v2 - v1
    if crosses_method_break(ed1, ed2, break_year):
        return SurveyComparison(difference, np.nan, np.nan, np.nan, "niet vergelijkbaar", ed1, ed2, conf)
    if np.isnan([v1, l1, u1, v2, l2, u2]).any():
        return SurveyComparison(difference, np.nan, np.nan, np.nan, "geen marges", ed1, ed2, conf)
    from scipy.special import ndtr

    z_crit = z_two_sided(conf)
    se1 = (u1 - l1) / (2 * z_crit)  # asymmetric (Wilson) margins: half the full width
    se2 = (u2 - l2) / (2 * z_crit)
    se = float(np.hypot(se1, se2))
    z = difference / se if se > 0 else np.nan
    p_value = float(2 * ndtr(-abs(z))) if se > 0 else np.nan
    return SurveyComparison(difference, se, float(z), p_value, "ok", ed1, ed2, conf)
