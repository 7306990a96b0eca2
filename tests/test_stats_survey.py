"""Survey intervals and comparisons (veiligheidsanalyse.stats.survey)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from veiligheidsanalyse.stats import compare_survey, survey_interval, verdict_survey, wilson_ci
from veiligheidsanalyse.stats.survey import crosses_method_break

FAST = settings(max_examples=80, deadline=None)


@pytest.mark.parametrize(
    "x, n, lower, upper",
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_known_answers_newcombe_1998(x, n, lower, upper):
    # Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison
    # of seven methods", Stat Med 17:857-872, worked examples, method 3 (Wilson score, no
    # continuity correction); also checked against statsmodels proportion_confint("wilson").
    lo, hi = wilson_ci(x / n, n)
    assert (lo, hi) == pytest.approx((lower, upper), abs=5e-5)
    assert (lo, hi) == pytest.approx(proportion_confint(x, n, method="wilson"), rel=1e-10)


def test_wilson_with_design_effect_uses_the_effective_sample_size():
    # n_eff = n / deff (Kish); Wilson on (p * n_eff) successes out of n_eff
    lo, hi = wilson_ci(0.15, 500, deff=1.3)
    n_eff = 500 / 1.3
    assert (lo, hi) == pytest.approx(proportion_confint(0.15 * n_eff, n_eff, method="wilson"), rel=1e-10)


def test_precision_quoted_in_domain_anchors():
    # domain-anchors.md §3.4: p = 15%, n = 500 -> +/-3.1 pp (+/-3.6 pp with deff 1.3);
    # p = 50%, n = 500 -> +/-4.4 pp
    def half(p, n, deff=1.0):
        return (wilson_ci(p, n, deff=deff)[1] - wilson_ci(p, n, deff=deff)[0]) / 2 * 100

    assert half(0.15, 500) == pytest.approx(3.1, abs=0.05)
    assert half(0.15, 500, 1.3) == pytest.approx(3.6, abs=0.05)
    assert half(0.50, 500) == pytest.approx(4.4, abs=0.05)


def test_wilson_vectorised_and_unknown_n():
    lo, hi = wilson_ci([0.0, 0.5, 1.0], [20, 100, 30])
    assert lo[0] == 0 and hi[2] == 1
    assert all(math.isnan(v) for v in wilson_ci(0.2, float("nan")))
    with pytest.raises(ValueError):
        wilson_ci(15, 500)  # a percentage, not a proportion


def test_published_margins_win():
    result = survey_interval(15.0, 12.1, 18.3, n=500)
    assert (result.lower, result.upper, result.method) == (12.1, 18.3, "gepubliceerd")


def test_percentage_without_margins_gets_wilson_on_n_eff():
    result = survey_interval(15.0, n=500)  # default deff 1.3
    lo, hi = wilson_ci(0.15, 500, deff=1.3)
    assert (result.lower, result.upper) == pytest.approx((lo * 100, hi * 100))
    assert result.method == "wilson (n_eff)" and "deff=1.3" in result.note


def test_mean_without_margins_has_no_interval_and_says_so():
    result = survey_interval(7.6, unit="rapportcijfer", n=450)
    assert math.isnan(result.lower) and math.isnan(result.upper)
    assert result.method == "geen" and "standaarddeviatie" in result.note
    assert survey_interval(15.0).method == "geen"  # no margins, no n


def test_compare_survey_z_test_by_hand():
    # SE from the 95% bounds, SE_diff = sqrt(se1^2 + se2^2) (independent samples, CBS practice)
    result = compare_survey(15, 12, 18, 2021, 20, 17, 23, 2023)
    se = 6 / (2 * 1.959963984540054)
    z = 5 / math.sqrt(2 * se**2)
    assert result.se == pytest.approx(math.sqrt(2) * se)
    assert result.z == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * norm.sf(z))
    assert result.p_value == pytest.approx(0.0209, abs=1e-4)
    assert result.direction == "hoger"
    assert verdict_survey(result) == "significant hoger dan in 2021"


def test_overlapping_intervals_can_still_differ_significantly():
    # the intervals 12-18 and 17-23 overlap, yet the difference is significant: overlap is not the test
    assert compare_survey(15, 12, 18, 2023, 20, 17, 23, 2023).p_value < 0.05


def test_method_break_2021():
    for early, late in [(2017, 2021), (2019, 2023), (2021, 2019)]:
        result = compare_survey(15, 12, 18, early, 20, 17, 23, late)
        assert result.status == "niet vergelijkbaar"
        assert math.isnan(result.p_value)
        assert verdict_survey(result) == "niet vergelijkbaar door de methodebreuk in 2021"
    assert compare_survey(15, 12, 18, 2017, 20, 17, 23, 2019).status == "ok"
    assert compare_survey(15, 12, 18, 2021, 16, 13, 19, 2025).status == "ok"


@pytest.mark.parametrize("unknown", [None, float("nan"), np.nan, pd.NA])
@pytest.mark.parametrize("known", [2017, 2019, 2021, 2023])
def test_an_unknown_edition_does_not_bypass_the_method_break(unknown, known):
    # an unknown edition may lie on the other side of 2021: never tested, on either side
    for result in (
        compare_survey(15, 12, 18, unknown, 20, 17, 23, known),
        compare_survey(15, 12, 18, known, 20, 17, 23, unknown),
    ):
        assert result.status == "niet vergelijkbaar"
        assert math.isnan(result.p_value) and result.direction == "onbekend"
    assert compare_survey(15, 12, 18, unknown, 20, 17, 23, unknown).status == "niet vergelijkbaar"
    assert crosses_method_break(unknown, known) and crosses_method_break(known, unknown)


def test_editions_as_floats_or_strings_are_years():
    assert compare_survey(15, 12, 18, 2023.0, 20, 17, 23, "2023").status == "ok"
    assert compare_survey(15, 12, 18, 2019.0, 20, 17, 23, 2023).status == "niet vergelijkbaar"
    with pytest.raises(ValueError, match="edition"):
        compare_survey(15, 12, 18, 2022.5, 20, 17, 23, 2023)


@pytest.mark.parametrize("deff", [0, 0.0, -1.3, float("nan"), float("inf"), None, "1,3"])
def test_invalid_design_effect_is_an_error(deff):
    # deff 0 used to give n_eff = inf and a zero-width interval
    with pytest.raises(ValueError, match="design effect"):
        wilson_ci(0.15, 500, deff=deff)
    with pytest.raises(ValueError, match="design effect"):
        survey_interval(15.0, n=500, deff=deff)


def test_design_effect_below_one_is_allowed_and_narrows():
    # stratified samples can have deff < 1; the interval is that of n / deff respondents
    assert wilson_ci(0.15, 500, deff=0.8) == pytest.approx(wilson_ci(0.15, 625))


def test_missing_margins_and_area_verdicts():
    assert compare_survey(15, None, None, 2023, 20, 17, 23, 2023).status == "geen marges"
    same = compare_survey(10.4, 9.5, 11.3, 2023, 11.0, 9.0, 13.0, 2023)
    assert verdict_survey(same, area="Drenthe") == "niet significant verschillend van Drenthe"
    assert verdict_survey(same) == "niet significant veranderd sinds 2023"


@FAST
@given(
    x=st.integers(0, 500),
    extra=st.integers(0, 500),
    deff=st.floats(1.0, 2.5),
    confs=st.tuples(st.floats(0.5, 0.99), st.floats(0.5, 0.999)).filter(lambda t: t[1] - t[0] > 1e-3),
)
def test_wilson_contains_p_and_widens_with_confidence_and_deff(x, extra, deff, confs):
    n = x + extra
    if n == 0:
        return
    p = x / n
    lo1, hi1 = wilson_ci(p, n, confs[0])
    lo2, hi2 = wilson_ci(p, n, confs[1])
    lo3, hi3 = wilson_ci(p, n, confs[0], deff=deff + 0.1)
    assert 0 <= lo1 <= p <= hi1 <= 1
    assert lo2 <= lo1 + 1e-12 and hi2 >= hi1 - 1e-12
    assert hi3 - lo3 >= hi1 - lo1 - 1e-12
