"""Indicator profiles: every statement a chapter makes about one indicator, each from a test.

A count indicator (registered crime, overlast, Halt, ...) gets: its latest rate with an exact
interval (years pooled when the count is small), comparisons with the Netherlands (benchmark),
the rest of the provincie and the rest of the peer group (two-sample, without double counting),
a funnel placement among the comparison gemeenten, a Poisson trend over the period (corona
years 2020-2021 left out) and the change since the previous analysis. A survey indicator
(Veiligheidsmonitor) gets its interval, comparisons with NL and the provincie in the same
edition, and the change since the previous edition (not across the 2021 method break).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .indicators import Indicator
from .indicators import indicator as get_indicator
from .stats import compare, funnel, rates, survey, trend, verdicts
from .stats.formatting import format_nl, format_pct
from .store.dataset import Dataset

CORONA_YEARS = (2020, 2021)
POOL_YEARS = 3  # rare offences: the last three years together


def _value(df: pd.DataFrame, code: str, year: int, column: str) -> float:
    rows = df[(df["regio_code"] == code) & (df["jaar"] == year)]
    return float(rows[column].iloc[0]) if len(rows) and pd.notna(rows[column].iloc[0]) else np.nan


@dataclass
class Comparison:
    area: str
    result: Any  # judged by the report's family of tests when the Dataset has one (stats.signals.Judged)
    verdict: str
    colour: str
    test: str = ""  # its key in the report's family of tests


@dataclass
class FamilyEntry:
    """One test of the report's family (``chapters.family``): its key, uncorrected p and printed words."""

    indicator: str  # a catalogue indicator id, or the id of a derived series (e.g. "aandeel_online")
    naam: str
    toets: str
    p: float
    oordeel: str
    colour: str  # verdict_colour of the (judged) direction: slechter | beter | gelijk | neutraal | onbekend

    @property
    def key(self) -> tuple[str, str]:
        return self.indicator, self.toets


def judge(ds: Dataset, indicator_id: str, test: str, result):
    """``result`` as the report decides it (its family's correction), or as it is when there is no family yet."""
    family = getattr(ds, "family", None)
    return result if family is None else family.judge(indicator_id, test, result)


def since_label(year: int) -> str:
    """'2021 (een coronajaar)': a baseline in a corona year is named as such."""
    return f"{year} (een coronajaar)" if int(year) in CORONA_YEARS else str(year)


def change_test(
    c1: float, e1: float, c2: float, e2: float, series_trend: trend.Trend | None
) -> compare.PeriodComparison:
    """One year against another, with the year-to-year variation the trend fit of the same series measured.

    Yearly counts vary more than Poisson allows (dispersion phi > 1); comparing two single years
    as pure Poisson then calls ordinary fluctuation significant. With phi > 1 the comparison is a
    quasi-Poisson Wald test with that phi; otherwise the exact conditional test.
    """
    phi = series_trend.dispersion if series_trend is not None and series_trend.status == trend.STATUS_OK else np.nan
    if np.isfinite(phi) and phi > 1:
        return compare.compare_periods(c1, e1, c2, e2, method="quasi-poisson", dispersion=phi)
    return compare.compare_periods(c1, e1, c2, e2, method="exact-cond")


