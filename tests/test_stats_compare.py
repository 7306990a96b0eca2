"""Two-period, benchmark and region comparisons (veiligheidsanalyse.stats.compare)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson, poisson_means_test
from statsmodels.stats import rates as sm_rates

from veiligheidsanalyse.stats import (
    compare_periods,
    compare_with_benchmark,
    compare_with_region,
    poisson_ci,
)

FAST = settings(max_examples=60, deadline=None)


# ----------------------------------------------------------------------------- E-test


def test_etest_scipy_documented_example():
    # scipy.stats.poisson_means_test docs (data: Przyborowski & Wilenski 1940, dodder seeds):
    # 0 seeds in 100 g against 3 in 100 g gives p = 0.08837900929018157.
    # Method: Krishnamoorthy & Thomson (2004), J Stat Plan Inference 119:23-35.
    result = compare_periods(0, 100, 3, 100, method="etest")
    assert result.p_value == pytest.approx(0.08837900929018157, rel=1e-7)


@pytest.mark.parametrize("count2, p_expected", [(34, 0.19136), (40, 0.045672)])
def test_etest_small_gemeente_examples(count2, p_expected):
    # domain-anchors.md §5 row 4: 24 -> 34 (+42%) p ~ 0.19; 24 -> 40 (+67%) p ~ 0.046 (equal
    # populations). Cross-checked with two implementations of Krishnamoorthy & Thomson (2004):
    # scipy.stats.poisson_means_test and statsmodels etest_poisson_2indep. With equal
    # populations the score and Wald statistics coincide, so scipy (Wald) agrees to rounding of
    # its summation; statsmodels' default E-test is what we compute.
    result = compare_periods(24, 20_000, count2, 20_000, method="etest")
    assert result.p_value == pytest.approx(p_expected, abs=5e-5)
    assert result.p_value == pytest.approx(poisson_means_test(count2, 20_000, 24, 20_000).pvalue, rel=1e-4)
    assert result.p_value == pytest.approx(
        sm_rates.test_poisson_2indep(count2, 20_000, 24, 20_000, method="etest").pvalue, rel=1e-12
    )
    assert result.rate_ratio == pytest.approx(count2 / 24)


def test_etest_verdict_for_24_to_40_is_a_rise_and_24_to_34_is_not():
    assert compare_periods(24, 20_000, 40, 20_000, method="etest").direction == "hoger"
    assert compare_periods(24, 20_000, 34, 20_000, method="etest").direction == "gelijk"


# E-test: statsmodels' default ("etest", score statistic), not scipy's poisson_means_test
# ("etest-wald"); the two agree only for equal exposures. Grid of small counts and unequal
# exposures, where the old score interval disagreed with the Wald E-test p-value.
ETEST_GRID = [
    (c1, e1, c2, e2)
    for e1, e2 in ((1.0, 1.0), (1.0, 2.5), (3.0, 1.2))
    for c1 in range(0, 9)
    for c2 in range(0, 9)
    if c1 + c2 > 0
]


def _sm_etest(c1, e1, c2, e2, ratio=1.0):
    # statsmodels' ratio is rate1 / rate2, ours rate2 / rate1: period 2 goes first there
    with np.errstate(divide="ignore"):  # statsmodels divides by a zero count for its estimate
        return sm_rates.test_poisson_2indep(c2, e2, c1, e1, value=ratio, method="etest").pvalue


def test_etest_p_value_is_statsmodels_default_etest_over_a_grid():
    for c1, e1, c2, e2 in ETEST_GRID:
        result = compare_periods(c1, e1, c2, e2, method="etest")
        assert result.p_value == pytest.approx(_sm_etest(c1, e1, c2, e2), rel=1e-9, abs=1e-15), (c1, e1, c2, e2)


@pytest.mark.parametrize(
    "c1, e1, c2, e2, p_expected, lower, upper",
    [
        # known answers (statsmodels 0.15.0 test_poisson_2indep(method="etest"); bounds: the ratios
        # where that p-value crosses 0.05, i.e. the interval that inverts the same test)
        (0, 1.0, 5, 1.0, 0.019756052, 1.2954451, math.inf),
        (5, 1.0, 0, 1.0, 0.019756052, 0.0, 0.77193544),
        (1, 1.0, 0, 7.0, 0.051666742, 0.0, 1.0343649),
        (0, 3.0, 1, 0.2, 0.024423310, 2.0716646, math.inf),
        (0, 100, 3, 100, 0.088379009, 0.86602540, math.inf),
    ],
)
def test_etest_known_answers_with_zero_counts(c1, e1, c2, e2, p_expected, lower, upper):
    result = compare_periods(c1, e1, c2, e2, method="etest")
    assert result.p_value == pytest.approx(p_expected, rel=1e-7)
    assert result.lower == pytest.approx(lower, rel=1e-6)
    assert result.upper == pytest.approx(upper, rel=1e-6)
    assert result.lower < result.upper  # a zero count never collapses the interval to a point


def test_etest_interval_agrees_with_its_p_value_over_a_grid():
    for c1, e1, c2, e2 in ETEST_GRID:
        result = compare_periods(c1, e1, c2, e2, method="etest")
        excludes_one = result.lower > 1 or result.upper < 1
        assert excludes_one == (result.p_value < 0.05), (c1, e1, c2, e2)
        assert result.lower < result.upper
        assert result.lower <= result.rate_ratio <= result.upper or math.isnan(result.rate_ratio)
        # each finite bound is where statsmodels' E-test stops rejecting: accepted at the
        # bound, rejected just outside it
        if 0 < result.lower:
            assert _sm_etest(c1, e1, c2, e2, result.lower) >= 0.05
            assert _sm_etest(c1, e1, c2, e2, result.lower * (1 - 1e-7)) < 0.05
        if math.isfinite(result.upper):
            assert _sm_etest(c1, e1, c2, e2, result.upper) >= 0.05
            assert _sm_etest(c1, e1, c2, e2, result.upper * (1 + 1e-7)) < 0.05


def test_etest_interval_at_99_8_percent_agrees_with_its_p_value():
    for c1, c2 in ((2, 12), (12, 2), (0, 7), (30, 60)):
        result = compare_periods(c1, 1.0, c2, 1.5, method="etest", conf=0.998)
        assert (result.lower > 1 or result.upper < 1) == (result.p_value < 0.002)
        assert result.lower < result.upper


def test_etest_unequal_exposures_differ_from_the_wald_version():
    # unequal exposures: the score E-test (statsmodels default) and scipy's Wald E-test differ
    ours = compare_periods(1, 1.0, 6, 2.5, method="etest").p_value
    assert ours == pytest.approx(_sm_etest(1, 1.0, 6, 2.5), rel=1e-9)
    assert ours != pytest.approx(poisson_means_test(6, 2.5, 1, 1.0).pvalue, rel=1e-3)


def test_etest_no_events_or_unknown_gives_no_result_and_fractions_are_refused():
    none = compare_periods(0, 1.0, 0, 1.0, method="etest")
    assert math.isnan(none.p_value) and math.isnan(none.lower) and none.direction == "onbekend"
    assert compare_periods(np.nan, 1.0, 3, 1.0, method="etest").direction == "onbekend"
    with pytest.raises(ValueError, match="whole counts"):
        compare_periods(2.5, 1.0, 3, 1.0, method="etest")


# ----------------------------------------------------------------------------- exact conditional


def test_exact_conditional_interval_matches_r_poisson_test():
    # R stats::poisson.test documentation example (eba1977, ISwR): Fredericia 11 cases in 800
    # person-years against 21 in 3011 for the other three cities:
    #   poisson.test(c(11, 21), c(800, 3011)) -> rate ratio 1.971488, 95% CI 0.8584264 4.2772659
    # (R conditions on the total and uses binom.test's Clopper-Pearson interval, as we do.)
    # Our ratio is period 2 over period 1, so Fredericia goes second.
    result = compare_periods(21, 3011, 11, 800)
    assert result.rate_ratio == pytest.approx(1.971488, abs=1e-6)
    assert result.lower == pytest.approx(0.8584264, abs=1e-7)
    assert result.upper == pytest.approx(4.2772659, abs=1e-7)


def test_exact_conditional_p_value_is_central():
    # We report the central two-sided p-value (twice the smaller one-sided exact tail; Fay 2010,
    # R Journal 2(1):53-58, as in R's rateratio.test) so that p < 0.05 exactly when the interval
    # excludes 1. For the same example R's poisson.test prints the "minlike" p = 0.07967, which
    # statsmodels' two-sided exact-cond reproduces; the central p is 0.1120.
    result = compare_periods(21, 3011, 11, 800)
    larger = sm_rates.test_poisson_2indep(11, 800, 21, 3011, method="exact-cond", alternative="larger").pvalue
    smaller = sm_rates.test_poisson_2indep(11, 800, 21, 3011, method="exact-cond", alternative="smaller").pvalue
    assert result.p_value == pytest.approx(min(1.0, 2 * min(larger, smaller)), rel=1e-9)
    assert result.p_value == pytest.approx(0.11202, abs=1e-5)
    minlike = sm_rates.test_poisson_2indep(11, 800, 21, 3011, method="exact-cond").pvalue
    assert minlike == pytest.approx(0.07967, abs=1e-5)  # R's printed value, for the record


def test_exact_conditional_for_24_to_40():
    result = compare_periods(24, 20_000, 40, 20_000)
    assert result.rate_ratio == pytest.approx(40 / 24)
    # exact-cond is more conservative than the E-test: 0.0598 against 0.0457
    assert result.p_value == pytest.approx(0.0598, abs=5e-4)
    assert result.direction == "gelijk"
    assert result.lower < 1 < result.upper


def test_no_events_and_unknown_counts_give_no_result():
    none = compare_periods(0, 20_000, 0, 20_000)
    assert math.isnan(none.rate_ratio) and math.isnan(none.p_value) and none.direction == "onbekend"
    unknown = compare_periods(np.nan, 20_000, 5, 20_000)
    assert math.isnan(unknown.p_value) and unknown.direction == "onbekend"


def test_from_zero_to_some_is_an_infinite_ratio_with_a_finite_lower_bound():
    result = compare_periods(0, 20_000, 8, 20_000)
    assert math.isinf(result.rate_ratio) and math.isinf(result.upper)
    assert result.lower > 1 and result.direction == "hoger"


def test_vectorised_periods_match_scalar_calls():
    vec = compare_periods([24, 11, 5], [20_000, 800, 1], [40, 21, 9], [20_000, 3011, 1])
    for i, args in enumerate([(24, 20_000, 40, 20_000), (11, 800, 21, 3011), (5, 1, 9, 1)]):
        one = compare_periods(*args)
        assert vec.p_value[i] == pytest.approx(one.p_value)
        assert vec.lower[i] == pytest.approx(one.lower)


@FAST
@given(
    c1=st.integers(0, 80),
    c2=st.integers(0, 80),
    e1=st.floats(0.5, 3.0),
    e2=st.floats(0.5, 3.0),
    conf=st.sampled_from([0.95, 0.998]),
)
def test_exact_conditional_p_value_agrees_with_its_interval(c1, c2, e1, e2, conf):
    # the point of the central p-value: "significant" <=> the interval excludes 1
    result = compare_periods(c1, e1, c2, e2, conf=conf)
    if c1 + c2 == 0:
        return
    excludes_one = result.lower > 1 or result.upper < 1
    significant = result.p_value < 1 - conf
    margin = min(abs(result.lower - 1), abs(result.upper - 1))
    if margin > 1e-9:  # skip the measure-zero case of a bound exactly at 1
        assert excludes_one == significant
    assert result.lower <= result.rate_ratio <= result.upper or math.isnan(result.rate_ratio)


# ----------------------------------------------------------------------------- benchmark


def test_benchmark_known_answer_by_hand():
    # 40 burglaries among 20,000 inhabitants against NL 1.2 per 1,000 (domain-anchors.md §0.5):
    # expected E = 24. Two-sided central exact p = 2 P(X >= 40 | 24), summed here term by term.
    tail = 1 - sum(math.exp(-24) * 24**k / math.factorial(k) for k in range(40))
    result = compare_with_benchmark(40, 20_000, 1.2)
    assert result.expected == pytest.approx(24)
    assert result.ratio == pytest.approx(40 / 24)
    assert result.p_value == pytest.approx(2 * tail, rel=1e-9)
    lo, hi = poisson_ci(40, 0.95, "exact")
    assert result.rate_lower == pytest.approx(lo / 20)  # per 1,000
    assert result.direction == "hoger"  # exact lower bound 28.6 > 24


def test_benchmark_directions():
    result = compare_with_benchmark([0, 10, 24, 40], [20_000] * 4, 1.2)
    assert list(result.direction) == ["lager", "lager", "gelijk", "hoger"]
    assert math.isnan(compare_with_benchmark(np.nan, 20_000, 1.2).p_value)
    assert compare_with_benchmark(np.nan, 20_000, 1.2).direction == "onbekend"


def test_zero_cases_in_a_small_population_is_not_significant():
    # 0 observed where 2.4 are expected: exact upper bound 3.69 > 2.4, so "gelijk"
    result = compare_with_benchmark(0, 2_000, 1.2)
    assert result.direction == "gelijk"
    assert result.p_value == pytest.approx(min(1, 2 * poisson.cdf(0, 2.4)))


@pytest.mark.parametrize("bench", [0, 0.0, -1.2, math.inf, [1.2, 0.0]])
def test_impossible_benchmark_rate_is_an_error_not_hoger(bench):
    # no expected events: every count would be "hoger" than a benchmark of 0
    with pytest.raises(ValueError, match="benchmark_rate must be a positive number"):
        compare_with_benchmark(3, 20_000, bench)


def test_unknown_benchmark_rate_stays_unknown():
    result = compare_with_benchmark(3, 20_000, np.nan)
    assert result.direction == "onbekend" and math.isnan(result.p_value)


@FAST
@given(count=st.integers(0, 300), pop=st.integers(1_000, 100_000), bench=st.floats(0.1, 10))
def test_benchmark_direction_agrees_with_p_value(count, pop, bench):
    result = compare_with_benchmark(count, pop, bench)
    lo, hi = poisson_ci(count, 0.95, "exact")
    if min(abs(lo - result.expected), abs(hi - result.expected)) < 1e-7 * result.expected:
        return  # benchmark exactly on a bound
    assert (result.direction != "gelijk") == (result.p_value < 0.05)
    assert (result.direction == "hoger") == (lo > result.expected)


# ----------------------------------------------------------------------------- region


def test_region_comparison_uses_the_rest_of_the_region():
    # Westerveld (24 in 20,000) inside a region of 600 in 490,000: the reference is the other
    # 576 cases in 470,000 inhabitants, not the region including Westerveld itself.
    result = compare_with_region(24, 20_000, 600, 490_000)
    assert result.benchmark_rate == pytest.approx(576 / 470_000 * 1000)
    two_sample = compare_periods(576, 470_000, 24, 20_000)
    assert result.ratio == pytest.approx(two_sample.rate_ratio)
    assert (result.lower, result.upper, result.p_value) == pytest.approx(
        (two_sample.lower, two_sample.upper, two_sample.p_value)
    )


def test_region_comparison_differs_from_naive_double_counting():
    # a gemeente that is a large part of its basisteam: the naive ratio (against the region
    # including itself) is pulled towards 1
    own_c, own_p, reg_c, reg_p = 60, 20_000, 150, 80_000
    naive_ratio = (own_c / own_p) / (reg_c / reg_p)
    result = compare_with_region(own_c, own_p, reg_c, reg_p)
    assert result.ratio == pytest.approx((60 / 20_000) / (90 / 60_000))
    assert result.ratio > naive_ratio > 1
    assert result.direction == "hoger"


def test_region_must_contain_the_gemeente():
    with pytest.raises(ValueError):
        compare_with_region(30, 20_000, 20, 490_000)
