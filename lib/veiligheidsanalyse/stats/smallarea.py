"""Small-area statistics: counts per buurt, wijk or kern against the gemeente they belong to.

A buurt in Westerveld has a median of 170 inhabitants; one burglary more or less moves its crude
rate by 6 per 1.000. So a buurt map shows nothing without the three steps below, and never
shows a rate that rests on a handful of people or a count that partner data must not reveal.

1. **Pooling.** Buurt figures are pooled over at least ``MIN_YEARS`` (3) years: counts are
   summed and so are the yearly populations (person-years), so the rate is per 1.000 inhabitants
   *per year* (:func:`pool_years`; the same rule as :func:`.rates.pooled_rate`). A year that is
   unknown for an area makes its pooled count unknown, never smaller.
2. **Exact intervals and a flag per area, by the report's one standard of evidence.** Each area's
   rate gets the exact Poisson (Garwood) interval. It is compared with the *rest* of the areas
   (their sum minus the area itself) by :func:`.compare.compare_with_region`: the exact
   conditional test of two Poisson rates, the same test as the Kernen table
   (``chapters.kernen``) and the region comparisons of every other page. The area is part of the
   sum of the areas, so comparing it with that sum as a fixed rate would compare it partly with
   itself; against the rest the two groups are independent, and the rest's own Poisson variation
   counts. The p-values of one map are a family of their own (``correction="holm"`` or ``"bh"``,
   :func:`.signals.adjust_p`); the table publishes both ``p_waarde`` (uncorrected) and
   ``p_waarde_gecorrigeerd``. An area is "hoger" or "lager" exactly when
   :class:`.signals.Judged` says so: the uncorrected test is significant (p < 1 - conf) *and* the
   corrected p-value is at most 1 - conf (``<=``, as ``signals.SIGNAL`` everywhere). Otherwise
   "gelijk" (not significantly different) or "onbekend" (not tested). The intervals shown are
   the areas' own 95 % intervals, *not* corrected for the number of areas.

   **The benchmark is the sum of the areas with a known count and population.** An area whose
   count or population is unknown (e.g. a code the politie table and the Kerncijfers spell
   differently) is "onbekend" and left out of the sum; it never makes the others unknown. The
   total row (``rol`` = "Totaal") is that sum, named for what it is ("Som van de wijken"), not
   the gemeente's own figure; ``df.attrs["onbekend"]`` counts the areas left out.
3. **Empirical Bayes shrinkage toward the gemeente rate** (:func:`eb_shrinkage`). The Poisson-
   gamma model: area counts O_i ~ Poisson(theta_i n_i), theta_i ~ Gamma with mean m and variance
   s2. The posterior mean is ``m + C_i (r_i - m)`` with ``C_i = s2 / (s2 + m / n_i)``: a small
   area is pulled far toward the gemeente, a large one hardly. m and s2 are estimated by the
   *global method of moments of Marshall (1991)*: ``s2 = sum n_i (r_i - m)^2 / sum n_i - m / nbar``
   (nbar the mean population), set to 0 when negative (no variation beyond chance: every area gets
   the gemeente rate). Source: Marshall RJ (1991) "Mapping disease and mortality rates using
   empirical Bayes estimators", Applied Statistics 40(2):283-294; the same estimator as spdep's
   ``EBest`` and PySAL esda's ``Empirical_Bayes``. Here m is the rate of the sum of the areas
   (also those without a rate of their own), so the estimates shrink toward it, and the
   areas below the inhabitant threshold are left out of s2.

Too few cases: with ``min_count`` (the indicator's, from the catalogue) an area whose (pooled) count
is below it keeps its rate and interval but is not compared ("te weinig gevallen", no p-value, not
in the corrected family) and a map does not colour it: the same rule as the Kernen table
(``verdicts.verdict_benchmark`` with ``min_count``).

Small cells: an area with fewer than ``min_inhabitants`` (mean yearly) inhabitants gets no rate,
interval, flag or smoothed rate ("te weinig inwoners"); its count still counts toward the
sum of the areas. For sensitive kinds (partner data, zeden, huiselijk geweld) counts below the disclosure
threshold are hidden with :func:`.disclosure.suppress_counts` (primary and secondary suppression,
the gemeente total included as a published total), and every number derived from a hidden count
(rate, interval, p-values, smoothed rate, flag) is hidden with it. There the count of an area
outside the sum (unknown population) is shown as unknown too: a count the published total does
not contain could otherwise upset the secondary suppression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._common import as_float, check_conf
from .compare import compare_with_region
from .disclosure import suppress_counts
from .signals import Judged, adjust_p

if TYPE_CHECKING:
    import pandas as pd

MIN_YEARS = 3  # buurt figures only pooled over at least three years
MIN_INHABITANTS = 100  # default threshold for a rate; the run configuration may set another
CORRECTIONS = ("none", "holm", "bh")

TOO_FEW_INHABITANTS = "te weinig inwoners"
TOO_FEW_CASES = "te weinig gevallen"  # below the indicator's min_count: not compared, not coloured
SUPPRESSED = "afgeschermd"
UNKNOWN = "onbekend"
TOTAL_ROW = "Totaal"  # value of column ``rol`` in the total row (the sum of the areas)
TOTAL_NAME = "Som van de gebieden"  # its ``regio_naam`` unless the caller names the areas ("Som van de wijken")
KNOWN_ONLY = " met bekend aantal en inwoners"  # added to that name when some areas are left out

# Columns of the table returned by :func:`small_area_table`, in order.
COLUMNS = (
    "regio_code",
    "regio_naam",
    "rol",
    "periode",
    "jaren",
    "aantal",
    "aantal_weergave",
    "inwoners",
    "persoonsjaren",
    "per_1000",
    "ondergrens",
    "bovengrens",
    "p_waarde",
    "p_waarde_gecorrigeerd",
    "vergelijking",
    "per_1000_eb",
    "afgeschermd",
)


# --------------------------------------------------------------------------- pooling


def pool_years(
    df: pd.DataFrame,
    area_col: str = "regio_code",
    year_col: str = "jaar",
    count_col: str = "aantal",
    population_col: str = "inwoners",
    min_years: int = MIN_YEARS,
    name_col: str = "regio_naam",
) -> pd.DataFrame:
    """One row per area: counts and person-years summed over the years in ``df``.

    Every area must have a row for every year present; a missing row or a NaN count or
    population makes that area's pooled value NaN (unknown), because dropping a year would
    understate the count. Fewer than ``min_years`` distinct years raises ValueError.
    Returns columns ``area_col``, ``aantal``, ``persoonsjaren``, ``inwoners`` (mean per year),
    ``jaren`` (number of years) and ``periode`` ("2021-2023"), in the order areas first appear;
    ``name_col`` is carried over (the newest year's name) when ``df`` has it.
    """
    import pandas as pd

    years = sorted(pd.unique(df[year_col].dropna()))
    if len(years) < min_years:
        raise ValueError(f"pooling needs at least {min_years} years, got {len(years)}: {years}")
    if df.duplicated([area_col, year_col]).any():
        raise ValueError(f"more than one row for the same {area_col} and {year_col}")
    wide_counts = df.pivot(index=area_col, columns=year_col, values=count_col).reindex(columns=years)
    wide_pops = df.pivot(index=area_col, columns=year_col, values=population_col).reindex(columns=years)
    order = pd.unique(df[area_col])
    wide_counts, wide_pops = wide_counts.reindex(order), wide_pops.reindex(order)
    # sum(min_count=len) keeps NaN when any year is missing: unknown stays unknown
    counts = wide_counts.astype(float).sum(axis=1, min_count=len(years))
    counts[wide_counts.isna().any(axis=1)] = np.nan
    person_years = wide_pops.astype(float).sum(axis=1, min_count=len(years))
    person_years[wide_pops.isna().any(axis=1)] = np.nan
    period = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    pooled = pd.DataFrame(
        {
            area_col: order,
            "aantal": counts.to_numpy(),
            "persoonsjaren": person_years.to_numpy(),
            "inwoners": person_years.to_numpy() / len(years),
            "jaren": len(years),
            "periode": period,
        }
    )
    if name_col in df.columns:
        names = df.sort_values(year_col).groupby(area_col, sort=False)[name_col].last()
        pooled.insert(1, name_col, names.reindex(order).to_numpy())
    return pooled


# --------------------------------------------------------------------------- Empirical Bayes


@dataclass(frozen=True)
class EBFit:
    """Poisson-gamma prior estimated by Marshall's (1991) global method of moments.

    ``mean`` and ``variance`` are the prior mean and between-area variance of the rate per
    ``per``; ``shape``/``rate`` the gamma parameters (nu = m^2/s2, alpha = m/s2, in counts per
    ``per``); infinite when ``variance`` is 0 (no variation beyond chance). ``k`` areas were used.
    """

    mean: float
    variance: float
    per: int
    k: int
    method: str = "Marshall (1991), globale momentenschatter"

    @property
    def shape(self) -> float:
        return self.mean**2 / self.variance if self.variance > 0 else np.inf

    @property
    def rate(self) -> float:
        return self.mean / self.variance if self.variance > 0 else np.inf


def eb_fit(counts, populations, per: int = 1000, target_rate=None) -> EBFit:
    """Marshall's moment estimates (m, s2) for areas with a known count and a positive population.

    ``target_rate`` (per ``per``) fixes the prior mean, e.g. at the gemeente rate; without it the
    mean is the pooled rate of the areas used (Marshall's original estimator).
    """
    o = np.atleast_1d(as_float(counts)).ravel()
    n = np.atleast_1d(as_float(populations)).ravel() / per  # populations in units of ``per``
    if o.shape != n.shape:
        raise ValueError("counts and populations need the same length")
    used = ~(np.isnan(o) | np.isnan(n)) & (n > 0)
    o, n = o[used], n[used]
    if o.size == 0:
        return EBFit(np.nan, np.nan, per, 0)
    m = o.sum() / n.sum() if target_rate is None else float(target_rate)
    r = o / n
    s2 = float((n * (r - m) ** 2).sum() / n.sum() - m / n.mean())
    return EBFit(float(m), max(s2, 0.0), per, int(o.size))


def eb_shrinkage(counts, populations, per: int = 1000, target_rate=None, fit: EBFit | None = None):
    """Empirical Bayes (Poisson-gamma) smoothed rates per ``per``, and the :class:`EBFit` used.

    ``m + C_i (r_i - m)`` with ``C_i = s2 / (s2 + m / n_i)`` (see module notes). Areas with an
    unknown count or no population get NaN. Pass ``fit`` to smooth with given prior parameters.
    """
    o = np.atleast_1d(as_float(counts)).astype(float)
    n = np.atleast_1d(as_float(populations)).astype(float) / per
    fit = fit if fit is not None else eb_fit(counts, populations, per, target_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = o / n
        weight = fit.variance / (fit.variance + fit.mean / n)
        smoothed = fit.mean + weight * (r - fit.mean)
    smoothed = np.where(np.isnan(o) | ~(n > 0), np.nan, smoothed)
    return smoothed, fit


# --------------------------------------------------------------------------- the map table


def small_area_table(
    areas: pd.DataFrame,
    *,
    gemeente_code: str,
    gemeente_naam: str,
    per: int = 1000,
    conf: float = 0.95,
    min_inhabitants: float = MIN_INHABITANTS,
    sensitive: bool = False,
    threshold: int = 5,
    correction: str = "none",
    total_name: str | None = None,
    min_count: int | None = None,
) -> pd.DataFrame:
    """The numbers behind a small-area map: one row per area plus the sum of the areas.

    ``areas`` has columns ``regio_code``, ``regio_naam``, ``aantal`` and either ``persoonsjaren``
    (pooled, e.g. from :func:`pool_years`, with ``jaren``/``periode``) or ``inwoners`` (one year).
    The last row (``rol`` = "Totaal", ``regio_code`` the gemeente's, ``regio_naam`` ``total_name``,
    default "Som van de gebieden") sums the areas with a known count and population: the benchmark
    of the map. Areas with an unknown count or population are "onbekend" and left out of it (the
    name then says "met bekend aantal en inwoners"); a gap is never read as zero, and one unknown
    area never makes the others unknown. ``gemeente_naam`` is kept in ``df.attrs``.

    Columns (see ``COLUMNS``): ``per_1000`` with its exact interval ``ondergrens``/``bovengrens``
    (uncorrected), ``p_waarde`` (exact conditional test against the rest of the areas,
    uncorrected), ``p_waarde_gecorrigeerd`` (adjusted by ``correction`` over the tested areas of
    the map; equal to ``p_waarde`` with "none"), ``vergelijking`` ("hoger", "lager", "gelijk",
    "te weinig inwoners", "te weinig gevallen" (count below ``min_count``), "afgeschermd",
    "onbekend"; see module notes for the rule),
    ``per_1000_eb`` (Empirical Bayes toward the rate of the sum), ``aantal_weergave`` (the count
    as a reader may see it: "<5" and "x" where hidden) and ``afgeschermd``. With ``sensitive`` the
    hidden counts and every number derived from them are NaN, and the EB variance and the p-value
    correction use the visible areas only (otherwise they would carry information about the
    hidden ones). ``df.attrs`` holds the benchmark rate, the EB fit and the settings, for the
    caption and the methods section.
    """
    # Long: the rows of one table: rates, tests, suppression and the total row over one frame
    conf = check_conf(conf)
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    alpha = 1.0 - conf
    table = _base_rows(areas)
    count = table["aantal"].to_numpy(dtype=float)
    person_years = table["persoonsjaren"].to_numpy(dtype=float)
    inhabitants = person_years / table["jaren"].to_numpy(dtype=float)
    known = ~np.isnan(count) & ~np.isnan(person_years)
    n_unknown = int((~known).sum())
    base_count = float(count[known].sum()) if known.any() else np.nan
    base_py = float(person_years[known].sum()) if known.any() else np.nan
    base_rate = base_count / base_py * per if base_py > 0 else np.nan  # NaN > 0 is False
    name = (total_name or TOTAL_NAME) + (KNOWN_ONLY if n_unknown else "")

    table = _with_total(table, gemeente_code, name, base_count, base_py, per, conf)
    if sensitive:  # a count outside the published total is shown as unknown (see module notes)
        table.loc[np.append(~known, False), "aantal"] = np.nan
        count = np.where(known, count, np.nan)
    display, hidden = _disclosure(table, sensitive, threshold)
    area_hidden = hidden[:-1]

    has_rate = known & (inhabitants >= min_inhabitants) & ~area_hidden
    from .rates import rate as exact_rate

    own = exact_rate(
        np.where(has_rate, count, np.nan),
        np.where(has_rate & (person_years > 0), person_years, np.nan),
        per,
        conf,
        method="exact",
    )
    rate, lower, upper = (
        np.where(has_rate, np.atleast_1d(v).astype(float), np.nan) for v in (own.value, own.lower, own.upper)
    )
    # against the rest of the areas: only where there is a rest (one area cannot be all of them)
    too_few = has_rate & (count < min_count if min_count is not None else False)
    testable = (
        has_rate
        & ~too_few
        & (person_years > 0)
        & np.isfinite(base_py)
        & (base_py - np.where(known, person_years, 0) > 0)
    )
    p_value = np.full(len(count), np.nan)
    raw_direction = np.full(len(count), UNKNOWN, dtype=object)
    if testable.any():
        result = compare_with_region(count[testable], person_years[testable], base_count, base_py, per=per, conf=conf)
        p_value[testable] = np.atleast_1d(result.p_value)
        raw_direction[testable] = np.atleast_1d(result.direction)
    p_adjusted = p_value if correction == "none" else adjust_p(p_value, correction)
    direction = _direction(raw_direction, p_adjusted, alpha)
    direction = np.where(too_few, TOO_FEW_CASES, direction)
    direction = np.where(known & ~has_rate, TOO_FEW_INHABITANTS, direction)
    direction = np.where(area_hidden, SUPPRESSED, direction)
    direction = np.where(~known, UNKNOWN, direction).astype(object)
    smoothed, fit = eb_shrinkage(np.where(has_rate, count, np.nan), person_years, per, target_rate=base_rate)

    areas_part = table.index < len(count)  # every row but the total
    table.loc[areas_part, "inwoners"] = inhabitants
    for column, values in (
        ("per_1000", rate),
        ("ondergrens", lower),
        ("bovengrens", upper),
        ("p_waarde", p_value),
        ("p_waarde_gecorrigeerd", p_adjusted),
        ("per_1000_eb", smoothed),
    ):
        table.loc[areas_part, column] = values
    table.loc[areas_part, "vergelijking"] = direction
    table["aantal_weergave"] = display
    table["afgeschermd"] = hidden
    # the count itself and all computed from it (area rows: above, through has_rate)
    for column in (
        "aantal",
        "per_1000",
        "ondergrens",
        "bovengrens",
        "p_waarde",
        "p_waarde_gecorrigeerd",
        "per_1000_eb",
    ):
        table.loc[hidden, column] = np.nan
    table = table.loc[:, list(COLUMNS)].reset_index(drop=True)
    table.attrs.update(
        gemeente_code=gemeente_code,
        gemeente_naam=gemeente_naam,
        per=per,
        conf=conf,
        gemeente_per_1000=base_rate,
        som_per_1000=base_rate,
        onbekend=n_unknown,
        totaal_naam=name,
        toets="exact conditioneel tegen de rest van de gebieden (compare_with_region)",
        min_inwoners=min_inhabitants,
        min_aantal=min_count,
        gevoelig=sensitive,
        drempel=threshold,
        correctie=correction,
        eb_methode=fit.method,
        eb_gemiddelde=fit.mean,
        eb_variantie=fit.variance,
        eb_k=fit.k,
    )
    return table


def _base_rows(areas: pd.DataFrame) -> pd.DataFrame:
    """Area rows with ``persoonsjaren``, ``jaren`` and ``periode`` filled in (one year if absent)."""
    missing = {"regio_code", "regio_naam", "aantal"} - set(areas.columns)
    if missing:
        raise ValueError(f"areas lacks column(s) {sorted(missing)}")
    table = areas.reset_index(drop=True).copy()
    if "persoonsjaren" not in table.columns:
        if "inwoners" not in table.columns:
            raise ValueError("areas needs 'persoonsjaren' (pooled) or 'inwoners' (one year)")
        table["persoonsjaren"] = table["inwoners"].astype(float)
    if "jaren" not in table.columns:
        table["jaren"] = 1
    if "periode" not in table.columns:
        table["periode"] = ""
    if (table["aantal"].dropna() < 0).any():
        raise ValueError("a count cannot be negative")
    table["aantal"] = table["aantal"].astype(float)
    table["rol"] = "gebied"
    for column in (
        "inwoners",
        "per_1000",
        "ondergrens",
        "bovengrens",
        "p_waarde",
        "p_waarde_gecorrigeerd",
        "per_1000_eb",
    ):
        table[column] = np.nan
    table["vergelijking"] = ""
    return table


def _direction(raw_direction, p_adjusted, alpha):
    """'hoger'/'lager'/'gelijk'/'onbekend' per area, decided as every page decides (``signals.Judged``).

    Significant only when the uncorrected test says "hoger"/"lager" and the corrected p-value is
    at most ``alpha``; an untested area stays "onbekend".
    """
    from types import SimpleNamespace

    out = []
    for raw, p in zip(raw_direction, p_adjusted):
        if raw not in ("hoger", "lager", "gelijk") or np.isnan(p):
            out.append(UNKNOWN)
        else:
            out.append(Judged(SimpleNamespace(direction=raw), p, signal=alpha).direction)
    return np.array(out, dtype=object)


def _with_total(table, code, name, total_count, total_py, per, conf):
    """Append the total row (the sum of the areas): its count, rate and exact interval."""
    import pandas as pd

    from .rates import rate

    years = table["jaren"].iloc[0] if len(table) else 1
    own = rate(total_count, total_py, per, conf, method="exact")
    row = {
        "regio_code": code,
        "regio_naam": name,
        "rol": TOTAL_ROW,
        "periode": table["periode"].iloc[0] if len(table) else "",
        "jaren": years,
        "aantal": total_count,
        "persoonsjaren": total_py,
        "inwoners": total_py / years,
        "per_1000": own.value,
        "ondergrens": own.lower,
        "bovengrens": own.upper,
        "p_waarde": np.nan,
        "p_waarde_gecorrigeerd": np.nan,
        "vergelijking": "",
        "per_1000_eb": own.value,
    }
    return pd.concat([table, pd.DataFrame([row])], ignore_index=True)


def _disclosure(table, sensitive: bool, threshold: int):
    """(display counts, hidden mask) for all rows; the total row is the published total."""
    from .formatting import format_count

    if not sensitive:
        return [format_count(v) for v in table["aantal"]], np.zeros(len(table), dtype=bool)
    cells = np.where(table["rol"] == TOTAL_ROW, TOTAL_ROW, table["regio_code"])
    display, hidden = suppress_counts(
        table.assign(_cel=cells), "aantal", threshold=threshold, group_cols=["_cel"], total_label=TOTAL_ROW
    )
    return display["aantal"].to_numpy(dtype=object), hidden.to_numpy(dtype=bool)
