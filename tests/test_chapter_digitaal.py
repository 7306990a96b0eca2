"""Chapter 07 Digitale veiligheid: the online share and its tests, the shift, victimisation, other gemeenten."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dataset_for
from veiligheidsanalyse import analysis
from veiligheidsanalyse.chapters import digitaal as dg
from veiligheidsanalyse.stats.trend import poisson_trend
from veiligheidsanalyse.store.dataset import Dataset


def _value(ds, indicator, code, year):
    obs = ds.observations
    rows = obs[
        (obs["indicator"] == indicator) & (obs["regio_code"] == code) & (obs["jaar"] == year) & obs["maand"].isna()
    ]
    return float(rows["waarde"].iloc[0])


def _scaled(ds: Dataset, indicator: str, factor: float, from_year: int) -> Dataset:
    obs = ds.observations.copy()
    rows = (
        (obs["indicator"] == indicator)
        & (obs["regio_code"] == ds.gemeente)
        & (obs["jaar"] >= from_year)
        & obs["maand"].isna()
    )
    obs.loc[rows, "waarde"] = (obs.loc[rows, "waarde"] * factor).round()
    return Dataset(obs, ds.config, ds.status)


def test_online_share_is_online_over_total_from_the_store(demo_dataset):
    share = dg.online_share(demo_dataset)
    table = share.table.set_index(["regio_code", "jaar"])
    for code in ("GM1701", "NL01"):
        for year in (2015, 2020, 2025):
            online = sum(
                _value(demo_dataset, i, code, year) for i in ("cybercrime", "fraude_horizontaal", "fraude_overig")
            )
            total = _value(demo_dataset, "misdrijven_totaal", code, year)
            assert table.loc[(code, year), "online"] == online
            assert table.loc[(code, year), "totaal"] == total
            assert table.loc[(code, year), "aandeel"] == pytest.approx(100 * online / total)


def test_trend_of_the_share_is_a_poisson_trend_with_all_crime_as_exposure(demo_dataset):
    share = dg.online_share(demo_dataset)
    own = share.table[share.table["regio_code"] == "GM1701"]
    direct = poisson_trend(own["jaar"], own["online"], own["totaal"], breaks=(2020, 2021))
    assert share.comparison.own.annual_change_pct == pytest.approx(direct.annual_change_pct)
    assert share.comparison.own.p_value == pytest.approx(direct.p_value)
    assert share.comparison.own.years_excluded == (2020, 2021)
    assert share.comparison.own.direction == "hoger"  # demo: online crime rises faster than crime as a whole
    sentences = " ".join(share.sentences("GM1701", "NL01"))
    assert "cybercrime of fraude" in sentences and "relatief" in sentences


def test_a_faster_local_shift_is_detected(demo_dataset):
    same = dg.online_share(demo_dataset)
    assert same.comparison.relative.direction == "gelijk"
    assert "verschilt niet significant" in same.comparison.relative_verdict
    faster = dg.online_share(_scaled(demo_dataset, "fraude_horizontaal", 3.0, 2022))
    assert faster.comparison.relative.direction == "hoger"
    assert "stijgt significant sneller dan in Nederland" in faster.comparison.relative_verdict


def test_shift_burglary_down_online_up(demo_dataset):
    s = dg.shift(demo_dataset)
    # Falling and rising at 95% on their own; after the correction for every test of the report only
    # indications (the words say so).
    assert s.trends["Woninginbraak"].raw_direction == "lager"
    assert s.trends[dg.ONLINE_LABEL].raw_direction == "hoger"
    rows = s.table[(s.table["reeks"] == "Woninginbraak") & (s.table["jaar"] == 2025)]
    assert rows["aantal"].iloc[0] == _value(demo_dataset, "woninginbraak", "GM1701", 2025)
    assert rows["per_1000"].iloc[0] == pytest.approx(rows["aantal"].iloc[0] / rows["noemer"].iloc[0] * 1000)
    assert "aanwijzing voor een daling" in s.sentence("Westerveld")


def test_victimisation_online_against_traditional(demo_dataset):
    found = {i: analysis.profile(demo_dataset, i) for i in dg.VM}
    sentence = dg.victimisation_sentence(demo_dataset, found)
    assert "14%" in sentence and "8,3%" in sentence
    assert "niet getoetst" in sentence  # the IVP gives no margins or respondents
    # With margins the difference is tested (as independent samples: conservative for the same respondents).
    online, trad = found[dg.VM_ONLINE], found[dg.VM_TRADITIONEEL]
    for p, (lo, hi) in ((online, (12.0, 16.6)), (trad, (6.8, 9.8))):
        p.lower, p.upper = lo, hi
    tested = dg.victimisation_sentence(demo_dataset, found)
    # significant on its own, but this test is not in the report's family: never "significant"
    assert "aanwijzing: hoger dan traditionele criminaliteit, niet significant na correctie" in tested


def test_findings_come_from_tests(demo_dataset):
    found = {i: analysis.profile(demo_dataset, i) for i in dg.REGISTRATIES}
    findings = dg.findings(dg.online_share(demo_dataset), dg.shift(demo_dataset), found)
    assert 3 <= len(findings) <= 5
    assert findings[0].startswith("Aandeel cybercrime en fraude in alle misdrijven: significante stijging")
    assert all("significant" in f or "te weinig" in f for f in findings)


def test_other_gemeente_without_partner_inputs(demo_store):
    ds = dataset_for(demo_store, "GM1690")
    share = dg.online_share(ds)
    assert share is not None and set(share.table["regio_code"]) == {"GM1690", "NL01"}
    vm = analysis.profile(ds, dg.VM_ONLINE)
    assert vm.edition is None  # no Veiligheidsmonitor export for De Wolden: the chapter says it is missing
    assert dg.victimisation_sentence(ds, {dg.VM_ONLINE: vm}) is None
    assert np.isfinite(dg.shift(ds).table["per_1000"]).all()
