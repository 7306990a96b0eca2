"""Chapter 06 Integriteit en veiligheid: ondermijning.

Registered drugs, weapons, human trafficking, soil crimes (drug waste dumps) and crimes under special
laws (politie 47013NED), with vakantieparken and the buitengebied as context. These are rare
offences: ``analysis.count_profile`` pools the last three years when a year has fewer than ten
cases, and says "te weinig gevallen" rather than a verdict. Registrations follow police effort
(a drugs raid raises the count), not the size of the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import plots
from ..analysis import CountProfile
from ..indicators import indicator
from ..stats.formatting import format_count, format_nl
from ..store.dataset import Dataset

INDICATORS = ["drugshandel", "wapenhandel", "mensenhandel", "drugsafval_bodem", "bijzondere_wetten"]
VAKANTIEPARKEN = "vakantieparken"

CAVEAT = (
    "Geregistreerde ondermijning zegt vooral iets over de inzet van politie en partners: een actie tegen "
    "drugshandel of een controle op een vakantiepark verhoogt het aantal registraties, ook als er niet meer "
    "aan de hand is. Het grootste deel van de ondermijnende criminaliteit blijft buiten beeld. Lees een hoog "
    "of stijgend cijfer daarom als signaal om te bespreken met politie en RIEC, niet als maat voor de omvang."
)

NOT_AVAILABLE = [
    "Witwassen is niet apart beschikbaar in de open politiecijfers: het valt onder 'misdrijven bijzondere wetten' "
    "(politiecode 2.7.2), samen met onder meer kansspelen.",
    "Dumpingen van drugsafval zijn niet apart te zien: ze vallen onder de milieudelicten bodem (politiecode 2.6.2). "
    "Het aantal aangetroffen drugsdumpingen en -laboratoria is bekend bij politie en RIEC.",
]


def yearly_table(ds: Dataset, found: dict) -> pd.DataFrame:
    """Registrations per year in the gemeente, one column per indicator (open data; unknown stays unknown)."""
    cfg = ds.config
    out = pd.DataFrame({"Jaar": list(range(cfg.jaar_van, cfg.jaar_tot + 1))})
    for indicator_id in INDICATORS:
        if indicator_id not in found:
            continue
        s = ds.series(indicator_id, [ds.gemeente], years=(cfg.jaar_van, cfg.jaar_tot)).set_index("jaar")["waarde"]
        out[indicator(indicator_id).label] = out["Jaar"].map(s).astype(float)
    return out


def ratio_frame(found: dict) -> pd.DataFrame:
    """Each indicator's rate relative to the Netherlands (1 = the Dutch rate) with its exact 95% interval."""
    rows = []
    for p in found.values():
        if not isinstance(p, CountProfile):
            continue
        nl = p.comparisons.get("nederland")
        if nl is None or not np.isfinite(nl.result.ratio):
            continue
        r = nl.result
        rows.append(
            {
                "indicator": p.indicator.label,
                "periode": p.period_label,
                "aantal": p.count,
                "verwacht_bij_nl_cijfer": float(r.expected),
                "verhouding": float(r.ratio),
                "ondergrens_95": float(r.lower),
                "bovengrens_95": float(r.upper),
                "oordeel": nl.verdict,
            }
        )
    return pd.DataFrame(rows)


def ratio_chart(found: dict, naam: str):
    """Dot plot: observed / expected at the Dutch rate per indicator, with intervals and a line at 1."""
    df = ratio_frame(found)
    if df.empty:
        return None, df
    df = df.assign(label=df["indicator"] + " (" + df["periode"] + ")")
    fig = plots.interval_chart(
        df,
        label="label",
        value="verhouding",
        lower="ondergrens_95",
        upper="bovengrens_95",
        reference=1.0,
        reference_label="Nederland (= 1)",
        xlabel=f"Geregistreerd in {naam} gedeeld door verwacht bij het landelijke cijfer",
    )
    return fig, df.drop(columns="label").rename(
        columns={  # the CSV: each number with its unit
            "verwacht_bij_nl_cijfer": "verwacht_aantal_bij_nl_cijfer",
            "ondergrens_95": "verhouding_ondergrens_95",
            "bovengrens_95": "verhouding_bovengrens_95",
        }
    )


