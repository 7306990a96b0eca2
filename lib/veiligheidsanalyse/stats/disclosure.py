"""Small-cell suppression for partner counts: "<5", with no total that gives a hidden cell away.

Primary suppression: counts from 1 to ``threshold - 1`` are shown as ``"<{threshold}"`` (the
label follows the configured threshold). Zero stays visible unless ``suppress_zero``; a NaN
(unknown at the source) is shown as "onbekend" and is never treated as 0.

Secondary suppression: a table's cells add up to its totals. For every *relation* (the cells
along one dimension with the other dimensions fixed, plus their total) a hidden cell would be
recovered as "total minus the visible cells" if it were the only unknown in that relation. So
whenever a relation holds exactly one hidden cell, the smallest visible cell of that relation
is hidden too (shown as ``secondary_label``, "x"), or its total when nothing else is left. Unknown (NaN)
cells are *not* counted as protection: whether a source total includes them is unclear.
Because relations cross (rows and columns), a final check solves the whole system of sums: any
hidden cell that is still determined by the visible numbers gets another cell hidden, until none
is. A relation without a total row is treated as if its total were published elsewhere (e.g.
the gemeente total), unless ``assume_totals_public=False``.
Finally the labels themselves are used as a reader would: "<5" means 1-4, "x" and unknown cells
are whole counts >= 0; a primary cell whose value is pinned down by those bounds and the sums
(integer programming, :func:`integer_determined`) gets another cell hidden as well.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .formatting import format_count

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class _Relation:
    members: tuple[int, ...]  # row positions that add up to the total
    total: int | None  # row position of the total, or None when the total is not in the table


def _relations(df: "pd.DataFrame", group_cols, total_label, assume_totals_public) -> list[_Relation]:
    """All additive relations of a long table with dimensions ``group_cols``."""
    positions = np.arange(len(df))
    if not group_cols:
        return [_Relation(tuple(positions), None)] if assume_totals_public else []
    relations = []
    for dim in group_cols:
        others = [c for c in group_cols if c != dim]
        is_total = (df[dim] == total_label).to_numpy()
        if others:
            groups = df.groupby(others, dropna=False, sort=False).indices.values()
        else:
            groups = [positions]
        for idx in groups:
            idx = np.asarray(idx)
            totals = idx[is_total[idx]]
            members = tuple(int(i) for i in idx[~is_total[idx]])
            if len(totals) > 1:
                raise ValueError(f"more than one {total_label!r} row for the same cells along {dim!r}")
            if not members or (len(totals) == 0 and not assume_totals_public):
                continue
            relations.append(_Relation(members, int(totals[0]) if len(totals) else None))
    return relations


def _cells(rel: _Relation) -> tuple[int, ...]:
    return rel.members + ((rel.total,) if rel.total is not None else ())


def _complement(rel: _Relation, unknown: np.ndarray, values: np.ndarray) -> int | None:
    """Cell to hide next in a relation: smallest visible positive member, then a zero, then the total.

    ``unknown`` marks cells that are hidden or NaN; neither can serve as a complement.
    """
    visible = [i for i in rel.members if not unknown[i]]
    positive = [i for i in visible if values[i] > 0]
    for pool in (positive, visible):
        if pool:
            return min(pool, key=lambda i: (values[i], i))
    if rel.total is not None and not unknown[rel.total]:
        return rel.total
    return None


def determined_cells(relations: list[_Relation], unknown: np.ndarray) -> np.ndarray:
    """Boolean array: ``unknown`` cells whose value follows from the other numbers and the sums.

    Each relation gives one linear equation in the unknown cells (members +1, total -1); a cell
    is determined exactly when its unit vector lies in the row space of that system, i.e. when
    every null-space direction leaves it unchanged.
    """
    unknown_idx = np.flatnonzero(unknown)
    result = np.zeros(unknown.shape, dtype=bool)
    if unknown_idx.size == 0:
        return result
    column = {cell: k for k, cell in enumerate(unknown_idx)}
    rows = []
    for rel in relations:
        row = np.zeros(unknown_idx.size)
        for i in rel.members:
            if unknown[i]:
                row[column[i]] = 1.0
        if rel.total is not None and unknown[rel.total]:
            row[column[rel.total]] = -1.0
        if row.any():
            rows.append(row)
    if not rows:
        return result
    a = np.vstack(rows)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9 * max(a.shape) * s.max()).sum())
    null = vt[rank:]  # basis of the null space (rows)
    free = np.abs(null).max(axis=0) > 1e-9 if null.size else np.zeros(unknown_idx.size, dtype=bool)
    result[unknown_idx[~free]] = True
    return result


def integer_determined(relations: list[_Relation], hidden: np.ndarray, missing: np.ndarray, values: np.ndarray,
                       primary: np.ndarray, threshold: int) -> np.ndarray:
    """Primary cells whose exact value follows from the sums *and* what the labels say.

    A reader knows more than the linear system: "<5" means 1 to threshold-1, "x" and unknown
    cells are counts >= 0, and all are whole numbers. Two "<5" cells in a row and a column with
    published totals can then be pinned down even when no single equation does it. For every
    primary cell the smallest and largest value consistent with everything published are found
    by integer programming (scipy's HiGHS); equal bounds mean the cell is disclosed.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    unknown = hidden | missing
    cells = np.flatnonzero(unknown)
    result = np.zeros(values.shape, dtype=bool)
    if not primary.any() or cells.size == 0:
        return result
    column = {cell: k for k, cell in enumerate(cells)}
    rows, rhs = [], []
    for rel in relations:
        row = np.zeros(cells.size)
        known = 0.0
        for i in rel.members:
            if unknown[i]:
                row[column[i]] += 1.0
            else:
                known += values[i]
        if rel.total is not None:
            if unknown[rel.total]:
                row[column[rel.total]] -= 1.0
                target = -known
            else:
                target = values[rel.total] - known
        else:
            continue  # a total published elsewhere is not in this table: no equation to use here
        if row.any():
            rows.append(row)
            rhs.append(target)
    if not rows:
        return result
    lower = np.where(primary[cells], 1.0, 0.0)
    upper = np.where(primary[cells], threshold - 1.0, np.inf)
    constraint = LinearConstraint(np.vstack(rows), rhs, rhs)
    bounds = Bounds(lower, upper)
    integrality = np.ones(cells.size)
    for k, cell in enumerate(cells):
        if not primary[cell]:
            continue
        objective = np.zeros(cells.size)
        objective[k] = 1.0
        low = milp(objective, constraints=constraint, bounds=bounds, integrality=integrality)
        high = milp(-objective, constraints=constraint, bounds=bounds, integrality=integrality)
        if low.success and high.success and round(low.fun) == round(-high.fun):
            result[cell] = True
    return result


def _hide_one_more(leaks: np.ndarray, relations: list[_Relation], hidden: np.ndarray, missing: np.ndarray,
                   values: np.ndarray) -> bool:
    """Hide a complement in a relation of the first leaking cell that has one; True if a cell was hidden."""
    for cell in np.flatnonzero(leaks):
        for rel in (r for r in relations if cell in _cells(r)):
            pick = _complement(rel, hidden | missing, values)
            if pick is not None:
                hidden[pick] = True
                return True
    return False


def suppress_counts(
    df: "pd.DataFrame",
    value_col: str,
    threshold: int = 5,
    group_cols=None,
    total_label: str = "Totaal",
    suppress_zero: bool = False,
    zero_label: str = "0",
    secondary_label: str = "x",
    unknown_label: str = "onbekend",
    assume_totals_public: bool = True,
):
    """Hide small counts and everything that would reveal them.

    ``df`` is a long table: one row per cell, dimensions in ``group_cols`` (e.g. ``["wijk",
    "categorie"]``), totals marked with ``total_label`` in a dimension column ("Totaal"). With
    no ``group_cols`` the whole column is one group whose total is taken to be public.

    Returns ``(display, mask)``: a copy of ``df`` whose ``value_col`` holds display strings
    ("<5", "x", "0", "1.234", "onbekend") and a boolean Series, True for every hidden cell
    (primary and secondary; NaN cells are unknown, not hidden, and never count as protection).
    """
    values = df[value_col].to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    primary = (values > 0) & (values < threshold)
    if suppress_zero:
        primary |= values == 0
    hidden = primary.copy()
    relations = _relations(df, list(group_cols or []), total_label, assume_totals_public)
    unprotectable: set[int] = set()

    while True:
        changed = False
        for rel in relations:  # the direct attack: total minus the visible cells
            open_cells = [i for i in _cells(rel) if hidden[i]]
            if len(open_cells) == 1:
                pick = _complement(rel, hidden | missing, values)
                if pick is None:
                    unprotectable.add(open_cells[0])
                    continue
                hidden[pick] = changed = True
        if changed:
            continue
        leaks = determined_cells(relations, hidden)  # rows and columns combined
        changed = _hide_one_more(leaks, relations, hidden, missing, values)
        if not changed and not leaks.any():
            # No linear leak left: check what the labels add ("<5" is 1-4, counts are whole numbers).
            leaks = integer_determined(relations, hidden, missing, values, primary, threshold)
            changed = _hide_one_more(leaks, relations, hidden, missing, values)
        if not changed:
            unprotectable.update(int(i) for i in np.flatnonzero(leaks))
            if unprotectable:
                warnings.warn(f"hidden cell(s) at row position(s) {sorted(unprotectable)} can still be "
                              "derived from a total; publish that total less precisely or not at all")
            break

    import pandas as pd

    labels = np.array([format_count(v) if not np.isnan(v) else unknown_label for v in values], dtype=object)
    labels[values == 0] = zero_label
    labels[hidden & ~primary] = secondary_label
    labels[primary] = f"<{threshold}"
    labels[missing] = unknown_label
    display = df.copy()
    display[value_col] = pd.Series(labels, index=df.index, dtype=object)
    mask = pd.Series(hidden, index=df.index, name="afgeschermd")
    return display, mask
