"""Chapter 04 Jeugd en veiligheid: Halt referrals, jeugdoverlast and problematic youth groups.

* **Halt** (partner export ``halt``; indicator ``halt_verwijzingen``): referrals of 12-17 year olds
  per 1,000 inhabitants of 12-17 (CBS 03759ned), with exact intervals, a Poisson trend and the
  change since the previous analysis. Whether the inflow is "stable", as the previous plan said, is
  a question a test can only half answer: no significant trend or change is *compatible* with
  stability, it does not prove it. :func:`halt_stability` says which of the two the data support
  and how large a change the interval still allows. Counts by delict group are small: the table
  pools years and goes through ``stats.disclosure.suppress_counts``.
* **Jeugdoverlast** (politie 47021NED, E35) per 1,000 youths 12-17, with the standard count profile.
* **Problematische jeugdgroepen** (politie groepsscan, partner export ``politie_export``): a
  confidential source, shown only as counts that respect the suppression threshold.

Without partner files the chapter says what is missing and shows what the open data allow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import analysis
from ..analysis import CountProfile
from ..stats import rates
from ..stats import trend as trend_mod
from ..stats.disclosure import suppress_counts
from ..stats.formatting import format_change_pct, format_interval, format_nl
from ..store.dataset import Dataset

HALT = "halt_verwijzingen"
JEUGDOVERLAST = "overlast_jeugd"
JEUGDGROEPEN = "jeugdgroepen"
TOTAL = "Totaal"
GENERIC_CLAIM = "Is de instroom van jongeren bij Halt stabiel?"
WIDE_CHANGE_PCT = 10.0  # an interval reaching beyond +-10% a year: "a sizeable change cannot be excluded"

MISSING_TEXT = {
    "halt": "Er zijn geen cijfers van Halt; over Halt-verwijzingen kan dit hoofdstuk daarom niets zeggen.",
    "politie_export": "Er is geen export van de politie; het aantal problematische jeugdgroepen uit de groepsscan "
    "ontbreekt daarom.",
}


def missing_inputs(inputs) -> tuple[str, ...]:
    """Partner kinds this chapter needs that were not supplied, also when the run has no partner folder at all.

    ``inputs`` is the chapter's :class:`~veiligheidsanalyse.chapters.page.PartnerInputs` (``missing`` and ``table``).
    """
    out = set(getattr(inputs, "missing", ()) or ())
    for kind, table in (("halt", "halt_by_group"), ("politie_export", "politie_by_type")):
        if inputs.table(table) is None:
            out.add(kind)
    return tuple(sorted(out))


def _own_partner_rows(ds: Dataset, indicator_id: str) -> pd.DataFrame:
    rows = ds.series(indicator_id, [ds.gemeente])
    return rows[(rows["status"] == "partner") & rows["waarde"].notna()]


# ---------------------------------------------------------------------------- Halt


@dataclass
class StabilityCheck:
    claim: str
    oordeel: str  # "verenigbaar met stabiel" | "stijging" | "daling" | "niet te toetsen"
    text: str  # what the data support, in plain Dutch
    wide: bool = False  # the trend interval still allows a sizeable change
    lower: float = np.nan  # 95% interval of the yearly change in percent (when the trend was tested)
    upper: float = np.nan

    @property
    def short(self) -> str:
        """The verdict in one clause, for the key findings."""
        if self.oordeel == "verenigbaar met stabiel":
            text = "geen significante trend of verandering: verenigbaar met een stabiele instroom"
            if np.isfinite(self.lower):
                text += (
                    f", al is een verandering van {format_change_pct(self.lower)} tot {format_change_pct(self.upper)} "
                    "per jaar met deze aantallen niet uit te sluiten"
                )
            return text
        if self.oordeel == "stijging":
            return "niet stabiel: significante stijging"
        if self.oordeel == "daling":
            return "niet stabiel: significante daling"
        return "met deze aantallen niet te toetsen of de instroom stabiel is"


def plan_claim(ds: Dataset, indicator_id: str = HALT) -> str:
    texts = [
        f"‘{str(u['uitspraak']).rstrip('.')}’" + (f" ({u['bron']})" if u.get("bron") else "")
        for u in ds.config.uitspraken
        if u.get("indicator") == indicator_id and u.get("verwachting") == "stabiel"
    ]
    return ("Het vorige plan zei: " + "; ".join(texts) + ".") if texts else GENERIC_CLAIM


def halt_stability(ds: Dataset, p: CountProfile | None) -> StabilityCheck:
    """What the trend test and the change since the previous analysis say about 'stable'."""
    claim = plan_claim(ds)
    if p is None:
        return StabilityCheck(
            claim,
            "niet te toetsen",
            "Er zijn geen Halt-cijfers voor deze gemeente; of de instroom stabiel is, is niet te zeggen.",
        )
    t = p.trend
    trend_ok = t is not None and t.status == trend_mod.STATUS_OK and p.trend_colour != "onbekend"
    change = p.change if p.change is not None and p.change.colour != "onbekend" else None
    directions = ([t.direction] if trend_ok else []) + ([change.result.direction] if change else [])
    parts = [f"Trend: {p.trend_verdict}"]
    if p.change is not None:
        parts.append(
            f"verandering: {p.change.verdict} ({format_nl(p.change.result.count1, 0)} in {p.change.area} "
            f"tegen {format_nl(p.change.result.count2, 0)} in {p.years[1]})"
        )
    detail = "; ".join(parts) + "."
    if not directions:
        return StabilityCheck(
            claim, "niet te toetsen", f"Met deze aantallen is niet te toetsen of de instroom stabiel is. {detail}"
        )
    if "hoger" in directions and "lager" not in directions:
        return StabilityCheck(claim, "stijging", f"Niet stabiel: de instroom is significant gestegen. {detail}")
    if "lager" in directions and "hoger" not in directions:
        return StabilityCheck(claim, "daling", f"Niet stabiel: de instroom is significant gedaald. {detail}")
    if "hoger" in directions and "lager" in directions:
        return StabilityCheck(
            claim, "niet te toetsen", f"Trend en verandering wijzen verschillende kanten op. {detail}"
        )
    wide = False
    interval = ""
    if trend_ok:
        interval = (
            f" De jaarlijkse verandering ligt met 95% zekerheid tussen {format_change_pct(t.lower)} en "
            f"{format_change_pct(t.upper)} per jaar"
        )
        wide = max(abs(t.lower), abs(t.upper)) > WIDE_CHANGE_PCT
        interval += (
            f": een verandering van meer dan {format_nl(WIDE_CHANGE_PCT, 0)}% per jaar is met deze aantallen "
            "niet uit te sluiten."
            if wide
            else "."
        )
    return StabilityCheck(
        claim,
        "verenigbaar met stabiel",
        "Verenigbaar met een stabiele instroom: er is geen significante trend of verandering. "
        "Dat bewijst geen stabiliteit, het sluit alleen een duidelijke verandering uit." + interval + f" {detail}",
        wide,
        t.lower if trend_ok else np.nan,
        t.upper if trend_ok else np.nan,
    )


@dataclass
class HaltResult:
    profile: CountProfile | None
    years: pd.DataFrame  # display: Jaar, Verwijzingen, Jongeren, per 1.000, interval (suppressed)
    stability: StabilityCheck
    groups: pd.DataFrame | None  # display: delictgroep x periods (suppressed)
    groups_hidden: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.profile is not None


def halt_years(ds: Dataset, threshold: int) -> pd.DataFrame:
    """Referrals per year with youths and rate; counts under the threshold (and their rates) hidden."""
    counts = ds.counts(HALT, [ds.gemeente]).dropna(subset=["aantal"]).sort_values("jaar")
    counts = counts[counts["status"] == "partner"] if (counts["status"] == "partner").any() else counts
    if counts.empty:
        return pd.DataFrame(columns=["Jaar", "Verwijzingen", "Jongeren (12–17)", "Per 1.000 jongeren", "95%-interval"])
    r = rates.rate(counts["aantal"].to_numpy(float), counts["noemer"].to_numpy(float), per=1000)
    long = pd.DataFrame(
        {"jaar": counts["jaar"].astype(int).astype(str).to_numpy(), "aantal": counts["aantal"].to_numpy(float)}
    )
    display, mask = suppress_counts(long, "aantal", threshold=threshold, group_cols=["jaar"], total_label=TOTAL)
    rows = []
    for i, (value, lower, upper, den) in enumerate(
        zip(np.atleast_1d(r.value), np.atleast_1d(r.lower), np.atleast_1d(r.upper), counts["noemer"].to_numpy(float))
    ):
        hidden = bool(mask.iloc[i])
        rows.append(
            {
                "Jaar": long["jaar"].iloc[i],
                "Verwijzingen": display["aantal"].iloc[i],
                "Jongeren (12–17)": format_nl(den, 0),
                "Per 1.000 jongeren": display["aantal"].iloc[i] if hidden else format_nl(value, 1),
                "95%-interval": "afgeschermd" if hidden else format_interval(lower, upper, 1),
            }
        )
    return pd.DataFrame(rows)


def _periods(years: list[int], size: int = analysis.POOL_YEARS) -> list[tuple[int, int]]:
    """Blocks of ``size`` years ending at the latest year (the first block may be shorter)."""
    years = sorted(years)
    out = []
    end = years[-1]
    while end >= years[0]:
        start = max(years[0], end - size + 1)
        out.append((start, end))
        end = start - 1
    return out[::-1]


def halt_groups(table: pd.DataFrame | None, threshold: int) -> tuple[pd.DataFrame | None, int]:
    """Delict groups by period of up to three years, with totals; small cells and what reveals them hidden."""
    if table is None or table.empty:
        return None, 0
    df = table[table["delictgroep"].astype(str).str.lower() != "totaal"].copy()
    df = df[df["jaar"].notna()]
    if df.empty:
        return None, 0
    df["jaar"] = df["jaar"].astype(int)
    blocks = _periods(sorted(df["jaar"].unique()))
    labels = {y: (str(a) if a == b else f"{a}-{b}") for a, b in blocks for y in range(a, b + 1)}
    df["periode"] = df["jaar"].map(labels)
    df["delictgroep"] = df["delictgroep"].astype(str)

    def strict(s: pd.Series) -> float:
        return float(s.sum(min_count=len(s)))

    cells = df.groupby(["delictgroep", "periode"])["aantal"].agg(strict).unstack("periode")
    period_labels = [labels[b[1]] for b in blocks]
    cells = cells.reindex(columns=period_labels)
    cells[TOTAL] = cells[period_labels].apply(strict, axis=1)
    cells.loc[TOTAL] = cells.apply(strict, axis=0)
    long = cells.reset_index().melt(id_vars="delictgroep", var_name="periode", value_name="aantal")
    display, mask = suppress_counts(
        long, "aantal", threshold=threshold, group_cols=["delictgroep", "periode"], total_label=TOTAL
    )
    wide = display.pivot(index="delictgroep", columns="periode", values="aantal")
    order = [g for g in cells.index if g != TOTAL] + [TOTAL]
    wide = wide.reindex(index=order, columns=period_labels + [TOTAL]).reset_index()
    wide.columns.name = None
    wide = wide.rename(columns={"delictgroep": "Delictgroep"})
    wide["Delictgroep"] = wide["Delictgroep"].map(lambda g: g if g == TOTAL else g[:1].upper() + g[1:])
    return wide, int(mask.sum())


def halt(ds: Dataset, groups_table: pd.DataFrame | None, threshold: int, missing: tuple[str, ...] = ()) -> HaltResult:
    own = _own_partner_rows(ds, HALT)
    messages = []
    if own.empty:
        messages.append(
            MISSING_TEXT["halt"]
            if "halt" in missing or groups_table is None
            else f"Het Halt-bestand bevat geen cijfers voor {ds.gemeente_naam}."
        )
        return HaltResult(None, halt_years(ds, threshold), halt_stability(ds, None), None, 0, messages)
    p = analysis.count_profile(ds, HALT)
    if p is None:
        messages.append(
            "Er zijn Halt-cijfers, maar geen aantallen jongeren van 12–17 jaar in dezelfde jaren om ze per "
            "1.000 jongeren te rekenen."
        )
    groups, hidden = halt_groups(groups_table, threshold)
    if p is not None and not p.comparisons:
        messages.append(
            "Een landelijk of provinciaal Halt-cijfer per 1.000 jongeren zit niet in de gegevens; de "
            "gemeente is daarom alleen met zichzelf in de tijd vergeleken."
        )
    return HaltResult(p, halt_years(ds, threshold), halt_stability(ds, p), groups, hidden, messages)


def only_known(p: CountProfile) -> CountProfile:
    """The profile with only the series that have figures (Halt exists for the gemeente alone)."""
    series = p.series[p.series["rate"].notna()]
    return dataclasses.replace(p, series=series)


# ---------------------------------------------------------------------------- youth groups


@dataclass
class Jeugdgroepen:
    table: pd.DataFrame | None  # Jaar, Problematische jeugdgroepen (suppressed)
    sentence: str


def jeugdgroepen(ds: Dataset, threshold: int, missing: tuple[str, ...] = ()) -> Jeugdgroepen:
    own = _own_partner_rows(ds, JEUGDGROEPEN).sort_values("jaar")
    if own.empty:
        text = (
            MISSING_TEXT["politie_export"]
            if "politie_export" in missing
            else f"De politie-export bevat geen aantal problematische jeugdgroepen voor {ds.gemeente_naam}."
        )
        return Jeugdgroepen(None, text)
    long = pd.DataFrame(
        {"jaar": own["jaar"].astype(int).astype(str).to_numpy(), "aantal": own["waarde"].to_numpy(float)}
    )
    display, mask = suppress_counts(long, "aantal", threshold=threshold, group_cols=["jaar"], total_label=TOTAL)
    table = pd.DataFrame({"Jaar": long["jaar"], "Problematische jeugdgroepen": display["aantal"].to_numpy()})
    years = f"{long['jaar'].iloc[0]}-{long['jaar'].iloc[-1]}" if len(long) > 1 else long["jaar"].iloc[0]
    if mask.all() and (long["aantal"] < threshold).all():
        sentence = (
            f"Volgens de groepsscan van de politie waren er in {years} elk jaar minder dan {threshold} "
            "problematische jeugdgroepen (vertrouwelijke bron; kleine aantallen worden niet precies getoond)."
        )
    else:
        latest = display["aantal"].iloc[-1]
        sentence = (
            f"Volgens de groepsscan van de politie waren er in {long['jaar'].iloc[-1]} {latest} problematische "
            "jeugdgroepen."
        )
    return Jeugdgroepen(table, sentence)


# ---------------------------------------------------------------------------- the chapter


@dataclass
class JeugdResult:
    halt: HaltResult
    jeugdoverlast: CountProfile | None
    groepen: Jeugdgroepen
    missing: list[str]
    findings: list[str]

    @property
    def sources(self) -> list[str]:
        out = []
        if self.jeugdoverlast is not None:
            out.append("47021NED")
        if self.halt.available or self.jeugdoverlast is not None:
            out.append("03759ned")
        return out


def findings(ds: Dataset, h: HaltResult, overlast: CountProfile | None, groepen: Jeugdgroepen) -> list[str]:
    from .common import findings_from

    out = []
    if h.available:
        p = h.profile
        out.append(
            f"Halt: {format_nl(p.count, 0)} verwijzingen in {p.period_label} ({format_nl(p.rate.value, 1)} "
            f"{p.rate_label}); {h.stability.short}."
        )
    else:
        out.append(h.messages[0] if h.messages else "Geen Halt-cijfers.")
    if overlast is not None:
        tested = [f for f in findings_from([overlast], limit=3) if f != overlast.sentence()]
        out.extend(tested[:2] if tested else [overlast.sentence()])
    out.append(groepen.sentence)
    from .overlast import with_corona_caveat

    return with_corona_caveat(ds, [f for f in out if f][:5])


def analyse(
    ds: Dataset, halt_by_group: pd.DataFrame | None = None, threshold: int = 5, missing: tuple[str, ...] = ()
) -> JeugdResult:
    h = halt(ds, halt_by_group, threshold, missing)
    jo = analysis.count_profile(ds, JEUGDOVERLAST)
    groepen = jeugdgroepen(ds, threshold, missing)
    absent = [MISSING_TEXT[k] for k in ("halt", "politie_export") if k in missing]
    return JeugdResult(h, jo, groepen, absent, findings(ds, h, jo, groepen))
