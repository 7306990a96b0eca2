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
Finally the labels themselves are used as a reader would (:func:`narrowed_cells`): "<5" means
1 to ``threshold - 1``; "x" means a count the rule did not call small, so 0 or ``>= threshold``
(with ``suppress_zero``: "<5" is 0-4 and "x" is ``>= threshold``); "onbekend" is any count >= 0;
all are whole numbers. For every "<5" cell the values still possible under all published sums
are found by integer programming (scipy's HiGHS, one feasibility problem per value of the band).
The rule: **every "<5" cell keeps at least** ``MIN_FEASIBLE`` **(3) possible values**, or its
whole band when that is smaller ("<3" is 1 or 2). While some cell is narrowed further, one more
cell is hidden in one of its relations (the smallest visible positive member first, then a zero,
then the total), and everything is checked again. Example: ``[1, 5, 20, Totaal 26]`` shown as
``<5, x, 20, 26`` gives x + <5 = 6 with x in {0, 5, 6, ...} and <5 in 1..4, so <5 = 1; the rule
hides 20 as well (``<5, x, x, 26``: the "<5" can be 1, 2, 3 or 4). A cell that cannot be protected
this way is named in a warning.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .formatting import format_count

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd
    from numpy.typing import ArrayLike


@dataclass(frozen=True)
class _Relation:
    members: tuple[int, ...]  # row positions that add up to the total
    total: int | None  # row position of the total, or None when the total is not in the table


def _relations(df: pd.DataFrame, group_cols, total_label, assume_totals_public) -> list[_Relation]:
    """All additive relations of a long table with dimensions ``group_cols``."""
    positions = np.arange(len(df))
    if not group_cols:
        return [_Relation(tuple(positions), None)] if assume_totals_public else []
    relations = []
    for dim in group_cols:
        others = [c for c in group_cols if c != dim]
        is_total = (df[dim] == total_label).to_numpy()
        groups: Iterable[ArrayLike] = (
            df.groupby(others, dropna=False, sort=False).indices.values() if others else [positions]
        )
        for group in groups:
            idx = np.asarray(group)
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
    column = {int(cell): k for k, cell in enumerate(unknown_idx)}
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


MIN_FEASIBLE = 3  # a "<5" cell must keep at least this many possible values (or its whole band)


def _reader_model(
    relations: list[_Relation],
    hidden: np.ndarray,
    missing: np.ndarray,
    values: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    zero_hidden: bool = False,
):
    """The published table as a reader sees it: an integer program over the unknown cells.

    Variables are the hidden and unknown cells, each a whole number, with the domain its label
    tells: "<T" (primary) is 1..T-1 (0..T-1 when zeros are hidden too); "x" (secondary) is a cell
    the rule did *not* call small, so 0 or >= T (>= T when zeros are hidden), written with a 0/1
    indicator z as ``T*z <= x <= M*z``; "onbekend" is any count >= 0. Every relation with a
    total gives one equation. A total that is not in the table but taken to be public
    (``_Relation.total is None``) enters with its true value: the reader has it from elsewhere.

    Returns ``(cells, column, a, lo, hi, lower, upper, integrality)`` (``lo <= a @ v <= hi``,
    ``lower <= v <= upper``) or None when there is nothing to solve; ``column`` maps a cell's row
    position to its variable.
    """
    # Long: one integer program; its constraints share the variable indices
    unknown = hidden | missing
    cells = np.flatnonzero(unknown)
    if cells.size == 0:
        return None
    secondary = cells[hidden[cells] & ~primary[cells] & ~missing[cells]]
    n = cells.size + (0 if zero_hidden else secondary.size)
    column = {int(cell): k for k, cell in enumerate(cells)}
    big = np.full(n, 4.0 * float(np.nansum(np.abs(values))) + 10.0 * threshold + 10.0)
    for rel in relations:  # a member is at most its relation's published total: a tight M for the indicator
        if rel.total is not None and not unknown[rel.total]:
            for i in rel.members:
                if unknown[i]:
                    big[column[i]] = min(big[column[i]], max(values[rel.total], 0.0))
    rows: list[np.ndarray] = []
    rhs: list[float | tuple[float, float]] = []  # an equality, or the bounds of an inequality
    for rel in relations:
        row = np.zeros(n)
        known = 0.0
        for i in rel.members:
            if unknown[i]:
                row[column[i]] += 1.0
            else:
                known += values[i]
        if rel.total is None:
            target = float(np.nansum(values[list(rel.members)])) - known  # the total published elsewhere
        elif unknown[rel.total]:
            row[column[rel.total]] -= 1.0
            target = -known
        else:
            target = values[rel.total] - known
        if row.any():
            rows.append(row)
            rhs.append(target)
    lower = np.zeros(n)
    upper = big.copy()
    band_low = 0.0 if zero_hidden else 1.0
    for k, cell in enumerate(cells):
        if primary[cell]:
            lower[k], upper[k] = band_low, threshold - 1.0
        elif hidden[cell] and not missing[cell] and zero_hidden:
            lower[k] = float(threshold)
    integrality = np.ones(n)
    if not zero_hidden:  # x in {0} and [T, M]: T*z <= x <= M*z with z in {0, 1}
        for j, cell in enumerate(secondary):
            k, zk = column[int(cell)], cells.size + j
            upper[zk] = 1.0
            for coeff_z, low, high in ((-float(threshold), 0.0, np.inf), (-big[k], -np.inf, 0.0)):
                row = np.zeros(n)
                row[k], row[zk] = 1.0, coeff_z
                rows.append(row)
                rhs.append((low, high))
    if not rows:
        return None
    lo = np.array([r[0] if isinstance(r, tuple) else r for r in rhs], dtype=float)
    hi = np.array([r[1] if isinstance(r, tuple) else r for r in rhs], dtype=float)
    return cells, column, np.vstack(rows), lo, hi, lower, upper, integrality


def _exact_solution(
    x: np.ndarray, a: np.ndarray, lo: np.ndarray, hi: np.ndarray, low: np.ndarray, high: np.ndarray
) -> bool:
    """A solver's answer, rounded to whole numbers, meets every equation and bound exactly."""
    ax = a @ x
    return bool(
        np.all(ax >= lo - 1e-9) and np.all(ax <= hi + 1e-9) and np.all(x >= low - 1e-9) and np.all(x <= high + 1e-9)
    )


def feasible_values(
    relations: list[_Relation],
    hidden: np.ndarray,
    missing: np.ndarray,
    values: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    cell: int,
    zero_hidden: bool = False,
    enough: int | None = None,
    model=None,
) -> list[int]:
    """The values of primary cell ``cell`` that a reader cannot rule out (see :func:`_reader_model`).

    Each value of the cell's band (1..T-1) is tried as an integer feasibility problem (scipy's
    HiGHS); the true value is feasible by construction. With ``enough`` the search stops once
    that many values are found. A solve that ends without an answer counts as "ruled out", so
    doubt leads to more hiding, never to less.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    band = list(range(0 if zero_hidden else 1, threshold))
    true_value = int(values[cell])
    model = (
        model
        if model is not None
        else _reader_model(relations, hidden, missing, values, primary, threshold, zero_hidden)
    )
    if model is None:
        return band
    cells, column, a, lo, hi, lower, upper, integrality = model
    k = column[int(cell)]
    if not a[:, k].any():
        return band  # in no equation: nothing narrows it
    found = [true_value]
    constraint = LinearConstraint(a, lo, hi)
    for v in sorted(band, key=lambda v: (abs(v - true_value), v)):
        if enough is not None and len(found) >= enough:
            break
        if v == true_value:
            continue
        low, high = lower.copy(), upper.copy()
        low[k] = high[k] = v
        res = milp(np.zeros(a.shape[1]), constraints=constraint, bounds=Bounds(low, high), integrality=integrality)
        if res.status == 0 and _exact_solution(np.round(res.x), a, lo, hi, low, high):
            found.append(v)
    return sorted(found)


def narrowed_cells(
    relations: list[_Relation],
    hidden: np.ndarray,
    missing: np.ndarray,
    values: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    zero_hidden: bool = False,
    min_values: int = MIN_FEASIBLE,
    skip=(),
    first_only: bool = False,
) -> np.ndarray:
    """Primary cells a reader can narrow down to fewer than ``min_values`` possible values.

    The requirement is capped at the band: with threshold 3 the label "<3" itself says 1 or 2,
    so a cell is protected when both stay possible. ``min_values=2`` asks for exact recovery only.
    """
    result = np.zeros(values.shape, dtype=bool)
    band = threshold - (0 if zero_hidden else 1)
    need = min(min_values, band)
    if need <= 1 or not primary.any():
        return result
    model = _reader_model(relations, hidden, missing, values, primary, threshold, zero_hidden)
    if model is None:
        return result
    skip = set(skip)
    for cell in np.flatnonzero(primary & hidden):
        if int(cell) in skip:
            continue
        found = feasible_values(
            relations, hidden, missing, values, primary, threshold, int(cell), zero_hidden, enough=need, model=model
        )
        if len(found) < need:
            result[cell] = True
            if first_only:
                break
    return result


def integer_determined(
    relations: list[_Relation],
    hidden: np.ndarray,
    missing: np.ndarray,
    values: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    zero_hidden: bool = False,
) -> np.ndarray:
    """Primary cells whose exact value follows from the sums and what the labels say."""
    return narrowed_cells(relations, hidden, missing, values, primary, threshold, zero_hidden, min_values=2)


def _hide_one_more(
    leaks: np.ndarray, relations: list[_Relation], hidden: np.ndarray, missing: np.ndarray, values: np.ndarray
) -> bool:
    """Hide a complement in a relation of the first leaking cell that has one; True if a cell was hidden."""
    for cell in np.flatnonzero(leaks):
        for rel in (r for r in relations if cell in _cells(r)):
            pick = _complement(rel, hidden | missing, values)
            if pick is not None:
                hidden[pick] = True
                return True
    return False


def suppress_counts(
    df: pd.DataFrame,
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
    # Long: primary, secondary and zero suppression in their required order over one frame
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
        if _hide_one_more(leaks, relations, hidden, missing, values):
            continue
        if leaks.any():
            unprotectable.update(int(i) for i in np.flatnonzero(leaks))
            break
        # No linear leak left: read the labels as a reader would ("<5" is 1-4, "x" is 0 or >= 5, whole
        # numbers) and hide more until every "<5" cell keeps at least MIN_FEASIBLE possible values.
        leaks = narrowed_cells(
            relations,
            hidden,
            missing,
            values,
            primary,
            threshold,
            zero_hidden=suppress_zero,
            skip=unprotectable,
            first_only=True,
        )
        if not leaks.any():
            break
        if not _hide_one_more(leaks, relations, hidden, missing, values):
            unprotectable.update(int(i) for i in np.flatnonzero(leaks))
    if unprotectable:
        warnings.warn(
            f"hidden cell(s) at row position(s) {sorted(unprotectable)} can still be derived from a "
            f"total, or narrowed to fewer than {MIN_FEASIBLE} values; publish that total less precisely "
            "or not at all",
            stacklevel=2,
        )

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
