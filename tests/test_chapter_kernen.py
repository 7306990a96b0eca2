"""Chapter 03 Kernen en wijken (veiligheidsanalyse.chapters.kernen) on the demo store.

Properties checked against the store itself (not against the module's own arithmetic): kern counts
add up to the gemeente row of the buurt table, the row "Totaal gemeente" is the gemeente's own figure
(the same as in the other chapters) with the registrations without a buurt as the difference,
denominators are the KWB inhabitants of the buurten
the gemeente's mapping puts in each kern, rates recompute, suppression hides small counts and
nothing that would reveal them (checked with an independent linear-algebra leak test), figures
show no hidden or small kern, and the chapter falls back to CBS wijken for a gemeente whose
mapping is absent (De Wolden, Meppel).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import null_space

from conftest import dataset_for
from veiligheidsanalyse.chapters import kernen
from veiligheidsanalyse.data import Dataset
from veiligheidsanalyse.stats import compare, verdicts

THRESHOLD = 5


@pytest.fixture(scope="module")
def mapping(demo_store):
    return pd.read_parquet(demo_store / "inputs" / "tables" / "kernen.parquet")


@pytest.fixture(scope="module")
def result(demo_dataset, mapping):
    return kernen.analyse(demo_dataset, kern_mapping=mapping)


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"-?[\d.]+(,\d+)?", str(text)))


def test_mapping_decides_the_kernen(result, mapping):
    ind = result.indeling
    assert ind.bron == "partner"
    own = dict(zip(mapping["buurtcode"], mapping["kern"]))
    for code, kern in zip(ind.buurten["buurtcode"], ind.buurten["kern"]):
        assert kern == own.get(code, kernen.NOT_ASSIGNED)
    # The demo has a buurt the example mapping lacks: it is kept, under "Niet ingedeeld", and named.
    assert "BU17011700" in set(ind.buurten.loc[ind.buurten["kern"] == kernen.NOT_ASSIGNED, "buurtcode"])
    assert any("Niet ingedeeld" in n and "Boschoord" in n for n in ind.notes)


def test_kern_counts_add_up_to_the_gemeente(demo_dataset, result):
    kr = result.rates["misdrijven_buurt"]
    gem = demo_dataset.series("misdrijven_buurt", ["GM1701"])
    a, b = kr.years
    expected = gem[(gem["jaar"] >= a) & (gem["jaar"] <= b)]["waarde"].sum()
    assert kr.kernen["aantal"].sum() == expected == kr.kernen_sum["aantal"]


@pytest.mark.parametrize("indicator_id, gemeente_id", [("overlast_buurt", "overlast_totaal"),
                                                       ("misdrijven_buurt", "misdrijven_totaal"),
                                                       ("woninginbraak_buurt", "woninginbraak"),
                                                       ("vernieling_buurt", "vernieling")])
def test_the_gemeente_total_is_the_gemeente_figure(demo_dataset, result, indicator_id, gemeente_id):
    """'Totaal gemeente' is the figure every other chapter shows for these years, not the sum of the buurten;
    the difference with the kernen is a row of its own, so the table still adds up."""
    kr = result.rates[indicator_id]
    a, b = kr.years
    own = demo_dataset.counts(gemeente_id, ["GM1701"], years=(a, b))
    assert kr.total["aantal"] == own["aantal"].sum()
    assert kr.total["rate"] == pytest.approx(own["aantal"].sum() / own["noemer"].sum() * kr.indicator.per)
    assert kr.unplaced["aantal"] == kr.total["aantal"] - kr.kernen_sum["aantal"]
    kt = kernen.kern_table(kr, THRESHOLD)
    shown = dict(zip(kt.display["Kern"], kt.display.iloc[:, 2]))
    assert shown[kernen.TOTAL] == f"{int(own['aantal'].sum()):,}".replace(",", ".")
    assert list(kt.display["Kern"].iloc[-3:]) == [kernen.KERNEN_SUM, kernen.UNPLACED, kernen.TOTAL]
    assert kr.gemeente_indicator.table in kr.source


def test_overlast_without_a_buurt_is_visible(demo_dataset, result):
    # The demo's buurt table 47024NED places 886 registrations in 2023-2025; 47021NED has 1.579 for the gemeente.
    kr = result.rates["overlast_buurt"]
    assert kr.years == (2023, 2025)
    assert kr.kernen_sum["aantal"] == 886 and kr.total["aantal"] == 1579 and kr.unplaced["aantal"] == 693
    assert kr.unplaced["kern"] == kernen.UNPLACED
    assert any("47021NED" in n and "693" in n and "niet aan een buurt" in n for n in kr.notes)
    # The change on the total row is tested on the gemeente figures shown, with their own inhabitants.
    before = demo_dataset.counts("overlast_totaal", ["GM1701"], years=kr.previous)
    assert kr.total["aantal_vorige"] == before["aantal"].sum()
    direct = compare.compare_periods(before["aantal"].sum(), before["noemer"].sum(), kr.total["aantal"],
                                     kr.total["persoonsjaren"], method="exact-cond")
    assert kr.total["verandering"] == verdicts.verdict_periods(direct, "2019-2021", kr.indicator.min_count)
    # ... and the sum of the kernen on the sum of the kernen.
    assert kr.kernen_sum["aantal_vorige"] == kr.kernen["aantal_vorige"].sum()


def test_without_a_gemeente_figure_the_row_is_the_sum_of_the_kernen(demo_dataset, result):
    obs = demo_dataset.observations
    gone = (obs["indicator"] == "overlast_totaal") & (obs["regio_code"] == "GM1701") & (obs["jaar"] == 2024)
    ds = Dataset(obs[~gone].reset_index(drop=True), demo_dataset.config, demo_dataset.status)
    kr = kernen.kern_rates(ds, "overlast_buurt", result.indeling)
    assert kr.total is None and kr.unplaced is None and kr.gemeente_indicator is None
    labels = list(kernen.kern_table(kr, THRESHOLD).display["Kern"])
    assert labels[-1] == kernen.KERNEN_SUM and kernen.TOTAL not in labels
    assert any("geen cijfer voor Westerveld als geheel" in n for n in kr.notes)


def test_a_gemeente_figure_below_the_sum_is_called_a_difference(demo_dataset, result):
    obs = demo_dataset.observations.copy()
    sel = (obs["indicator"] == "misdrijven_totaal") & (obs["regio_code"] == "GM1701") & (obs["jaar"] == 2024)
    obs.loc[sel, "waarde"] -= 10
    ds = Dataset(obs, demo_dataset.config, demo_dataset.status)
    kr = kernen.kern_rates(ds, "misdrijven_buurt", result.indeling)
    assert kr.unplaced["kern"] == kernen.TABLE_GAP and kr.unplaced["aantal"] == -10
    assert any("niet tegelijk bijgewerkt" in n for n in kr.notes)


def test_denominators_and_rates_recompute_from_the_store(demo_dataset, result, mapping):
    kwb = demo_dataset.series("inwoners_kwb")
    kwb = kwb[kwb["regio_code"].str.startswith("BU1701")]
    by_kern = kwb.assign(kern=kwb["regio_code"].map(dict(zip(mapping["buurtcode"], mapping["kern"])))
                         .fillna(kernen.NOT_ASSIGNED)).groupby("kern")["waarde"].sum()
    kr = result.rates["overlast_buurt"]
    n_years = kr.years[1] - kr.years[0] + 1
    for _, row in kr.kernen.iterrows():
        assert row["noemer"] == by_kern[row["kern"]]
        assert row["rate"] == pytest.approx(row["aantal"] / (row["noemer"] * n_years) * 1000)
        assert row["lower"] <= row["rate"] <= row["upper"]
    # Woninginbraak is per 1.000 woningen (KWB woningvoorraad of the same buurten).
    assert result.rates["woninginbraak_buurt"].noemer_soort == "woningen"
    assert result.rates["woninginbraak_buurt"].kernen_sum["noemer"] == pytest.approx(
        demo_dataset.series("woningen").query("regio_code.str.startswith('BU1701')", engine="python")["waarde"].sum())


def test_small_counts_pool_three_years(demo_dataset, result):
    kr = result.rates["misdrijven_buurt"]
    latest = kr.years[1]
    assert kr.years == (latest - 2, latest)
    # ... because at least one kern had fewer than min_count cases in the latest year alone.
    one_year = kernen.kern_rates(demo_dataset, "misdrijven_buurt", result.indeling, pool_years=1)
    assert (one_year.kernen["aantal"] < kr.indicator.min_count).any()
    assert one_year.years == (latest, latest)


def test_each_kern_is_compared_with_the_rest(result):
    kr = result.rates["overlast_buurt"]
    tested = kr.kernen[kr.kernen["p"].notna()]
    assert len(tested) >= 3
    assert (tested["p_holm"] >= tested["p"] - 1e-12).all()  # the correction never makes a result stronger
    together = kr.kernen_sum  # the rest of the gemeente: the other kernen (registrations without a buurt have no kern)
    for _, row in tested.iterrows():
        rest = (together["aantal"] - row["aantal"]) / (together["persoonsjaren"] - row["persoonsjaren"]) * 1000
        if row["richting"] == "hoger":
            assert row["rate"] > rest and row["p_holm"] < 0.05
        elif row["richting"] == "lager":
            assert row["rate"] < rest and row["p_holm"] < 0.05
    # Too few cases: no verdict either way.
    few = kr.kernen[kr.kernen["aantal"] < kr.indicator.min_count]
    assert (few["vergelijking"] == "te weinig gevallen om te vergelijken").all()


def _leaks(values: np.ndarray, hidden: np.ndarray) -> bool:
    """Independent check: does any hidden kern follow from 'kernen add up to the published total'?"""
    idx = np.flatnonzero(hidden)
    if idx.size == 0:
        return False
    a = np.ones((1, idx.size))  # one relation: the hidden cells add up to total minus the visible ones
    basis = null_space(a)
    return bool((np.abs(basis).max(axis=1) < 1e-9).any()) if basis.size else True


@pytest.mark.parametrize("indicator_id", kernen.KERN_INDICATORS)
def test_suppression_hides_small_counts_and_what_reveals_them(result, indicator_id):
    kr = result.rates[indicator_id]
    kt = kernen.kern_table(kr, THRESHOLD)
    rows = kr.rows.reset_index(drop=True)
    count_col = [c for c in kt.display.columns if re.search(r"\d{4}(-\d{4})?$", c) and "Verandering" not in c][0]
    rate_col = kr.rate_label[0].upper() + kr.rate_label[1:]
    is_kern = ~rows["kern"].isin(kernen.SUMMARY_ROWS)
    hidden = np.zeros(len(rows), dtype=bool)
    for i, row in rows.iterrows():
        shown = kt.display.loc[i, count_col]
        if 0 < row["aantal"] < THRESHOLD:
            assert shown == f"<{THRESHOLD}"  # primary suppression
        hidden[i] = not _is_number(shown)
        if hidden[i]:
            assert not _is_number(kt.display.loc[i, rate_col])  # the rate would give the count away
            assert kt.display.loc[i, "95%-interval"] == "afgeschermd"
        else:
            assert shown.replace(".", "") == f"{int(row['aantal'])}"
    assert not hidden[~is_kern.to_numpy()].any()  # the sum of the kernen and the gemeente total are public
    kern_hidden = hidden[is_kern.to_numpy()]
    assert kern_hidden.sum() != 1  # one hidden kern = total minus the rest
    assert not _leaks(rows.loc[is_kern, "aantal"].to_numpy(), kern_hidden)
    # Figures: only visible kernen with enough cases.
    visible = set(rows.loc[is_kern & ~pd.Series(hidden), "kern"])
    assert set(kt.figure_data["kern"]) <= visible
    assert (kt.figure_data["aantal"] >= max(kr.indicator.min_count, THRESHOLD)).all()


def test_secondary_suppression_happens_in_the_demo(result):
    kt = kernen.kern_table(result.rates["overlast_buurt"], THRESHOLD)
    cells = kt.display.iloc[:, 2].tolist()
    assert cells.count(f"<{THRESHOLD}") == 1 and cells.count("x") >= 1


def test_vm_per_kern_against_the_gemeente(result):
    vm = result.vm
    assert vm.available and set(vm.rows["kern"]) == {"Dwingeloo", "Diever", "Havelte", "Vledder"}
    overlast = vm.rows[(vm.rows["indicator"] == "vm_veel_overlast_pct") & (vm.rows["kern"] == "Vledder")].iloc[0]
    assert overlast["gemeente"] == 30 and overlast["waarde"] == 37 and overlast["n"] == 104
    assert overlast["interval"] == "wilson (n_eff)" and overlast["lower"] < 30 < overlast["upper"]
    assert overlast["richting"] == "gelijk"  # 37% of 104 respondents is not significantly above 30%
    cijfers = vm.rows[vm.rows["indicator"] == "vm_leefbaarheid_cijfer"]
    assert (cijfers["verdict"] == "niet getoetst (geen marges)").all()  # a mean without margins is not tested


def test_vm_per_kern_significant_with_a_large_sample(demo_dataset, mapping):
    obs = demo_dataset.observations.copy()
    sel = (obs["regio_code"] == "KN1701-vledder") & (obs["indicator"] == "vm_veel_overlast_pct")
    obs.loc[sel, "n"] = 2000.0
    ds = Dataset(obs, demo_dataset.config, demo_dataset.status)
    vm = kernen.vm_kernen(ds)
    row = vm.rows[(vm.rows["indicator"] == "vm_veel_overlast_pct") & (vm.rows["kern"] == "Vledder")].iloc[0]
    assert row["richting"] == "hoger" and row["verdict"] == "significant hoger dan de gemeente"
    assert row["kleur"] == "slechter"
    r = kernen.KernenResult(kernen.indeling(ds, mapping), {}, vm, [])
    assert any("Vledder significant hoger dan de gemeente" in f for f in kernen.findings(ds, r))


def test_de_wolden_falls_back_to_wijken(demo_store, mapping):
    ds = dataset_for(demo_store, "GM1690")
    r = kernen.analyse(ds, kern_mapping=mapping)  # Westerveld's mapping must not be used for De Wolden
    assert r.indeling.bron == "wijk"
    assert any("andere gemeente" in n for n in r.indeling.notes)
    assert "Zuidwolde" in r.indeling.kernen and not any(k.lower().startswith("wijk ") for k in r.indeling.kernen)
    assert not r.vm.available and "geen uitkomsten van de Veiligheidsmonitor per kern" in r.vm.messages[0]
    assert all(kr.available for kr in r.rates.values())
    assert 3 <= len(r.findings) <= 5


def test_meppel_large_kernen_are_not_pooled(demo_store):
    ds = dataset_for(demo_store, "GM0119")
    r = kernen.analyse(ds, kern_mapping=None)
    kr = r.rates["misdrijven_buurt"]
    assert kr.years[0] == kr.years[1]  # every kern has enough cases in one year
    assert (kr.kernen["aantal"] >= kr.indicator.min_count).all()
    assert kr.previous == (ds.config.vorige_analyse, ds.config.vorige_analyse)


def test_no_buurt_data_says_so(demo_store):
    ds = dataset_for(demo_store, "GM1680")  # Aa en Hunze: no buurten in the demo
    r = kernen.analyse(ds)
    assert r.indeling.bron == "geen" and not any(kr.available for kr in r.rates.values())
    assert r.findings[0].startswith("Er zijn geen cijfers per buurt")
