"""Chapter 07 Digitale veiligheid: online victimisation (Veiligheidsmonitor), registered cybercrime and fraud
(politie 47013NED), and the shift from traditional to online crime.

The shift is measured as the share of online crime (cybercrime 3.7.4, horizontale fraude 3.9.1 and
overige fraude 3.9.3: phishing, helpdesk- and WhatsApp-fraude are mostly registered as fraud) in all
registered crime, per year, for the gemeente and the Netherlands. Its trend is a Poisson trend of the
online counts with all crime as exposure; whether the gemeente's shift differs from the national one
is the trend of the online counts against what the national share predicts
(``analysis.compare_trends``). Next to it: woninginbraak and online crime per 1,000 inhabitants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import analysis, plots
from ..analysis import CORONA_YEARS, SurveyProfile, TrendComparison
from ..stats import survey, trend, verdicts
from ..stats.formatting import format_pct
from ..store.dataset import Dataset

ONLINE = ["cybercrime", "fraude_horizontaal", "fraude_overig"]
REGISTRATIES = ONLINE + ["internetaangiften"]
TOTAAL = "misdrijven_totaal"
TRADITIONEEL = "woninginbraak"
VM_ONLINE = "vm_slachtoffer_online_pct"
VM_TRADITIONEEL = "vm_slachtoffer_traditioneel_pct"
VM = [VM_ONLINE, VM_TRADITIONEEL, "vm_preventie_online"]
ONLINE_LABEL = "Online criminaliteit (cybercrime en fraude)"
# Keys in the report's family of tests (``chapters.family``) of what is not a catalogue indicator.
SHARE = "aandeel_online"
SHARE_LABEL = "Aandeel cybercrime en fraude in alle misdrijven"
ONLINE_SERIES = "online_criminaliteit"
PER_INHABITANT_TEST = "trend per inwoner"
VS_TRADITIONAL_TEST = "tegen traditioneel slachtofferschap"


def online_counts(ds: Dataset, regions: list[str]) -> pd.DataFrame:
    """Per region and year: online crime (sum of ``ONLINE``; unknown if a part is), all crime, the share in %."""
    cfg = ds.config
    years = (cfg.jaar_van, cfg.jaar_tot)
    frames = []
    for indicator_id in ONLINE + [TOTAAL]:
        s = ds.series(indicator_id, regions, years=years)[["regio_code", "regio_naam", "jaar", "waarde"]]
        frames.append(s.assign(indicator=indicator_id))
    long = pd.concat(frames, ignore_index=True)
    if long.empty:
        return pd.DataFrame(columns=["regio_code", "regio_naam", "jaar", "online", "totaal", "aandeel"])
    wide = long.pivot_table(
        index=["regio_code", "jaar"], columns="indicator", values="waarde", dropna=False, aggfunc="first"
    )
    wide = wide.reindex(columns=ONLINE + [TOTAAL])
    out = pd.DataFrame(
        {"online": wide[ONLINE].sum(axis=1, min_count=len(ONLINE)), "totaal": wide[TOTAAL]}
    ).reset_index()
    names = long.drop_duplicates("regio_code").set_index("regio_code")["regio_naam"]
    out["regio_naam"] = out["regio_code"].map(names)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["aandeel"] = np.where(out["totaal"] > 0, out["online"] / out["totaal"] * 100.0, np.nan)
    out = out.dropna(subset=["online", "totaal"], how="all")
    return (
        out[["regio_code", "regio_naam", "jaar", "online", "totaal", "aandeel"]]
        .sort_values(["regio_code", "jaar"])
        .reset_index(drop=True)
    )


@dataclass
class OnlineShare:
    """The share of online crime in all registered crime: gemeente and Netherlands, and their trends."""

    naam: str
    reference_name: str
    table: pd.DataFrame  # regio_code, regio_naam, jaar, online, totaal, aandeel
    comparison: TrendComparison

    def latest(self, code: str) -> pd.Series | None:
        rows = self.table[(self.table["regio_code"] == code) & self.table["aandeel"].notna()]
        return rows.sort_values("jaar").iloc[-1] if len(rows) else None

    def sentences(self, gemeente: str, nederland: str) -> list[str]:
        c = self.comparison
        own, ref = self.latest(gemeente), self.latest(nederland)
        out = []
        if own is not None:
            level = (
                f"In {int(own['jaar'])} was {format_pct(own['aandeel'], 0)} van de geregistreerde misdrijven in "
                f"{self.naam} cybercrime of fraude"
            )
            if ref is not None and int(ref["jaar"]) == int(own["jaar"]):
                level += f" ({self.reference_name}: {format_pct(ref['aandeel'], 0)})"
            out.append(level + ".")
        out.append(
            f"Het aandeel in {self.naam}: {c.own_verdict}; in {self.reference_name}: {c.reference_verdict}. "
            "Het percentage per jaar is relatief: een aandeel van 10% dat met 10% per jaar groeit, is een jaar "
            "later 11%."
        )
        out.append(c.relative_verdict)
        return out

    def finding(self) -> str | None:
        c = self.comparison
        if c.own.direction not in ("hoger", "lager") or c.own_verdict.startswith("te weinig"):
            return None
        return f"Aandeel cybercrime en fraude in alle misdrijven: {c.own_verdict}."


def online_share(ds: Dataset) -> OnlineShare | None:
    """Share of online crime per year for the gemeente and the Netherlands; None without the gemeente's figures."""
    nl = ds.config.vergelijking.nederland
    table = online_counts(ds, [ds.gemeente, nl])
    own = table[table["regio_code"] == ds.gemeente].set_index("jaar")
    ref = table[table["regio_code"] == nl].set_index("jaar")
    if own["online"].notna().sum() == 0 or own["totaal"].notna().sum() == 0:
        return None
    years = sorted(set(own.index) | set(ref.index))
    comparison = analysis.compare_trends(
        years,
        own["online"].reindex(years),
        own["totaal"].reindex(years),
        ref["online"].reindex(years),
        ref["totaal"].reindex(years),
        naam=ds.gemeente_naam,
        reference_name=ds.region_name(nl),
        min_count=10,
        ds=ds,
        key=SHARE,
    )
    return OnlineShare(ds.gemeente_naam, ds.region_name(nl), table, comparison)


