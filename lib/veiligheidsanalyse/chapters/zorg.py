"""Chapter 08 Zorg en veiligheid: overlast door verwarde personen (E33), Veilig Thuis and woonoverlast.

* E33 (politie 47021NED; the politie export fills years the open data lacks, ``Dataset.series``
  prefers open data): level against the Netherlands, the local trend next to the national trend,
  and whether the local rise differs from the national rise (``analysis.compare_trends``: the
  local counts against what the national rate predicts).
* Veilig Thuis (CBS 85361NED, "." = unknown and never 0; the partner export fills gaps).
* Woonoverlast (politie/gemeente export): the change between the first and the last year, a trend.

These are sensitive counts: every table built from partner figures hides small cells
(``stats.disclosure.suppress_counts`` via ``common.suppressed_table``, threshold
``config.onthulling_drempel``), and sentences write a small partner count as "<5".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import analysis
from ..analysis import Comparison, CountProfile, TrendComparison
from ..indicators import indicator
from ..stats.formatting import format_count
from ..store.dataset import Dataset
from .disagreement import ABSOLUTE, RELATIVE

E33 = "overlast_verward"
VEILIG_THUIS = ["veilig_thuis_meldingen", "veilig_thuis_adviezen"]
WOONOVERLAST = "woonoverlast_meldingen"

SOURCE_LABEL = {
    "partner": "partnerexport",
    "definitief": "open data",
    "voorlopig": "open data (voorlopig)",
    "onbekend": "open data: onbekend",
}


def count_text(value: float, threshold: int) -> str:
    """A count for a sentence: "<5" below the suppression threshold (0 stays 0), "onbekend" when unknown."""
    if value is None or not np.isfinite(value):
        return "onbekend"
    if 0 < value < threshold:
        return f"<{threshold}"
    return format_count(value)


def profile_sentence(p: CountProfile, threshold: int) -> str:
    """``p.sentence()``, unless the count is below the suppression threshold: then neither count nor rate
    (the rate times the population gives the count back)."""
    if 0 < p.count < threshold:
        parts = [f"{p.indicator.label}: minder dan {threshold} in {p.period_label}"]
        nl = p.comparisons.get("nederland")
        parts += [nl.verdict] if nl is not None else []
        parts += [p.trend_verdict] if p.trend_verdict else []
        return "; ".join(parts) + "."
    return p.sentence()


def profile_table(profiles: dict, threshold: int) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """``analysis.profile_table`` with the level of a count below the threshold shown as "<5"."""
    table, colours = analysis.profile_table(list(profiles.values()))
    for i, p in enumerate(q for q in profiles.values() if q is not None):
        if isinstance(p, CountProfile) and 0 < p.count < threshold:
            table.loc[i, "Niveau"] = f"minder dan {threshold} (afgeschermd)"
    return table, colours


# ---------------------------------------------------------------------------- E33


def e33_against_nl(ds: Dataset) -> TrendComparison | None:
    """The gemeente's E33 trend next to the national one, and the trend in their ratio."""
    cfg = ds.config
    years = (cfg.jaar_van, cfg.jaar_tot)
    own = ds.counts(E33, [ds.gemeente], years=years).dropna(subset=["aantal"]).set_index("jaar")
    nl = ds.counts(E33, [cfg.vergelijking.nederland], years=years, denominator="inwoners").set_index("jaar")
    if own.empty or nl.empty:
        return None
    y = sorted(set(own.index) & set(nl.index))
    if not y:
        return None
    return analysis.compare_trends(
        y,
        own["aantal"].reindex(y),
        own["noemer"].reindex(y),
        nl["aantal"].reindex(y),
        nl["noemer"].reindex(y),
        naam=ds.gemeente_naam,
        reference_name=ds.region_name(cfg.vergelijking.nederland),
        min_count=10,
        ds=ds,
        key=E33,
    )


def e33_comparison_text(comparison: TrendComparison) -> str:
    """The national trend and whether the local one differs from it (the local trend is in the profile)."""
    return f"In {comparison.reference_name}: {comparison.reference_verdict}. {comparison.relative_verdict}"


