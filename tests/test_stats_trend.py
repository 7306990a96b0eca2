"""Poisson / quasi-Poisson trend (veiligheidsanalyse.stats.trend).

The trend code uses statsmodels. It is checked against an independent, hand-written IRLS fit
below, which is itself checked against R's published glm output for Dobson (1990) p. 93.
"""

import math

import numpy as np
import pytest
from scipy.stats import norm
from scipy.stats import t as student_t

from veiligheidsanalyse.stats import poisson_trend, verdict_trend


def irls_poisson(X, y, offset=None, iterations=50):
    """Poisson GLM by iteratively reweighted least squares (McCullagh & Nelder 1989, §2.5).

    Returns coefficients, model-based standard errors, Pearson chi2 and deviance.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    offset = np.zeros_like(y) if offset is None else np.asarray(offset, float)
    beta = np.zeros(X.shape[1])
    beta[0] = math.log(y.mean())
    for _ in range(iterations):
        eta = offset + X @ beta
        mu = np.exp(eta)
        z = eta - offset + (y - mu) / mu  # working response
        w = mu  # working weights for the log link
        beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * z))
    mu = np.exp(offset + X @ beta)
    cov = np.linalg.inv(X.T @ (mu[:, None] * X))
    pearson = float(np.sum((y - mu) ** 2 / mu))
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_terms = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    return beta, np.sqrt(np.diag(cov)), pearson, float(2 * dev_terms.sum())


def test_reference_irls_reproduces_r_glm_dobson():
    # R ?glm example, Dobson (1990) "An Introduction to Generalized Linear Models", p. 93:
    #   counts <- c(18,17,15,20,10,20,25,13,12); outcome <- gl(3,1,9); treatment <- gl(3,3)
    #   glm(counts ~ outcome + treatment, family = poisson())
    # R prints: (Intercept) 3.045e+00 (SE 1.709e-01); outcome2 -4.543e-01 (2.022e-01);
    # outcome3 -2.930e-01 (1.927e-01); treatment2/3 ~0 (2.000e-01); residual deviance 5.1291 on 4 df.
    # With family = quasipoisson(): dispersion 1.2933, outcome2 SE 2.299e-01, t -1.976, p 0.119.
    counts = [18, 17, 15, 20, 10, 20, 25, 13, 12]
    outcome = [1, 2, 3] * 3
    treatment = [1, 1, 1, 2, 2, 2, 3, 3, 3]
    X = np.column_stack(
        [np.ones(9)]
        + [[1.0 if o == k else 0.0 for o in outcome] for k in (2, 3)]
        + [[1.0 if t == k else 0.0 for t in treatment] for k in (2, 3)]
    )
    beta, se, pearson, deviance = irls_poisson(X, counts)
    assert beta[:3] == pytest.approx([3.045, -0.4543, -0.2930], abs=6e-4)
    assert beta[3:] == pytest.approx([0, 0], abs=1e-10)
    assert se == pytest.approx([0.1709, 0.2022, 0.1927, 0.2000, 0.2000], abs=6e-5)
    assert deviance == pytest.approx(5.1291, abs=1e-4)
    phi = pearson / 4
    assert phi == pytest.approx(1.2933, abs=1e-4)
    t_value = beta[1] / (se[1] * math.sqrt(phi))
    assert se[1] * math.sqrt(phi) == pytest.approx(0.2299, abs=1e-4)
    assert t_value == pytest.approx(-1.976, abs=1e-3)
    assert 2 * student_t.sf(abs(t_value), 4) == pytest.approx(0.119, abs=1e-3)


YEARS = np.arange(2015, 2026)
POP = 19_500 + 50 * np.arange(11)


def test_trend_matches_reference_irls_poisson_case():
    # near-Poisson data (phi <= 1): Wald interval with the normal quantile
    counts = [40, 38, 35, 36, 30, 22, 25, 28, 26, 24, 22]
    result = poisson_trend(YEARS, counts, POP)
    X = np.column_stack([np.ones(11), YEARS - YEARS.mean()])
    beta, se, pearson, _ = irls_poisson(X, counts, np.log(POP))
    assert pearson / 9 <= 1 and result.model == "poisson"
    assert result.dispersion == pytest.approx(pearson / 9, rel=1e-8)
    assert result.slope == pytest.approx(beta[1], rel=1e-8)
    assert result.annual_change_pct == pytest.approx(np.expm1(beta[1]) * 100, rel=1e-8)
    z = norm.ppf(0.975)
    assert result.lower == pytest.approx(np.expm1(beta[1] - z * se[1]) * 100, rel=1e-7)
    assert result.upper == pytest.approx(np.expm1(beta[1] + z * se[1]) * 100, rel=1e-7)
    assert result.p_value == pytest.approx(2 * norm.sf(abs(beta[1] / se[1])), rel=1e-6)
    assert result.direction == "lager"


def test_trend_overdispersed_case_is_quasi_poisson_with_t():
    # strongly wobbling counts: phi = Pearson chi2 / df >> 1; SE * sqrt(phi), Student-t on 9 df
    counts = [40, 20, 45, 15, 50, 12, 30, 45, 10, 40, 20]
    result = poisson_trend(YEARS, counts, POP)
    X = np.column_stack([np.ones(11), YEARS - YEARS.mean()])
    beta, se, pearson, _ = irls_poisson(X, counts, np.log(POP))
    phi = pearson / 9
    assert phi > 5
    assert result.model == "quasi-poisson"
    assert result.dispersion == pytest.approx(phi, rel=1e-8)
    se_q = se[1] * math.sqrt(phi)
    crit = student_t.ppf(0.975, 9)
    assert result.lower == pytest.approx(np.expm1(beta[1] - crit * se_q) * 100, rel=1e-7)
    assert result.upper == pytest.approx(np.expm1(beta[1] + crit * se_q) * 100, rel=1e-7)
    assert result.p_value == pytest.approx(2 * student_t.sf(abs(beta[1] / se_q), 9), rel=1e-6)
    # the same slope under a plain Poisson model would look far more certain
    poisson_width = (np.expm1(beta[1] + 1.96 * se[1]) - np.expm1(beta[1] - 1.96 * se[1])) * 100
    assert result.upper - result.lower > 2.5 * poisson_width
    assert result.direction == "gelijk"


@pytest.mark.filterwarnings("ignore:Perfect separation")  # a perfect fit is the point here
def test_exact_exponential_decline_closed_form():
    # counts exactly 100 * 0.9^t: the MLE slope is log(0.9) (-10% a year) and the Fisher
    # information for the slope is sum mu (t - t_mu)^2, t_mu the mu-weighted mean year.
    t = np.arange(8)
    mu = 100 * 0.9**t
    result = poisson_trend(2016 + t, mu, None)
    assert result.annual_change_pct == pytest.approx(-10.0, abs=1e-8)
    t_mu = np.sum(mu * t) / np.sum(mu)
    se = 1 / math.sqrt(np.sum(mu * (t - t_mu) ** 2))
    z = norm.ppf(0.975)
    assert result.lower == pytest.approx(np.expm1(math.log(0.9) - z * se) * 100, rel=1e-7)
    assert result.dispersion == pytest.approx(0, abs=1e-10)
    assert result.model == "poisson"
    assert result.expected_rate([2016], per=1)[0] == pytest.approx(100, rel=1e-8)


def test_break_years_are_excluded_and_reported():
    counts = [40, 38, 35, 36, 30, 5, 60, 28, 26, 24, 22]
    result = poisson_trend(YEARS, counts, POP, breaks=(2020, 2021))
    assert result.years_excluded == (2020, 2021)
    assert result.n_years == 9
    keep = ~np.isin(YEARS, [2020, 2021])
    plain = poisson_trend(YEARS[keep], np.array(counts)[keep], POP[keep])
    assert result.slope == pytest.approx(plain.slope)
    assert (result.first_year, result.last_year) == (2015, 2025)


def test_years_without_data_are_left_out():
    counts = [40, np.nan, 35, 36, 30, 22, 25]
    result = poisson_trend(YEARS[:7], counts, POP[:7])
    assert result.years_excluded == (2016,)
    assert result.n_years == 6 and result.status == "ok"


def test_too_few_years_is_a_status_not_an_exception():
    result = poisson_trend([2021, 2022, 2023, 2024], [10, 12, 9, 14], [20_000] * 4)
    assert result.status == "te weinig jaren"
    assert math.isnan(result.annual_change_pct)
    assert verdict_trend(result) == "te weinig jaren voor een trend"
    # five years but two of them are breaks: also too few
    assert poisson_trend(YEARS[:5], [5, 6, 7, 8, 9], breaks=(2016,)).status == "te weinig jaren"


def test_no_events_and_events_only_in_the_last_year():
    assert poisson_trend(YEARS, [0] * 11).status == "geen gevallen"
    assert poisson_trend(YEARS, [0] * 10 + [3]).status == "te weinig gevallen"
    assert poisson_trend(YEARS, [0] * 5 + [3] + [0] * 5).status == "ok"


def test_trend_verdicts():
    down = poisson_trend(YEARS, [40, 38, 35, 36, 30, 22, 25, 28, 26, 24, 22], POP)
    assert verdict_trend(down) == "significante daling van gemiddeld 6% per jaar (2015-2025)"
    flat = poisson_trend(YEARS, [40, 20, 45, 15, 50, 12, 30, 45, 10, 40, 20], POP)
    assert verdict_trend(flat) == "geen significante trend (2015-2025)"
    assert verdict_trend(down, min_count=50) == "te weinig gevallen voor een trend"


def test_wider_confidence_gives_a_wider_interval():
    counts = [40, 38, 35, 36, 30, 22, 25, 28, 26, 24, 22]
    a = poisson_trend(YEARS, counts, POP, conf=0.95)
    b = poisson_trend(YEARS, counts, POP, conf=0.998)
    assert b.lower < a.lower < a.annual_change_pct < a.upper < b.upper