def share_chart(share: OnlineShare, gemeente: str):
    df = share.table.dropna(subset=["aandeel"]).copy()
    fig = plots.trend_chart(
        df,
        y="aandeel",
        lower=None,
        upper=None,
        highlight=share.naam,
        ylabel="% van alle geregistreerde misdrijven",
        breaks=CORONA_YEARS,
    )
    return fig, df.rename(
        columns={"online": "aantal_online", "totaal": "aantal_misdrijven", "aandeel": "aandeel_procent"}
    )


@dataclass
class Shift:
    """Woninginbraak and online crime per 1,000 inhabitants in the gemeente, each with its trend."""

    table: pd.DataFrame  # reeks, jaar, aantal, noemer, per_1000
    trends: dict[str, trend.Trend]
    verdicts: dict[str, str]

    def sentence(self, naam: str) -> str:
        parts = [f"{label.lower()}: {verdict}" for label, verdict in self.verdicts.items()]
        text = "; ".join(parts)
        return f"Per 1.000 inwoners van {naam}. " + text[:1].upper() + text[1:] + "."

    def findings(self) -> list[str]:
        out = []
        for label, result in self.trends.items():
            verdict = self.verdicts[label]
            if result.direction in ("hoger", "lager") and not verdict.startswith("te weinig"):
                out.append(f"{label}: {verdict}.")
        return out


