"""The regional comparison report of a config for several gemeenten: the joint priorities in figures.

For every theme of ``regio_rapport.themas`` (ondermijning, jonge aanwas, digitale veiligheid, veilig
buitengebied, zorg en veiligheid) and every indicator in it: each gemeente's count and rate with its
exact interval, compared with the *rest* of the region (:func:`stats.compare_with_region`, so a
gemeente is never compared with itself) and with Nederland (:func:`stats.compare_with_benchmark`),
and its Poisson trend over the period (:func:`stats.poisson_trend`, corona years left out); the
region as a whole against Nederland and its own trend. The verdicts are the same plain-Dutch
sentences as in the chapters (:mod:`stats.verdicts`). Small numbers: when a gemeente had fewer
cases than the indicator's minimum in the last year, the last three years are pooled, for all
gemeenten of that indicator alike so that the rows stay comparable.

Each gemeente is read from its own store (its partner inputs, e.g. Halt, are only in its own);
a gemeente without a figure is listed as missing and the region total is then not computed.

The notebook ``notebooks/regio/regio.ipynb`` is the thin glue::

    region = open_region(config=config, stores=stores, run_dir=run_dir)  # veiligheidsanalyse.notebook
    result = regio.analyse(region)
    regio.show(region, result)
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis import CORONA_YEARS, POOL_YEARS, verdict_colour
from ..config import RegionReport, RunConfig
from ..indicators import Indicator
from ..indicators import indicator as get_indicator
from ..sources.partner_kinds import READER_NAMES
from ..sources.tables import TABLES
from ..stats import compare, rates, signals, trend, verdicts
from ..stats.formatting import format_nl
from ..store.dataset import Dataset
from ..text import slug
from .page import Chapter

CHAPTER_ID = "regio"


@dataclass
class Region:
    """The region's gemeenten, each seen through its own store, and the page being written."""

    report: RegionReport
    config: RunConfig  # the config of the first gemeente (period, comparison groups)
    datasets: dict[str, Dataset]  # gemeente code -> its data
    names: dict[str, str]  # gemeente code -> name
    ch: Chapter
    report_links: dict[str, str] = field(default_factory=dict)  # gemeente code -> link to its report

    @property
    def naam(self) -> str:
        return self.report.naam


@dataclass
class Row:
    """One area in the comparison of one indicator: a gemeente, the region or Nederland."""

    code: str
    naam: str
    rol: str  # gemeente | regio | nederland
    count: float
    denominator: float
    rate: float
    lower: float
    upper: float
    vs_regio: str = ""
    vs_regio_colour: str = "onbekend"
    vs_nl: str = ""
    vs_nl_colour: str = "onbekend"
    trend: str = ""
    trend_colour: str = "onbekend"


@dataclass
class PendingTest:
    """A test of the regional report, waiting for the correction over all of the report's tests."""

    row: Row
    column: str  # vs_regio | vs_nl | trend
    result: object
    words: object  # callable(result) -> str
    polarity: str


@dataclass
class IndicatorComparison:
    indicator: Indicator
    years: tuple[int, int]
    noemer_soort: str
    rows: list[Row]
    missing: list[str] = field(default_factory=list)  # gemeenten without a figure
    tests: list[PendingTest] = field(default_factory=list)  # worded by ``judge_tests`` after the correction

    @property
    def period_label(self) -> str:
        return str(self.years[1]) if self.years[0] == self.years[1] else f"{self.years[0]}-{self.years[1]}"

    @property
    def rate_label(self) -> str:
        noun = {"inwoners": "inwoners", "jongeren_12_17": "jongeren (12-17)", "woningen": "woningen"}
        per = f"per {format_nl(self.indicator.per, 0)} {noun.get(self.noemer_soort, self.noemer_soort)}"
        return per + (" per jaar" if self.years[0] != self.years[1] else "")


@dataclass
class Theme:
    naam: str
    comparisons: list[IndicatorComparison]
    missing: list[str]  # indicators without any figure


@dataclass
class RegionalResult:
    themes: list[Theme]
    findings: list[str]


# ------------------------------------------------------------------------------------ analysis


def _sum(df: pd.DataFrame, years: tuple[int, int]) -> tuple[float, float]:
    part = df[(df["jaar"] >= years[0]) & (df["jaar"] <= years[1])]
    if len(part) < years[1] - years[0] + 1:
        return np.nan, np.nan
    return float(part["aantal"].sum()), float(part["noemer"].sum())


def _trend(row: Row, df: pd.DataFrame, ind: Indicator, tests: list[PendingTest]) -> None:
    result = trend.poisson_trend(df["jaar"], df["aantal"], df["noemer"], breaks=CORONA_YEARS)
    tests.append(PendingTest(row, "trend", result, lambda r: verdicts.verdict_trend(r, ind.min_count), ind.polarity))


