"""Poisson intervals and rates (veiligheidsanalyse.stats.rates)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from veiligheidsanalyse.stats import poisson_ci, pooled_rate, rate, rates_frame

FAST = settings(max_examples=80, deadline=None)


# Exact (Garwood 1936) 95% limits. Values from domain-anchors.md §5 row 2, recomputed here with
# the defining property (see next test); R survival::cipoisson(4) documents 1.089865-10.24153.
@pytest.mark.parametrize(
    "count, lower, upper",
    [
        (0, 0.0, 3.689),
        (2, 0.242, 7.225),
        (4, 1.089865, 10.24153),  # R survival::cipoisson example
        (5, 1.624, 11.668),
        (24, 15.38, 35.71),
        (100, 81.36, 121.63),
    ],
)
def test_exact_interval_known_answers(count, lower, upper):
    lo, hi = poisson_ci(count, 0.95, "exact")
    assert lo == pytest.approx(lower, abs=6e-3)
    assert hi == pytest.approx(upper, abs=6e-3)


@pytest.mark.parametrize("count", [1, 2, 5, 9, 24, 100])
@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_exact_interval_has_its_defining_tail_probabilities(count, conf):
    # Garwood: the lower limit L solves P(X >= O | L) = alpha/2 and the upper U solves
    # P(X <= O | U) = alpha/2 (PHE Fingertips technical guidance "Rates", chi-square method).
    lo, hi = poisson_ci(count, conf, "exact")
    alpha = 1 - conf
    assert poisson.sf(count - 1, lo) == pytest.approx(alpha / 2, rel=1e-6)
    assert poisson.cdf(count, hi) == pytest.approx(alpha / 2, rel=1e-6)


def _byar_by_hand(o, z):
    # PHE Fingertips technical guidance "Rates" (Byar's method, Breslow & Day 1987):
    # O_lower = O (1 - 1/(9 O) - z / (3 sqrt O))^3 ; O_upper = (O+1) (1 - 1/(9(O+1)) + z / (3 sqrt(O+1)))^3
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


@pytest.mark.parametrize("count", [10, 24, 65, 1045])
@pytest.mark.parametrize("conf, z", [(0.95, 1.959963984540054), (0.998, 3.090232306167813)])
def test_byar_matches_the_published_formula(count, conf, z):
    lo, hi = poisson_ci(count, conf, "byar")
    want_lo, want_hi = _byar_by_hand(count, z)
    assert lo == pytest.approx(want_lo, rel=1e-12)
    assert hi == pytest.approx(want_hi, rel=1e-12)


def test_byar_24_known_values():
    # computed from the Fingertips formula: 15.3727 and 35.7116 (exact: 15.3773 and 35.7101)
    lo, hi = poisson_ci(24, 0.95, "byar")
    assert (round(lo, 4), round(hi, 4)) == (15.3727, 35.7116)


def test_byar_is_within_0_2_percent_of_exact_from_10_events():
    # PHE "Technical Guide - Confidence Intervals" (2018): for 95% intervals Byar's method is within
    # 0.2% of the exact value for numerators of 10 or more. This is why "auto" switches at 10.
    counts = np.arange(10, 3001)
    exact = np.array(poisson_ci(counts, 0.95, "exact"))
    byar = np.array(poisson_ci(counts, 0.95, "byar"))
    assert np.max(np.abs(byar - exact) / exact) < 0.002


def test_auto_uses_exact_below_10_and_byar_from_10():
    assert rate(9, 20000).method == "exact"
    assert rate(10, 20000).method == "byar"
    assert rate(9, 20000).lower == pytest.approx(poisson_ci(9)[0] / 20)
    assert rate(10, 20000).lower == pytest.approx(poisson_ci(10, method="byar")[0] / 20)
    assert list(rate([3, 30, np.nan], [20000] * 3).method) == ["exact", "byar", "onbekend"]


def test_rate_value_and_interval_scale_with_per():
    r = rate(24, 20_000, per=1000)
    assert r.value == pytest.approx(1.2)
    assert (r.lower, r.upper) == pytest.approx((15.3727 / 20, 35.7116 / 20), rel=1e-4)
    r10k = rate(24, 20_000, per=10_000)
    assert r10k.value == pytest.approx(12.0)
    assert r10k.upper == pytest.approx(10 * r.upper)


def test_unknown_count_is_never_zero():
    r = rate(np.nan, 20_000)
    assert math.isnan(r.value) and math.isnan(r.lower) and math.isnan(r.upper)
    assert rate(5, 0).value != rate(5, 0).value  # population 0 -> NaN, not inf
    assert math.isnan(rate(None, 20_000).value)


def test_vectorised_rate_matches_scalar_calls():
    counts, pops = [0, 3, 24, 250], [19_000, 20_000, 21_000, 500_000]
    vec = rate(counts, pops)
    for i, (c, p) in enumerate(zip(counts, pops)):
        one = rate(c, p)
        assert vec.value[i] == pytest.approx(one.value)
        assert vec.lower[i] == pytest.approx(one.lower)
        assert vec.upper[i] == pytest.approx(one.upper)


def test_rates_frame_adds_columns_and_keeps_nan():
    df = pd.DataFrame({"jaar": [2023, 2024], "aantal": [24, None], "inwoners": [20_000, 20_100]})
    out = rates_frame(df, "aantal", "inwoners")
    assert list(out.columns[-4:]) == ["rate", "rate_lower", "rate_upper", "rate_method"]
    assert out["rate"].iloc[0] == pytest.approx(1.2)
    assert math.isnan(out["rate"].iloc[1])
    assert "rate" not in df.columns  # input untouched


def test_pooled_rate_uses_person_years():
    r = pooled_rate([1, 2, 0, 3, 1], [20_000] * 5, per=10_000)
    assert r.count == 7 and r.population == 100_000
    assert r.value == pytest.approx(0.7)  # per 10,000 inhabitants per year
    lo, hi = poisson_ci(7)
    assert (r.lower, r.upper) == pytest.approx((lo / 10, hi / 10))
    assert math.isnan(pooled_rate([1, np.nan, 2], [20_000] * 3).value)


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError):
        poisson_ci(-1)
    with pytest.raises(ValueError):
        poisson_ci(5, conf=95)
    with pytest.raises(ValueError):
        poisson_ci(5, method="wald")


counts_st = st.integers(min_value=0, max_value=5000)
conf_pair = st.tuples(st.floats(0.5, 0.99), st.floats(0.5, 0.999)).filter(lambda t: t[1] - t[0] > 1e-3)


@FAST
@given(count=counts_st, confs=conf_pair, method=st.sampled_from(["exact", "auto"]))
def test_interval_contains_estimate_and_widens_with_confidence(count, confs, method):
    narrow, wide = confs
    lo1, hi1 = poisson_ci(count, narrow, method)
    lo2, hi2 = poisson_ci(count, wide, method)
    assert 0 <= lo1 <= count <= hi1
    assert lo2 <= lo1 + 1e-9 and hi2 >= hi1 - 1e-9
    assert hi2 - lo2 > hi1 - lo1


@FAST
@given(count=st.integers(min_value=0, max_value=5000), conf=st.floats(0.8, 0.999))
def test_bounds_rise_with_the_count(count, conf):
    lo1, hi1 = poisson_ci(count, conf, "exact")
    lo2, hi2 = poisson_ci(count + 1, conf, "exact")
    assert lo2 > lo1 and hi2 > hi1