def shift(ds: Dataset) -> Shift | None:
    """Traditional (woninginbraak) next to online crime, per 1,000 inhabitants, with Poisson trends."""
    cfg = ds.config
    years = (cfg.jaar_van, cfg.jaar_tot)
    g = ds.gemeente
    burglary = ds.counts(TRADITIONEEL, [g], years=years, denominator="inwoners")
    online = online_counts(ds, [g])
    pop = ds.counts(TOTAAL, [g], years=years, denominator="inwoners")[["jaar", "noemer"]]
    online = online.merge(pop, on="jaar", how="left").rename(columns={"online": "aantal"})
    label_burglary = "Woninginbraak"
    frames = []
    if len(burglary):
        frames.append(burglary[["jaar", "aantal", "noemer"]].assign(reeks=label_burglary))
    if len(online):
        frames.append(online[["jaar", "aantal", "noemer"]].assign(reeks=ONLINE_LABEL))
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True).dropna(subset=["aantal"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["per_1000"] = table["aantal"] / table["noemer"] * 1000.0
    trends, texts = {}, {}
    keys = {label_burglary: TRADITIONEEL, ONLINE_LABEL: ONLINE_SERIES}
    for label, part in table.groupby("reeks", sort=False):
        result = trend.poisson_trend(part["jaar"], part["aantal"], part["noemer"], breaks=CORONA_YEARS)
        result = analysis.judge(ds, keys[label], PER_INHABITANT_TEST, result)
        trends[label] = result
        texts[label] = verdicts.verdict_trend(result, min_count=10)
    return Shift(table[["reeks", "jaar", "aantal", "noemer", "per_1000"]], trends, texts)


def shift_chart(s: Shift):
    fig = plots.trend_chart(
        s.table,
        y="per_1000",
        lower=None,
        upper=None,
        group="reeks",
        highlight=ONLINE_LABEL,
        ylabel="per 1.000 inwoners",
        breaks=CORONA_YEARS,
    )
    return fig, s.table.rename(columns={"noemer": "aantal_inwoners", "per_1000": "per_1000_inwoners"})


def victimisation(ds: Dataset, found: dict):
    """Online against traditional victimisation in the same edition (judged by the report's family);
    None without both figures of one edition."""
    online, trad = found.get(VM_ONLINE), found.get(VM_TRADITIONEEL)
    if not isinstance(online, SurveyProfile) or not isinstance(trad, SurveyProfile):
        return None
    if online.edition is None or online.edition != trad.edition:
        return None
    result = survey.compare_survey(
        trad.value, trad.lower, trad.upper, trad.edition, online.value, online.lower, online.upper, online.edition
    )
    return analysis.judge(ds, VM_ONLINE, VS_TRADITIONAL_TEST, result)


def victimisation_sentence(ds: Dataset, found: dict) -> str | None:
    """Online against traditional victimisation in the same edition of the Veiligheidsmonitor."""
    result = victimisation(ds, found)
    if result is None:
        return None
    online, trad = found[VM_ONLINE], found[VM_TRADITIONEEL]
    text = (
        f"In {online.edition} was {online.formatted_value()} van de inwoners van {ds.gemeente_naam} slachtoffer "
        f"van online criminaliteit en {trad.formatted_value()} van traditionele criminaliteit (geweld, vermogen, "
        "vandalisme)."
    )
    if result.status != "ok":
        return text + (
            " Of dat verschil meer is dan toeval is niet getoetst: er zijn geen marges of aantallen "
            "respondenten aangeleverd."
        )
    verdict = verdicts.verdict_survey(result, area="traditionele criminaliteit")
    return text + (
        f" Online slachtofferschap is {verdict} (z-toets op de marges, als onafhankelijke metingen: "
        "voorzichtig, want het zijn dezelfde respondenten)."
    )


def family_entries(ds: Dataset, profiles: dict) -> list:
    """This chapter's tests outside the indicator profiles, for the report's family (``chapters.family``)."""

    out = []
    share = online_share(ds)
    if share is not None:
        c = share.comparison
        for test, result, verdict in (
            ("trend", c.own, c.own_verdict),
            (analysis.RELATIVE_TESTS[0], c.reference, c.reference_verdict),
            (analysis.RELATIVE_TESTS[1], c.relative, c.relative_verdict),
        ):
            out.append(
                analysis.FamilyEntry(
                    SHARE,
                    SHARE_LABEL,
                    test,
                    float(result.p_value),
                    verdict,
                    analysis.verdict_colour(verdict, result.direction, "neutraal"),
                )
            )
    s = shift(ds)
    if s is not None:
        keys = {
            "Woninginbraak": (TRADITIONEEL, "Woninginbraak per 1.000 inwoners"),
            ONLINE_LABEL: (ONLINE_SERIES, ONLINE_LABEL + " per 1.000 inwoners"),
        }
        for label, result in s.trends.items():
            key, naam = keys[label]
            out.append(
                analysis.FamilyEntry(
                    key,
                    naam,
                    PER_INHABITANT_TEST,
                    float(result.p_value),
                    s.verdicts[label],
                    analysis.verdict_colour(s.verdicts[label], result.direction, "hoger_slechter"),
                )
            )
    result = victimisation(ds, profiles)
    if result is not None and result.status == "ok":
        verdict = verdicts.verdict_survey(result, area="traditionele criminaliteit")
        out.append(
            analysis.FamilyEntry(
                VM_ONLINE,
                "Slachtofferschap online tegen traditioneel",
                VS_TRADITIONAL_TEST,
                float(result.p_value),
                verdict,
                analysis.verdict_colour(verdict, result.direction, "neutraal"),
            )
        )
    return out


def findings(share: OnlineShare | None, s: Shift | None, found: dict) -> list[str]:
    from .common import findings_with

    head = []
    if share is not None and share.finding():
        head.append(share.finding())
    if s is not None:
        head += s.findings()
    if share is not None and share.comparison.relative.direction in ("hoger", "lager"):
        text = share.comparison.relative_verdict
        head.append(f"Aandeel cybercrime en fraude: {text[:1].lower()}{text[1:]}")
    return findings_with(head, list(found.values()))
