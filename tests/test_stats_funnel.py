"""Funnel limits and over-dispersion (veiligheidsanalyse.stats.funnel).

Sources: Spiegelhalter (2005) Stat Med 24:1185-1202 (exact limits with interpolation, §6
over-dispersion); Spiegelhalter et al. (2012) JRSS A 175:1-47 and the FunnelPlotR package
(nhs-r-community), R/od_adjustment.R: square-root z-scores, 10% Winsorising, phi, DerSimonian-
Laird tau2, "no adjustment when n * phi < n - 1" (FunnelPlotR tau_func).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veiligheidsanalyse.stats import estimate_overdispersion, funnel_assess, funnel_limits

FAST = settings(max_examples=80, deadline=None)


def spiegelhalter_limit_by_hand(expected, p):
    """Interpolated Poisson quantile, written out from the paper's definition.

    r_p = smallest r with P(X <= r) >= p; a = (P(X <= r_p) - p) / (P(X <= r_p) - P(X <= r_p - 1));
    limit (count scale) = r_p - a. Probabilities summed term by term with math.exp.
    """
    cdf_prev, cdf, r = 0.0, 0.0, -1
    pmf = math.exp(-expected)
    while cdf < p:
        r += 1
        if r > 0:
            pmf *= expected / r
        cdf_prev, cdf = cdf, cdf + pmf
    a = (cdf - p) / (cdf - cdf_prev)
    return max(r - a, 0.0)


@pytest.mark.parametrize("expected", [0.7, 3.0, 10.0, 24.0, 57.3])
def test_exact_limits_match_the_interpolation_written_out(expected):
    limits = funnel_limits([expected])  # no target: ratio O/E around 1
    for level, label in [(0.95, "95"), (0.998, "998")]:
        lo = spiegelhalter_limit_by_hand(expected, (1 - level) / 2) / expected
        hi = spiegelhalter_limit_by_hand(expected, 1 - (1 - level) / 2) / expected
        assert limits[f"lower_{label}"].iloc[0] == pytest.approx(lo, rel=1e-9)
        assert limits[f"upper_{label}"].iloc[0] == pytest.approx(hi, rel=1e-9)


def test_expected_10_known_values():
    # E = 10, p = 0.975: P(X<=15) = 0.95126, P(X<=16) = 0.97296, P(X<=17) = 0.98572, so r_p = 17,
    # a = (0.98572 - 0.975) / (0.98572 - 0.97296) = 0.8401, limit 16.160 events -> ratio 1.6160
    limits = funnel_limits([10.0])
    assert limits["upper_95"].iloc[0] == pytest.approx(1.6160, abs=1e-4)
    assert limits["lower_95"].iloc[0] == pytest.approx(0.37752, abs=1e-4)


def test_tiny_expected_counts_keep_the_upper_limit_at_or_above_the_target():
    # P(X = 0) = exp(-E) >= 0.975 below E = -ln 0.975 = 0.0253178: r_p = poisson.ppf(0.975, E)
    # is 0 and the interpolation r_p - a is negative (it used to be clipped to 0, an upper
    # limit of 0 below the target). Up to E = 0.02599 r_p = 1 but 1 - a is still below E.
    # The upper limit count is then E itself: ratio 1.
    from scipy.stats import poisson

    boundary = -math.log(0.975)
    assert poisson.ppf(0.975, boundary * 0.999) == 0 and poisson.ppf(0.975, boundary * 1.001) == 1
    for e in (1e-6, 1e-3, 0.01, boundary * 0.999, 0.0255):
        limits = funnel_limits([e]).iloc[0]
        assert spiegelhalter_limit_by_hand(e, 0.975) < e  # the raw definition falls below E here
        assert limits["upper_95"] == 1.0 and limits["lower_95"] == 0.0
    # from E = 0.026 on the raw definition is above E and is used unchanged
    assert spiegelhalter_limit_by_hand(0.026, 0.975) / 0.026 == pytest.approx(1.009504, abs=1e-6)
    assert funnel_limits([0.026])["upper_95"].iloc[0] == pytest.approx(1.009504, abs=1e-6)
    # 99.8%: r_p = 0 only below E = -ln 0.999 = 0.0010005; at E = 0.01 r_p = 1 and
    # a = (P(X <= 1) - 0.999) / P(X = 1) = (0.99995033 - 0.999) / 0.00990050 = 0.0959883
    assert funnel_limits([1e-4])["upper_998"].iloc[0] == 1.0
    assert funnel_limits([0.01])["upper_998"].iloc[0] == pytest.approx((1 - 0.0959883) / 0.01, rel=1e-6)
    assert funnel_limits([0.01])["upper_998"].iloc[0] == pytest.approx(90.401169, rel=1e-7)


def test_tiny_expected_count_flags_are_unchanged():
    # E = 0.01: no event is inside; one event (P(X >= 1) = 0.00995) is above both limits, the
    # 99.8% one being 0.904 events by the interpolation. Raising the 95% limit from 0 to E
    # changes no flag: counts are whole numbers.
    df = funnel_assess([0, 1], [100, 100], target_rate=0.1, overdispersion="none")
    assert df["expected"].tolist() == pytest.approx([0.01, 0.01])
    assert df["upper_95"].tolist() == pytest.approx([0.1, 0.1])  # the target rate itself
    assert df["upper_998"].tolist() == pytest.approx([9.0401169, 9.0401169])
    assert df["flag"].tolist() == ["binnen", "boven 99,8%"]


@FAST
@given(e1=st.floats(min_value=1e-7, max_value=0.2), factor=st.floats(min_value=1.0001, max_value=50))
def test_tiny_expected_limits_bracket_the_target_and_never_fall(e1, factor):
    e2 = e1 * factor
    a, b = funnel_limits([e1]).iloc[0], funnel_limits([e2]).iloc[0]
    for row in (a, b):
        assert row["lower_998"] <= row["lower_95"] <= 1 <= row["upper_95"] <= row["upper_998"]
    for col in ["lower_95", "upper_95", "lower_998", "upper_998"]:
        assert b[col] * e2 >= a[col] * e1 - 1e-12  # limit counts rise with E


def test_rate_scale_is_ratio_times_target():
    ratio = funnel_limits([24.0])
    rate = funnel_limits([20_000], target_rate=1.2)  # 1.2 per 1,000 -> E = 24
    assert rate["expected"].iloc[0] == pytest.approx(24)
    assert rate["upper_95"].iloc[0] == pytest.approx(1.2 * ratio["upper_95"].iloc[0])
    assert rate["lower_998"].iloc[0] == pytest.approx(1.2 * ratio["lower_998"].iloc[0])


def test_limits_approach_the_normal_approximation_for_large_counts():
    # for large E the Poisson limits tend to 1 +/- z / sqrt(E)
    e = 40_000.0
    limits = funnel_limits([e])
    assert limits["upper_95"].iloc[0] == pytest.approx(1 + 1.959964 / math.sqrt(e), abs=2e-4)
    assert limits["lower_998"].iloc[0] == pytest.approx(1 - 3.090232 / math.sqrt(e), abs=2e-4)


def test_adjusted_limits_formula():
    # FunnelPlotR build_limits_lookup (CQC / sqrt method): (1 +/- z sqrt(1/(4E) + tau2))^2
    limits = funnel_limits([50.0], tau2=0.01)
    sd = math.sqrt(1 / 200 + 0.01)
    assert limits["upper_95"].iloc[0] == pytest.approx((1 + 1.959964 * sd) ** 2, rel=1e-6)
    assert limits["lower_998"].iloc[0] == pytest.approx((1 - 3.090232 * sd) ** 2, rel=1e-6)
    multiplicative = funnel_limits([50.0], phi=2.0)
    assert multiplicative["upper_95"].iloc[0] == pytest.approx((1 + 1.959964 * math.sqrt(2 / 200)) ** 2, rel=1e-6)
    with pytest.raises(ValueError):
        funnel_limits([50.0], tau2=0.01, phi=2.0)


def r_type7_quantile(values, q):
    # R's default quantile (Hyndman & Fan type 7): h = (n - 1) q, linear between order statistics
    x = sorted(values)
    h = (len(x) - 1) * q
    lo = math.floor(h)
    return x[lo] + (h - lo) * (x[min(lo + 1, len(x) - 1)] - x[lo])


def test_overdispersion_by_hand():
    observed = [12, 30, 45, 8, 60, 22, 35, 14, 50, 27, 3, 41]
    expected = [20, 28, 40, 15, 45, 25, 30, 20, 38, 30, 12, 35]
    z = [2 * (math.sqrt(o) - math.sqrt(e)) for o, e in zip(observed, expected)]
    lo, hi = r_type7_quantile(z, 0.1), r_type7_quantile(z, 0.9)
    zw = [min(max(v, lo), hi) for v in z]
    k = len(z)
    phi = sum(v * v for v in zw) / k
    w = [4 * e for e in expected]
    tau2 = (k * phi - (k - 1)) / (sum(w) - sum(v * v for v in w) / sum(w))
    result = estimate_overdispersion(observed, expected)
    assert result.k == k
    assert result.phi == pytest.approx(phi, rel=1e-12)
    assert result.overdispersed and result.tau2 == pytest.approx(tau2, rel=1e-12)


def test_no_adjustment_when_phi_is_within_chance():
    # counts equal to their expectation: phi = 0, k * phi < k - 1, tau2 = 0
    pops = np.array([10_000, 20_000, 30_000, 40_000, 50_000])
    df = funnel_assess(pops * 1.2 / 1000, pops, target_rate=1.2)
    assert df.attrs["tau2"] == 0 and df.attrs["adjustment"] == "geen"
    assert not df.attrs["overdispersed"]
    exact = funnel_limits(pops, target_rate=1.2)
    assert df["upper_95"].to_numpy() == pytest.approx(exact["upper_95"].to_numpy())


def overdispersed_units():
    pops = np.array([12_000, 15_000, 18_000, 20_000, 22_000, 25_000, 30_000, 35_000, 40_000, 60_000, 80_000, 120_000])
    factors = np.array([0.5, 1.6, 0.7, 1.4, 0.6, 1.5, 0.8, 1.3, 0.75, 1.25, 0.8, 1.2])
    counts = np.round(pops / 1000 * 1.2 * factors)
    return counts, pops


def test_overdispersed_units_get_wider_limits_and_fewer_flags():
    counts, pops = overdispersed_units()
    adjusted = funnel_assess(counts, pops, target_rate=1.2)
    plain = funnel_assess(counts, pops, target_rate=1.2, overdispersion="none")
    assert adjusted.attrs["overdispersed"] and adjusted.attrs["adjustment"] == "additief (tau2)"
    assert plain.attrs["adjustment"] == "geen"
    assert (adjusted["upper_998"] > plain["upper_998"]).all()
    assert (plain["flag"] != "binnen").sum() > (adjusted["flag"] != "binnen").sum()
    multiplicative = funnel_assess(counts, pops, target_rate=1.2, overdispersion="multiplicative")
    assert multiplicative.attrs["adjustment"] == "multiplicatief (phi)"


def test_assess_table_contents_flags_and_order():
    counts = [24, 60, 3, np.nan, 30]
    pops = [20_000, 20_000, 20_000, 20_000, 25_000]
    df = funnel_assess(counts, pops, target_rate=1.2, overdispersion="none", labels=list("ABCDE"))
    assert list(df.index) == list("ABCDE")  # input order kept: no league table
    assert list(df["flag"]) == ["binnen", "boven 99,8%", "onder 99,8%", "onbekend", "binnen"]
    assert df.loc["A", "rate"] == pytest.approx(1.2)
    assert df.loc["B", "z"] == pytest.approx(2 * (math.sqrt(60) - math.sqrt(24)))
    assert df.attrs["target_rate"] == 1.2
    pooled = funnel_assess([10, 30], [10_000, 10_000])
    assert pooled.attrs["target_rate"] == pytest.approx(2.0)


def test_flag_between_95_and_998():
    # E = 24: upper 95% limit 33.6 events, upper 99.8% limit 40.0; 37 is a signaal, not an alarm
    df = funnel_assess([37], [20_000], target_rate=1.2, overdispersion="none")
    assert df["flag"].iloc[0] == "boven 95%"


expected_st = st.floats(min_value=0.05, max_value=5_000, allow_nan=False)


@FAST
@given(e1=expected_st, factor=st.floats(min_value=1.0001, max_value=50))
def test_limit_counts_never_fall_as_expected_rises(e1, factor):
    e2 = e1 * factor
    a, b = funnel_limits([e1, e2]), funnel_limits([e2])
    for col in ["lower_95", "upper_95", "lower_998", "upper_998"]:
        count1 = a[col].iloc[0] * e1
        count2 = b[col].iloc[0] * e2
        assert count2 >= count1 - 1e-9


@FAST
@given(e1=expected_st, factor=st.floats(min_value=1.0001, max_value=50))
def test_funnel_narrows_as_expected_rises(e1, factor):
    e2 = e1 * factor
    a, b = funnel_limits([e1]).iloc[0], funnel_limits([e2]).iloc[0]
    for level in ["95", "998"]:
        # lower limits rise strictly once above zero
        assert b[f"lower_{level}"] >= a[f"lower_{level}"]
        if a[f"lower_{level}"] > 0:
            assert b[f"lower_{level}"] > a[f"lower_{level}"]
        # upper limits fall, up to the small sawtooth of a discrete distribution (module notes)
        tolerance = 1e-3 if e1 >= 5 else (1.5e-2 if e1 >= 1 else 0.12)
        assert b[f"upper_{level}"] <= a[f"upper_{level}"] * (1 + tolerance)
        if e1 >= 1 and factor >= 1.2:
            assert b[f"upper_{level}"] < a[f"upper_{level}"]
        assert b["lower_998"] <= b["lower_95"] <= 1 <= b["upper_95"] <= b["upper_998"]


@FAST
@given(e1=st.floats(0.5, 5_000), factor=st.floats(1.001, 50), tau2=st.floats(0, 0.05))
def test_adjusted_funnel_narrows_strictly(e1, factor, tau2):
    a = funnel_limits([e1], tau2=tau2).iloc[0]
    b = funnel_limits([e1 * factor], tau2=tau2).iloc[0]
    if tau2 > 0:
        assert b["upper_95"] < a["upper_95"]
        assert b["lower_998"] >= a["lower_998"]
