"""Chapter 05 Fysieke veiligheid: incidents of the veiligheidsregio (partner export), traffic and arson
(politie 47013NED), and natuurbrand as context.

The veiligheidsregio's figures are a partner export without a national benchmark: the chapter tests
the change between the first and the last year of the export (the IVP Westerveld 2023-2027 calls
186 incidents in 2018 and 171 in 2022 "vrij stabiel") and the trend over the years in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import analysis, plots
from ..analysis import Comparison, CountProfile
from ..indicators import indicator
from ..stats import rates
from ..stats.formatting import format_change_pct, format_count
from ..store.dataset import Dataset

VR_TOTAAL = "vr_incidenten"
VR_BRAND = "vr_branden"
VERKEER = ["verkeersongevallen_letsel", "rijden_onder_invloed"]
BRAND = ["brandstichting"]

# Partner soorten (templates: veiligheidsregio) -> column labels, in this order.
VR_SOORTEN = {
    "brand": "Brand",
    "hulpverlening": "Hulpverlening",
    "alarm": "Alarm",
    "dienstverlening": "Dienstverlening",
    "overig": "Overig",
}
NIET_UITGESPLITST = "Niet uitgesplitst"
TOTAAL = "Totaal"


@dataclass
class VRIncidents:
    """The veiligheidsregio's incidents in the gemeente: per year, the test of first against last year, a trend."""

    naam: str
    yearly: pd.DataFrame  # jaar, aantal, noemer, ondergrens, bovengrens (exact 95% interval of the count)
    change: Comparison | None  # first year against the last year of the export
    profile: CountProfile | None  # trend over all years (corona years kept for a short series)
    by_type: pd.DataFrame | None  # Jaar, Brand, ..., Niet uitgesplitst, Totaal (raw counts)
    types_given: tuple[str, ...] = ()  # soorten the partner split out (besides the total)

    @property
    def first_year(self) -> int:
        return int(self.yearly["jaar"].min())

    @property
    def last_year(self) -> int:
        return int(self.yearly["jaar"].max())

    def change_sentence(self) -> str:
        """What the test of the first against the last year supports, in plain Dutch."""
        if self.change is None:
            return (
                f"Er is maar één jaar met incidenten van de veiligheidsregio ({self.last_year}); "
                "een verandering is niet te toetsen."
            )
        r = self.change.result
        y1, y2 = self.change.area, self.last_year
        head = (
            f"De veiligheidsregio telde {format_count(r.count1)} incidenten in {self.naam} in {y1} en "
            f"{format_count(r.count2)} in {y2} ({format_change_pct(_count_change(r))} in aantal): "
            f"{self.change.verdict}"
        )
        if r.direction == "gelijk":
            return (
                head + f". Het verschil valt binnen wat toeval kan geven: de cijfers passen bij een stabiel beeld, "
                f"maar ook bij een verandering van het aantal per inwoner van {format_change_pct(_pct(r.lower))} "
                f"tot {format_change_pct(_pct(r.upper))} (95%-interval)."
            )
        if r.direction in ("hoger", "lager"):
            word = "stijging" if r.direction == "hoger" else "daling"
            return (
                head + f". Dat is meer dan toeval: een {word} van het aantal per inwoner met "
                f"{format_change_pct(_pct(r.lower))} tot {format_change_pct(_pct(r.upper))} (95%-interval)."
            )
        return head + "."

    def trend_sentence(self) -> str:
        if self.profile is None:
            return ""
        return f"Trend over alle jaren: {self.profile.trend_verdict}."

    def findings(self) -> list[str]:
        out = []
        if self.change is not None:
            r = self.change.result
            out.append(
                f"Incidenten veiligheidsregio: {format_count(r.count1)} in {self.change.area} en "
                f"{format_count(r.count2)} in {self.last_year}, {self.change.verdict}."
            )
        if self.profile is not None and self.profile.trend_colour in ("slechter", "beter", "neutraal"):
            out.append(f"Incidenten veiligheidsregio: {self.profile.trend_verdict}.")
        return out

    def table(self) -> pd.DataFrame:
        """Per year: incidents with the 95% interval of the count, inhabitants and incidents per 1,000."""
        rate = rates.rate(self.yearly["aantal"].to_numpy(float), self.yearly["noemer"].to_numpy(float), per=1000)
        out = self.yearly.rename(
            columns={
                "jaar": "Jaar",
                "aantal": "Incidenten",
                "ondergrens": "Aantal: ondergrens 95%",
                "bovengrens": "Aantal: bovengrens 95%",
                "noemer": "Inwoners",
            }
        )
        out["Per 1.000 inwoners"] = np.atleast_1d(rate.value)
        return out[
            ["Jaar", "Incidenten", "Aantal: ondergrens 95%", "Aantal: bovengrens 95%", "Inwoners", "Per 1.000 inwoners"]
        ]


def _pct(ratio: float) -> float:
    return (float(ratio) - 1.0) * 100.0


def _count_change(result) -> float:
    return (float(result.count2) / float(result.count1) - 1.0) * 100.0 if result.count1 else np.nan