PARTNER_VS_OPEN = (
    "Waar open data en een partnerexport allebei een cijfer hebben, gebruikt de analyse de open data; "
    "de partnerexport vult jaren aan die in de open data ontbreken. Verschillen tot "
    f"{ABSOLUTE} (of tot {RELATIVE:.0%} bij grotere aantallen) kunnen komen door afronding (het CBS "
    "rondt af op vijftallen) of een latere telling; grotere verschillen worden apart genoemd."
)


def yearly_sources(ds: Dataset, indicator_ids: list[str], labels: list[str]) -> pd.DataFrame:
    """Per year the gemeente's figure of each indicator (open data first, partner filling gaps) and its source."""
    cfg = ds.config
    out = pd.DataFrame({"Jaar": list(range(cfg.jaar_van, cfg.jaar_tot + 1))})
    sources = pd.Series([set() for _ in range(len(out))])
    for indicator_id, label in zip(indicator_ids, labels):
        s = ds.series(indicator_id, [ds.gemeente], years=(cfg.jaar_van, cfg.jaar_tot)).set_index("jaar")
        out[label] = out["Jaar"].map(s["waarde"]).astype(float)
        status = out["Jaar"].map(s["status"])
        for i, st in enumerate(status):
            if isinstance(st, str):
                sources[i].add(SOURCE_LABEL.get(st, st))
    out["Bron"] = [", ".join(sorted(s)) for s in sources]
    keep = out[labels].notna().any(axis=1) | (out["Bron"] != "")
    return out[keep].reset_index(drop=True)


def e33_table(ds: Dataset, threshold: int) -> tuple[pd.DataFrame, int]:
    df = yearly_sources(ds, [E33], ["Meldingen E33"])
    from .common import suppressed_table

    return suppressed_table(df.assign(Jaar=df["Jaar"].astype(str)), "Jaar", ["Meldingen E33"], threshold)


# ---------------------------------------------------------------------------- Veilig Thuis

VT_LABELS = ["Meldingen", "Adviezen"]


def veilig_thuis_table(ds: Dataset, threshold: int) -> tuple[pd.DataFrame, int]:
    """Yearly meldingen and adviezen (open data, partner filling gaps; "." at the source = onbekend), suppressed."""
    from .common import suppressed_table

    df = yearly_sources(ds, VEILIG_THUIS, VT_LABELS)
    return suppressed_table(df.assign(Jaar=df["Jaar"].astype(str)), "Jaar", VT_LABELS, threshold)


def veilig_thuis_periods(table: pd.DataFrame | None, threshold: int) -> tuple[pd.DataFrame | None, int]:
    """The partner's own periods (years or half years), suppressed."""
    from .common import suppressed_table

    if table is None or table.empty:
        return None, 0
    wide = table.pivot_table(index="periode", columns="soort", values="aantal", aggfunc="first", dropna=False)
    wide = wide.reindex(columns=["meldingen", "adviezen"]).reset_index()
    wide.columns = ["Periode"] + VT_LABELS
    wide["Periode"] = wide["Periode"].astype(str)
    return suppressed_table(wide, "Periode", VT_LABELS, threshold)


def veilig_thuis_unknown_years(ds: Dataset) -> list[int]:
    """Years in which the open data has the gemeente's row but no figure ("." = too small to publish)."""
    cfg = ds.config
    out = set()
    for indicator_id in VEILIG_THUIS:
        s = ds.series(indicator_id, [ds.gemeente], years=(cfg.jaar_van, cfg.jaar_tot))
        out |= {int(y) for y in s.loc[s["waarde"].isna(), "jaar"]}
    return sorted(out)


# ---------------------------------------------------------------------------- woonoverlast


