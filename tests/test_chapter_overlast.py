"""Chapter 02 Overlast en veiligheidsbeleving (veiligheidsanalyse.chapters.overlast) on the demo store.

Checks real properties: rates recompute from the store's counts, the Veiligheidsmonitor is only
tested within one edition and never across the 2021 method break, margins decide whether a
difference is tested at all, and the chapter works for a gemeente without VM results (De Wolden).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import dataset_for
from veiligheidsanalyse.chapters import overlast
from veiligheidsanalyse.store.dataset import Dataset


@pytest.fixture(scope="module")
def result(demo_dataset):
    return overlast.analyse(demo_dataset)


def _with_rows(ds: Dataset, rows: list[dict], drop=None) -> Dataset:
    """The same data with extra (or replaced) observations: a gemeente export with margins, say."""
    obs = ds.observations.copy()
    if drop is not None:
        obs = obs[~drop(obs)]
    template = obs.iloc[0].to_dict()
    extra = []
    for row in rows:
        record = dict(template)
        record.update(
            {
                "maand": pd.NA,
                "ondergrens": np.nan,
                "bovengrens": np.nan,
                "n": np.nan,
                "status": "partner",
                "bron": "partner: veiligheidsmonitor (test)",
                "regio_soort": "gemeente",
            }
        )
        record.update(row)
        extra.append(record)
    new = pd.concat([obs, pd.DataFrame(extra).astype(obs.dtypes.to_dict())], ignore_index=True)
    return Dataset(new, ds.config, ds.status)


def test_registration_rates_recompute_from_the_store(demo_dataset, result):
    p = result.registraties["overlast_totaal"]
    store = demo_dataset.series("overlast_totaal", ["GM1701"])
    inwoners = demo_dataset.series("bevolking", ["GM1701"])
    year = p.years[1]
    count = float(store.loc[store["jaar"] == year, "waarde"].iloc[0])
    population = float(inwoners.loc[inwoners["jaar"] == year, "waarde"].iloc[0])
    assert p.years == (year, year) and p.count == count
    assert p.rate.value == pytest.approx(count / population * 1000)
    assert p.rate.lower < p.rate.value < p.rate.upper


def test_small_series_are_pooled_and_not_compared(result):
    p = result.registraties["burengerucht"]
    assert p.pooled and p.years[1] - p.years[0] == 2
    assert p.comparisons["nederland"].verdict == "te weinig gevallen om te vergelijken"
    assert p.trend_verdict == "te weinig gevallen voor een trend"


def test_vm_across_the_2021_break_is_not_compared(result):
    p = result.vm.profiles["vm_leefbaarheid_cijfer"]
    assert p.edition == 2021 and p.change is not None
    assert p.change.result.status == "niet vergelijkbaar" and math.isnan(p.change.result.p_value)
    assert "niet vergelijkbaar" in p.change.verdict
    row = result.vm.table[result.vm.table["Indicator"] == p.indicator.label].iloc[0]
    assert row["Vorige editie"].startswith("2017:") and "niet vergelijkbaar" in row["Vorige editie"]
    assert any("2021 vernieuwd" in m for m in result.vm.messages)


def test_vm_comparisons_stay_within_the_edition(result):
    for p in result.vm.profiles.values():
        for comp in p.comparisons.values():
            assert comp.result.edition1 == comp.result.edition2 == p.edition


def test_vm_without_margins_is_not_tested(demo_dataset, result):
    p = result.vm.profiles["vm_veel_overlast_pct"]
    assert set(p.comparisons) == {"nederland", "provincie"}
    assert all(c.result.status == "geen marges" and c.colour == "onbekend" for c in p.comparisons.values())
    assert result.vm.untested
    assert "niet getoetst" in overlast.vm_sentence(demo_dataset, result.vm)


def test_vm_with_margins_is_tested_and_the_break_still_holds(demo_dataset):
    # Westerveld with margins: 2017 and 2021 far apart (not comparable), 2023 far above the Netherlands.
    rows = [
        {
            "indicator": "vm_onveilig_buurt_pct",
            "regio_code": "GM1701",
            "regio_naam": "Westerveld",
            "jaar": year,
            "waarde": value,
            "ondergrens": value - 2.0,
            "bovengrens": value + 2.0,
        }
        for year, value in ((2017, 8.0), (2021, 20.0), (2023, 24.0))
    ]
    ds = _with_rows(
        demo_dataset, rows, drop=lambda o: (o["indicator"] == "vm_onveilig_buurt_pct") & (o["regio_code"] == "GM1701")
    )
    vm = overlast.veiligheidsmonitor(ds, ["vm_onveilig_buurt_pct"])
    p = vm.profiles["vm_onveilig_buurt_pct"]
    assert p.edition == 2023
    nl = p.comparisons["nederland"]
    assert nl.result.status == "ok" and nl.result.direction == "hoger"
    assert nl.verdict == "significant hoger dan Nederland" and nl.colour == "slechter"
    assert p.change.result.edition1 == 2021 and p.change.result.status == "ok"  # 2021 -> 2023: same design
    # The same data seen from 2021: the previous edition 2017 is never tested, however large the gap.
    ds21 = _with_rows(
        demo_dataset,
        rows[:2],
        drop=lambda o: (o["indicator"] == "vm_onveilig_buurt_pct") & (o["regio_code"] == "GM1701"),
    )
    p21 = overlast.veiligheidsmonitor(ds21, ["vm_onveilig_buurt_pct"]).profiles["vm_onveilig_buurt_pct"]
    assert p21.change.result.status == "niet vergelijkbaar" and "niet vergelijkbaar" in p21.change.verdict
    assert overlast.vm_sentence(ds, vm).startswith("Veiligheidsmonitor 2023: ")


def test_sociale_overlast_claim_follows_the_tests(demo_dataset, result):
    check = result.ivp
    assert len(check.table) == len(overlast.IVP_SOCIALE_OVERLAST)
    for label in check.supported:
        row = check.table[check.table["Reeks"] == label].iloc[0]
        assert "significante stijging" in row["Trend"] or "significante stijging" in row.iloc[4]
    for label in check.not_shown:
        row = check.table[check.table["Reeks"] == label].iloc[0]
        assert "significante stijging" not in row["Trend"] and "significante daling" not in row["Trend"]
    assert "Burengerucht (relatieproblemen)" in check.too_few  # 2-3 cases a year in the demo
    assert check.claim.startswith("Wat het vorige plan zei")  # the statements in config/westerveld.yaml


def test_findings_are_three_to_five_and_from_tests(result):
    assert 3 <= len(result.findings) <= 5
    assert any("significant" in f for f in result.findings)
    assert any(f.startswith("Veiligheidsmonitor") for f in result.findings)


def test_de_wolden_without_vm_results(demo_store):
    ds = dataset_for(demo_store, "GM1690")
    r = overlast.analyse(ds)
    assert not r.vm.has_results and r.vm.table.empty
    assert r.vm.messages[0].startswith("Voor De Wolden zijn geen resultaten van de Veiligheidsmonitor")
    assert r.vm.context is not None and {"Drenthe", "Nederland"} <= set(r.vm.context.columns)
    assert "overlast_totaal" in r.registraties
    assert r.ivp.claim == overlast.GENERIC_CLAIM  # Westerveld's plan is not De Wolden's
    woon = r.ivp.table[r.ivp.table["Reeks"].str.startswith("Meldingen woonoverlast")].iloc[0]
    assert woon["Laatste jaar"] == "geen gegevens"  # Westerveld's politie export is not De Wolden's
    assert 3 <= len(r.findings) <= 5
    assert any("geen resultaten van de Veiligheidsmonitor" in f for f in r.findings)