@dataclass
class CountProfile:
    indicator: Indicator
    gemeente: str
    gemeente_naam: str
    years: tuple[int, int]  # the years behind the level figures (one year, or pooled)
    count: float
    denominator: float
    noemer_soort: str
    rate: rates.Rate
    series: pd.DataFrame  # jaar, regio_code, regio_naam, rol, aantal, noemer, rate, lower, upper
    comparisons: dict[str, Comparison] = field(default_factory=dict)  # nederland, provincie, peers
    trend: trend.Trend | None = None
    trend_verdict: str = ""
    trend_colour: str = "onbekend"
    change: Comparison | None = None
    funnel: pd.DataFrame | None = None

    @property
    def kind(self) -> str:
        return "telling"

    @property
    def pooled(self) -> bool:
        return self.years[0] != self.years[1]

    @property
    def period_label(self) -> str:
        return str(self.years[1]) if not self.pooled else f"{self.years[0]}-{self.years[1]}"

    @property
    def rate_label(self) -> str:
        per = self.indicator.per
        noun = {"inwoners": "inwoners", "jongeren_12_17": "jongeren (12-17)", "woningen": "woningen"}[self.noemer_soort]
        suffix = " per jaar" if self.pooled else ""
        return f"per {format_nl(per, 0)} {noun}{suffix}"

    def sentence(self) -> str:
        """One plain-Dutch sentence: level, comparison with NL, trend."""
        ind = self.indicator
        parts = [f"{ind.label}: {format_nl(self.count, 0)} in {self.period_label}"]
        if np.isfinite(self.rate.value):
            parts[0] += f" ({format_nl(self.rate.value, 1)} {self.rate_label})"
        nl = self.comparisons.get("nederland")
        if nl is not None:
            parts.append(nl.verdict)
        if self.trend_verdict:
            parts.append(self.trend_verdict)
        return "; ".join(parts) + "."


@dataclass
class SurveyProfile:
    indicator: Indicator
    gemeente: str
    gemeente_naam: str
    edition: int | None
    value: float
    lower: float
    upper: float
    interval_note: str
    series: pd.DataFrame  # jaar, regio_code, regio_naam, waarde, ondergrens, bovengrens
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    change: Comparison | None = None

    @property
    def kind(self) -> str:
        return "enquête"

    def formatted_value(self, value: float | None = None) -> str:
        value = self.value if value is None else value
        if self.indicator.unit == "procent":
            return format_pct(value, 0 if value >= 10 else 1)
        return format_nl(value, 1)

    def sentence(self) -> str:
        if self.edition is None:
            return f"{self.indicator.label}: geen gegevens voor {self.gemeente_naam}."
        parts = [f"{self.indicator.label}: {self.formatted_value()} in {self.edition}"]
        for comp in self.comparisons.values():
            parts.append(comp.verdict)
        if self.change is not None:
            parts.append(self.change.verdict)
        return "; ".join(parts) + "."


# ---------------------------------------------------------------------------- counts


def _group_totals(
    ds: Dataset, indicator_id: str, members: list[str], years: tuple[int, int], denominator: str
) -> pd.DataFrame:
    """Yearly sums of count and denominator over member gemeenten (unknown if any member is)."""
    df = ds.counts(indicator_id, members, years=years, denominator=denominator)
    if df.empty:
        return pd.DataFrame(columns=["jaar", "aantal", "noemer"])
    # min_count = number of members: a missing or unknown member makes the group total unknown.
    agg = df.groupby("jaar")[["aantal", "noemer"]].sum(min_count=len(members)).reset_index()
    return agg


def _sum_years(df: pd.DataFrame, years: tuple[int, int]) -> tuple[float, float]:
    part = df[(df["jaar"] >= years[0]) & (df["jaar"] <= years[1])]
    n_years = years[1] - years[0] + 1
    if len(part) < n_years or part["aantal"].isna().any() or part["noemer"].isna().any():
        return np.nan, np.nan
    return float(part["aantal"].sum()), float(part["noemer"].sum())