@dataclass
class Vakantieparken:
    count: float | None
    year: int | None
    table: pd.DataFrame | None  # Jaar, Vakantieparken, Permanente bewoning, Handhavingsacties, Herkomst van het cijfer

    def sentence(self, naam: str) -> str | None:
        """The number of parks and what it means for per-inhabitant figures; None when not supplied."""
        if self.count is None or not np.isfinite(self.count):
            return None
        text = f"{naam} telt {format_count(self.count)} vakantieparken en campings"
        text += f" ({self.year})" if self.year else ""
        unknown = []
        if self.table is not None and len(self.table):
            last = self.table.iloc[-1]
            for column in ("Permanente bewoning", "Handhavingsacties"):
                if pd.isna(last.get(column)):
                    unknown.append(column.lower())
        text += (
            ". Bezoekers tellen niet mee als inwoner, maar misdrijven tegen of door hen wel: cijfers per inwoner "
            "liggen daardoor hoger in een toeristische gemeente."
        )
        if unknown:
            text += f" Onbekend ({' en '.join(unknown)}): die cijfers zijn niet aangeleverd."
        return text


def vakantieparken(count: float | None, table: pd.DataFrame | None) -> Vakantieparken:
    """The gemeente's vakantieparken (partner input: ``ch.inputs.value("vakantieparken")`` and its detail table)."""
    shown = None
    year = None
    if table is not None and len(table):
        t = table.sort_values("jaar")
        shown = pd.DataFrame(
            {
                "Jaar": t["jaar"].astype(int).astype(str),
                "Vakantieparken": t["aantal_parken"],
                "Permanente bewoning": t["permanente_bewoning"],
                "Handhavingsacties": t["handhavingsacties"],
                "Herkomst van het cijfer": t["bron_opmerking"].fillna(""),
            }
        )
        year = int(t["jaar"].iloc[-1])
    return Vakantieparken(count, year, shown)


def buitengebied_text(ds: Dataset) -> str | None:
    """Context: how rural the gemeente is (omgevingsadressendichtheid, land area per inhabitant)."""
    g = ds.gemeente
    oad = ds.series("omgevingsadressendichtheid", [g]).dropna(subset=["waarde"])
    land = ds.series("oppervlakte_land", [g]).dropna(subset=["waarde"])
    pop = ds.series("bevolking", [g]).dropna(subset=["waarde"])
    if oad.empty and land.empty:
        return None
    parts = []
    if len(oad):
        value = float(oad.sort_values("jaar")["waarde"].iloc[-1])
        kind = "niet stedelijk" if value < 500 else ("weinig stedelijk" if value < 1000 else "stedelijk")
        parts.append(
            f"{ds.gemeente_naam} is {kind} (omgevingsadressendichtheid {format_count(value)} adressen per km²; "
            "onder 500 heet niet stedelijk)"
        )
    if len(land) and len(pop):
        ha = float(land.sort_values("jaar")["waarde"].iloc[-1])
        inhabitants = float(pop.sort_values("jaar")["waarde"].iloc[-1])
        parts.append(
            f"met {format_nl(ha / 100, 0)} km² land en {format_nl(inhabitants / (ha / 100), 0)} inwoners per km²"
        )
    return (
        ", ".join(parts) + ". Een uitgestrekt buitengebied met schuren, loodsen en bossen is kwetsbaar voor "
        "drugsproductie, opslag en dumpingen: daar ziet weinig iemand het, en wat niet gezien wordt, wordt niet "
        "geregistreerd."
    )


def findings(found: dict) -> list[str]:
    from .common import findings_with

    return findings_with([], list(found.values()))
