"""Small-area statistics for buurt/wijk/kern maps (veiligheidsanalyse.stats.smallarea)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from conftest import shared_real_data
from veiligheidsanalyse.stats.compare import compare_with_region
from veiligheidsanalyse.stats.rates import rate
from veiligheidsanalyse.stats.signals import Judged, adjust_p
from veiligheidsanalyse.stats.smallarea import (
    COLUMNS,
    SUPPRESSED,
    TOO_FEW_CASES,
    TOO_FEW_INHABITANTS,
    _direction,
    eb_fit,
    eb_shrinkage,
    pool_years,
    small_area_table,
)

# HC7984 (homicides 1979-84) and PO7984 (population) of the 78 counties of the St. Louis region, in
# the order of libpysal's example file ``stl/stl_hom.csv`` (PySAL, BSD licence).
STL_HOM_7984 = [
    (4, 189087),
    (19, 425580),
    (3, 69649),
    (2, 88540),
    (2, 33697),
    (28, 774843),
    (61, 1056438),
    (3, 172182),
    (7, 224033),
    (3, 113497),
    (4, 218510),
    (0, 87628),
    (1, 36354),
    (12, 316661),
    (0, 53222),
    (2, 141872),
    (6, 103469),
    (6, 193449),
    (3, 295848),
    (4, 99013),
    (0, 34772),
    (2, 65947),
    (9, 155266),
    (2, 123387),
    (23, 612258),
    (5, 135365),
    (2, 133297),
    (2, 186877),
    (0, 68404),
    (2, 68779),
    (10, 192789),
    (4, 96686),
    (95, 1480530),
    (8, 92864),
    (31, 905683),
    (0, 93388),
    (407, 5863876),
    (5, 109086),
    (10, 265200),
    (1238, 2658090),
    (3, 199528),
    (14, 347829),
    (0, 79838),
    (2, 72381),
    (18, 432159),
    (369, 1605518),
    (5, 110883),
    (0, 48352),
    (3, 121762),
    (0, 92348),
    (40, 891502),
    (9, 225007),
    (7, 113880),
    (1, 46260),
    (3, 108510),
    (2, 55620),
    (8, 213680),
    (5, 131792),
    (11, 109953),
    (12, 108864),
    (8, 205880),
    (10, 260154),
    (2, 90841),
    (8, 255875),
    (7, 253540),
    (25, 372227),
    (6, 100389),
    (19, 345641),
    (6, 87410),
    (2, 66694),
    (2, 64680),
    (6, 127071),
    (9, 107508),
    (0, 43056),
    (1, 61456),
    (13, 353841),
    (3, 47507),
    (4, 68218),
]


def test_marshall_eb_known_answer_pysal_esda():
    """Known answer: PySAL esda ``esda.smoothing.Empirical_Bayes`` docstring example.

    esda documents, for the St. Louis homicides 1979-84 (``stl_hom.csv``, columns HC7984 and
    PO7984), the aspatial Empirical Bayes rates ``eb.r[:10]`` = 2.36718950e-05, 4.54539167e-05,
    4.78114019e-05, 2.76907146e-05, 6.58989323e-05, 3.66494122e-05, 5.79952721e-05,
    2.03064590e-05, 3.31152999e-05, 3.02748380e-05. esda implements Marshall's (1991) global
    moment estimator, the method used here; the values match to the nine digits printed.
    """
    published = [
        2.36718950e-05,
        4.54539167e-05,
        4.78114019e-05,
        2.76907146e-05,
        6.58989323e-05,
        3.66494122e-05,
        5.79952721e-05,
        2.03064590e-05,
        3.31152999e-05,
        3.02748380e-05,
    ]
    events = np.array([e for e, _ in STL_HOM_7984])
    population = np.array([b for _, b in STL_HOM_7984])
    smoothed, fit = eb_shrinkage(events, population, per=1)
    assert smoothed[:10] == pytest.approx(published, rel=5e-9)
    assert fit.mean == pytest.approx(events.sum() / population.sum())
    assert fit.k == 78


def test_eb_is_the_poisson_gamma_posterior_mean():
    # Marshall's weight form equals (O + nu) / (n + alpha) with nu = m^2/s2 and alpha = m/s2
    # (Clayton & Kaldor 1987, eq. for the gamma prior), n in units of ``per``.
    counts = np.array([0, 3, 7, 12, 40, 2])
    pops = np.array([150, 400, 900, 1500, 2500, 120])
    smoothed, fit = eb_shrinkage(counts, pops, per=1000)
    assert fit.variance > 0
    posterior_mean = (counts + fit.shape) / (pops / 1000 + fit.rate)
    assert smoothed == pytest.approx(posterior_mean, rel=1e-12)


def test_eb_shrinks_small_areas_most_and_never_past_the_target():
    counts = np.array([0, 3, 7, 12, 40, 2, 30])
    pops = np.array([150, 400, 900, 1500, 2500, 120, 800])
    smoothed, fit = eb_shrinkage(counts, pops, per=1000)
    crude = counts / pops * 1000
    # between the crude rate and the prior mean, never beyond
    assert np.all((smoothed - fit.mean) * (crude - fit.mean) >= 0)
    assert np.all(np.abs(smoothed - fit.mean) <= np.abs(crude - fit.mean) + 1e-12)
    # the same crude deviation is shrunk more in a smaller population
    s_small, _ = eb_shrinkage([2, 20], [100, 1000], fit=fit)
    assert abs(s_small[0] - fit.mean) < abs(s_small[1] - fit.mean)


def test_eb_without_extra_variation_gives_everyone_the_target():
    # equal rates everywhere: s2 would be negative, is set to 0, all smoothed rates are the mean
    smoothed, fit = eb_shrinkage([1, 2, 4], [1000, 2000, 4000], per=1000)
    assert fit.variance == 0
    assert smoothed == pytest.approx([1.0, 1.0, 1.0])


def test_eb_target_rate_fixes_the_prior_mean_and_unknowns_stay_unknown():
    fit = eb_fit([5, np.nan, 9], [1000, 500, 2000], per=1000, target_rate=3.0)
    assert fit.mean == 3.0 and fit.k == 2
    smoothed, _ = eb_shrinkage([5, np.nan, 9], [1000, 500, 2000], fit=fit)
    assert np.isnan(smoothed[1]) and not np.isnan(smoothed).all()


def test_exact_interval_known_answer_r_poisson_test():
    """Known answer: R ``stats::poisson.test(137, 24.19893)`` (its help page example, "SMR, Welsh
    Nickel workers", from the ISwR data): event rate 5.661407, 95 percent confidence interval
    4.753125 to 6.692709 (Garwood's exact interval, as used for every area on a map)."""
    result = rate(137, 24.19893, per=1, method="exact")
    assert result.value == pytest.approx(5.661407, abs=5e-7)
    assert result.lower == pytest.approx(4.753125, abs=5e-7)
    assert result.upper == pytest.approx(6.692709, abs=5e-7)


def test_pooled_years_sum_counts_and_person_years():
    df = pd.DataFrame(
        {
            "regio_code": ["BU1", "BU2"] * 3,
            "regio_naam": ["Een", "Twee"] * 3,
            "jaar": [2021, 2021, 2022, 2022, 2023, 2023],
            "aantal": [2, 10, 1, 12, 4, 9],
            "inwoners": [200, 1000, 210, 1010, 220, 990],
        }
    )
    pooled = pool_years(df)
    assert list(pooled["regio_code"]) == ["BU1", "BU2"]
    assert list(pooled["aantal"]) == [7, 31]
    assert list(pooled["persoonsjaren"]) == [630, 3000]
    assert list(pooled["inwoners"]) == [210, 1000]
    assert set(pooled["periode"]) == {"2021-2023"} and set(pooled["jaren"]) == {3}
    table = small_area_table(pooled, gemeente_code="GM9999", gemeente_naam="Test", min_inhabitants=0)
    first = rate(7, 630, per=1000, method="exact")
    assert table.loc[0, "per_1000"] == pytest.approx(first.value)
    assert table.loc[0, "ondergrens"] == pytest.approx(first.lower)
    assert table.iloc[-1]["per_1000"] == pytest.approx(38 / 3630 * 1000)


def test_pooling_needs_three_years_and_keeps_unknowns_unknown():
    two = pd.DataFrame({"regio_code": ["BU1", "BU1"], "jaar": [2022, 2023], "aantal": [1, 2], "inwoners": [9, 9]})
    with pytest.raises(ValueError, match="at least 3 years"):
        pool_years(two)
    gap = pd.DataFrame(
        {
            "regio_code": ["BU1", "BU1", "BU1", "BU2", "BU2"],
            "jaar": [2021, 2022, 2023, 2021, 2023],  # BU2 lacks 2022
            "aantal": [1, np.nan, 2, 3, 4],
            "inwoners": [100, 100, 100, 50, 50],
        }
    )
    pooled = pool_years(gap)
    assert pooled["aantal"].isna().all()  # BU1 has an unknown year, BU2 a missing one


def _areas(counts, inhabitants):
    return pd.DataFrame(
        {
            "regio_code": [f"BU{i:08d}" for i in range(len(counts))],
            "regio_naam": [f"Buurt {i}" for i in range(len(counts))],
            "aantal": counts,
            "inwoners": inhabitants,
        }
    )


def test_flags_agree_with_the_exact_test_against_the_rest_of_the_areas():
    """Each area against the rest of the areas: the exact conditional binomial test, recomputed here."""
    table = small_area_table(
        _areas([30, 2, 9, 0, 60], [1000, 900, 300, 400, 2000]),
        gemeente_code="GM9999",
        gemeente_naam="Test",
        min_inhabitants=0,
    )
    areas, total = table.iloc[:-1], table.iloc[-1]
    for _, row in areas.iterrows():
        o, n = row["aantal"], row["aantal"] + (total["aantal"] - row["aantal"])
        share = row["persoonsjaren"] / total["persoonsjaren"]  # the area's share of the person-years
        p = min(1.0, 2 * min(binom.cdf(o, n, share), binom.sf(o - 1, n, share)))
        assert row["p_waarde"] == pytest.approx(p)
        assert row["p_waarde_gecorrigeerd"] == row["p_waarde"]  # no correction asked
        assert (row["vergelijking"] != "gelijk") == (p < 0.05)
        rest = (total["aantal"] - o) / (total["persoonsjaren"] - row["persoonsjaren"]) * 1000
        if row["vergelijking"] != "gelijk":
            assert row["vergelijking"] == ("hoger" if row["per_1000"] > rest else "lager")
    assert total["regio_naam"] == "Som van de gebieden" and total["regio_code"] == "GM9999"


def test_the_maps_verdicts_are_the_kernen_tables_verdicts():
    """The same areas judged as chapters.kernen judges its kernen: compare_with_region against the total,
    Holm over the areas, signals.Judged. The map must give exactly the same directions."""
    counts = [30, 2, 9, 0, 60, 24, 5, 41]
    pops = [1000, 900, 300, 400, 2000, 300, 500, 1200]
    table = small_area_table(
        _areas(counts, pops), gemeente_code="GM9999", gemeente_naam="T", min_inhabitants=0, correction="holm"
    )
    total_c, total_p = sum(counts), sum(pops)
    results = [compare_with_region(c, p, total_c, total_p, per=1000) for c, p in zip(counts, pops)]
    p_raw = [float(r.p_value) for r in results]
    p_holm = adjust_p(p_raw, method="holm")
    kernen_way = [str(Judged(r, q).direction) for r, q in zip(results, p_holm)]
    assert list(table["vergelijking"].iloc[:-1]) == kernen_way
    assert table["p_waarde"].iloc[:-1].to_numpy() == pytest.approx(p_raw)
    assert table["p_waarde_gecorrigeerd"].iloc[:-1].to_numpy() == pytest.approx(p_holm)
    # an uncorrected "significant" that the correction removes is there, and it is not significant on the map
    lost = (np.array(p_raw) < 0.05) & (p_holm > 0.05)
    assert lost.any() and set(table["vergelijking"].iloc[:-1][lost]) == {"gelijk"}
    assert {"hoger", "lager"} <= set(kernen_way)


def test_min_count_as_the_kernen_table_not_compared_and_left_out_of_the_family():
    """Below the indicator's min_count an area keeps its rate but is not compared (as the Kernen table:
    verdict_benchmark says 'te weinig gevallen'); the correction runs over the compared areas only."""
    from veiligheidsanalyse.stats import verdicts

    counts = [30, 2, 9, 0, 60, 24, 5, 41]
    pops = [1000, 900, 300, 400, 2000, 300, 500, 1200]
    table = small_area_table(
        _areas(counts, pops),
        gemeente_code="GM9999",
        gemeente_naam="T",
        min_inhabitants=0,
        correction="holm",
        min_count=10,
    )
    areas = table.iloc[:-1]
    total_c, total_p = sum(counts), sum(pops)
    results = [compare_with_region(c, p, total_c, total_p, per=1000) for c, p in zip(counts, pops)]
    kernen_too_few = [verdicts.verdict_benchmark(r, "de rest", 10) == verdicts.TOO_FEW for r in results]
    assert list(areas["vergelijking"] == TOO_FEW_CASES) == kernen_too_few == [c < 10 for c in counts]
    few = areas[areas["vergelijking"] == TOO_FEW_CASES]
    assert few[["p_waarde", "p_waarde_gecorrigeerd"]].isna().all().all()
    assert few["per_1000"].notna().all()  # the rate stays in the CSV, as in the table of the kernen
    tested = [r for r, c in zip(results, counts) if c >= 10]
    p_holm = adjust_p([float(r.p_value) for r in tested], method="holm")
    assert areas.loc[areas["aantal"] >= 10, "p_waarde_gecorrigeerd"].to_numpy() == pytest.approx(p_holm)
    assert table.iloc[-1]["aantal"] == total_c  # still counted in the sum


def test_significance_uses_at_most_alpha_on_the_corrected_p_like_every_page():
    # signals.Judged: the uncorrected test significant (p < 0,05) and the corrected p-value <= 0,05
    raw = np.array(["hoger", "lager", "hoger", "gelijk", "onbekend"], dtype=object)
    adjusted = np.array([0.05, 0.0500001, 0.01, 0.01, np.nan])
    assert list(_direction(raw, adjusted, 0.05)) == ["hoger", "gelijk", "hoger", "gelijk", "onbekend"]


def test_min_inhabitants_gives_no_rate_but_keeps_the_count():
    table = small_area_table(
        _areas([3, 20], [40, 2000]), gemeente_code="GM9999", gemeente_naam="Test", min_inhabitants=100
    )
    small = table.iloc[0]
    assert small["vergelijking"] == TOO_FEW_INHABITANTS
    assert np.isnan(
        small[["per_1000", "ondergrens", "bovengrens", "p_waarde", "p_waarde_gecorrigeerd", "per_1000_eb"]].astype(
            float
        )
    ).all()
    assert small["aantal"] == 3 and table.iloc[-1]["aantal"] == 23


def test_correction_only_removes_flags():
    areas = _areas([30, 2, 9, 0, 60, 14, 5], [1000, 900, 300, 400, 2000, 300, 500])
    plain = small_area_table(areas, gemeente_code="GM9999", gemeente_naam="T", min_inhabitants=0)
    holm = small_area_table(areas, gemeente_code="GM9999", gemeente_naam="T", min_inhabitants=0, correction="holm")
    assert (holm["p_waarde"].iloc[:-1] == plain["p_waarde"].iloc[:-1]).all()  # the uncorrected one is published too
    assert (holm["p_waarde_gecorrigeerd"].iloc[:-1] >= holm["p_waarde"].iloc[:-1] - 1e-12).all()
    changed = plain["vergelijking"] != holm["vergelijking"]
    assert set(holm.loc[changed, "vergelijking"]) <= {"gelijk"}


def test_sensitive_counts_are_hidden_with_everything_derived_from_them():
    areas = _areas([3, 1, 40, 25, 0, 12], [500, 300, 2000, 1500, 200, 800])
    table = small_area_table(
        areas, gemeente_code="GM9999", gemeente_naam="T", min_inhabitants=0, sensitive=True, threshold=5
    )
    hidden = table["afgeschermd"]
    assert hidden.iloc[0] and hidden.iloc[1]
    assert set(table.loc[hidden, "aantal_weergave"]) <= {"<5", "x"}
    derived = ["aantal", "per_1000", "ondergrens", "bovengrens", "p_waarde", "p_waarde_gecorrigeerd", "per_1000_eb"]
    assert table.loc[hidden, derived].isna().all().all()
    assert set(table.loc[hidden & (table["rol"] != "Totaal"), "vergelijking"]) == {SUPPRESSED}
    # total minus the visible counts never isolates one hidden cell (the rules of stats.disclosure)
    assert hidden.iloc[:-1].sum() >= 2 and not hidden.iloc[-1]
    # another split of the same hidden total publishes exactly the same table: the EB variance and
    # the p-value correction use visible areas only
    other = small_area_table(
        _areas([2, 2, 40, 25, 0, 12], [500, 300, 2000, 1500, 200, 800]),
        gemeente_code="GM9999",
        gemeente_naam="T",
        min_inhabitants=0,
        sensitive=True,
        threshold=5,
    )
    pd.testing.assert_frame_equal(other, table)


def test_table_columns_and_total_row():
    table = small_area_table(_areas([3, 20], [400, 2000]), gemeente_code="GM9999", gemeente_naam="Test")
    assert tuple(table.columns) == COLUMNS
    assert list(table["rol"]) == ["gebied", "gebied", "Totaal"]
    assert table.attrs["eb_methode"].startswith("Marshall (1991)")


REAL = shared_real_data()


@pytest.mark.skipif(REAL is None, reason="real extracts in ../shared not present")
def test_westerveld_buurten_2023_real_counts():
    """Real 47018NED counts 2023 (45 buurten, sum 365) with KWB 2024 inhabitants (sum 20.020)."""
    counts = pd.read_csv(REAL / "politie-47018NED-buurt" / "westerveld_buurten_2023_totaal_misdrijven.csv")
    pops = pd.read_csv(REAL / "cbs-kwb-85984NED-2024" / "Population85984_2024.csv")
    merged = counts.merge(pops, left_on="WijkenEnBuurten", right_on="nhood_id", how="left")
    areas = pd.DataFrame(
        {
            "regio_code": merged["WijkenEnBuurten"],
            "regio_naam": merged["WijkenEnBuurten"],
            "aantal": merged["GeregistreerdeMisdrijven_1"],
            "inwoners": merged["population"],
        }
    )
    table = small_area_table(areas, gemeente_code="GM1701", gemeente_naam="Westerveld", min_inhabitants=0)
    buurten, total = table.iloc[:-1], table.iloc[-1]
    assert len(buurten) == 45
    assert buurten["aantal"].sum() == total["aantal"] == 365
    assert total["inwoners"] == 20020
    assert total["per_1000"] == pytest.approx(18.23, abs=0.01)  # the 18,2 per 1.000
    # the count: only 10 of 45 buurten differ significantly from the gemeente at 95 %
    assert buurten["vergelijking"].isin(["hoger", "lager"]).sum() == 10
    assert buurten["per_1000"].max() == pytest.approx(114.29, abs=0.01)
    # shrinkage pulls the extreme buurt (16 crimes, 140 inhabitants) well toward the gemeente
    extreme = buurten.loc[buurten["per_1000"].idxmax()]
    assert total["per_1000"] < extreme["per_1000_eb"] < extreme["per_1000"] * 0.75


def test_one_mismatched_code_is_unknown_and_leaves_the_others_their_verdicts():
    """A wijk code the politie table and the Kerncijfers spell differently: one row with a count but no
    inhabitants, one with inhabitants but no count. Both are "onbekend"; the others are still compared,
    against the sum of the areas that have both, and the total row says it is that sum."""
    full = _areas([30, 2, 9, 60, 14], [1000, 900, 300, 2000, 300])
    mismatched = pd.concat(
        [
            full,
            pd.DataFrame(
                {
                    "regio_code": ["WK_OUD", "WK_NIEUW"],
                    "regio_naam": ["Oud", "Nieuw"],
                    "aantal": [7.0, np.nan],
                    "inwoners": [np.nan, 450.0],
                }
            ),
        ],
        ignore_index=True,
    )
    table = small_area_table(
        mismatched,
        gemeente_code="GM9999",
        gemeente_naam="Test",
        min_inhabitants=0,
        correction="holm",
        total_name="Som van de wijken",
    )
    alone = small_area_table(
        full,
        gemeente_code="GM9999",
        gemeente_naam="Test",
        min_inhabitants=0,
        correction="holm",
        total_name="Som van de wijken",
    )
    assert list(table["vergelijking"].iloc[5:7]) == ["onbekend", "onbekend"]
    assert table[["p_waarde", "p_waarde_gecorrigeerd", "per_1000"]].iloc[5:7].isna().all().all()
    # the known areas: exactly the verdicts and p-values they get without the mismatched rows
    assert list(table["vergelijking"].iloc[:5]) == list(alone["vergelijking"].iloc[:5])
    assert set(table["vergelijking"].iloc[:5]) & {"hoger", "lager"}
    assert table["p_waarde_gecorrigeerd"].iloc[:5].to_numpy() == pytest.approx(alone["p_waarde_gecorrigeerd"].iloc[:5])
    total = table.iloc[-1]
    assert total["aantal"] == 115 and total["persoonsjaren"] == 4500  # the known areas only, never a gap read as 0
    assert total["regio_naam"] == "Som van de wijken met bekend aantal en inwoners"
    assert table.attrs["onbekend"] == 2 and table.attrs["gemeente_per_1000"] == pytest.approx(115 / 4500 * 1000)
    assert alone.iloc[-1]["regio_naam"] == "Som van de wijken" and alone.attrs["onbekend"] == 0


def test_nothing_to_compare_with_is_unknown_not_significant():
    # one area only: there is no rest to compare with; all counts zero: no events to compare
    single = small_area_table(_areas([12], [900]), gemeente_code="GM9999", gemeente_naam="T", min_inhabitants=0)
    assert single["vergelijking"].iloc[0] == "onbekend" and np.isnan(single["p_waarde"].iloc[0])
    zeros = small_area_table(
        _areas([0, 0, 0], [900, 500, 700]),
        gemeente_code="GM9999",
        gemeente_naam="T",
        min_inhabitants=0,
        correction="holm",
    )
    assert set(zeros["vergelijking"].iloc[:-1]) == {"onbekend"}