def count_profile(ds: Dataset, indicator_id: str, reference_year: int | None = None) -> CountProfile | None:
    """Profile of a count indicator for the run's gemeente; None when the gemeente has no data."""
    # Long: the profile is assembled in the order a page reads it; its comparisons are functions of their own.
    ind = get_indicator(indicator_id)
    cfg = ds.config
    period = (cfg.jaar_van, cfg.jaar_tot)
    g = ds.gemeente
    own = ds.counts(indicator_id, [g], years=period)
    own = own.dropna(subset=["aantal"])
    if own.empty or own["noemer"].isna().all():
        return None
    noemer_soort = str(own["noemer_soort"].iloc[0])
    latest = int(own["jaar"].max())
    count_latest = _value(own, g, latest, "aantal")
    years = (latest, latest)
    if count_latest < ind.min_count and latest - POOL_YEARS + 1 >= period[0]:
        years = (latest - POOL_YEARS + 1, latest)
    own_by_year = own[["jaar", "aantal", "noemer"]]
    count, den = _sum_years(own_by_year, years)
    if np.isnan(count):  # a pooled year is missing: fall back to the latest year alone
        years = (latest, latest)
        count, den = _sum_years(own_by_year, years)
    rate = rates.rate(count, den, per=ind.per)

    # Series for figures: gemeente and comparison groups, rates with intervals.
    series = _series(ds, ind, period, noemer_soort)

    comparisons = _level_comparisons(ds, ind, count, den, years, period, noemer_soort)

    raw_trend = _trend_with_fallback(own["jaar"], own["aantal"], own["noemer"], CORONA_YEARS)
    trend_result = raw_trend
    trend_result = judge(ds, indicator_id, "trend", trend_result)
    trend_verdict = verdicts.verdict_trend(trend_result, ind.min_count)
    if (
        trend_result.status == trend.STATUS_OK
        and not set(CORONA_YEARS) & set(trend_result.years_excluded)
        and set(CORONA_YEARS) & set(trend_result.years_used)
    ):
        trend_verdict += ", coronajaren meegeteld"
    trend_colour = verdict_colour(trend_verdict, trend_result.direction, ind.polarity)

    change = None
    ref = reference_year or cfg.vorige_analyse
    if ref < latest and ref >= period[0]:
        c1, e1 = _sum_years(own_by_year, (ref, ref))
        c2, e2 = _sum_years(own_by_year, (latest, latest))
        if np.isfinite(c1) and np.isfinite(c2):
            result = judge(ds, indicator_id, "verandering", change_test(c1, e1, c2, e2, raw_trend))
            verdict = verdicts.verdict_periods(result, since_label(ref), ind.min_count)
            change = Comparison(
                str(ref), result, verdict, verdict_colour(verdict, result.direction, ind.polarity), "verandering"
            )

    profile = CountProfile(
        indicator=ind,
        gemeente=g,
        gemeente_naam=ds.gemeente_naam,
        years=years,
        count=count,
        denominator=den,
        noemer_soort=noemer_soort,
        rate=rate,
        series=series,
        comparisons=comparisons,
        trend=trend_result,
        trend_verdict=trend_verdict,
        trend_colour=trend_colour,
        change=change,
    )
    profile.funnel = _funnel(ds, ind, years, noemer_soort)
    return profile


def _level_comparisons(
    ds: Dataset, ind, count: float, den: float, years: tuple[int, int], period: tuple[int, int], noemer_soort: str
) -> dict[str, Comparison]:
    """The gemeente's level against Nederland, the rest of its provincie and its peers (judged)."""
    cfg, g, indicator_id = ds.config, ds.gemeente, ind.id
    comparisons: dict[str, Comparison] = {}
    nl = ds.counts(indicator_id, [cfg.vergelijking.nederland], years=period, denominator=noemer_soort)
    nl_count, nl_den = _sum_years(nl[["jaar", "aantal", "noemer"]], years)
    if np.isfinite(nl_count) and nl_count > 0 and nl_den > 0:  # no rate to compare with when NL has none
        result = compare.compare_with_benchmark(count, den, nl_count / nl_den * ind.per, per=ind.per)
        result = judge(ds, indicator_id, "niveau: nederland", result)
        verdict = verdicts.verdict_benchmark(result, "Nederland", ind.min_count)
        comparisons["nederland"] = Comparison(
            "Nederland", result, verdict, verdict_colour(verdict, result.direction, ind.polarity), "niveau: nederland"
        )
    for key, group in (("provincie", cfg.vergelijking.provincie), ("peers", cfg.vergelijking.peers)):
        if group is None:
            continue
        members = list(dict.fromkeys(list(group.gemeenten) + [g]))
        totals = _group_totals(ds, indicator_id, members, period, noemer_soort)
        group_count, group_den = _sum_years(totals, years)
        if not np.isfinite(group_count) or group_den <= den:
            continue
        result = compare.compare_with_region(count, den, group_count, group_den, per=ind.per)
        result = judge(ds, indicator_id, f"niveau: {key}", result)
        area = f"de rest van {group.naam}" if key == "provincie" else f"de andere {group.naam.lower()}"
        verdict = verdicts.verdict_benchmark(result, area, ind.min_count)
        comparisons[key] = Comparison(
            area, result, verdict, verdict_colour(verdict, result.direction, ind.polarity), f"niveau: {key}"
        )
    return comparisons