def judge_tests(tests: list[PendingTest]) -> None:
    """The regional report's own family: every test of the report Holm-corrected together, then worded
    by the same standard as the gemeente reports (significant only after the correction)."""
    words = [t.words(t.result) for t in tests]
    p_values = np.array(
        [np.nan if w.startswith(("te weinig", "onbekend")) else float(t.result.p_value) for t, w in zip(tests, words)],
        dtype=float,
    )
    adjusted = signals.adjust_p(p_values, "holm")
    for t, raw_words, p_adjusted in zip(tests, words, adjusted):
        judged = signals.Judged(t.result, p_adjusted) if np.isfinite(p_adjusted) else t.result
        text = t.words(judged) if np.isfinite(p_adjusted) else raw_words
        setattr(t.row, t.column, text)
        setattr(t.row, f"{t.column}_colour", verdict_colour(text, judged.direction, t.polarity))


def compare_indicator(region: Region, indicator_id: str) -> IndicatorComparison | None:
    """Every gemeente, the region and Nederland for one count indicator; None without any figure."""
    # Long: the rows of one indicator (each gemeente, the region, their tests) are built in one sweep.
    ind = get_indicator(indicator_id)
    cfg = region.config
    period = (cfg.jaar_van, cfg.jaar_tot)
    yearly: dict[str, pd.DataFrame] = {}
    noemer_soort = None
    for code, ds in region.datasets.items():
        df = ds.counts(indicator_id, [code], years=period).dropna(subset=["aantal", "noemer"])
        if len(df):
            yearly[code] = df[["jaar", "aantal", "noemer"]].sort_values("jaar").reset_index(drop=True)
            noemer_soort = noemer_soort or str(df["noemer_soort"].iloc[0])
    missing = [region.names[c] for c in region.datasets if c not in yearly]
    if not yearly:
        return None
    common = sorted(set.intersection(*(set(df["jaar"].astype(int)) for df in yearly.values())))
    if not common:
        return None
    latest = common[-1]
    years = (latest, latest)
    smallest = min(_sum(df, years)[0] for df in yearly.values())
    pooled = (latest - POOL_YEARS + 1, latest)
    if (
        smallest < ind.min_count
        and pooled[0] >= period[0]
        and all(np.isfinite(_sum(df, pooled)[0]) for df in yearly.values())
    ):
        years = pooled

    any_ds = next(iter(region.datasets.values()))
    nl_code = cfg.vergelijking.nederland
    nl = any_ds.counts(indicator_id, [nl_code], years=period, denominator=noemer_soort).dropna(
        subset=["aantal", "noemer"]
    )
    nl_count, nl_den = _sum(nl, years) if len(nl) else (np.nan, np.nan)
    nl_rate = nl_count / nl_den * ind.per if np.isfinite(nl_count) and nl_den > 0 else np.nan

    complete = not missing
    region_yearly = None
    if complete:
        stacked = pd.concat(yearly.values())
        region_yearly = (
            stacked.groupby("jaar")
            .agg(aantal=("aantal", "sum"), noemer=("noemer", "sum"), n=("aantal", "size"))
            .reset_index()
        )
        region_yearly = region_yearly[region_yearly["n"] == len(yearly)].drop(columns="n")
    reg_count, reg_den = _sum(region_yearly, years) if region_yearly is not None else (np.nan, np.nan)

    area = f"de rest van {region.naam}"
    rows, tests = [], []
    for code, df in yearly.items():
        count, den = _sum(df, years)
        r = rates.rate(count, den, per=ind.per)
        row = Row(code, region.names[code], "gemeente", count, den, float(r.value), float(r.lower), float(r.upper))
        if np.isfinite(reg_count) and reg_den > den:
            res = compare.compare_with_region(count, den, reg_count, reg_den, per=ind.per)
            tests.append(
                PendingTest(
                    row, "vs_regio", res, lambda r: verdicts.verdict_benchmark(r, area, ind.min_count), ind.polarity
                )
            )
        else:
            row.vs_regio = "niet vergeleken (regio onvolledig)"
        if np.isfinite(nl_rate) and nl_rate > 0:
            res = compare.compare_with_benchmark(count, den, nl_rate, per=ind.per)
            tests.append(
                PendingTest(
                    row, "vs_nl", res, lambda r: verdicts.verdict_benchmark(r, "Nederland", ind.min_count), ind.polarity
                )
            )
        else:
            row.vs_nl = "niet vergeleken (geen cijfer voor Nederland)"
        _trend(row, df, ind, tests)
        rows.append(row)
    if np.isfinite(reg_count) and reg_den > 0:
        r = rates.rate(reg_count, reg_den, per=ind.per)
        row = Row(
            region.report.code,
            region.naam,
            "regio",
            reg_count,
            reg_den,
            float(r.value),
            float(r.lower),
            float(r.upper),
            vs_regio="—",
        )
        if np.isfinite(nl_rate) and nl_rate > 0:
            res = compare.compare_with_benchmark(reg_count, reg_den, nl_rate, per=ind.per)
            tests.append(
                PendingTest(
                    row, "vs_nl", res, lambda r: verdicts.verdict_benchmark(r, "Nederland", ind.min_count), ind.polarity
                )
            )
        _trend(row, region_yearly, ind, tests)
        rows.append(row)
    if np.isfinite(nl_rate):
        r = rates.rate(nl_count, nl_den, per=ind.per)
        row = Row(
            nl_code,
            "Nederland",
            "nederland",
            nl_count,
            nl_den,
            float(r.value),
            float(r.lower),
            float(r.upper),
            vs_regio="—",
            vs_nl="—",
        )
        _trend(row, nl, ind, tests)
        rows.append(row)
    return IndicatorComparison(ind, years, noemer_soort or ind.denominator, rows, missing, tests)


