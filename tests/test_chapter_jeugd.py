"""Chapter 04 Jeugd en veiligheid (veiligheidsanalyse.chapters.jeugd) on the demo store.

Halt per 1,000 youths must equal count / youths x 1,000 from the store; 'stable' must follow the
trend and change tests (and turn into 'stijging' when the referrals rise); the table by delict
group must hide small cells without leaving any of them derivable from its totals (independent
null-space check); and without partner files (De Wolden) the chapter says what is missing and never
shows another gemeente's partner figures.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import null_space

from conftest import dataset_for
from veiligheidsanalyse.chapters import jeugd
from veiligheidsanalyse.stats.formatting import format_nl
from veiligheidsanalyse.store.dataset import Dataset

THRESHOLD = 5


@pytest.fixture(scope="module")
def halt_table(demo_store):
    return pd.read_parquet(demo_store / "inputs" / "tables" / "halt_by_group.parquet")


@pytest.fixture(scope="module")
def result(demo_dataset, halt_table):
    return jeugd.analyse(demo_dataset, halt_by_group=halt_table, threshold=THRESHOLD)


def _store_rate(ds, indicator_id, year):
    count = ds.series(indicator_id, ["GM1701"])
    youths = ds.series("jongeren_12_17", ["GM1701"])
    c = float(count.loc[count["jaar"] == year, "waarde"].iloc[0])
    y = float(youths.loc[youths["jaar"] == year, "waarde"].iloc[0])
    return c, y, c / y * 1000


def test_halt_per_1000_youths_from_the_store(demo_dataset, result):
    p = result.halt.profile
    assert p is not None and p.noemer_soort == "jongeren_12_17"
    count, youths, rate = _store_rate(demo_dataset, "halt_verwijzingen", p.years[1])
    assert (p.count, p.denominator) == (count, youths)
    assert p.rate.value == pytest.approx(rate)
    years = result.halt.years
    for _, row in years.iterrows():
        c, y, r = _store_rate(demo_dataset, "halt_verwijzingen", int(row["Jaar"]))
        assert row["Verwijzingen"] == format_nl(c, 0) and row["Per 1.000 jongeren"] == format_nl(r, 1)
    # The partner file's groups add up to the yearly totals the chapter uses.
    halt = demo_dataset.series("halt_verwijzingen", ["GM1701"])["waarde"]
    assert result.halt.groups.set_index("Delictgroep").loc["Totaal", "Totaal"] == format_nl(halt.sum(), 0)


def test_jeugdoverlast_per_1000_youths(demo_dataset, result):
    p = result.jeugdoverlast
    _c, _y, rate = _store_rate(demo_dataset, "overlast_jeugd", p.years[1])
    assert not p.pooled and p.rate.value == pytest.approx(rate)
    assert "jongeren (12-17)" in p.rate_label


def test_halt_stable_follows_the_tests(result):
    s = result.halt.stability
    p = result.halt.profile
    assert p.trend.direction == "gelijk" and p.change.result.direction == "gelijk"
    assert s.oordeel == "verenigbaar met stabiel"
    assert s.lower < 0 < s.upper and s.wide == (max(abs(s.lower), abs(s.upper)) > jeugd.WIDE_CHANGE_PCT)
    assert "bewijst geen stabiliteit" in s.text  # compatible with, not proof of
    assert s.claim.startswith("Het vorige plan zei: ‘De instroom van jongeren bij Halt")


def _halt_series(ds: Dataset, values: dict[int, float]) -> Dataset:
    obs = ds.observations.copy()
    sel = (obs["indicator"] == "halt_verwijzingen") & (obs["regio_code"] == "GM1701")
    for year, value in values.items():
        obs.loc[sel & (obs["jaar"] == year), "waarde"] = float(value)
    return Dataset(obs, ds.config, ds.status)


def test_rising_halt_is_not_called_stable(demo_dataset):
    ds = _halt_series(demo_dataset, {2018: 6, 2019: 9, 2020: 13, 2021: 18, 2022: 26, 2023: 37})
    r = jeugd.analyse(ds, threshold=THRESHOLD)
    assert r.halt.stability.oordeel == "stijging"
    assert r.halt.stability.text.startswith("Niet stabiel")
    assert "niet stabiel" in r.findings[0]


def _hidden_cells_derivable(wide: pd.DataFrame) -> bool:
    """Independent leak check on a rows x periods table with a Totaal row and column."""
    body = wide.set_index("Delictgroep")
    labels = body.to_numpy(dtype=object)
    hidden = np.array([[not re.fullmatch(r"[\d.]+", str(v)) for v in row] for row in labels])
    positions = [(i, j) for i in range(hidden.shape[0]) for j in range(hidden.shape[1]) if hidden[i, j]]
    if not positions:
        return False
    col = {p: k for k, p in enumerate(positions)}
    n_rows, n_cols = hidden.shape
    equations = []
    for i in range(n_rows):  # each row: cells add up to the Totaal column
        eq = np.zeros(len(positions))
        for j in range(n_cols - 1):
            if (i, j) in col:
                eq[col[(i, j)]] += 1
        if (i, n_cols - 1) in col:
            eq[col[(i, n_cols - 1)]] -= 1
        equations.append(eq)
    for j in range(n_cols):  # each column: cells add up to the Totaal row
        eq = np.zeros(len(positions))
        for i in range(n_rows - 1):
            if (i, j) in col:
                eq[col[(i, j)]] += 1
        if (n_rows - 1, j) in col:
            eq[col[(n_rows - 1, j)]] -= 1
        equations.append(eq)
    basis = null_space(np.vstack(equations))
    if basis.size == 0:
        return True
    return bool((np.abs(basis).max(axis=1) < 1e-9).any())


def test_halt_groups_are_suppressed_without_leaks(result, halt_table):
    wide = result.halt.groups
    assert list(wide.columns) == ["Delictgroep", "2018-2020", "2021-2023", "Totaal"]
    assert wide["Delictgroep"].iloc[-1] == "Totaal"
    long = halt_table.assign(periode=np.where(halt_table["jaar"] <= 2020, "2018-2020", "2021-2023"))
    sums = long.groupby(["delictgroep", "periode"])["aantal"].sum()
    for (group, period), value in sums.items():
        shown = wide.set_index("Delictgroep").loc[group[:1].upper() + group[1:], period]
        if 0 < value < THRESHOLD:
            assert shown == f"<{THRESHOLD}"
        elif re.fullmatch(r"[\d.]+", shown):
            assert int(shown.replace(".", "")) == value
    assert result.halt.groups_hidden >= 2
    assert not _hidden_cells_derivable(wide)


def test_youth_groups_are_only_shown_as_small_counts(result):
    table = result.groepen.table
    assert list(table["Problematische jeugdgroepen"]) == [f"<{THRESHOLD}"] * 3
    assert "minder dan 5" in result.groepen.sentence


def test_findings(result):
    assert 3 <= len(result.findings) <= 5
    assert result.findings[0].startswith("Halt: 12 verwijzingen in 2023")


def test_de_wolden_without_partner_files(demo_store, halt_table):
    ds = dataset_for(demo_store, "GM1690")
    # Even when handed Westerveld's Halt table, De Wolden gets no Halt figures of another gemeente.
    r = jeugd.analyse(ds, halt_by_group=halt_table, threshold=THRESHOLD, missing=("halt", "politie_export"))
    assert not r.halt.available and r.halt.groups is None and r.halt.years.empty
    assert r.halt.stability.oordeel == "niet te toetsen"
    assert r.halt.messages == [jeugd.MISSING_TEXT["halt"]]
    assert r.groepen.table is None and r.groepen.sentence == jeugd.MISSING_TEXT["politie_export"]
    assert r.jeugdoverlast is not None  # open data still work
    assert 3 <= len(r.findings) <= 5
    assert r.halt.stability.claim == jeugd.GENERIC_CLAIM


def test_missing_inputs_also_without_a_partner_folder():
    class NoFolder:  # a run whose gemeente has no partner folder: nothing listed as missing, no tables
        missing = ()

        def table(self, name):
            return None

    class OnlyHalt:
        missing = ("politie_export",)

        def table(self, name):
            return pd.DataFrame({"jaar": [2023]}) if name == "halt_by_group" else None

    assert jeugd.missing_inputs(NoFolder()) == ("halt", "politie_export")
    assert jeugd.missing_inputs(OnlyHalt()) == ("politie_export",)