@dataclass
class Woonoverlast:
    naam: str
    threshold: int
    table: pd.DataFrame  # Jaar, Meldingen woonoverlast (display, suppressed)
    hidden: int
    change: Comparison | None
    profile: CountProfile | None

    def sentences(self) -> list[str]:
        out = []
        if self.change is not None:
            r = self.change.result
            out.append(
                f"Meldingen van woonoverlast in {self.naam}: {count_text(r.count1, self.threshold)} in "
                f"{self.change.area} en {count_text(r.count2, self.threshold)} in {self.last_year}: "
                f"{self.change.verdict}."
            )
        if self.profile is not None:
            out.append(f"Trend over alle jaren: {self.profile.trend_verdict}.")
        return out

    @property
    def last_year(self) -> str:
        return str(self.table["Jaar"].iloc[-1]) if len(self.table) else ""

    def findings(self) -> list[str]:
        out = []
        if self.change is not None:  # also when not significant: the IVP saw woonoverlast rising
            r = self.change.result
            out.append(
                f"Woonoverlast: {self.change.verdict} ({count_text(r.count1, self.threshold)} → "
                f"{count_text(r.count2, self.threshold)} meldingen)."
            )
        if self.profile is not None and self.profile.trend_colour in ("slechter", "beter", "neutraal"):
            out.append(f"Woonoverlast: {self.profile.trend_verdict}.")
        return out


def woonoverlast(ds: Dataset, threshold: int) -> Woonoverlast | None:
    """Woonoverlast meldingen (partner): suppressed yearly table, first against last year, trend."""
    from .common import suppressed_table

    df = yearly_sources(ds, [WOONOVERLAST], ["Meldingen woonoverlast"]).dropna(subset=["Meldingen woonoverlast"])
    if df.empty:
        return None
    shown, hidden = suppressed_table(
        df[["Jaar", "Meldingen woonoverlast"]].assign(Jaar=df["Jaar"].astype(str)),
        "Jaar",
        ["Meldingen woonoverlast"],
        threshold,
    )
    change = analysis.change_between(ds, WOONOVERLAST)
    profile = analysis.count_profile(ds, WOONOVERLAST) if len(df) >= 2 else None
    return Woonoverlast(ds.gemeente_naam, threshold, shown, hidden, change, profile)


def family_entries(ds: Dataset) -> list:
    """This chapter's tests outside the indicator profiles, for the report's family (``chapters.family``):
    the national E33 trend, the E33 trend against the national one, woonoverlast first against last year.
    (The gemeente's own E33 trend is the profile's trend: the same test, one member of the family.)"""
    out = []
    comparison = e33_against_nl(ds)
    if comparison is not None:
        label, polarity = indicator(E33).label, indicator(E33).polarity
        for test, result, verdict, pol in (
            (analysis.RELATIVE_TESTS[0], comparison.reference, comparison.reference_verdict, "neutraal"),
            (analysis.RELATIVE_TESTS[1], comparison.relative, comparison.relative_verdict, polarity),
        ):
            out.append(
                analysis.FamilyEntry(
                    E33,
                    label,
                    test,
                    float(result.p_value),
                    verdict,
                    analysis.verdict_colour(verdict, result.direction, pol),
                )
            )
    change = analysis.change_between(ds, WOONOVERLAST)
    if change is not None:
        out.append(
            analysis.FamilyEntry(
                WOONOVERLAST,
                indicator(WOONOVERLAST).label,
                change.test,
                float(change.result.p_value),
                change.verdict,
                change.colour,
            )
        )
    return out


# ---------------------------------------------------------------------------- findings


def e33_findings(profile: CountProfile | None, comparison: TrendComparison | None) -> list[str]:
    out = []
    label = profile.indicator.label if profile is not None else "Overlast door verwarde personen (E33)"
    if (
        comparison is not None
        and comparison.own.direction in ("hoger", "lager")
        and not comparison.own_verdict.startswith("te weinig")
    ):
        out.append(
            f"{label}: {comparison.own_verdict}; in {comparison.reference_name}: {comparison.reference_verdict}."
        )
    if (
        comparison is not None
        and comparison.relative.status == "ok"
        and not comparison.relative_verdict.startswith("Of ")
    ):
        text = comparison.relative_verdict
        out.append(f"{label}: {text[:1].lower()}{text[1:]}")
    return out


def findings(
    e33: CountProfile | None, comparison: TrendComparison | None, wo: Woonoverlast | None, vt: dict
) -> list[str]:
    from .common import findings_with

    head = e33_findings(e33, comparison) + (wo.findings() if wo is not None else [])
    profiles = ([e33] if e33 is not None else []) + list(vt.values())
    return findings_with(head, profiles)
