"""Chapter 03 Kernen en wijken (veiligheidsanalyse.chapters.kernen) on the demo store.

Properties checked against the store itself (not against the module's own arithmetic): every buurt
is in a named group (the gemeente's kern, else its CBS wijk as the store names it) and no catch-all
is bigger than the largest kern, kern counts add up to the gemeente row of the buurt table, the row
"Totaal gemeente" is the gemeente's own figure (the same as in the other chapters) with the
registrations without a buurt as the difference, denominators are the KWB inhabitants of the buurten
in each group, rates recompute, suppression hides small counts and nothing that would reveal them
(checked with an independent linear-algebra leak test), figures show no hidden or small kern, the
chapter falls back to CBS wijken for a gemeente whose mapping is absent (De Wolden, Meppel), and
what the analyst should complete is in the chapter's to-do list, not in a text for readers.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import null_space

from conftest import dataset_for
from veiligheidsanalyse.chapters import kernen
from veiligheidsanalyse.stats import compare, verdicts
from veiligheidsanalyse.store.dataset import Dataset

THRESHOLD = 5


@pytest.fixture(scope="module")
def mapping(demo_store):
    return pd.read_parquet(demo_store / "inputs" / "tables" / "kernen.parquet")


@pytest.fixture(scope="module")
def result(demo_dataset, mapping):
    return kernen.analyse(demo_dataset, kern_mapping=mapping)


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"-?[\d.]+(,\d+)?", str(text)))


CATCH_ALL = "Overig/buitengebied"  # the example mapping's catch-all


def _wijk_names(ds: Dataset, digits: str) -> dict[str, str]:
    """The CBS wijk names as the store has them ("Wijk 00 Diever" or "Diever"), without the number."""
    kwb = ds.series("inwoners_kwb")
    wijken = kwb[kwb["regio_code"].str.startswith(f"WK{digits}")]
    return {c[2:]: re.sub(r"^Wijk \d+ ", "", n) for c, n in zip(wijken["regio_code"], wijken["regio_naam"])}


def _expected_groups(ds: Dataset, mapping: pd.DataFrame | None) -> dict[str, str]:
    """Buurtcode -> group, derived here from the store and the mapping: the partner's kern unless it is the
    catch-all, else the buurt's CBS wijk ("Rest van wijk X" when another buurt of that wijk is in a kern)."""
    digits = ds.gemeente[2:]
    kwb = ds.series("inwoners_kwb")
    codes = sorted(set(kwb.loc[kwb["regio_code"].str.startswith(f"BU{digits}"), "regio_code"]))
    own = (
        {}
        if mapping is None
        else {
            c: k
            for c, k in zip(mapping["buurtcode"], mapping["kern"])
            if c.startswith(f"BU{digits}") and k != CATCH_ALL
        }
    )
    split = {c[2:8] for c in own}
    names = _wijk_names(ds, digits)
    return {c: own.get(c) or (f"Rest van wijk {names[c[2:8]]}" if c[2:8] in split else names[c[2:8]]) for c in codes}


def test_mapping_decides_the_kernen_and_wijken_the_rest(demo_dataset, result, mapping):
    ind = result.indeling
    assert ind.bron == "partner"
    assert dict(zip(ind.buurten["buurtcode"], ind.buurten["kern"])) == _expected_groups(demo_dataset, mapping)
    partner_kernen = set(mapping["kern"]) - {CATCH_ALL}
    assert partner_kernen <= set(ind.kernen)
    # The example mapping's catch-all is not a group on the page; the buurt it lacks (Boschoord) is in its wijk.
    assert CATCH_ALL not in ind.kernen and kernen.NOT_ASSIGNED not in ind.kernen
    assert ind.buurten.set_index("buurtcode").loc["BU17011700", "kern"] == "Boschoord"
    assert set(ind.by_wijk["buurtcode"]) == set(ind.buurten.loc[~ind.buurten["kern"].isin(partner_kernen), "buurtcode"])


@pytest.mark.parametrize("with_mapping", [True, False])
def test_no_catch_all_bigger_than_the_largest_kern(demo_dataset, mapping, with_mapping):
    ind = kernen.indeling(demo_dataset, mapping if with_mapping else None)
    sizes = ind.buurten.groupby("kern")["inwoners"].sum()
    named = [k for k in sizes.index if k != kernen.NOT_ASSIGNED]
    assert len(named) >= 4 and all(k and not kernen.is_catch_all(k) for k in named)
    assert sizes.get(kernen.NOT_ASSIGNED, 0) <= sizes[named].max()
    assert ind.catch_all_share() == 0  # every buurt of the demo has a CBS wijk
    # Without a mapping the groups are the CBS wijken, by their names (not "Wijk 00 ...").
    if not with_mapping:
        assert ind.bron == "wijk"
        assert set(ind.kernen) == set(_wijk_names(demo_dataset, "1701").values())


