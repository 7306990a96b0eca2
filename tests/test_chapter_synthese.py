"""Synthesis: priorities follow from tests and configurable weights; the previous plan's statements
are judged by the same tests; the methods chapter lists every source and indicator."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from veiligheidsanalyse import analysis
from veiligheidsanalyse.chapters import family, methode, synthese
from veiligheidsanalyse.sources.boundaries import SOURCE_ID as BOUNDARY_SOURCE
from veiligheidsanalyse.store.dataset import Dataset


def with_config(ds: Dataset, **changes) -> Dataset:
    """The same data with other settings, and the report's family as a chapter would have it."""
    changed = Dataset(ds.observations, dataclasses.replace(ds.config, **changes), ds.status)
    family.use(changed)
    return changed


@pytest.fixture(scope="module")
def result(demo_dataset):
    return synthese.analyse(demo_dataset)


def test_priorities_rest_on_worse_signals_only(result):
    assert result.priorities, "the demo data has significant worsening signals"
    scores = result.scores.set_index("indicator")
    for priority in result.priorities:
        for ind_id in priority.indicators:
            tests = [t for t in result.tests if t.indicator == ind_id]
            assert any(t.colour == "slechter" and t.level in ("signaal", "alarm") for t in tests), ind_id
            assert scores.loc[ind_id, "score"] >= 1.0
    # indicators with no worse signal score zero
    for ind_id, row in scores.iterrows():
        tests = [t for t in result.tests if t.indicator == ind_id]
        if not any(t.colour == "slechter" and t.level in ("signaal", "alarm") for t in tests):
            assert row["score"] == 0.0, ind_id


def test_signal_levels_are_corrected_for_the_number_of_tests(result):
    tested = [t for t in result.tests if not np.isnan(t.p_value)]
    assert len(tested) > 20
    # Holm: the smallest p-value is multiplied by the number of tests
    smallest = min(tested, key=lambda t: t.p_value)
    adjusted = smallest.p_value * len(tested)
    expected = "alarm" if adjusted <= 0.002 else ("signaal" if adjusted <= 0.05 else "geen")
    assert smallest.level == expected
    # a test that is significant at 95% but not after correction is no signal
    for t in tested:
        if t.p_value * len(tested) > 0.05 and t.p_value > 0.05:
            assert t.level == "geen"


def test_weights_change_the_ranking(result):
    zero = {"niveau": 0, "trend": 0, "verandering": 0, "beleving": 0, "ivp_thema": 0}
    scores = synthese.score_indicators(result.profiles, result.tests, zero, result.themes)
    assert synthese.priorities(scores) == []
    level_only = dict(zero, niveau=5)
    scores = synthese.score_indicators(result.profiles, result.tests, level_only, result.themes)
    ranked = synthese.priorities(scores)
    assert ranked
    for pr in ranked:
        assert all(" dan " in e for e in pr.evidence)  # only "hoger dan ..." level verdicts count
    themed = synthese.score_indicators(result.profiles, result.tests, dict(level_only, ivp_thema=10), result.themes)
    bonus = themed.set_index("indicator")["score"] - scores.set_index("indicator")["score"]
    assert set(bonus[bonus > 0].index) <= set(themed.loc[themed["thema"], "indicator"])


def test_statement_checks(demo_dataset):
    """Statements judged with the tests of the report (partner figures and the plan's own figures:
    test_synthese_plan_statements.py)."""
    last = demo_dataset.config.jaar_tot
    statements = [
        {"uitspraak": "Woninginbraak stijgt", "indicator": "woninginbraak", "verwachting": "stijging", "tot": last},
        {"uitspraak": "Woninginbraak daalt", "indicator": "woninginbraak", "verwachting": "daling", "tot": last},
        {"uitspraak": "Straatroof stijgt", "indicator": "straatroof", "verwachting": "stijging", "tot": last},
    ]
    checks = synthese.check_statements(with_config(demo_dataset, uitspraken=tuple(statements)), {})
    trend = analysis.profile(demo_dataset, "woninginbraak")
    # Falling at 95% on its own, but not after the correction for every test of the report: the statement
    # is judged by the same standard as every page (no "ondersteund" on an uncorrected result).
    assert trend.trend.raw_direction == "lager" and trend.trend.p_value < 0.05 < trend.trend.p_adjusted
    assert trend.trend.direction == "gelijk" and trend.trend_verdict.startswith("aanwijzing voor een daling")
    assert [c.oordeel for c in checks][:2] == ["niet ondersteund", "niet ondersteund"]
    assert checks[0].toelichting == trend.trend_verdict
    assert checks[2].oordeel.startswith("niet te toetsen")
    assert all(c.tot == last and c.sinds_oordeel == "geen gegevens" for c in checks)


