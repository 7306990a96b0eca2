"""Chapter 05 Fysieke veiligheid: the veiligheidsregio test, the split by type, suppression, other gemeenten."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import dataset_for
from veiligheidsanalyse.chapters import common, fysiek
from veiligheidsanalyse.stats.compare import compare_periods
from veiligheidsanalyse.store.dataset import Dataset


def _by_type(store) -> pd.DataFrame:
    return pd.read_parquet(store / "inputs" / "tables" / "vr_by_type.parquet")


def _with_values(ds: Dataset, indicator: str, values: dict[int, float]) -> Dataset:
    """The same dataset with the gemeente's figures of one indicator replaced (year -> value)."""
    obs = ds.observations.copy()
    for year, value in values.items():
        rows = (
            (obs["indicator"] == indicator)
            & (obs["regio_code"] == ds.gemeente)
            & (obs["jaar"] == year)
            & obs["maand"].isna()
        )
        assert rows.any(), (indicator, year)
        obs.loc[rows, "waarde"] = value
    return Dataset(obs, ds.config, ds.status)


def test_vr_change_2018_2022_uses_the_ivp_counts_and_is_not_significant(demo_dataset, demo_store):
    vr = fysiek.vr_incidents(demo_dataset, _by_type(demo_store))
    assert vr is not None and (vr.first_year, vr.last_year) == (2018, 2022)
    r = vr.change.result
    assert (r.count1, r.count2) == (186, 171)  # IVP Westerveld 2023-2027, hoofdstuk 5
    # The test is the exact conditional test on the counts with the inhabitants as exposure.
    pop = vr.yearly.set_index("jaar")["noemer"]
    direct = compare_periods(186, pop[2018], 171, pop[2022])
    assert r.p_value == pytest.approx(direct.p_value)
    assert r.p_value > 0.05 and r.lower < 1 < r.upper
    assert vr.change.verdict == "geen significante verandering sinds 2018"
    sentence = vr.change_sentence()
    assert "186" in sentence and "171" in sentence and "geen significante verandering sinds 2018" in sentence
    assert "stabiel" in sentence  # what the test supports, in the IVP's words
    findings = fysiek.findings(vr, [])
    assert findings[0].startswith("Incidenten veiligheidsregio: 186 in 2018 en 171 in 2022")


def test_vr_change_can_be_significant(demo_dataset, demo_store):
    halved = _with_values(demo_dataset, fysiek.VR_TOTAAL, {2022: 90.0})
    vr = fysiek.vr_incidents(halved, _by_type(demo_store))
    assert vr.change.result.direction == "lager"
    assert vr.change.verdict == "significante daling sinds 2018"
    assert "meer dan toeval" in vr.change_sentence()


def test_vr_by_type_adds_the_unsplit_remainder(demo_dataset, demo_store):
    vr = fysiek.vr_incidents(demo_dataset, _by_type(demo_store))
    table = vr.by_type.set_index("Jaar")
    assert vr.types_given == ("brand",)
    assert table.loc[2018, "Brand"] == 52 and table.loc[2018, fysiek.TOTAAL] == 186
    assert table.loc[2018, fysiek.NIET_UITGESPLITST] == 186 - 52
    np.testing.assert_allclose(table["Brand"] + table[fysiek.NIET_UITGESPLITST], table[fysiek.TOTAAL])
    yearly = vr.table().set_index("Jaar")
    assert yearly.loc[2022, "Per 1.000 inwoners"] == pytest.approx(171 / yearly.loc[2022, "Inwoners"] * 1000)
    assert yearly.loc[2022, "Aantal: ondergrens 95%"] < 171 < yearly.loc[2022, "Aantal: bovengrens 95%"]


def test_vr_by_type_suppresses_small_counts(demo_dataset, demo_store):
    raw = _by_type(demo_store)
    raw.loc[(raw["soort"] == "brand") & (raw["jaar"] == 2019), "aantal"] = 3
    vr = fysiek.vr_incidents(demo_dataset, raw)
    shown, hidden = common.suppressed_table(vr.by_type, "Jaar", fysiek.by_type_columns(vr), 5, total_col=fysiek.TOTAAL)
    row = shown.set_index("Jaar").loc["2019"]
    assert row["Brand"] == "<5"
    # The total of the row is shown, so the remainder would give the 3 away: it is hidden too.
    assert row[fysiek.NIET_UITGESPLITST] == "x" and row[fysiek.TOTAAL] == 179
    assert hidden >= 3  # and a second cell in the Brand column (its total over the years is public)
    assert "3" not in shown.astype(str).to_numpy().ravel().tolist()


def test_other_gemeente_without_partner_inputs(demo_store):
    ds = dataset_for(demo_store, "GM1690")
    assert fysiek.vr_incidents(ds, None) is None
    assert "geen cijfers over branden" in fysiek.natuurbrand_missing(ds)
    from veiligheidsanalyse import analysis

    profiles = [analysis.profile(ds, i) for i in fysiek.VERKEER + fysiek.BRAND]
    assert all(p is not None for p in profiles)
    findings = fysiek.findings(None, profiles)
    assert 3 <= len(findings) <= 5


def test_natuurbrand_says_there_are_no_data(demo_dataset):
    text = fysiek.natuurbrand_missing(demo_dataset)
    assert text.startswith("Er zijn geen cijfers over natuurbranden")
    assert "44 in 2022" in text  # the partner's total number of fires, without a split
