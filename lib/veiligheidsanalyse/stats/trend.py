"""Trend over years: Poisson regression with a dispersion check.

Model: ``log E[count_t] = log(exposure_t) + a + b * (t - centre)``, fitted with statsmodels'
GLM. The yearly change is ``(exp(b) - 1) * 100`` percent. Choices, each with its reason:

* **Dispersion.** Registered crime varies more from year to year than a Poisson count
  (clusters of burglaries, one prolific offender). The Pearson chi2 / df ratio (phi) is
  computed; when phi > 1 the model becomes quasi-Poisson: same estimate, standard error times
  sqrt(phi), and Student-t on the residual df instead of the normal (as R's ``summary.glm``
  does for quasi families, because phi itself is estimated). The threshold is plain 1, not
  a significance test: with 5-10 years such a test has almost no power, and letting the
  interval be narrower than Poisson (phi < 1) is never done.
* **Breaks.** Years in ``breaks`` (e.g. 2020 and 2021, COVID) are *left out*, not modelled
  with an indicator: with 5-10 points an extra parameter per break costs too many degrees of
  freedom. They are returned in ``years_excluded``. For a permanent change in registration,
  start the series after the change instead.
* **Too little data.** Fewer than ``min_years`` (5) years with data gives status
  "te weinig jaren" and no estimate, not an exception; no events at all gives "geen gevallen",
  and all events in the first (or last) year, where no finite slope exists, "te weinig gevallen".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._common import as_float, check_conf

MIN_YEARS = 5
STATUS_OK = "ok"
STATUS_TOO_FEW_YEARS = "te weinig jaren"
STATUS_NO_EVENTS = "geen gevallen"
STATUS_TOO_FEW_EVENTS = "te weinig gevallen"


@dataclass(frozen=True)
class Trend:
    """Result of :func:`poisson_trend`. Estimates are NaN unless ``status == "ok"``."""

    annual_change_pct: float
    lower: float
    upper: float
    p_value: float
    model: str  # "poisson", "quasi-poisson" or "geen"
    dispersion: float  # Pearson chi2 / residual df (phi)
    n_years: int  # years used in the fit
    years_excluded: tuple = ()  # break years and years without data
    status: str = STATUS_OK
    first_year: int | None = None
    last_year: int | None = None
    total_count: float = np.nan
    mean_count: float = np.nan  # mean count per year used
    slope: float = np.nan  # b, on the log scale
    intercept: float = np.nan  # a, log rate per unit exposure at ``centre_year``
    centre_year: float = np.nan
    conf: float = 0.95
    years_used: tuple = field(default=())

    @property
    def direction(self) -> str:
        """'hoger' (significant rise), 'lager' (fall), 'gelijk' (no significant trend), 'onbekend'."""
        if self.status != STATUS_OK or np.isnan(self.p_value):
            return "onbekend"
        if self.p_value >= 1 - self.conf:
            return "gelijk"
        return "hoger" if self.annual_change_pct > 0 else "lager"

    def expected_rate(self, years, per: int = 1000):
        """Fitted rate per ``per`` units of exposure in the given years (for drawing the line)."""
        t = as_float(years) - self.centre_year
        return np.exp(self.intercept + self.slope * t) * per


def _empty(status, n_years, excluded, conf, used=(), total=np.nan) -> Trend:
    return Trend(
        annual_change_pct=np.nan,
        lower=np.nan,
        upper=np.nan,
        p_value=np.nan,
        model="geen",
        dispersion=np.nan,
        n_years=n_years,
        years_excluded=excluded,
        status=status,
        first_year=int(min(used)) if used else None,
        last_year=int(max(used)) if used else None,
        total_count=total,
        conf=conf,
        years_used=tuple(used),
    )


def poisson_trend(years, counts, exposures=None, breaks=(), conf: float = 0.95, min_years: int = MIN_YEARS) -> Trend:
    """Average yearly % change in a count or rate, with a confidence interval and p-value.

    ``exposures`` (population per year) turns it into a trend in the rate; ``None`` means a
    trend in the count itself. Years in ``breaks``, and years whose count or exposure is NaN,
    are left out and listed in ``years_excluded``. See the module notes for the model choices.
    """
    # Long: one model fit with its input checks and fallbacks, each ending in a Trend
    from scipy.stats import norm
    from scipy.stats import t as student_t

    conf = check_conf(conf)
    yrs = as_float(years).ravel()
    cnt = as_float(counts).ravel()
    exp_ = np.ones_like(cnt) if exposures is None else as_float(exposures).ravel()
    if not (yrs.shape == cnt.shape == exp_.shape):
        raise ValueError("years, counts and exposures need the same length")
    if np.any(cnt < 0):
        raise ValueError("a count cannot be negative")
    if len(np.unique(yrs)) != len(yrs):
        raise ValueError("each year may appear only once")

    is_break = np.isin(yrs, as_float(list(breaks)))
    no_data = np.isnan(cnt) | np.isnan(exp_) | (exp_ <= 0)
    keep = ~is_break & ~no_data
    excluded = tuple(sorted(int(y) for y in yrs[~keep]))
    used = tuple(sorted(int(y) for y in yrs[keep]))
    y, e, t_years = cnt[keep], exp_[keep], yrs[keep]

    if keep.sum() < min_years:
        return _empty(STATUS_TOO_FEW_YEARS, int(keep.sum()), excluded, conf, used, float(y.sum()))
    if y.sum() == 0:
        return _empty(STATUS_NO_EVENTS, int(keep.sum()), excluded, conf, used, 0.0)
    event_years = t_years[y > 0]
    if event_years.min() == event_years.max() and event_years[0] in (t_years.min(), t_years.max()):
        # all events in the first or the last year: the slope's estimate is infinite
        return _empty(STATUS_TOO_FEW_EVENTS, int(keep.sum()), excluded, conf, used, float(y.sum()))

    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    centre = float(t_years.mean())  # centring keeps intercept and slope uncorrelated-ish and stable
    design = np.column_stack([np.ones_like(t_years), t_years - centre])
    fit = GLM(y, design, family=Poisson(), offset=np.log(e)).fit()
    df_resid = float(fit.df_resid)
    phi = float(fit.pearson_chi2 / df_resid) if df_resid > 0 else np.nan

    slope = float(fit.params[1])
    se = float(fit.bse[1])
    alpha = 1 - conf
    if np.isfinite(phi) and phi > 1:
        model = "quasi-poisson"
        se *= np.sqrt(phi)
        crit = float(student_t.ppf(1 - alpha / 2, df_resid))
        p_value = float(2 * student_t.sf(abs(slope / se), df_resid))
    else:
        model = "poisson"
        crit = float(norm.ppf(1 - alpha / 2))
        p_value = float(2 * norm.sf(abs(slope / se)))

    return Trend(
        annual_change_pct=float(np.expm1(slope) * 100),
        lower=float(np.expm1(slope - crit * se) * 100),
        upper=float(np.expm1(slope + crit * se) * 100),
        p_value=p_value,
        model=model,
        dispersion=phi,
        n_years=int(keep.sum()),
        years_excluded=excluded,
        status=STATUS_OK,
        first_year=int(t_years.min()),
        last_year=int(t_years.max()),
        total_count=float(y.sum()),
        mean_count=float(y.mean()),
        slope=slope,
        intercept=float(fit.params[0]),
        centre_year=centre,
        conf=conf,
        years_used=used,
    )