def verdict_colour(verdict: str, direction: str, polarity: str) -> str:
    if verdict.startswith("te weinig") or verdict.startswith("onbekend"):
        return "onbekend"
    return verdicts.colour_class(direction, polarity)


def _series(ds: Dataset, ind: Indicator, period: tuple[int, int], noemer_soort: str) -> pd.DataFrame:
    roles = ds.comparison_roles()
    frames = []
    codes = [ds.gemeente, ds.config.vergelijking.nederland]
    own_nl = ds.counts(ind.id, codes, years=period, denominator=noemer_soort)
    frames.append(own_nl)
    for group in ds.config.vergelijking.groups():
        totals = _group_totals(ds, ind.id, ds.group_members(group), period, noemer_soort)
        if len(totals):
            totals = totals.assign(regio_code=group.code, regio_naam=group.naam, status="")
            frames.append(totals)
    df = pd.concat([f for f in frames if len(f)], ignore_index=True)
    result = rates.rate(df["aantal"].to_numpy(float), df["noemer"].to_numpy(float), per=ind.per)
    df["rate"] = np.atleast_1d(result.value)
    df["lower"] = np.atleast_1d(result.lower)
    df["upper"] = np.atleast_1d(result.upper)
    df["rol"] = df["regio_code"].map(roles)
    return (
        df[["jaar", "regio_code", "regio_naam", "rol", "aantal", "noemer", "rate", "lower", "upper"]]
        .sort_values(["rol", "jaar"])
        .reset_index(drop=True)
    )


def _funnel(ds: Dataset, ind: Indicator, years: tuple[int, int], noemer_soort: str) -> pd.DataFrame | None:
    """All comparison gemeenten in one funnel around the Dutch rate (no league table)."""
    members = [ds.gemeente] + [c for c in ds.config.all_gemeenten() if c != ds.gemeente]
    df = ds.counts(ind.id, members, years=years, denominator=noemer_soort)
    if df.empty:
        return None
    agg = (
        df.groupby(["regio_code", "regio_naam"])
        .agg(aantal=("aantal", "sum"), noemer=("noemer", "sum"), jaren=("jaar", "nunique"))
        .reset_index()
    )
    agg = agg[agg["jaren"] == years[1] - years[0] + 1]
    if len(agg) < 5:
        return None
    # Centred on the comparison gemeenten' own pooled rate: the funnel asks whether the gemeente stands
    # out among comparable gemeenten (the comparison with the Netherlands is a separate test).
    assessed = funnel.funnel_assess(
        agg["aantal"], agg["noemer"], target_rate=None, per=ind.per, labels=agg["regio_code"]
    )
    out = agg.set_index("regio_code").join(assessed.drop(columns=["count", "population"]))
    out.attrs.update(assessed.attrs)
    return out.reset_index()


# ---------------------------------------------------------------------------- surveys


