"""Chapter 06 Ondermijning: pooled rare counts, the ratio to the Netherlands, vakantieparken, other gemeenten."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dataset_for
from veiligheidsanalyse import analysis
from veiligheidsanalyse.chapters import ondermijning as om
from veiligheidsanalyse.chapters.page import PartnerInputs


@pytest.fixture(scope="module")
def found(demo_dataset):
    out = {i: analysis.profile(demo_dataset, i) for i in om.INDICATORS}
    return {k: v for k, v in out.items() if v is not None}


def _store_value(ds, indicator, code, year):
    obs = ds.series(indicator, [code])
    return float(obs.loc[obs["jaar"] == year, "waarde"].iloc[0])


def test_rare_counts_are_pooled_over_three_years(demo_dataset, found):
    p = found["mensenhandel"]
    assert p.years == (2023, 2025) and p.pooled
    assert p.count == sum(_store_value(demo_dataset, "mensenhandel", "GM1701", y) for y in (2023, 2024, 2025))
    assert p.count < 10
    assert p.comparisons["nederland"].verdict == "te weinig gevallen om te vergelijken"
    assert p.trend_verdict.startswith("te weinig gevallen")


def test_ratio_to_the_netherlands_is_observed_over_expected(demo_dataset, found):
    frame = om.ratio_frame(found).set_index("indicator")
    p = found["drugshandel"]
    years = range(p.years[0], p.years[1] + 1)
    nl = demo_dataset.counts("drugshandel", ["NL01"], years=p.years)
    nl_rate = nl["aantal"].sum() / nl["noemer"].sum()
    expected = nl_rate * p.denominator
    row = frame.loc[p.indicator.label]
    assert row["aantal"] == sum(_store_value(demo_dataset, "drugshandel", "GM1701", y) for y in years)
    assert row["verwacht_bij_nl_cijfer"] == pytest.approx(expected)
    assert row["verhouding"] == pytest.approx(row["aantal"] / expected)
    assert row["ondergrens_95"] < row["verhouding"] < row["bovengrens_95"]
    # The verdict follows the interval: below 1 throughout = significantly lower.
    assert (row["bovengrens_95"] < 1) == (row["oordeel"] == "significant lager dan Nederland")


def test_yearly_table_holds_the_store_values(demo_dataset, found):
    table = om.yearly_table(demo_dataset, found).set_index("Jaar")
    for indicator in found:
        label = found[indicator].indicator.label
        for year in (2015, 2021, 2025):
            assert table.loc[year, label] == _store_value(demo_dataset, indicator, "GM1701", year)


def test_vakantieparken_from_the_partner_input(demo_dataset, demo_store):
    partner = demo_dataset.observations[demo_dataset.observations["status"] == "partner"]
    inputs = PartnerInputs(demo_store / "inputs", partner, "GM1701")
    assert inputs.value(om.VAKANTIEPARKEN) == 64  # IVP hoofdstuk 4: ongeveer 64 vakantieparken
    parken = om.vakantieparken(inputs.value(om.VAKANTIEPARKEN), inputs.table("vakantieparken"))
    sentence = parken.sentence("Westerveld")
    assert "64 vakantieparken" in sentence and "(2023)" in sentence
    assert "permanente bewoning en handhavingsacties" in sentence  # '.' in the file: unknown, said so
    assert np.isnan(parken.table["Permanente bewoning"].iloc[0])  # shown as "onbekend", never 0


def test_other_gemeente_without_partner_inputs(demo_store):
    ds = dataset_for(demo_store, "GM1690")
    assert om.vakantieparken(None, None).sentence("De Wolden") is None
    text = om.buitengebied_text(ds)
    assert "niet stedelijk" in text and "480 adressen per km²" in text
    profiles = {i: analysis.profile(ds, i) for i in om.INDICATORS}
    assert all(p is not None for p in profiles.values())
    findings = om.findings(profiles)
    assert 3 <= len(findings) <= 5
    assert not om.ratio_frame(profiles).empty


def test_witwassen_and_drug_dumps_are_said_to_be_unavailable():
    assert any("Witwassen is niet apart beschikbaar" in t for t in om.NOT_AVAILABLE)
    assert any("drugsafval" in t for t in om.NOT_AVAILABLE)
    assert "inzet van politie" in om.CAVEAT
