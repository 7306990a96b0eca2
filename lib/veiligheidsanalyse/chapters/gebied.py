"""Chapter 00 Gebiedsbeschrijving: population and its change, age structure, kernen, area, tourism,
and the comparison set with the reasons for it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..stats.formatting import format_nl, format_pct
from ..store.dataset import Dataset

AGE_GROUPS = [
    ("inwoners_0_15", "0-14 jaar"),
    ("inwoners_15_25", "15-24 jaar"),
    ("inwoners_25_45", "25-44 jaar"),
    ("inwoners_45_65", "45-64 jaar"),
    ("bevolking_65plus", "65 jaar en ouder"),
]


@dataclass
class GebiedResult:
    population: pd.DataFrame  # jaar, regio_naam, inwoners, index (first year = 100)
    change: dict
    youth: pd.DataFrame
    kernen: pd.DataFrame  # kern, inwoners, aandeel
    area: dict
    comparison: pd.DataFrame
    vakantieparken: float | None
    findings: list[str] = field(default_factory=list)


def population(ds: Dataset) -> pd.DataFrame:
    roles = ds.comparison_roles()
    codes = [ds.gemeente, ds.config.vergelijking.provincie.code if ds.config.vergelijking.provincie else None, "NL01"]
    codes = [c for c in codes if c]
    df = ds.series("bevolking", codes, years=(ds.config.jaar_van, ds.config.jaar_tot + 1))
    df = df[["regio_code", "regio_naam", "jaar", "waarde"]].rename(columns={"waarde": "inwoners"})
    first = df.sort_values("jaar").groupby("regio_code")["inwoners"].transform("first")
    df["index"] = 100 * df["inwoners"] / first
    df["rol"] = df["regio_code"].map(roles)
    return df.sort_values(["regio_code", "jaar"]).reset_index(drop=True)


def kernen(ds: Dataset, kern_mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Inhabitants per kern, grouped as the chapter Kernen groups them (``kernen.indeling``)."""
    from .kernen import indeling

    grouping = indeling(ds, kern_mapping)
    if not grouping.available:
        return pd.DataFrame(columns=["kern", "inwoners", "aandeel"])
    out = grouping.summary().rename(columns={"Kern": "kern", "Inwoners": "inwoners"})[["kern", "inwoners"]]
    out["aandeel"] = 100 * out["inwoners"] / out["inwoners"].sum()
    return out.sort_values("inwoners", ascending=False).reset_index(drop=True)


def comparison_table(ds: Dataset) -> pd.DataFrame:
    rows = []
    verg = ds.config.vergelijking
    pop = ds.series("bevolking", years=(ds.config.jaar_tot, ds.config.jaar_tot))
    oad = ds.series("omgevingsadressendichtheid")
    pop_by = dict(zip(pop["regio_code"], pop["waarde"]))
    oad_by = dict(zip(oad["regio_code"], oad["waarde"]))
    for role, group in (
        ("Basisteam / regio", verg.regio),
        ("Provincie", verg.provincie),
        ("Vergelijkbare gemeenten", verg.peers),
    ):
        if group is None:
            continue
        for code in ds.group_members(group):  # the peers without the gemeente itself
            rows.append(
                {
                    "groep": f"{role}: {group.naam}",
                    "gemeente": ds.region_name(code),
                    "code": code,
                    "inwoners": pop_by.get(code, np.nan),
                    "adressendichtheid": oad_by.get(code, np.nan),
                }
            )
    return pd.DataFrame(rows)