def survey_profile(ds: Dataset, indicator_id: str) -> SurveyProfile:
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    ind = get_indicator(indicator_id)
    g = ds.gemeente
    verg = ds.config.vergelijking
    codes = [g, verg.nederland] + ([verg.provincie.code] if verg.provincie else [])
    df = ds.series(indicator_id, codes)
    df = df[["jaar", "regio_code", "regio_naam", "waarde", "ondergrens", "bovengrens", "n"]].copy()
    own = df[(df["regio_code"] == g) & df["waarde"].notna()].sort_values("jaar")
    if own.empty:
        return SurveyProfile(ind, g, ds.gemeente_naam, None, np.nan, np.nan, np.nan, "geen gegevens", df)
    last = own.iloc[-1]
    interval = survey.survey_interval(last["waarde"], last["ondergrens"], last["bovengrens"], last["n"], unit=ind.unit)
    profile = SurveyProfile(
        ind,
        g,
        ds.gemeente_naam,
        int(last["jaar"]),
        float(interval.value),
        float(interval.lower),
        float(interval.upper),
        interval.note,
        df,
    )
    for key, code, name in (
        ("nederland", verg.nederland, "Nederland"),
        ("provincie", verg.provincie.code if verg.provincie else None, verg.provincie.naam if verg.provincie else ""),
    ):
        if code is None:
            continue
        other = df[(df["regio_code"] == code) & (df["jaar"] == profile.edition)]
        if other.empty:
            continue
        o = other.iloc[0]
        o_int = survey.survey_interval(o["waarde"], o["ondergrens"], o["bovengrens"], o["n"], unit=ind.unit)
        result = survey.compare_survey(
            o_int.value,
            o_int.lower,
            o_int.upper,
            profile.edition,
            profile.value,
            profile.lower,
            profile.upper,
            profile.edition,
        )
        result = judge(ds, indicator_id, f"niveau: {key}", result)
        verdict = verdicts.verdict_survey(result, area=name)
        profile.comparisons[key] = Comparison(
            name, result, verdict, verdict_colour(verdict, result.direction, ind.polarity), f"niveau: {key}"
        )
    if len(own) >= 2:
        prev = own.iloc[-2]
        p_int = survey.survey_interval(prev["waarde"], prev["ondergrens"], prev["bovengrens"], prev["n"], unit=ind.unit)
        result = survey.compare_survey(
            p_int.value,
            p_int.lower,
            p_int.upper,
            int(prev["jaar"]),
            profile.value,
            profile.lower,
            profile.upper,
            profile.edition,
        )
        result = judge(ds, indicator_id, "verandering", result)
        verdict = verdicts.verdict_survey(result)
        profile.change = Comparison(
            str(int(prev["jaar"])),
            result,
            verdict,
            verdict_colour(verdict, result.direction, ind.polarity),
            "verandering",
        )
    return profile


def profile(ds: Dataset, indicator_id: str):
    """Count or survey profile, by the indicator's unit."""
    ind = get_indicator(indicator_id)
    if ind.unit == "aantal" and ind.denominator != "none":
        return count_profile(ds, indicator_id)
    return survey_profile(ds, indicator_id)


# ---------------------------------------------------------------------------- tables for chapters


def profile_table(profiles: list) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """One row per indicator: level, comparisons and trend in words, with colour classes."""
    rows, colours = [], {"Vergeleken met Nederland": [], "Trend": []}
    for p in profiles:
        if p is None:
            continue
        if isinstance(p, CountProfile):
            level = f"{format_nl(p.count, 0)} ({format_nl(p.rate.value, 1)} {p.rate_label})"
            period = p.period_label
            trend_text = p.trend_verdict
            trend_colour = p.trend_colour
        else:
            level = p.formatted_value() if p.edition else "onbekend"
            period = str(p.edition or "")
            trend_text = p.change.verdict if p.change else "één meting"
            trend_colour = p.change.colour if p.change else "onbekend"
        nl = p.comparisons.get("nederland")
        rows.append(
            {
                "Indicator": p.indicator.label,
                "Periode": period,
                "Niveau": level,
                "Vergeleken met Nederland": nl.verdict if nl else "niet vergeleken",
                "Trend": trend_text,
            }
        )
        colours["Vergeleken met Nederland"].append(nl.colour if nl else "onbekend")
        colours["Trend"].append(trend_colour)
    return pd.DataFrame(rows), {k: pd.Series(v) for k, v in colours.items()}