def test_rates_group_every_buurt_by_kern_or_wijk(demo_dataset, result):
    kr = result.rates["misdrijven_buurt"]
    shown = set(kr.kernen["kern"])
    assert shown == set(result.indeling.kernen)
    sizes = kr.kernen.set_index("kern")["noemer"]
    assert kernen.NOT_ASSIGNED not in sizes or sizes[kernen.NOT_ASSIGNED] <= sizes.drop(kernen.NOT_ASSIGNED).max()


@pytest.mark.parametrize(
    "name, catch_all",
    [
        ("Overig/buitengebied", True),
        ("Overig", True),
        ("buitengebied", True),
        ("Rest van de gemeente", True),
        ("Overige kernen", True),
        ("Niet ingedeeld", True),
        ("", True),
        (None, True),
        ("Vledder", False),
        ("Havelte-Oost", False),
        ("Rest van wijk Diever", False),
        ("Diever en Wittelte", False),
    ],
)
def test_catch_all_names(name, catch_all):
    assert kernen.is_catch_all(name) is catch_all


def test_a_buurt_without_a_known_wijk_is_named_plainly(demo_dataset, mapping):
    obs = demo_dataset.observations
    gone = obs["regio_code"] == "WK170117"  # the wijk of Boschoord
    ds = Dataset(obs[~gone].reset_index(drop=True), demo_dataset.config, demo_dataset.status)
    ind = kernen.indeling(ds, mapping)
    without = set(ind.buurten.loc[ind.buurten["kern"] == kernen.NOT_ASSIGNED, "buurtcode"])
    assert without == {"BU17011700", "BU17011709"} and kernen.NOT_ASSIGNED == "Buurten zonder wijk"
    assert ind.kernen[-1] == kernen.NOT_ASSIGNED
    assert any("wijk niet bekend" in n for n in ind.notes)
    assert any("BU17011700" in " ".join(details) for _, details in kernen.indeling_todo(ind, "Westerveld"))
    # Police codes the KWB lacks: the partner's kern, else the wijk's group, else the plain catch-all.
    codes = pd.Series(["BU17010000", "BU17010099", "BU17011799", "XX"])
    assert list(ind.kern_of(codes)) == ["Diever", "Rest van wijk Diever", kernen.NOT_ASSIGNED, kernen.NOT_ASSIGNED]


IMPERATIVE = re.compile(
    r"(^|[.;:!?]\s+)(Vul|Lever|Vraag|Vervang|Voeg|Controleer|Werk|Deel|Neem)\b|\bvraag\b.{0,80}\bop\b"
    r"|\baanleveren\b|map met partnerbestanden|\.(csv|xlsx|md)\b",
    re.IGNORECASE,
)


def _reader_texts(result) -> list[str]:
    texts = list(result.indeling.notes) + list(result.findings) + list(result.vm.messages)
    return texts + [n for kr in result.rates.values() for n in kr.notes]


def test_reader_texts_give_no_instructions_and_the_todo_list_does(result):
    for text in _reader_texts(result):
        assert not IMPERATIVE.search(text), text
    todo = result.todo("Westerveld")
    items = [t for t, _ in todo]
    details = [d for _, ds in todo for d in ds]
    assert any("niet in kernen.csv" in t for t in items) and any("BU17011700 Boschoord" in d for d in details)
    assert any("verzamelgroep ('Overig/buitengebied')" in t for t in items)
    assert any("marges" in t and "I&O Research" in t for t in items)  # the VM per kern without margins


def test_without_a_mapping_the_todo_says_so(demo_dataset):
    r = kernen.analyse(demo_dataset, kern_mapping=None)
    assert r.indeling.bron == "wijk" and not r.indeling.has_file
    assert "geen indeling in kernen (kernen.csv)" in r.todo("Westerveld")[0][0]
    for text in _reader_texts(r):
        assert not IMPERATIVE.search(text), text


def test_kern_counts_add_up_to_the_gemeente(demo_dataset, result):
    kr = result.rates["misdrijven_buurt"]
    gem = demo_dataset.series("misdrijven_buurt", ["GM1701"])
    a, b = kr.years
    expected = gem[(gem["jaar"] >= a) & (gem["jaar"] <= b)]["waarde"].sum()
    assert kr.kernen["aantal"].sum() == expected == kr.kernen_sum["aantal"]


@pytest.mark.parametrize(
    "indicator_id, gemeente_id",
    [
        ("overlast_buurt", "overlast_totaal"),
        ("misdrijven_buurt", "misdrijven_totaal"),
        ("woninginbraak_buurt", "woninginbraak"),
        ("vernieling_buurt", "vernieling"),
    ],
)
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
    direct = compare.compare_periods(
        before["aantal"].sum(),
        before["noemer"].sum(),
        kr.total["aantal"],
        kr.total["persoonsjaren"],
        method="exact-cond",
    )
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
    by_kern = (
        kwb.assign(kern=kwb["regio_code"].map(_expected_groups(demo_dataset, mapping))).groupby("kern")["waarde"].sum()
    )
    kr = result.rates["overlast_buurt"]
    n_years = kr.years[1] - kr.years[0] + 1
    for _, row in kr.kernen.iterrows():
        assert row["noemer"] == by_kern[row["kern"]]
        assert row["rate"] == pytest.approx(row["aantal"] / (row["noemer"] * n_years) * 1000)
        assert row["lower"] <= row["rate"] <= row["upper"]
    # Woninginbraak is per 1.000 woningen (KWB woningvoorraad of the same buurten).
    assert result.rates["woninginbraak_buurt"].noemer_soort == "woningen"
    assert result.rates["woninginbraak_buurt"].kernen_sum["noemer"] == pytest.approx(
        demo_dataset.series("woningen").query("regio_code.str.startswith('BU1701')", engine="python")["waarde"].sum()
    )


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