def test_signal_table_has_every_profile(result):
    table, colours = synthese.signal_table(result.profiles, result.tests, result.scores)
    assert len(table) == len(result.profiles)
    assert set(colours["Trend"]) <= {"slechter", "beter", "gelijk", "neutraal", "onbekend"}
    assert (table["Score"].diff().dropna() <= 1e-9).all()  # sorted by score, highest first


def test_methode_lists_sources_and_indicators(demo_dataset):
    cards = methode.indicator_cards(demo_dataset)
    assert {"Geregistreerde misdrijven, totaal", "Halt-verwijzingen"} <= set(cards["Indicator"])
    assert cards["Definitie"].str.len().min() > 10
    account = methode.data_account(demo_dataset)
    # every table by its id; the map boundaries (not a table) by their name
    sources = demo_dataset.status.sources
    names = {sources[t].naam if t == BOUNDARY_SOURCE else t for t in demo_dataset.status.snapshots}
    assert BOUNDARY_SOURCE in demo_dataset.status.snapshots
    assert all(account["Bron"].str.contains(name, regex=False).any() for name in names), names
    assert (
        "wijk- en buurtkaart" in account.loc[account["Bron"] == sources[BOUNDARY_SOURCE].naam, "Omschrijving"].iloc[0]
    )
    open_data = account[account["Bron"].str.startswith(("CBS", "Politie")) & (account["Status"] != "ontbreekt")]
    assert account.loc[account["Status"] == "ontbreekt", "Bron"].str.contains("47022NED").all()  # not in the demo
    assert (open_data["Status"] == "demodata (DEMO)").all() and (open_data["Jaren met gegevens"] != "geen").all()
    # On demo open data the example partner files are used, and say so.
    examples = account[account["Bron"].str.startswith("Voorbeeldbestand")]
    assert len(examples) == len(demo_dataset.status.inputs) > 0
    assert (examples["Status"] == "voorbeeldgegevens (VOORBEELD)").all()


def test_every_test_can_be_recomputed_and_only_unfavourable_results_signal(result):
    from veiligheidsanalyse.stats.signals import adjust_p

    table = result.signal_csv
    assert list(table.columns) == ["indicator", "naam", "toets", "p", "p_gecorrigeerd", "oordeel", "richting"]
    assert len(table) == len(result.tests) > 100
    assert not table.duplicated(["indicator", "toets"]).any()  # one row per test
    # every chapter's tests are in the one family, not only the indicator profiles
    assert {"lopend jaar", "trend tegen Nederland", "trend per inwoner"} <= set(table["toets"])
    recomputed = adjust_p(table["p"].to_numpy(dtype=float))
    assert np.allclose(recomputed, table["p_gecorrigeerd"].to_numpy(dtype=float), equal_nan=True)
    significant = table["p_gecorrigeerd"] <= 0.05
    assert (table.loc[~significant, "richting"] == "").all()
    assert set(table.loc[significant, "richting"]) <= {"ongunstig", "gunstig", "neutraal"}
    # "significant" in the words only where the corrected p-value is at most 0.05; "aanwijzing" otherwise
    claims = table["oordeel"].str.contains(r"(?<!niet )(?<!geen )significa")
    assert (table.loc[claims, "p_gecorrigeerd"] <= 0.05).all()
    assert (table.loc[claims, "richting"] != "").all()
    hints = table["oordeel"].str.startswith("aanwijzing")
    assert hints.any() and (table.loc[hints, "p_gecorrigeerd"] > 0.05).all() and (table.loc[hints, "p"] < 0.05).all()
    overview, _colours = synthese.signal_table(result.profiles, result.tests, result.scores)
    shown = overview[["Tov Nederland", "Tov regio/vergelijkbaar", "Trend", "Sinds vorige analyse"]].stack()
    flagged = [t for t in result.tests if t.signal and synthese._overview_column(t)]
    assert shown.str.count(r"\[(?:signaal|alarm)\]").sum() == len(flagged)  # never '[alarm]' on good news