def analyse(region: Region) -> RegionalResult:
    cache: dict[str, IndicatorComparison | None] = {}
    themes = []
    for naam, indicator_ids in region.report.themas:
        comparisons, missing = [], []
        for indicator_id in indicator_ids:
            if indicator_id not in cache:
                cache[indicator_id] = compare_indicator(region, indicator_id)
            comp = cache[indicator_id]
            if comp is None:
                missing.append(get_indicator(indicator_id).label)
            else:
                comparisons.append(comp)
        themes.append(Theme(naam, comparisons, missing))
    compared = [c for c in cache.values() if c is not None]
    judge_tests([t for c in compared for t in c.tests])
    return RegionalResult(themes, findings(region, compared))


def findings(region: Region, comparisons: list[IndicatorComparison], limit: int = 5) -> list[str]:
    """What the tests support: the region against Nederland, gemeenten against the rest of the region,
    and the region's trends, taken in turn (worse before better) so that one kind does not crowd out
    the others."""
    rank = {"slechter": 0, "neutraal": 1, "beter": 2}
    kinds: list[list[tuple[int, str]]] = [[], [], []]
    for comp in comparisons:
        label = comp.indicator.label
        for row in comp.rows:
            if row.rol == "regio" and row.vs_nl_colour in rank:
                kinds[0].append(
                    (
                        rank[row.vs_nl_colour],
                        f"{label}: {region.naam} ligt {row.vs_nl} "
                        f"({format_nl(row.rate, 1)} {comp.rate_label} in {comp.period_label}).",
                    )
                )
            if row.rol == "gemeente" and row.vs_regio_colour in rank:
                kinds[1].append(
                    (
                        rank[row.vs_regio_colour],
                        f"{label}: {row.naam} ligt {row.vs_regio} ({format_nl(row.rate, 1)} {comp.rate_label}).",
                    )
                )
            if row.rol == "regio" and row.trend_colour in rank:
                kinds[2].append((rank[row.trend_colour], f"{label} in {region.naam}: {row.trend}."))
    queues = [[text for _r, text in sorted(kind, key=lambda item: item[0])] for kind in kinds]
    out: list[str] = []
    while len(out) < limit and any(queues):
        for queue in queues:
            if queue and len(out) < limit:
                text = queue.pop(0)
                if text not in out:
                    out.append(text)
    if not out:
        out.append(
            f"Op de gezamenlijke prioriteiten wijkt geen van de gemeenten significant af van de rest van "
            f"{region.naam}, en de regio niet van Nederland."
        )
    return out


# ------------------------------------------------------------------------------------ showing


def comparison_table(comp: IndicatorComparison) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    rows = []
    for row in comp.rows:
        rows.append(
            {
                "Gebied": row.naam,
                "Periode": comp.period_label,
                "Aantal": row.count,
                comp.rate_label[:1].upper() + comp.rate_label[1:]: row.rate,
                "Interval 95%": f"{format_nl(row.lower, 1)}–{format_nl(row.upper, 1)}"
                if np.isfinite(row.lower) and np.isfinite(row.upper)
                else "onbekend",
                "Vergeleken met de rest van de regio": row.vs_regio,
                "Vergeleken met Nederland": row.vs_nl,
                "Trend": row.trend,
            }
        )
    df = pd.DataFrame(rows)
    colours = {
        "Vergeleken met de rest van de regio": pd.Series([r.vs_regio_colour for r in comp.rows]),
        "Vergeleken met Nederland": pd.Series([r.vs_nl_colour for r in comp.rows]),
        "Trend": pd.Series([r.trend_colour for r in comp.rows]),
    }
    return df, colours