# ---------------------------------------------------------------------------- changes and relative trends
# (used by the chapters 05-08: a partner series without a national benchmark, a local trend against NL)


def change_between(
    ds: Dataset, indicator_id: str, year1: int | None = None, year2: int | None = None, denominator: str | None = None
) -> Comparison | None:
    """The gemeente's rate in ``year2`` against ``year1`` (default: first and last year with data).

    An exact conditional test on the two counts with the inhabitants of each year as exposure
    (the counts alone when the denominator is unknown). None when either year has no figure.
    """
    ind = get_indicator(indicator_id)
    cfg = ds.config
    den = denominator or (ind.denominator if ind.denominator != "none" else "inwoners")
    own = ds.counts(indicator_id, [ds.gemeente], years=(cfg.jaar_van, cfg.jaar_tot), denominator=den)
    own = own.dropna(subset=["aantal"]).sort_values("jaar")
    if own.empty:
        return None
    year1 = int(own["jaar"].min()) if year1 is None else int(year1)
    year2 = int(own["jaar"].max()) if year2 is None else int(year2)
    if year1 >= year2:
        return None
    rows = {int(r["jaar"]): r for _, r in own.iterrows()}
    if year1 not in rows or year2 not in rows:
        return None
    c1, c2 = float(rows[year1]["aantal"]), float(rows[year2]["aantal"])
    e1, e2 = float(rows[year1]["noemer"]), float(rows[year2]["noemer"])
    if not (np.isfinite(e1) and np.isfinite(e2) and e1 > 0 and e2 > 0):
        own["noemer"] = 1.0
        e1 = e2 = 1.0
    test = f"verandering {year1}-{year2}"
    result = judge(ds, indicator_id, test, change_test(c1, e1, c2, e2, yearly_trend(own)))
    verdict = verdicts.verdict_periods(result, since_label(year1), ind.min_count)
    return Comparison(str(year1), result, verdict, verdict_colour(verdict, result.direction, ind.polarity), test)


def yearly_trend(yearly: pd.DataFrame) -> trend.Trend:
    """The uncorrected trend of a yearly series (jaar, aantal, noemer), as profiles fit it: the
    dispersion it measures is what :func:`change_test` uses."""
    return _trend_with_fallback(yearly["jaar"], yearly["aantal"], yearly["noemer"], CORONA_YEARS)


@dataclass
class TrendComparison:
    """A local trend next to a reference trend (Nederland), and the trend in the ratio between them.

    ``relative`` is a Poisson trend of the local counts with the counts expected at the
    reference's rate (local exposure x reference rate, per year) as exposure: its yearly change is
    how much faster or slower the local figure moves than the reference. The reference is treated
    as known (as in ``compare_with_benchmark``): the Netherlands has far more cases than a gemeente.
    """

    own: trend.Trend
    reference: trend.Trend
    relative: trend.Trend
    own_verdict: str
    reference_verdict: str
    relative_verdict: str
    reference_name: str
    table: pd.DataFrame  # jaar, aantal, noemer, ref_aantal, ref_noemer, verwacht

    def sentence(self, naam: str, subject: str) -> str:
        return (
            f"{subject} in {naam}: {self.own_verdict}; in {self.reference_name}: {self.reference_verdict}. "
            f"{self.relative_verdict}"
        )