def vr_incidents(ds: Dataset, by_type: pd.DataFrame | None = None) -> VRIncidents | None:
    """Incidents of the veiligheidsregio for the run's gemeente; None without a partner export.

    ``by_type`` is the partner's detail table (``ch.inputs.table("vr_by_type")``: jaar, soort, aantal)
    of the same gemeente; the part of the total that is not split out shows as "Niet uitgesplitst".
    """
    cfg = ds.config
    own = ds.counts(VR_TOTAAL, [ds.gemeente], years=(cfg.jaar_van, cfg.jaar_tot))
    own = own.dropna(subset=["aantal"]).sort_values("jaar")
    if own.empty:
        return None
    lower, upper = rates.poisson_ci(own["aantal"].to_numpy(float), method="exact")
    yearly = pd.DataFrame(
        {
            "jaar": own["jaar"].astype(int).to_numpy(),
            "aantal": own["aantal"].to_numpy(float),
            "noemer": own["noemer"].to_numpy(float),
            "ondergrens": np.atleast_1d(lower),
            "bovengrens": np.atleast_1d(upper),
        }
    )
    change = analysis.change_between(ds, VR_TOTAAL)
    profile = analysis.count_profile(ds, VR_TOTAAL) if len(yearly) >= 2 else None
    wide, given = _by_type(by_type, yearly)
    return VRIncidents(ds.gemeente_naam, yearly, change, profile, wide, given)


def family_entries(ds: Dataset) -> list:
    """This chapter's test outside the indicator profiles, for the report's family (``chapters.family``):
    the incidents of the first against the last year."""
    change = analysis.change_between(ds, VR_TOTAAL)
    if change is None:
        return []
    return [
        analysis.FamilyEntry(
            VR_TOTAAL,
            indicator(VR_TOTAAL).label,
            change.test,
            float(change.result.p_value),
            change.verdict,
            change.colour,
        )
    ]


def _by_type(by_type: pd.DataFrame | None, yearly: pd.DataFrame) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    if by_type is None or by_type.empty:
        return None, ()
    df = by_type[by_type["soort"].isin(VR_SOORTEN)]
    if df.empty:
        return None, ()
    pivot = df.pivot_table(index="jaar", columns="soort", values="aantal", aggfunc="sum", dropna=False)
    given = tuple(s for s in VR_SOORTEN if s in pivot.columns)
    out = pd.DataFrame({"Jaar": yearly["jaar"].astype(int)})
    for soort in given:
        out[VR_SOORTEN[soort]] = out["Jaar"].map(pivot[soort]).astype(float)
    total = out["Jaar"].map(yearly.set_index("jaar")["aantal"]).astype(float)
    split = out[[VR_SOORTEN[s] for s in given]].sum(axis=1, min_count=len(given))
    rest = total - split
    if (rest.fillna(0) > 0).any():
        out[NIET_UITGESPLITST] = rest.where(rest >= 0)
    out[TOTAAL] = total
    return out, given


def by_type_columns(vr: VRIncidents) -> list[str]:
    return [c for c in vr.by_type.columns if c != "Jaar"] if vr.by_type is not None else []


def vr_chart(vr: VRIncidents):
    """Incidents per year with the exact 95% interval of the count, and the types split out."""
    rows = [vr.yearly.assign(reeks="Alle incidenten")]
    if vr.by_type is not None:
        for soort in vr.types_given:
            label = VR_SOORTEN[soort]
            part = vr.by_type[["Jaar", label]].rename(columns={"Jaar": "jaar", label: "aantal"}).dropna()
            lo, hi = rates.poisson_ci(part["aantal"].to_numpy(float), method="exact")
            rows.append(part.assign(ondergrens=np.atleast_1d(lo), bovengrens=np.atleast_1d(hi), reeks=label))
    df = pd.concat(rows, ignore_index=True)[["reeks", "jaar", "aantal", "ondergrens", "bovengrens"]]
    fig = plots.trend_chart(
        df,
        y="aantal",
        lower="ondergrens",
        upper="bovengrens",
        group="reeks",
        highlight="Alle incidenten",
        ylabel="Incidenten per jaar",
    )
    return fig, df.rename(columns={"ondergrens": "aantal_ondergrens_95", "bovengrens": "aantal_bovengrens_95"})


NATUURBRAND_CONTEXT = (
    "Natuurbrand staat als risico in het regionaal risicoprofiel van de veiligheidsregio: in droge perioden kan een "
    "brand in bos- en heidegebied zich snel uitbreiden en veel inzet vragen, ook van buurgemeenten. Eén grote "
    "natuurbrand telt in de incidentcijfers als één incident; het aantal incidenten zegt dus weinig over dit risico."
)


def natuurbrand_missing(ds: Dataset) -> str:
    """What this analysis cannot say about natuurbrand, and why (no data)."""
    brand = ds.series(VR_BRAND, [ds.gemeente]).dropna(subset=["waarde"])
    text = (
        "Er zijn geen cijfers over natuurbranden of het natuurbrandrisico in deze analyse: de open data van CBS "
        "en politie onderscheiden natuurbrand niet"
    )
    if brand.empty:
        return text + ", en de veiligheidsregio heeft geen cijfers over branden aangeleverd."
    last = brand.sort_values("jaar").iloc[-1]
    return (
        text + f", en de veiligheidsregio levert alleen het totaal aantal branden ({format_count(last['waarde'])} "
        f"in {int(last['jaar'])}); het aantal natuurbranden is niet bekend."
    )


def findings(vr: VRIncidents | None, profiles: list) -> list[str]:
    """Key findings: the veiligheidsregio test first (the IVP's own claim), then the tested profiles."""
    from .common import findings_with

    return findings_with(vr.findings() if vr is not None else [], profiles)
