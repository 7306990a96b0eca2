"""Synthesis: priorities follow from tests and configurable weights; the previous plan's statements
are judged by the same tests; the methods chapter lists every source and indicator."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from veiligheidsanalyse.chapters import methode, synthese
from veiligheidsanalyse.data import Dataset
from veiligheidsanalyse.stats import compare


def with_config(ds: Dataset, **changes) -> Dataset:
    return Dataset(ds.observations, dataclasses.replace(ds.config, **changes), ds.status)


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


def test_statement_checks(demo_dataset, result):
    by_indicator = {s.indicator: s for s in result.statements}
    vr = next(s for s in result.statements if "186" in s.uitspraak)
    exact = compare.compare_periods(186, demo_dataset.counts("vr_incidenten", ["GM1701"], years=(2018, 2018))["noemer"].iloc[0],
                                    171, demo_dataset.counts("vr_incidenten", ["GM1701"], years=(2022, 2022))["noemer"].iloc[0])
    assert exact.p_value > 0.05
    assert vr.oordeel == "verenigbaar" and "186 in 2018" in vr.toelichting and "171 in 2022" in vr.toelichting
    assert by_indicator["Woninginbraak"].oordeel == "ondersteund"

    wrong = [{"uitspraak": "Woninginbraak stijgt", "indicator": "woninginbraak", "verwachting": "stijging"},
             {"uitspraak": "Leefbaarheid 6,0", "indicator": "vm_leefbaarheid_cijfer", "verwachting": "waarde",
              "waarde": 6.0, "tot": 2021},
             {"uitspraak": "Straatroof stijgt", "indicator": "straatroof", "verwachting": "stijging"}]
    checks = synthese.check_statements(with_config(demo_dataset, uitspraken=tuple(wrong)), {})
    assert [c.oordeel for c in checks][:2] == ["tegengesproken", "wijkt af"]
    assert checks[2].oordeel.startswith("niet te toetsen")


def test_signal_table_has_every_profile(result):
    table, colours = synthese.signal_table(result.profiles, result.tests, result.scores)
    assert len(table) == len(result.profiles)
    assert set(colours["Trend"]) <= {"slechter", "beter", "gelijk", "neutraal", "onbekend"}
    assert (table["Score"].diff().dropna() <= 1e-9).all()  # sorted by score, highest first


def test_methode_lists_sources_and_indicators(demo_dataset):
    cards = methode.indicator_cards(demo_dataset)
    assert {"Geregistreerde misdrijven, totaal", "Halt-verwijzingen"} <= set(cards["Indicator"])
    assert cards["Definitie"].str.len().min() > 10
    log = methode.data_log(demo_dataset)
    tables = set(demo_dataset.status.snapshots)
    assert {f"{'Politie' if t.startswith('47') else 'CBS'} {t}" for t in tables} <= set(log["Bron"])
    assert (log.loc[log["Bron"].str.startswith(("CBS", "Politie")), "Herkomst"] == "DEMODATA").all()
    assert log["Bron"].str.startswith("partnerbestand").sum() == len(demo_dataset.status.inputs) > 0