def analyse(ds: Dataset, kern_mapping: pd.DataFrame | None = None, vakantieparken: float | None = None) -> GebiedResult:
    pop = population(ds)
    own = pop[pop["regio_code"] == ds.gemeente].sort_values("jaar")
    nl = pop[pop["regio_code"] == "NL01"].sort_values("jaar")
    change = {}
    if len(own) >= 2:
        change = {
            "van": int(own["jaar"].iloc[0]),
            "tot": int(own["jaar"].iloc[-1]),
            "inwoners_van": float(own["inwoners"].iloc[0]),
            "inwoners_tot": float(own["inwoners"].iloc[-1]),
            "groei_pct": 100 * (own["inwoners"].iloc[-1] / own["inwoners"].iloc[0] - 1),
            "groei_nl_pct": 100 * (nl["inwoners"].iloc[-1] / nl["inwoners"].iloc[0] - 1) if len(nl) >= 2 else np.nan,
        }
    youth = ds.series("jongeren_12_17", [ds.gemeente, "NL01"])
    youth = youth.merge(
        ds.series("bevolking", [ds.gemeente, "NL01"])[["regio_code", "jaar", "waarde"]].rename(
            columns={"waarde": "inwoners"}
        ),
        on=["regio_code", "jaar"],
        how="left",
    )
    youth["aandeel_pct"] = 100 * youth["waarde"] / youth["inwoners"]
    k = kernen(ds, kern_mapping)
    area = {}
    land = ds.series("oppervlakte_land", [ds.gemeente])
    inw = ds.series("inwoners_kwb", [ds.gemeente])
    if len(land) and len(inw):
        km2 = float(land["waarde"].iloc[-1]) / 100
        area = {
            "km2": km2,
            "dichtheid": float(inw["waarde"].iloc[-1]) / km2,
            "adressendichtheid": float(ds.series("omgevingsadressendichtheid", [ds.gemeente])["waarde"].iloc[-1])
            if len(ds.series("omgevingsadressendichtheid", [ds.gemeente]))
            else np.nan,
        }
    result = GebiedResult(
        population=pop,
        change=change,
        youth=youth,
        kernen=k,
        area=area,
        comparison=comparison_table(ds),
        vakantieparken=vakantieparken,
    )
    result.findings = findings(ds, result)
    return result


def findings(ds: Dataset, r: GebiedResult) -> list[str]:
    name = ds.gemeente_naam
    out = []
    if r.change:
        direction = "groeide" if r.change["groei_pct"] > 0 else "kromp"
        out.append(
            f"{name} had op 1 januari {r.change['tot']} {format_nl(r.change['inwoners_tot'], 0)} inwoners; "
            f"de bevolking {direction} sinds {r.change['van']} met {format_pct(abs(r.change['groei_pct']), 1)} "
            f"(Nederland: {format_pct(r.change['groei_nl_pct'], 1)})."
        )
    if r.area:
        out.append(
            f"De gemeente is {format_nl(r.area['km2'], 0)} km² groot met {format_nl(r.area['dichtheid'], 0)} inwoners "
            f"per km²; met {format_nl(r.area['adressendichtheid'], 0)} adressen per km² in de omgeving is zij "
            f"{'niet stedelijk' if r.area['adressendichtheid'] < 500 else 'stedelijk'}."
        )
    if len(r.kernen) >= 2:
        top = r.kernen.head(4)
        out.append(
            "De grootste kernen zijn "
            + ", ".join(f"{k} ({format_nl(v, 0)})" for k, v in zip(top["kern"], top["inwoners"]))
            + "."
        )
    if r.vakantieparken:
        out.append(
            f"Er zijn ongeveer {format_nl(r.vakantieparken, 0)} vakantieparken: bezoekers tellen niet als "
            "inwoner, dus cijfers per inwoner vallen hoger uit dan de eigen bevolking verklaart."
        )
    youth = r.youth[r.youth["regio_code"] == ds.gemeente].sort_values("jaar")
    nl = r.youth[r.youth["regio_code"] == "NL01"].sort_values("jaar")
    if len(youth) and len(nl):
        out.append(
            f"Jongeren van 12–17 jaar zijn {format_pct(youth['aandeel_pct'].iloc[-1], 1)} van de inwoners "
            f"(Nederland {format_pct(nl['aandeel_pct'].iloc[-1], 1)})."
        )
    return out[:5]
