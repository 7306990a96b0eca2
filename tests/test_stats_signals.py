"""Signal levels with a correction for many tests (veiligheidsanalyse.stats.signals)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from veiligheidsanalyse.stats import adjust_p, signal_levels

# Benjamini & Hochberg (1995), J R Stat Soc B 57:289-300, section 4: fifteen p-values from a
# thrombolysis trial (Neuhaus et al. 1992). At q = 0.05 the BH procedure rejects 4 hypotheses;
# Bonferroni-type procedures (Holm) reject 3.
BH_1995 = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.3240,
    0.4262,
    0.5719,
    0.6528,
    0.7590,
    1.0000,
]


def test_bh_1995_example_rejections():
    holm = signal_levels(BH_1995, "holm")
    bh = signal_levels(BH_1995, "bh")
    assert sum(level != "geen" for level in holm) == 3
    assert sum(level != "geen" for level in bh) == 4
    # Holm-adjusted smallest p is 15 * 0.0001 = 0.0015 <= 0.002: an alarm
    assert holm[0] == "alarm" and list(holm[1:3]) == ["signaal", "signaal"]


@pytest.mark.parametrize("ours, theirs", [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjusted_p_values_match_statsmodels(ours, theirs):
    rng = np.random.default_rng(7)
    p = np.concatenate([rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 55)])
    assert adjust_p(p, ours) == pytest.approx(multipletests(p, method=theirs)[1], rel=1e-12)
    assert adjust_p(BH_1995, ours) == pytest.approx(multipletests(BH_1995, method=theirs)[1], rel=1e-12)


def test_alarm_threshold_is_corrected_too():
    # p = 0.001 is below 0.002, but among 10 tests Holm multiplies it by 10: a signaal, not an alarm
    p = [0.001] + [0.5] * 9
    assert signal_levels(p, "holm")[0] == "signaal"
    assert signal_levels(p, "none")[0] == "alarm"


def test_untested_indicators_are_left_out_of_the_family():
    p = [0.02, np.nan, 0.5]
    levels = signal_levels(p)
    assert list(levels) == ["signaal", "niet getoetst", "geen"]  # m = 2: 0.02 * 2 = 0.04
    series = signal_levels(pd.Series(p, index=["inbraak", "zeden", "fietsdiefstal"]))
    assert series["zeden"] == "niet getoetst" and list(series.index) == ["inbraak", "zeden", "fietsdiefstal"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=60), st.sampled_from(["holm", "bh"]))
def test_correction_never_creates_signals(p, method):
    adjusted = adjust_p(p, method)
    assert np.all(adjusted >= np.asarray(p) - 1e-15)
    order = {"geen": 0, "signaal": 1, "alarm": 2}
    corrected = [order[v] for v in signal_levels(p, method)]
    raw = [order[v] for v in signal_levels(p, "none")]
    assert all(c <= r for c, r in zip(corrected, raw))
