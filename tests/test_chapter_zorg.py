"""Chapter 08 Zorg en veiligheid: E33 against the national trend, Veilig Thuis unknowns, suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import dataset_for
from veiligheidsanalyse import analysis
from veiligheidsanalyse.chapters import zorg
from veiligheidsanalyse.stats.trend import poisson_trend
from veiligheidsanalyse.store.dataset import Dataset


def _edit(
    ds: Dataset,
    indicator: str,
    values: dict[int, float],
    status: str | None = None,
    drop_partner: bool = False,
    partner: bool = False,
) -> Dataset:
    """The dataset with the gemeente's figures of one indicator replaced (NaN = '.' at the source); open-data
    rows unless ``partner``."""
    obs = ds.observations.copy()
    base = (obs["indicator"] == indicator) & (obs["regio_code"] == ds.gemeente) & obs["maand"].isna()
    for year, value in values.items():
        rows = base & (obs["jaar"] == year) & ((obs["status"] == "partner") == partner)
        assert rows.any(), (indicator, year)
        obs.loc[rows, "waarde"] = value
        if status:
            obs.loc[rows, "status"] = status
        if drop_partner:
            obs = obs[~(base & (obs["jaar"] == year) & (obs["status"] == "partner"))]
            base = base.reindex(obs.index)
    return Dataset(obs.reset_index(drop=True), ds.config, ds.status)


def test_e33_trend_against_the_national_trend(demo_dataset):
    comp = zorg.e33_against_nl(demo_dataset)
    own = demo_dataset.counts(zorg.E33, ["GM1701"]).sort_values("jaar")
    nl = demo_dataset.counts(zorg.E33, ["NL01"]).sort_values("jaar")
    direct = poisson_trend(own["jaar"], own["aantal"], own["noemer"], breaks=(2020, 2021))
    assert comp.own.annual_change_pct == pytest.approx(direct.annual_change_pct)
    ref = poisson_trend(nl["jaar"], nl["aantal"], nl["noemer"], breaks=(2020, 2021))
    assert comp.reference.annual_change_pct == pytest.approx(ref.annual_change_pct)
    # The relative trend: local counts against what the national rate predicts for the local population.
    expected = own["noemer"].to_numpy() * nl["aantal"].to_numpy() / nl["noemer"].to_numpy()
    rel = poisson_trend(own["jaar"], own["aantal"], expected, breaks=(2020, 2021))
    assert comp.relative.annual_change_pct == pytest.approx(rel.annual_change_pct)
    assert comp.own.direction == "hoger" and comp.reference.direction == "hoger"
    assert comp.relative.direction == "gelijk"
    assert "verschilt niet significant van die in Nederland" in comp.relative_verdict
    assert "Nederland: significante stijging" in zorg.e33_comparison_text(comp)


def test_a_local_rise_faster_than_the_national_one_is_detected(demo_dataset):
    own = demo_dataset.counts(zorg.E33, ["GM1701"]).set_index("jaar")["aantal"]
    faster = _edit(demo_dataset, zorg.E33, {y: round(own[y] * 1.25 ** (y - 2015)) for y in own.index})
    comp = zorg.e33_against_nl(faster)
    assert comp.relative.direction == "hoger"
    assert "stijgt significant sneller dan in Nederland" in comp.relative_verdict


def test_veilig_thuis_dot_is_unknown_and_the_partner_fills_in(demo_dataset):
    # 2022 not published in the open data ('.'): the partner export (71 + 66 half years) takes its place.
    edited = _edit(demo_dataset, "veilig_thuis_meldingen", {2022: np.nan}, status="onbekend")
    shown, hidden = zorg.veilig_thuis_table(edited, 5)
    row = shown.set_index("Jaar").loc["2022"]
    assert row["Meldingen"] == 137 and "partnerexport" in row["Bron"]
    # Without a partner figure the year stays unknown: never 0, and said so.
    gone = _edit(demo_dataset, "veilig_thuis_meldingen", {2022: np.nan}, status="onbekend", drop_partner=True)
    shown, _ = zorg.veilig_thuis_table(gone, 5)
    assert pd.isna(shown.set_index("Jaar").loc["2022", "Meldingen"])
    assert zorg.veilig_thuis_unknown_years(gone) == [2022]
    p = analysis.count_profile(gone, "veilig_thuis_meldingen")
    assert 2022 not in set(p.trend.years_used)


def test_partner_counts_are_suppressed(demo_dataset, demo_store):
    periods = pd.read_parquet(demo_store / "inputs" / "tables" / "veilig_thuis_by_period.parquet")
    shown, hidden = zorg.veilig_thuis_periods(periods, 5)
    assert hidden == 0 and shown.set_index("Periode").loc["2022-H1", "Meldingen"] == 71
    periods.loc[(periods["periode"] == "2023-H2") & (periods["soort"] == "adviezen"), "aantal"] = 2
    shown, hidden = zorg.veilig_thuis_periods(periods, 5)
    column = shown.set_index("Periode")["Adviezen"]
    assert column["2023-H2"] == "<5"
    assert (column == "x").sum() == 1 and hidden == 2  # the column total is public: a second cell goes
    assert shown.set_index("Periode").loc["2023-H2", "Meldingen"] == 70  # row sums are not published

    small = _edit(demo_dataset, zorg.WOONOVERLAST, {2019: 3.0}, partner=True)
    wo = zorg.woonoverlast(small, 5)
    table = wo.table.set_index("Jaar")["Meldingen woonoverlast"]
    assert table["2019"] == "<5" and (table == "x").sum() == 1
    text = " ".join(wo.sentences())
    assert "<5 in 2019" in text and "3 in 2019" not in text


def test_woonoverlast_change_and_findings(demo_dataset):
    wo = zorg.woonoverlast(demo_dataset, 5)
    assert (wo.change.result.count1, wo.change.result.count2) == (38, 56)
    assert wo.change.verdict == "geen significante verandering sinds 2019"
    e33 = analysis.count_profile(demo_dataset, zorg.E33)
    vt = {i: analysis.count_profile(demo_dataset, i) for i in zorg.VEILIG_THUIS}
    findings = zorg.findings(e33, zorg.e33_against_nl(demo_dataset), wo, vt)
    assert 3 <= len(findings) <= 5
    assert findings[0].startswith("Overlast door verward persoon (E33): significante stijging")
    assert any(f.startswith("Woonoverlast: geen significante verandering sinds 2019") for f in findings)
    assert len(set(findings)) == len(findings)
    assert sum("significante stijging van gemiddeld" in f and "(E33)" in f for f in findings) == 1  # said once


def test_e33_partner_export_fills_a_missing_open_data_year(demo_dataset):
    edited = _edit(demo_dataset, zorg.E33, {2019: np.nan}, status="onbekend")
    shown, _ = zorg.e33_table(edited, 5)
    row = shown.set_index("Jaar").loc["2019"]
    assert row["Meldingen E33"] == 48 and row["Bron"] == "partnerexport"  # politie_export e33 2019


def test_other_gemeente_without_partner_inputs(demo_store):
    ds = dataset_for(demo_store, "GM1690")
    assert zorg.woonoverlast(ds, 5) is None
    assert zorg.veilig_thuis_periods(None, 5) == (None, 0)
    comp = zorg.e33_against_nl(ds)
    assert comp is not None and comp.own.status == "ok"
    shown, _ = zorg.veilig_thuis_table(ds, 5)
    assert set(shown["Bron"]) <= {"open data", "open data (voorlopig)"}


def test_small_sensitive_levels_are_not_shown(demo_dataset):
    edited = _edit(demo_dataset, "veilig_thuis_meldingen", {2023: 1.0, 2024: 1.0, 2025: 1.0})
    p = analysis.count_profile(edited, "veilig_thuis_meldingen")
    assert p.pooled and p.count == 3
    sentence = zorg.profile_sentence(p, 5)
    assert "minder dan 5" in sentence and " 3 " not in sentence and "per 1.000" not in sentence
    table, _ = zorg.profile_table({"veilig_thuis_meldingen": p}, 5)
    assert table.loc[0, "Niveau"] == "minder dan 5 (afgeschermd)"
    big = analysis.count_profile(demo_dataset, "veilig_thuis_meldingen")
    assert zorg.profile_sentence(big, 5) == big.sentence()