def compare_trends(
    years,
    counts,
    exposures,
    ref_counts,
    ref_exposures,
    naam: str,
    reference_name: str = "Nederland",
    min_count: int | None = 10,
    breaks=CORONA_YEARS,
    ds: Dataset | None = None,
    key: str = "",
) -> TrendComparison:
    """Trend of a local count (with exposure) against the same trend in a reference area.

    Used for "does the rise in the gemeente differ from the national rise" (E33) and for the
    share of online crime in all crime (counts = online crime, exposures = all crime). With ``ds``
    the three trends are judged by the report's family under ``key`` (the indicator id): "trend",
    "trend Nederland" and "trend tegen Nederland".
    """
    df = pd.DataFrame(
        {
            "jaar": np.asarray(years, dtype=float),
            "aantal": np.asarray(counts, dtype=float),
            "noemer": np.asarray(exposures, dtype=float),
            "ref_aantal": np.asarray(ref_counts, dtype=float),
            "ref_noemer": np.asarray(ref_exposures, dtype=float),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        df["verwacht"] = df["noemer"] * df["ref_aantal"] / df["ref_noemer"]
    own = _trend_with_fallback(df["jaar"], df["aantal"], df["noemer"], breaks)
    ref = _trend_with_fallback(df["jaar"], df["ref_aantal"], df["ref_noemer"], breaks)
    rel = _trend_with_fallback(df["jaar"], df["aantal"], df["verwacht"], breaks)
    if ds is not None:
        own, ref, rel = (
            judge(ds, key, test, result)
            for test, result in (("trend", own), (RELATIVE_TESTS[0], ref), (RELATIVE_TESTS[1], rel))
        )
    own_verdict = verdicts.verdict_trend(own, min_count)
    ref_verdict = verdicts.verdict_trend(ref, min_count)
    rel_verdict = _relative_verdict(rel, own, naam, reference_name, min_count)
    return TrendComparison(
        own, ref, rel, own_verdict, ref_verdict, rel_verdict, reference_name, df.assign(jaar=df["jaar"].astype(int))
    )


RELATIVE_TESTS = ("trend Nederland", "trend tegen Nederland")  # family keys of compare_trends besides "trend"


def _trend_with_fallback(years, counts, exposures, breaks) -> trend.Trend:
    """Corona years left out; with too few years left, kept in rather than no trend (partner exports
    often start in 2018)."""
    result = trend.poisson_trend(years, counts, exposures, breaks=breaks)
    if result.status == trend.STATUS_TOO_FEW_YEARS and breaks:
        kept = trend.poisson_trend(years, counts, exposures)
        if kept.status != trend.STATUS_TOO_FEW_YEARS:
            return kept
    return result


def _relative_verdict(rel: trend.Trend, own: trend.Trend, naam: str, reference_name: str, min_count: int | None) -> str:
    base = verdicts.verdict_trend(rel, min_count)
    if rel.status != trend.STATUS_OK or base.startswith("te weinig") or base.startswith("onbekend"):
        return f"Of de ontwikkeling in {naam} afwijkt van die in {reference_name} is niet te toetsen ({base})."
    span = f"{rel.first_year}-{rel.last_year}"
    interval = f"95%-interval {format_pct(rel.lower, 1)} tot {format_pct(rel.upper, 1)} per jaar"
    if rel.direction == "gelijk":
        return (
            f"De ontwikkeling in {naam} verschilt niet significant van die in {reference_name} "
            f"(verschil in jaarlijkse verandering {format_pct(rel.annual_change_pct, 1)}, {interval}, {span})."
        )
    own_dir = own.direction if own.status == trend.STATUS_OK else "onbekend"
    ref = reference_name
    if rel.direction == "hoger":
        how = {
            "hoger": f"stijgt significant sneller dan in {ref}",
            "lager": f"daalt significant langzamer dan in {ref}",
        }.get(own_dir, f"loopt significant op ten opzichte van {ref}")
        word = "toe"
    else:
        how = {
            "hoger": f"stijgt significant langzamer dan in {ref}",
            "lager": f"daalt significant sneller dan in {ref}",
        }.get(own_dir, f"loopt significant terug ten opzichte van {ref}")
        word = "af"
    return (
        f"Het cijfer in {naam} {how}: de verhouding tot {ref} neemt gemiddeld "
        f"{format_pct(abs(rel.annual_change_pct), 1)} per jaar {word} ({interval}, {span})."
    )
