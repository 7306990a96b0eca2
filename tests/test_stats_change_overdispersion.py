"""The change between two years with the year-to-year variation the trend fit measures, and the
report's judgement of a result (significant only after the correction)."""

from __future__ import annotations

import numpy as np
import pytest

from veiligheidsanalyse import analysis
from veiligheidsanalyse.stats import compare, verdicts
from veiligheidsanalyse.stats.signals import Family, Judged, adjust_p


@pytest.mark.parametrize(
    "c1, e1, c2, e2, phi", [(426, 20010, 627, 20150, 4.0), (12, 1.0, 25, 1.0, 1.7), (300, 5e4, 290, 5.2e4, 2.5)]
)
def test_quasi_poisson_change_is_a_poisson_glm_with_that_scale(c1, e1, c2, e2, phi):
    """Known answer: statsmodels' Poisson GLM of the two counts (offset log exposure) with scale=phi
    (to the GLM's iteration tolerance)."""
    import statsmodels.api as sm

    design = np.array([[1.0, 0.0], [1.0, 1.0]])
    fit = sm.GLM(np.array([c1, c2], float), design, family=sm.families.Poisson(), offset=np.log([e1, e2])).fit(
        scale=phi
    )
    result = compare.compare_periods(c1, e1, c2, e2, method="quasi-poisson", dispersion=phi)
    assert result.p_value == pytest.approx(fit.pvalues[1], rel=1e-6)
    lower, upper = np.exp(fit.conf_int()[1])
    assert (result.lower, result.upper) == (pytest.approx(lower, rel=1e-6), pytest.approx(upper, rel=1e-6))
    assert result.rate_ratio == pytest.approx(np.exp(fit.params[1]), rel=1e-6)


def test_overlast_426_to_627_is_no_alarm_with_the_variation_of_the_series():
    """The case of the issue: as pure Poisson p = 3e-9 ('alarm'); with dispersion 4 p is about 0.002, and
    after a correction over ~100 tests of a report it is not significant."""
    poisson = compare.compare_periods(426, 1.0, 627, 1.0, method="exact-cond")
    assert poisson.p_value < 1e-8
    quasi = compare.compare_periods(426, 1.0, 627, 1.0, method="quasi-poisson", dispersion=4.0)
    assert 0.001 < quasi.p_value < 0.004
    assert adjust_p([quasi.p_value] + [0.5] * 99)[0] > 0.05


def test_quasi_poisson_with_a_zero_count_falls_back_to_the_exact_test():
    exact = compare.compare_periods(0, 1.0, 9, 1.0, method="exact-cond")
    quasi = compare.compare_periods(0, 1.0, 9, 1.0, method="quasi-poisson", dispersion=3.0)
    assert quasi.p_value == pytest.approx(exact.p_value)
    assert (quasi.lower, quasi.upper) == (pytest.approx(exact.lower), exact.upper)


@pytest.mark.parametrize("phi", [0.5, 0.0, -1.0, np.nan])
def test_a_dispersion_below_one_is_refused(phi):
    with pytest.raises(ValueError, match="dispersion"):
        compare.compare_periods(10, 1.0, 20, 1.0, method="quasi-poisson", dispersion=phi)


def test_change_test_uses_the_trend_dispersion_only_when_above_one():
    from veiligheidsanalyse.stats.trend import poisson_trend

    years = np.arange(2015, 2026)
    wild = poisson_trend(years, [400, 520, 380, 610, 450, 700, 480, 650, 430, 720, 500], np.ones(11))
    assert wild.dispersion > 1
    assert analysis.change_test(426, 1.0, 627, 1.0, wild).method == "quasi-poisson"
    calm = poisson_trend(years, [100] * 11, np.ones(11))
    assert analysis.change_test(426, 1.0, 627, 1.0, calm).method == "exact-cond"
    assert analysis.change_test(426, 1.0, 627, 1.0, None).method == "exact-cond"


def test_a_corona_baseline_is_named():
    assert analysis.since_label(2021) == "2021 (een coronajaar)"
    assert analysis.since_label(2019) == "2019"


def test_judged_result_is_significant_only_after_the_correction():
    raw = compare.compare_periods(100, 1.0, 140, 1.0)
    assert raw.direction == "hoger" and raw.p_value < 0.05
    hint = Judged(raw, p_adjusted=0.2)
    assert hint.direction == "gelijk" and hint.aanwijzing and hint.p_value == raw.p_value
    text = verdicts.verdict_periods(hint, 2021)
    assert text == "aanwijzing voor een stijging sinds 2021, niet significant na correctie"
    assert verdicts.colour_class(hint.direction, "hoger_slechter") == "gelijk"
    kept = Judged(raw, p_adjusted=0.01)
    assert kept.direction == "hoger" and not kept.aanwijzing
    assert verdicts.verdict_periods(kept, 2021) == "significante stijging sinds 2021"
    # a test outside the family is never significant
    assert Family({}).judge("x", "trend", raw).direction == "gelijk"
    assert verdicts.verdict(Family({("x", "t"): 0.01}).judge("x", "t", raw), since=2021).startswith("significante")