def show(region: Region, result: RegionalResult) -> None:
    """The page: findings, links to the gemeente reports, per theme a table and a figure per indicator."""
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    from .. import plots
    from ..present import html_block

    ch = region.ch
    names = ", ".join(region.names[c] for c in region.report.gemeenten)
    ch.header(
        f"Regionale analyse {region.naam}",
        f"De gezamenlijke prioriteiten van {names} in cijfers: elke gemeente vergeleken met de rest van "
        f"{region.naam} en met Nederland, en de regio als geheel. Elke vergelijking is getoetst; bij kleine "
        "aantallen worden de laatste drie jaren samengenomen of wordt geen uitspraak gedaan.",
    )
    ch.key_findings(result.findings)
    ch.section("De rapporten per gemeente")
    items = "".join(
        f'<li><a href="{html.escape(region.report_links[c])}">Veiligheidsanalyse '
        f"{html.escape(region.names[c])}</a></li>"
        for c in region.report.gemeenten
    )
    html_block(f'<ul class="va-links">{items}</ul>')
    for theme in result.themes:
        ch.section(
            theme.naam,
            "Indicatoren: " + ", ".join(c.indicator.label.lower() for c in theme.comparisons) + "."
            if theme.comparisons
            else "",
        )
        for comp in theme.comparisons:
            table, colours = comparison_table(comp)
            name = f"{slug(theme.naam)}_{comp.indicator.id}"
            ch.table(
                table,
                name,
                caption=f"{comp.indicator.label}: gemeenten, {region.naam} en Nederland ({comp.rate_label})",
                formats={"Periode": "text", "Aantal": "int", table.columns[3]: "d1"},
                classes=colours,
                source=_source(comp),
            )
            chart = pd.DataFrame(
                [
                    {
                        "gebied": r.naam,
                        "cijfer": r.rate,
                        "ondergrens_95": r.lower,
                        "bovengrens_95": r.upper,
                        "aantal": r.count,
                        "noemer": r.denominator,
                        "eenheid": comp.rate_label,
                    }
                    for r in comp.rows
                    if r.rol != "nederland"
                ]
            )
            nl = next((r.rate for r in comp.rows if r.rol == "nederland"), None)
            if len(chart):
                fig = plots.interval_chart(
                    chart,
                    label="gebied",
                    value="cijfer",
                    lower="ondergrens_95",
                    upper="bovengrens_95",
                    reference=nl,
                    highlight=region.naam,
                    xlabel=comp.rate_label.capitalize(),
                )
                ch.figure(
                    fig,
                    f"{name}_figuur",
                    caption=f"{comp.indicator.label} {comp.rate_label} in {comp.period_label}, per gemeente "
                    f"en voor {region.naam}, met 95%-interval; de stippellijn is Nederland.",
                    alt=(
                        f"Stippen met intervallen van {comp.indicator.label.lower()} per gemeente en voor "
                        f"{region.naam}, vergeleken met Nederland."
                    ),
                    data=chart,
                    source=_source(comp),
                )
            if comp.missing:
                ch.missing(
                    f"Geen cijfers over {comp.indicator.label.lower()} voor: {', '.join(comp.missing)}; "
                    f"daarom geen totaal voor {region.naam}."
                )
        for label in theme.missing:
            ch.missing(f"Geen cijfers voor: {label}.")
    ch.section(
        "Hoe is vergeleken?",
        "Een gemeente wordt vergeleken met de rest van de regio (de regio zonder die gemeente), zodat ze "
        "niet met zichzelf wordt vergeleken; de regio en de gemeenten met Nederland met een exacte "
        "Poisson-toets; de trend is een Poisson-regressie over de jaren van de periode, zonder de "
        "coronajaren 2020 en 2021. Alle toetsen van dit regionale rapport zijn samen gecorrigeerd voor het "
        "aantal toetsen (Holm): 'significant' betekent hier, net als in de rapporten per gemeente, significant "
        "na die correctie; wat alleen zonder correctie significant is, heet een aanwijzing. Zie het hoofdstuk "
        "Methode en bronnen in de rapporten per gemeente.",
    )
    ch.use_sources(*sorted({c.indicator.table for t in result.themes for c in t.comparisons if c.indicator.table}))
    ch.save()


def _source(comp: IndicatorComparison) -> str:
    table = comp.indicator.table
    if table is None:
        kind = comp.indicator.input_kind
        return f"partnerinvoer ({READER_NAMES.get(kind, kind)}) per gemeente; noemer CBS 03759ned"
    publisher = TABLES[table].publisher if table in TABLES else "CBS"
    return f"{publisher} {table}; noemer CBS 03759ned"
