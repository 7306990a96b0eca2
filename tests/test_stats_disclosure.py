"""Small-cell suppression (veiligheidsanalyse.stats.disclosure).

The leak checker below is written independently of the module: it rebuilds the row and column
sums of a table from its layout and asks, with scipy's null space, whether any hidden cell
follows from the visible numbers. Rule of thumb checked: CBS "Statistische beveiliging" /
domain-anchors.md §5 row 16 (counts 1-4 shown as "<5", no totals that reveal them).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from veiligheidsanalyse.stats import suppress_counts

TOTAL = "Totaal"


def long_table(cells, margins=True):
    """Long format of a rows x cols table, with row/column/grand totals when ``margins``."""
    cells = np.asarray(cells, dtype=float)
    records = []
    for i, row in enumerate(cells):
        for j, v in enumerate(row):
            records.append((f"w{i}", f"c{j}", v))
        if margins:
            records.append((f"w{i}", TOTAL, row.sum()))
    if margins:
        for j, v in enumerate(cells.sum(axis=0)):
            records.append((TOTAL, f"c{j}", v))
        records.append((TOTAL, TOTAL, cells.sum()))
    return pd.DataFrame(records, columns=["wijk", "categorie", "aantal"])


def sums_of(df, margins=True):
    """The additive relations of ``long_table``: lists of (+1 members, total position or None)."""
    pos = {(w, c): k for k, (w, c) in enumerate(zip(df["wijk"], df["categorie"]))}
    rows = sorted({w for w in df["wijk"] if w != TOTAL})
    cols = sorted({c for c in df["categorie"] if c != TOTAL})
    relations = []
    for w in rows + ([TOTAL] if margins else []):
        relations.append(([pos[(w, c)] for c in cols], pos.get((w, TOTAL))))
    for c in cols + ([TOTAL] if margins else []):
        relations.append(([pos[(w, c)] for w in rows], pos.get((TOTAL, c))))
    return relations


def leaked_cells(df, mask, relations, totals_public=True):
    """Hidden cells whose value follows from the visible cells and the sums."""
    hidden = np.flatnonzero(mask.to_numpy())
    if hidden.size == 0:
        return []
    col = {cell: k for k, cell in enumerate(hidden)}
    equations = []
    for members, total in relations:
        if total is None and not totals_public:
            continue
        eq = np.zeros(hidden.size)
        for m in members:
            if m in col:
                eq[col[m]] += 1
        if total is not None and total in col:
            eq[col[total]] -= 1
        equations.append(eq)
    a = np.array(equations)
    free = null_space(a)
    return [int(cell) for k, cell in enumerate(hidden) if free.shape[1] == 0 or np.abs(free[k]).max() < 1e-9]


def subtraction_attacks(mask, relations):
    """Relations with exactly one hidden cell: total minus visible cells gives it away."""
    hidden = mask.to_numpy()
    return [rel for rel in relations if sum(hidden[i] for i in rel[0] + ([rel[1]] if rel[1] is not None else [])) == 1]


def test_checker_detects_a_naive_primary_only_suppression():
    # guard against a tautological property test: hiding only the small cell must be caught
    df = long_table([[3, 10], [12, 20]])
    naive = pd.Series((df["aantal"] > 0) & (df["aantal"] < 5))
    relations = sums_of(df)
    assert leaked_cells(df, naive, relations) == [0]
    assert subtraction_attacks(naive, relations)


def test_one_dimensional_list_with_a_public_total():
    df = pd.DataFrame({"wijk": list("ABCD"), "aantal": [2, 40, 17, 1234]})
    display, mask = suppress_counts(df, "aantal")
    assert list(display["aantal"]) == ["<5", "40", "x", "1.234"]  # 17 is the smallest other cell
    assert list(mask) == [True, False, True, False]


def test_two_by_two_with_margins():
    df = long_table([[3, 10], [12, 20]])
    display, mask = suppress_counts(df, "aantal", group_cols=["wijk", "categorie"])
    shown = dict(zip(zip(df["wijk"], df["categorie"]), display["aantal"]))
    assert shown[("w0", "c0")] == "<5"
    assert shown[("w0", "c1")] == "x" and shown[("w1", "c0")] == "x" and shown[("w1", "c1")] == "x"
    assert shown[(TOTAL, TOTAL)] == "45"
    assert not leaked_cells(df, mask, sums_of(df))


def test_threshold_label_follows_the_threshold_and_zero_and_unknown():
    df = pd.DataFrame({"wijk": list("ABCDE"), "aantal": [7, 0, np.nan, 25, 40]})
    display, mask = suppress_counts(df, "aantal", threshold=10)
    assert display["aantal"].iloc[0] == "<10"
    assert display["aantal"].iloc[1] == "0" and not mask.iloc[1]
    assert display["aantal"].iloc[2] == "onbekend" and not mask.iloc[2]
    # NaN does not count as protection: another visible cell is hidden
    assert mask.sum() == 2
    zero_dash = suppress_counts(df, "aantal", threshold=10, zero_label="-")[0]
    assert zero_dash["aantal"].iloc[1] == "-"
    hidden_zero = suppress_counts(df, "aantal", suppress_zero=True)[1]
    assert hidden_zero.iloc[1]


def test_nothing_small_nothing_hidden():
    df = long_table([[30, 10], [12, 20]])
    display, mask = suppress_counts(df, "aantal", group_cols=["wijk", "categorie"])
    assert not mask.any()
    assert display["aantal"].iloc[0] == "30"


def test_a_lonely_cell_equal_to_a_public_total_is_reported():
    df = pd.DataFrame({"wijk": ["A"], "aantal": [3]})
    with pytest.warns(UserWarning, match="can still be derived"):
        suppress_counts(df, "aantal")


def test_input_frame_is_not_changed():
    df = long_table([[3, 10], [12, 20]])
    before = df.copy()
    suppress_counts(df, "aantal", group_cols=["wijk", "categorie"])
    pd.testing.assert_frame_equal(df, before)


small_or_large = st.one_of(st.integers(0, 6), st.integers(0, 60))


@st.composite
def tables(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(2, 5))
    cells = draw(st.lists(st.lists(small_or_large, min_size=cols, max_size=cols), min_size=rows, max_size=rows))
    return cells, draw(st.booleans())


@settings(max_examples=80, deadline=None)
@given(tables(), st.integers(3, 10))
def test_suppression_never_leaks_a_cell(table, threshold):
    cells, margins = table
    df = long_table(cells, margins)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a lonely column can be unprotectable; asserted below
        display, mask = suppress_counts(df, "aantal", threshold=threshold, group_cols=["wijk", "categorie"])
    values = df["aantal"].to_numpy()
    primary = (values > 0) & (values < threshold)
    relations = sums_of(df, margins)
    assert mask[primary].all()  # every small cell is hidden
    assert (display["aantal"][primary] == f"<{threshold}").all()
    visible = ~mask.to_numpy()
    assert all(display["aantal"].iloc[i] == f"{int(values[i]):,}".replace(",", ".") for i in np.flatnonzero(visible))
    leaks = leaked_cells(df, mask, relations)
    unprotectable = len(cells) == 1 and not margins  # one row, each column's total is public
    if not unprotectable:
        assert not subtraction_attacks(mask, relations)
        assert not leaks


@settings(max_examples=60, deadline=None)
@given(st.lists(small_or_large, min_size=2, max_size=12))
def test_one_dimensional_suppression_never_leaks(values):
    df = pd.DataFrame({"wijk": [f"w{i}" for i in range(len(values))], "aantal": values})
    display, mask = suppress_counts(df, "aantal")
    hidden = mask.to_numpy()
    assert hidden.sum() != 1  # with a public total, one hidden cell would be total minus the rest
    assert all(hidden[i] for i, v in enumerate(values) if 0 < v < 5)


def test_labels_and_whole_numbers_do_not_pin_down_hidden_cells():
    """Two '<5' cells in each of two rows with published totals: linear algebra alone says nothing,
    but '<5' = 1..4 and integer counts can pin them down (the Halt-by-group case found by the fault
    suite). After suppression no primary cell may have a single feasible value."""
    import pandas as pd

    from veiligheidsanalyse.stats.disclosure import _relations, integer_determined, suppress_counts

    df = pd.DataFrame(
        {
            "groep": ["diefstal", "mishandeling", "overig", "Totaal"] * 3,
            "periode": ["2018-2020"] * 4 + ["2021-2023"] * 4 + ["Totaal"] * 4,
            # mishandeling/overig 4+4 in 2018-2020 and 1+1 in 2021-2023: with the totals, '<5' = 1..4
            # pins all four down (a + b = 8 forces a = b = 4) although no single equation does.
            "aantal": [10, 4, 4, 18, 9, 1, 1, 11, 19, 5, 5, 29],
        }
    )
    display, mask = suppress_counts(df, "aantal", threshold=5, group_cols=["groep", "periode"])
    values = df["aantal"].to_numpy(float)
    primary = (values > 0) & (values < 5)
    relations = _relations(df, ["groep", "periode"], "Totaal", True)
    naive = integer_determined(relations, primary, np.isnan(values), values, primary, 5)
    assert naive[primary].all()  # hiding only the small cells discloses them
    leaks = integer_determined(relations, mask.to_numpy(), np.isnan(values), values, primary, 5)
    assert not leaks.any()
    assert mask.sum() > primary.sum()  # secondary cells were needed


# ---------------------------------------------------------------- what a reader knows from the labels


def reader_feasible_1d(shown, total, threshold=5):
    """Independent brute force for one column with a published total: the values a "<T" cell can
    take when "<T" means 1..T-1 and "x" means 0 or >= T. ``shown`` holds ints (visible) and the
    labels; returns {position of a "<T" cell: sorted possible values}."""
    small = [i for i, s in enumerate(shown) if s == f"<{threshold}"]
    xs = [i for i, s in enumerate(shown) if s == "x"]
    rest = total - sum(s for s in shown if isinstance(s, int))
    band = range(1, threshold)

    def x_sum_possible(r):  # a sum of len(xs) cells, each 0 or >= T
        return r == 0 if not xs else (r == 0 or r >= threshold)

    result = {}
    for i in small:
        others = len(small) - 1
        result[i] = [
            v for v in band if any(x_sum_possible(rest - v - s) for s in range(others, others * (threshold - 1) + 1))
        ]
    return result


def column(values, total=True):
    labels = [f"w{i}" for i in range(len(values))]
    df = pd.DataFrame({"wijk": labels, "aantal": values})
    if total:
        df = pd.concat([df, pd.DataFrame({"wijk": [TOTAL], "aantal": [sum(values)]})], ignore_index=True)
    return df


def shown_cells(display, df):
    return [s if s in ("x",) or s.startswith("<") else int(v) for s, v in zip(display["aantal"], df["aantal"])]


def test_issue_18_example_no_longer_reveals_the_one():
    """[1, 5, 20, Totaal 26] used to be published as <5, x, 20, 26: x + <5 = 6 with x in {0, 5, 6, ...}
    and <5 in 1..4 gives <5 = 1. Now 20 is hidden as well and the "<5" can be anything from 1 to 4."""
    df = column([1, 5, 20])
    display, mask = suppress_counts(df, "aantal", group_cols=["wijk"])
    assert list(display["aantal"]) == ["<5", "x", "x", "26"]
    assert list(mask) == [True, True, True, False]
    shown = shown_cells(display, df)
    assert reader_feasible_1d(shown[:3], 26) == {0: [1, 2, 3, 4]}
    # the checker itself sees the old publication's leak
    assert reader_feasible_1d(["<5", "x", 20], 26) == {0: [1]}


def test_the_total_published_elsewhere_is_used_too():
    # no Totaal row, but the column total is taken to be public: the same reasoning applies
    display, _ = suppress_counts(column([1, 5, 20], total=False), "aantal", group_cols=["wijk"], total_label=TOTAL)
    assert list(display["aantal"]) == ["<5", "x", "x"]


def test_narrowing_to_two_values_is_a_leak_too():
    # x + <5 = 7 would leave <5 in {1, 2}: not enough, hide one more
    df = column([2, 5, 20])
    display, _ = suppress_counts(df, "aantal", group_cols=["wijk"])
    assert list(display["aantal"]) == ["<5", "x", "x", "27"]
    assert reader_feasible_1d(["<5", "x", 20], 27) == {0: [1, 2]}
    # x + <5 = 8 leaves 1, 2 or 3: three values, enough; nothing more is hidden
    display, _ = suppress_counts(column([3, 5, 20]), "aantal", group_cols=["wijk"])
    assert list(display["aantal"]) == ["<5", "x", "20", "28"]
    assert reader_feasible_1d(["<5", "x", 20], 28) == {0: [1, 2, 3]}


def test_feasible_values_know_the_labels():
    from veiligheidsanalyse.stats.disclosure import _relations, feasible_values, narrowed_cells

    df = column([1, 5, 20])
    values = df["aantal"].to_numpy(float)
    primary = (values > 0) & (values < 5)
    relations = _relations(df, ["wijk"], TOTAL, True)
    missing = np.zeros(len(df), bool)
    old = np.array([True, True, False, False])
    assert feasible_values(relations, old, missing, values, primary, 5, 0) == [1]
    assert narrowed_cells(relations, old, missing, values, primary, 5).tolist() == [True, False, False, False]
    new = np.array([True, True, True, False])
    assert feasible_values(relations, new, missing, values, primary, 5, 0) == [1, 2, 3, 4]
    # with zeros hidden too, "<5" is 0..4 and "x" is >= 5
    assert feasible_values(relations, old, missing, values, primary, 5, 0, zero_hidden=True) == [0, 1]
    # a threshold of 3: "<3" is already 1 or 2, keeping both is all the rule can ask
    assert not narrowed_cells(relations, new, missing, values, primary, 3).any()


def test_a_hidden_zero_reads_as_zero_or_at_least_the_threshold():
    from veiligheidsanalyse.stats.disclosure import _relations, feasible_values

    # [3, 0, 40, Totaal 43] with the 0 hidden as "x": x + <5 = 3 and x is 0 or >= 5, so <5 = 3
    df = column([3, 0, 40])
    values = df["aantal"].to_numpy(float)
    primary = (values > 0) & (values < 5)
    relations = _relations(df, ["wijk"], TOTAL, True)
    hidden = np.array([True, True, False, False])
    assert feasible_values(relations, hidden, np.zeros(4, bool), values, primary, 5, 0) == [3]
    # the suppression hides the smallest positive cell (40), not the zero: <5 stays 1..4
    display, _ = suppress_counts(df, "aantal", group_cols=["wijk"])
    assert list(display["aantal"]) == ["<5", "0", "x", "43"]
    assert reader_feasible_1d(["<5", 0, "x"], 43) == {0: [1, 2, 3, 4]}


def test_two_way_table_keeps_three_values_per_small_cell():
    """Rows and columns with totals: the old suppression of this table let a reader narrow cells."""
    from veiligheidsanalyse.stats.disclosure import _relations, narrowed_cells

    df = long_table([[1, 5, 20], [30, 40, 50], [2, 6, 60]])
    display, mask = suppress_counts(df, "aantal", group_cols=["wijk", "categorie"])
    values = df["aantal"].to_numpy(float)
    primary = (values > 0) & (values < 5)
    relations = _relations(df, ["wijk", "categorie"], TOTAL, True)
    assert not narrowed_cells(relations, mask.to_numpy(), np.isnan(values), values, primary, 5).any()
    assert not leaked_cells(df, mask, sums_of(df))


@settings(max_examples=80, deadline=None)
@given(st.lists(small_or_large, min_size=2, max_size=8))
def test_one_column_with_a_total_keeps_three_values_per_small_cell(values):
    df = column(values)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        display, mask = suppress_counts(df, "aantal", group_cols=["wijk"])
    shown = shown_cells(display, df)
    feasible = reader_feasible_1d(shown[:-1], sum(values)) if isinstance(shown[-1], int) else {}
    warned = any("can still be derived" in str(w.message) for w in caught)
    for i, possible in feasible.items():
        assert values[i] in possible
        assert len(possible) >= 3 or warned, (values, shown, possible)


def reader_possible_values(display, df, relations, threshold):
    """Independent reader's attack on the published labels of a long table: for each "<T" cell, the
    values 1..T-1 consistent with every relation, with "<T" in 1..T-1, "x" in {0} or [T, M] (written
    as two integer cells: x = 0 * (1 - z) + y with T*z <= y <= M*z) and whole numbers."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    labels = list(display["aantal"])
    values = df["aantal"].to_numpy(float)
    small = f"<{threshold}"
    hidden = [i for i, s in enumerate(labels) if s in (small, "x")]
    xs = [i for i in hidden if labels[i] == "x"]
    n = len(hidden) + len(xs)
    var = {cell: k for k, cell in enumerate(hidden)}
    big = float(np.nansum(values)) * 2 + 10 * threshold
    rows, lo, hi = [], [], []
    for members, total in relations:
        row = np.zeros(n)
        known = 0.0
        for m in members:
            if m in var:
                row[var[m]] += 1
            else:
                known += values[m]
        if total is None:
            target = float(values[members].sum())  # published elsewhere
        elif total in var:
            row[var[total]] -= 1
            target = 0.0
        else:
            target = values[total]
        rows.append(row)
        lo.append(target - known)
        hi.append(target - known)
    for j, cell in enumerate(xs):
        for cz, a, b in ((-threshold, 0, np.inf), (-big, -np.inf, 0)):
            row = np.zeros(n)
            row[var[cell]], row[len(hidden) + j] = 1, cz
            rows.append(row)
            lo.append(a)
            hi.append(b)
    lower = np.array([1.0 if labels[c] == small else 0.0 for c in hidden] + [0.0] * len(xs))
    upper = np.array([threshold - 1.0 if labels[c] == small else big for c in hidden] + [1.0] * len(xs))
    constraint = LinearConstraint(np.array(rows), lo, hi)
    possible = {}
    for cell in hidden:
        if labels[cell] != small:
            continue
        possible[cell] = []
        for v in range(1, threshold):
            low, high = lower.copy(), upper.copy()
            low[var[cell]] = high[var[cell]] = v
            res = milp(np.zeros(n), constraints=constraint, bounds=Bounds(low, high), integrality=np.ones(n))
            if res.status == 0:
                possible[cell].append(v)
    return possible


def test_the_reader_attack_finds_the_old_publication_leak():
    df = column([1, 5, 20])
    old = pd.DataFrame({"wijk": df["wijk"], "aantal": ["<5", "x", "20", "26"]})
    relations = [([0, 1, 2], 3)]
    assert reader_possible_values(old, df, relations, 5) == {0: [1]}


@settings(max_examples=40, deadline=None)
@given(tables(), st.integers(3, 7))
def test_two_way_tables_keep_three_values_per_small_cell(table, threshold):
    cells, margins = table
    df = long_table(cells, margins)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        display, mask = suppress_counts(df, "aantal", threshold=threshold, group_cols=["wijk", "categorie"])
    if any("can still be derived" in str(w.message) for w in caught):
        return  # named as unprotectable (e.g. one row whose column totals are public)
    values = df["aantal"].to_numpy()
    for cell, possible in reader_possible_values(display, df, sums_of(df, margins), threshold).items():
        assert values[cell] in possible
        assert len(possible) >= min(3, threshold - 1), (cells, margins, cell, possible)