def test_secondary_suppression_with_one_small_kern(result):
    kr = result.rates["overlast_buurt"]
    rows = kr.rows.copy()
    kern_rows = rows.index[~rows["kern"].isin(kernen.SUMMARY_ROWS)]
    rows.loc[rows.index.isin(kern_rows), "aantal"] = rows.loc[kern_rows, "aantal"].clip(lower=THRESHOLD)
    rows.loc[kern_rows[0], "aantal"] = 3  # one small kern: the sum of the kernen would give it away
    rows.loc[rows["kern"] == kernen.KERNEN_SUM, "aantal"] = rows.loc[kern_rows, "aantal"].sum()
    cells = kernen.kern_table(dataclasses.replace(kr, rows=rows), THRESHOLD).display.iloc[:, 2].tolist()
    assert cells.count(f"<{THRESHOLD}") == 1 and cells.count("x") >= 1
    # ... and the demo itself hides small kernen.
    assert (
        kernen.kern_table(result.rates["woninginbraak_buurt"], THRESHOLD).display.iloc[:, 2] == f"<{THRESHOLD}"
    ).any()


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
    assert r.indeling.bron == "wijk" and r.indeling.foreign_mapping
    assert not any("andere gemeente" in n for n in r.indeling.notes)  # the analyst's matter, not the reader's
    assert "andere gemeente" in r.todo("De Wolden")[0][0]
    assert "Zuidwolde" in r.indeling.kernen and not any(k.lower().startswith("wijk ") for k in r.indeling.kernen)
    assert not r.vm.available and "geen uitkomsten van de Veiligheidsmonitor per kern" in r.vm.messages[0]
    assert all(kr.available for kr in r.rates.values())
    assert 3 <= len(r.findings) <= 5


def test_large_kernen_are_not_pooled(demo_store):
    ds = dataset_for(demo_store, "GM0119")  # Meppel: large wijken and a few very small ones
    ind = kernen.indeling(ds, kern_mapping=None)
    assert kernen.kern_rates(ds, "misdrijven_buurt", ind).pooled  # a small wijk has too few cases in one year
    # The same buurten with the small wijken together: every kern has enough cases in one year.
    sizes = ind.buurten.groupby("kern")["inwoners"].sum()
    small = set(sizes.index[sizes < 3000])
    together = "Kleinere wijken samen"
    merged = dataclasses.replace(
        ind,
        buurten=ind.buurten.assign(kern=ind.buurten["kern"].where(~ind.buurten["kern"].isin(small), together)),
        wijk_labels={code: together if label in small else label for code, label in ind.wijk_labels.items()},
    )
    kr = kernen.kern_rates(ds, "misdrijven_buurt", merged)
    assert kr.years[0] == kr.years[1]
    assert (kr.kernen["aantal"] >= kr.indicator.min_count).all()
    assert kr.previous == (ds.config.vorige_analyse, ds.config.vorige_analyse)


def test_no_buurt_data_says_so(demo_store):
    ds = dataset_for(demo_store, "GM1680")  # Aa en Hunze, here without its wijken and buurten
    obs = ds.observations
    ds = Dataset(obs[~obs["regio_code"].str.match(r"^(BU|WK)1680")].reset_index(drop=True), ds.config, ds.status)
    r = kernen.analyse(ds)
    assert r.indeling.bron == "geen" and not any(kr.available for kr in r.rates.values())
    assert r.findings[0].startswith("Er zijn geen cijfers per buurt")


def test_wijken_with_the_same_name_stay_apart(demo_store):
    ds = dataset_for(demo_store, "GM1699")  # Noordenveld: 'Wijk 00 Roden' and 'Wijk 01 Roden' (its buitengebied)
    ind = kernen.indeling(ds)
    assert set(ind.kernen) == {"Roden", "Buitengebied Roden", "Norg", "Buitengebied Norg", "Peize"}
    # Two wijken of several buurten with one name keep their CBS names.
    obs = ds.observations.copy()
    obs.loc[obs["regio_code"] == "BU16990000", "regio_code"] = "BU16990101"  # a second buurt in wijk 01
    ind = kernen.indeling(Dataset(obs, ds.config, ds.status))
    assert {"Wijk 00 Roden", "Wijk 01 Roden", "Norg"} <= set(ind.kernen)
