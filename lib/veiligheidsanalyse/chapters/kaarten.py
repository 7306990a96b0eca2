"""Maps on the chapter pages: glue between the run's data, ``stats.smallarea`` and ``maps``.

* **Wijkkaart (Kernen en wijken).** Registered crime (and woninginbraak, vernieling, overlast where
  the buurt tables have them) per 1.000 inwoners per year, per CBS wijk, the last ``POOL_YEARS``
  years pooled (counts summed, inhabitants x years as person-years; :func:`stats.smallarea.pool_years`).
  Each wijk gets its exact 95 % interval (uncorrected, and the caption says so) and is compared with
  the *rest* of the gemeente (the other wijken together) by the same exact conditional test as the
  Kernen table on the same page (``compare_with_region``), Holm-corrected over the wijken of the map
  (:func:`stats.smallarea.small_area_table`, ``CORRECTION``). "Significant" follows the report's one
  rule (``signals.Judged``: uncorrected p < 0,05 and corrected p <= 0,05); the CSV carries both
  ``p_waarde`` and ``p_waarde_gecorrigeerd`` so a reader can recompute it. Every wijk that is not
  significantly higher or lower is hatched, "onbekend" included; a wijk with fewer than
  ``min_inhabitants`` inhabitants (``onthulling.min_inwoners`` of the config) is grey ("te weinig
  inwoners"); a wijk whose pooled count is below the indicator's ``min_count`` is light grey ("te
  weinig gevallen": not compared, as in the Kernen table; its rate stays in the CSV). The benchmark is the sum of the
  wijken with a known count and known inhabitants; a wijk without either (e.g. a code the politie
  table and the Kerncijfers spell differently) is "onbekend", left out of the sum, and named in the
  caption and the alt text. The total row of the CSV is called what it is, "Som van de wijken".
  The default level is wijk; buurten are never shown unpooled (``niveau="buurt"`` still pools at
  least three years). Counts come from the wijk rows of the politie table, or the buurten added up
  per wijk when a table has no wijk rows; the inhabitants from the Kerncijfers wijken en buurten
  (the newest year, for every year pooled, as in the chapter's tables per kern). Kinds marked
  ``sensitive`` in the catalogue hide counts below the disclosure threshold with everything derived
  from them. A year missing inside the pooled window gives no map but one sentence naming the
  missing year (:class:`NoMap`).
* **Regiokaart (regionaal rapport).** The gemeenten of the region, each marked as the regional comparison
  (``chapters.regio``) judged it against the rest of the region: significantly higher, lower, not
  different (an "aanwijzing" included), or not compared; the same tests and the same correction as
  the table, so map and table never disagree (:func:`region_map`, :func:`show_region_maps`).
* **Ligging (Gebied).** The gemeente among the gemeenten of its provincie; the title, caption and
  alt text name what is drawn (the provincie, the basisteam, Nederland, or just the number of
  gemeenten whose boundaries the run has).

Boundaries come from ``Dataset.boundaries(niveau)`` (a list of :class:`maps.Gebied`; empty when the
run has none); without them a chapter shows no map and says why in one sentence, from the data status
of the boundaries (:func:`no_map_sentence`).
Every map is drawn through :meth:`Chapter.map`, which puts the data status of its sources (the
numbers and the boundaries) in the caption, the CSV and the image itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..indicators import indicator as get_indicator
from ..maps import Gebied
from ..maps.choropleth import category_svg, check_codes, choropleth_svg, describe_map, location_svg, map_values
from ..stats.formatting import format_nl
from ..stats.smallarea import (
    MIN_INHABITANTS,
    SUPPRESSED,
    TOO_FEW_CASES,
    TOO_FEW_INHABITANTS,
    TOTAL_ROW,
    UNKNOWN,
    pool_years,
    small_area_table,
)

POOL_YEARS = 3
# The comparisons of one map are a named family of their own, Holm-corrected together (as the kernen'
# in their chapter): "significant" on a map means what it means on every page, after correction.
CORRECTION = "holm"
LABEL_INHABITANTS = 1500  # wijken with at least this many inhabitants carry their name on the map
MAP_INDICATORS = ["misdrijven_buurt", "woninginbraak_buurt", "vernieling_buurt", "overlast_buurt"]
SUBJECTS = {
    "misdrijven_buurt": ("geregistreerde misdrijven", "misdrijven"),
    "woninginbraak_buurt": ("woninginbraken", "woninginbraken"),
    "vernieling_buurt": ("vernielingen", "vernielingen"),
    "overlast_buurt": ("overlastregistraties", "overlastregistraties"),
}
LEVEL_PLURAL = {"wijk": "wijken", "buurt": "buurten", "gemeente": "gemeenten"}
NL_GEMEENTEN = 300  # at least this many gemeenten drawn (342 in 2023): the map is of Nederland
KAART_NAME = "CBS/Kadaster wijk- en buurtkaart"
# What the boundaries are called in the data status (id or name), whatever id the data step gives them.
_BOUNDARY_WORDS = ("wijkbuurtkaart", "wijk- en buurtkaart", "grenzen", "boundar", "gebiedsindeling")


# ---------------------------------------------------------------------------- boundaries of the run


def boundaries(ds, niveau: str) -> list[Gebied]:
    """The run's boundaries of one level ("gemeente", "wijk", "buurt"); empty when the run has none."""
    get = getattr(ds, "boundaries", None)
    if get is None:
        return []
    return list(get(niveau) or [])


def boundary_year(ds, areas: list[Gebied]) -> int | None:
    """Year of the boundaries: the Dataset's, else the newest year the areas carry."""
    year = getattr(ds, "boundary_year", None)
    if year:
        return int(year)
    years = [a.jaar for a in areas if a.jaar]
    return max(years) if years else None


def boundary_sources(ds) -> list[str]:
    """Source ids of the boundaries in the run's data status (none when it does not list them)."""
    own = getattr(ds, "boundary_source", None)
    if own and own in ds.status.sources:
        return [own]
    out = []
    for sid, source in ds.status.sources.items():
        text = f"{sid} {getattr(source, 'naam', '')}".casefold()
        if any(word in text for word in _BOUNDARY_WORDS):
            out.append(sid)
    return out


def no_map_sentence(ds, niveau: str) -> str:
    """The one sentence shown instead of a map without boundaries of ``niveau``: why, from the data status
    (PDOK failed and no copy, no copy and nothing fetched, boundaries without this level, ...)."""
    plural = LEVEL_PLURAL[niveau]
    status = next((ds.status.sources[sid] for sid in boundary_sources(ds)), None)
    if status is None:
        return f"Er is geen kaart: de grenzen van de {plural} ({KAART_NAME}) ontbreken in de gebruikte gegevens."
    if status.soort != "ontbreekt":
        year = boundary_year(ds, [])
        what = "de demogrenzen" if status.soort == "demo" else f"de {KAART_NAME}{f' {year}' if year else ''}"
        missing = f"grens van {ds.gemeente_naam}" if niveau == "gemeente" else f"{plural} van {ds.gemeente_naam}"
        verb = "hebben" if status.soort == "demo" else "heeft"
        return f"Er is geen kaart: {what} in de gegevens {verb} geen {missing}."
    policy = getattr(getattr(getattr(ds, "config", None), "data", None), "beleid", None)
    reden = status.reden or ""
    if reden.startswith("ophalen mislukt"):
        why = reden.rsplit(": ", 1)[-1]
        after = (
            "en deze run gebruikt alleen vers opgehaalde gegevens"
            if policy == "require-fresh"
            else "en er is geen eerder opgehaalde kopie"
        )
        return (
            f"Er is geen kaart: de grenzen van de {plural} ({KAART_NAME}) konden niet bij PDOK worden opgehaald "
            f"({why}), {after}."
        )
    if policy == "demo":
        return f"Er is geen kaart: de demogegevens hebben geen grenzen van de {plural} ({KAART_NAME})."
    if policy == "cache":
        return (
            f"Er is geen kaart: er is geen eerder opgehaalde kopie van de grenzen van de {plural} ({KAART_NAME}), "
            "en deze run haalt geen gegevens op."
        )
    return f"Er is geen kaart: de grenzen van de {plural} ({KAART_NAME}) ontbreken in de gebruikte gegevens."


def attribution(year: int | None) -> str:
    return f"Bron: Kadaster / CBS {year}" if year else "Bron: Kadaster / CBS"


# ---------------------------------------------------------------------------- the numbers


def area_rates(
    counts: pd.DataFrame,
    inhabitants,
    *,
    gemeente_code: str,
    gemeente_naam: str,
    names=None,
    min_years: int = POOL_YEARS,
    min_inhabitants: float = MIN_INHABITANTS,
    sensitive: bool = False,
    threshold: int = 5,
    correction: str = CORRECTION,
    total_name: str | None = None,
    min_count: int | None = None,
) -> pd.DataFrame:
    """The map table (``small_area_table``) from yearly counts per area and inhabitants per area.

    ``counts`` has ``regio_code``, ``jaar`` and ``aantal`` (one row per area and year; a missing row
    makes the area's pooled count unknown); ``inhabitants`` maps area codes to inhabitants, used for
    every year (an area without inhabitants has an unknown rate). ``names`` maps codes to names.
    A year without any row raises ValueError (from :func:`pool_years`); :func:`wijk_map` turns that
    into :class:`NoMap`.
    """
    years = sorted(int(y) for y in pd.unique(counts["jaar"].dropna()))
    codes = list(dict.fromkeys(list(inhabitants) + list(counts["regio_code"])))
    grid = pd.MultiIndex.from_product([codes, years], names=["regio_code", "jaar"]).to_frame(index=False)
    long = grid.merge(counts[["regio_code", "jaar", "aantal"]], on=["regio_code", "jaar"], how="left")
    long["inwoners"] = long["regio_code"].map(lambda c: inhabitants.get(c, np.nan)).astype(float)
    names = dict(names or {})
    long["regio_naam"] = long["regio_code"].map(lambda c: names.get(c, c))
    pooled = pool_years(long, min_years=min_years)
    return small_area_table(
        pooled,
        gemeente_code=gemeente_code,
        gemeente_naam=gemeente_naam,
        min_inhabitants=min_inhabitants,
        sensitive=sensitive,
        threshold=threshold,
        correction=correction,
        total_name=total_name,
        min_count=min_count,
    )


def csv_table(table: pd.DataFrame, noun: str = "misdrijven") -> pd.DataFrame:
    """The map table as published: every number's unit in its column name (data/README.md)."""
    out = table.rename(
        columns={
            "jaren": "aantal_jaren",
            "aantal": f"aantal_{noun}",
            "aantal_weergave": f"aantal_{noun}_weergave",
            "inwoners": "aantal_inwoners_gemiddeld",
            "persoonsjaren": "aantal_persoonsjaren",
            "per_1000": "per_1000_inwoners_per_jaar",
            "ondergrens": "ondergrens_95_per_1000_inwoners_per_jaar",
            "bovengrens": "bovengrens_95_per_1000_inwoners_per_jaar",
            "per_1000_eb": "gestabiliseerd_per_1000_inwoners_per_jaar",
        }
    )
    out["periode"] = out["periode"].astype(str)
    return out


def _area_level(codes: pd.Series, niveau: str, digits: str) -> pd.Series:
    prefix = {"wijk": f"WK{digits}", "buurt": f"BU{digits}"}[niveau]
    return codes.astype(str).str.startswith(prefix)


def level_counts(ds, indicator_id: str, niveau: str = "wijk") -> pd.DataFrame:
    """Yearly counts per wijk (the table's wijk rows, else its buurten added up) or per buurt."""
    digits = ds.gemeente[2:]
    series = ds.series(indicator_id)
    series = series.assign(regio_code=series["regio_code"].astype(str))
    own = series[_area_level(series["regio_code"], niveau, digits)]
    if own.empty and niveau == "wijk":
        buurten = series[_area_level(series["regio_code"], "buurt", digits)]
        if len(buurten):
            own = (
                buurten.assign(regio_code="WK" + buurten["regio_code"].str[2:8])
                .groupby(["regio_code", "jaar"], as_index=False)["waarde"]
                .agg(lambda s: s.sum(min_count=len(s)))
            )
    return own.rename(columns={"waarde": "aantal"})[["regio_code", "jaar", "aantal"]].reset_index(drop=True)


def level_inhabitants(ds, niveau: str = "wijk") -> tuple[dict[str, float], dict[str, str], int | None]:
    """(inhabitants, names, year) per wijk or buurt from the Kerncijfers wijken en buurten (newest year)."""
    from .kernen import _wijk_name

    digits = ds.gemeente[2:]
    kwb = ds.series("inwoners_kwb")
    kwb = kwb.assign(regio_code=kwb["regio_code"].astype(str))
    rows = kwb[_area_level(kwb["regio_code"], niveau, digits)]
    if rows.empty:
        return {}, {}, None
    year = int(rows["jaar"].max())
    rows = rows[rows["jaar"] == year]
    names = {
        c: (_wijk_name(n) if niveau == "wijk" else str(n).strip())
        for c, n in zip(rows["regio_code"], rows["regio_naam"])
    }
    return dict(zip(rows["regio_code"], rows["waarde"].astype(float))), names, year


# ---------------------------------------------------------------------------- a map ready to show


class NoMap(Exception):
    """No map for a reason a reader should know; ``str()`` is the one sentence shown instead."""


def _year_list(years) -> str:
    years = [str(y) for y in sorted(years)]
    return years[0] if len(years) == 1 else ", ".join(years[:-1]) + " en " + years[-1]


@dataclass
class Kaart:
    """One map: what :meth:`Chapter.map` needs, and the numbers behind it."""

    name: str
    draw: Callable[[str | None, str], str]  # (mark, alt text) -> SVG
    caption: str
    alt: str
    data: pd.DataFrame  # the CSV
    source: str
    sources: list[str]
    attribution: str
    table: pd.DataFrame | None = None  # small_area_table, for the findings and the tests
    notes: list[str] = field(default_factory=list)


def wijk_map(
    ds,
    indicator_id: str,
    areas: list[Gebied],
    *,
    niveau: str = "wijk",
    pool: int = POOL_YEARS,
    min_inhabitants: float = MIN_INHABITANTS,
    threshold: int = 5,
) -> Kaart | None:
    """The map of one buurt indicator per wijk (or buurt, always pooled); None without numbers.

    Raises :class:`NoMap` (one sentence for the page) when a year inside the pooled window has no
    numbers: pooling around it would understate the counts.
    """
    # Long: the window, rates, notes and caption of one map share its counts, names and period
    if niveau == "buurt":
        pool = max(pool, POOL_YEARS)
    ind = get_indicator(indicator_id)
    counts = level_counts(ds, indicator_id, niveau)
    inhabitants, names, kwb_year = level_inhabitants(ds, niveau)
    if counts.empty or not inhabitants or not areas:
        return None
    last = int(counts.loc[counts["aantal"].notna(), "jaar"].max()) if counts["aantal"].notna().any() else None
    if last is None or last - pool + 1 < int(counts["jaar"].min()):
        return None
    counts = counts[(counts["jaar"] > last - pool) & (counts["jaar"] <= last)]
    subject, noun = SUBJECTS.get(indicator_id, (ind.label.lower(), "gevallen"))
    plural = LEVEL_PLURAL[niveau]
    period = f"{last - pool + 1}–{last}"
    with_numbers = {int(y) for y in counts.loc[counts["aantal"].notna(), "jaar"]}
    missing_years = [y for y in range(last - pool + 1, last + 1) if y not in with_numbers]

    def no_map(years) -> NoMap:
        return NoMap(
            f"Er is geen kaart van de {subject} per {niveau}: de politiecijfers per {niveau} over "
            f"{_year_list(years)} ontbreken, en de kaart neemt {pool} opeenvolgende jaren ({period}) samen."
        )

    if missing_years:
        raise no_map(missing_years)
    for area in areas:  # a wijk the Kerncijfers do not name keeps the boundary's name
        names.setdefault(area.code, area.naam)
    try:
        table = area_rates(
            counts,
            inhabitants,
            gemeente_code=ds.gemeente,
            gemeente_naam=ds.gemeente_naam,
            names=names,
            min_years=pool,
            min_inhabitants=min_inhabitants,
            sensitive=bool(getattr(ind, "sensitive", False)),
            threshold=threshold,
            total_name=f"Som van de {plural}",
            min_count=ind.min_count,
        )
    except ValueError as error:  # pool_years: fewer distinct years than the window
        present = {int(y) for y in counts["jaar"].dropna()}
        gaps = [y for y in range(last - pool + 1, last + 1) if y not in present]
        if not gaps:
            raise
        raise no_map(gaps) from error
    year = boundary_year(ds, areas)
    if year is None:  # no attribution without the year of the boundaries
        return None
    notes = []
    missing_shape, no_numbers = check_codes(areas, table.loc[table["rol"] != TOTAL_ROW, "regio_code"])
    if missing_shape:
        notes.append(
            f"{len(missing_shape)} {plural} met cijfers hebben geen grens op de kaart; ze tellen wel mee "
            f"voor de som van de {plural}."
        )
    if no_numbers:
        notes.append(f"{len(no_numbers)} {plural} op de kaart hebben geen cijfers (wit).")
    drawn = [a for a in areas if a.code in set(table["regio_code"]) or a.code in no_numbers]
    total = table[table["rol"] == TOTAL_ROW].iloc[0]
    unknown = table[(table["rol"] != TOTAL_ROW) & (table["vergelijking"] == UNKNOWN)]
    if len(unknown):
        listed = list(unknown["regio_naam"].astype(str))
        names_text = f" ({', '.join(listed)})" if len(listed) <= 8 else ""
        one = len(unknown) == 1
        notes.insert(
            0,
            f"{len(unknown)} {niveau if one else plural}{names_text} {'heeft' if one else 'hebben'} een "
            f"onbekend aantal of onbekende inwoners: {'die is' if one else 'die zijn'} niet vergeleken en "
            f"niet meegeteld in de som van de {plural} (gearceerd of wit, 'onbekend' in de CSV).",
        )
    title = f"{subject.capitalize()} per {niveau}, {period}"
    caption = (
        f"{subject.capitalize()} per 1.000 inwoners per jaar per {niveau} in {ds.gemeente_naam}, {period} "
        f"samengenomen ({pool} jaar). Elke {niveau} is vergeleken met de rest van de gemeente (de andere "
        f"{plural} samen; {str(total['regio_naam']).lower()}: {format_nl(total['per_1000'], 1)} per 1.000 per "
        f"jaar) met een exacte toets, dezelfde als in de tabel van de kernen, gecorrigeerd (Holm) over de "
        f"{plural} van deze kaart. Gearceerd: niet significant verschillend van de rest van de gemeente, of "
        f"onbekend. De 95%-intervallen in de CSV en bij de {plural} zijn niet gecorrigeerd voor het aantal "
        f"{plural}; de CSV geeft de p-waarde en de gecorrigeerde p-waarde (significant: gecorrigeerd hoogstens "
        "0,05)."
        + (
            f" Grijs: minder dan {format_nl(min_inhabitants, 0)} inwoners, geen cijfer."
            if (table["vergelijking"] == TOO_FEW_INHABITANTS).any()
            else ""
        )
        + (
            f" Lichtgrijs: minder dan {ind.min_count} {noun} in {pool} jaar, te weinig om te vergelijken "
            "(zoals in de tabel van de kernen); het cijfer staat in de CSV."
            if (table["vergelijking"] == TOO_FEW_CASES).any()
            else ""
        )
        + "".join(" " + n for n in notes)
    )
    alt = describe_map(
        table, subject=subject, area_plural=plural, area_singular=niveau, gemeente=ds.gemeente_naam, period=period
    )
    data_source = f"politie {ind.table}, CBS 85984NED {kwb_year}" if kwb_year else f"politie {ind.table}"
    values = map_values(table)
    legend = "per 1.000 inwoners per jaar"
    # names on the map for the larger areas only (the kernen), so that the small ones stay readable
    labels = {c: names.get(c, c) for c, n in inhabitants.items() if n >= LABEL_INHABITANTS and c in values}

    def draw(mark: str | None, description: str) -> str:
        return choropleth_svg(
            drawn,
            values,
            title=title,
            description=description,
            boundary_year=year,
            legend_title=f"{noun.capitalize()} {legend}",
            data_source=data_source,
            mark=mark,
            labels=labels,
        )

    sources = [ind.table, "85984NED", *boundary_sources(ds)]
    return Kaart(
        name=f"{indicator_id}_kaart_{niveau}",
        draw=draw,
        caption=caption,
        alt=alt,
        data=csv_table(table, noun),
        source=f"Politie {ind.table}; inwoners CBS 85984NED {kwb_year or ''}".strip(),
        sources=sources,
        attribution=attribution(year),
        table=table,
        notes=notes,
    )


def group_name(group) -> str:
    """A region group's name inside a sentence: "basisteam Zuidwest-Drenthe", "Drenthe"."""
    return group.naam[0].lower() + group.naam[1:] if group.naam.lower().startswith("basisteam") else group.naam


def drawn_region(ds, areas: list[Gebied]) -> tuple[str, str]:
    """(what the drawn gemeenten are, legend label of the others), named from the areas actually drawn.

    "de provincie Drenthe" or the basisteam when the areas are exactly its gemeenten; otherwise
    "de provincie Drenthe (10 van de 12 gemeenten)"-style when some of the provincie's boundaries
    are missing, "Nederland" for all gemeenten, and else "een uitsnede van N gemeenten".
    """
    drawn = {a.code for a in areas}
    cfg = ds.config.vergelijking
    for group, word in ((cfg.provincie, "de provincie "), (getattr(cfg, "regio", None), "")):
        if group is None:
            continue
        members = set(ds.group_members(group)) | {ds.gemeente}
        name = word + group_name(group)
        if drawn == members:
            return name, f"overige gemeenten van {name.removeprefix('de provincie ')}"
        if word and drawn < members:
            return (
                f"{name} ({len(drawn)} van de {len(members)} gemeenten)",
                f"overige gemeenten van {name.removeprefix('de provincie ')}",
            )
    if len(drawn) >= NL_GEMEENTEN:
        return "Nederland", "overige gemeenten"
    return f"een uitsnede van {len(drawn)} gemeenten", "overige gemeenten"


def location_map(ds, gemeenten: list[Gebied]) -> Kaart | None:
    """The gemeente among the gemeenten of its provincie (all gemeenten drawn when it has none), the other
    gemeenten of its basisteam (the config's ``regio`` group) marked too, also across the provincie border."""
    # Long: areas, classes, legend, caption, alt text and CSV of one map are made together so they cannot disagree.
    own = [a for a in gemeenten if a.code == ds.gemeente]
    if not own:
        return None
    provincie, basisteam = ds.config.vergelijking.provincie, getattr(ds.config.vergelijking, "regio", None)
    members = set(ds.group_members(provincie)) | {ds.gemeente} if provincie is not None else None
    team = set(ds.group_members(basisteam)) - {ds.gemeente} if basisteam is not None else set()
    where, other = drawn_region(ds, [a for a in gemeenten if members is None or a.code in members])
    areas = [a for a in gemeenten if members is None or a.code in members or a.code in team]
    team_drawn = team & {a.code for a in areas}
    team_words = f"de andere gemeenten van {group_name(basisteam)}" if team_drawn else ""
    year = boundary_year(ds, areas)
    if year is None:
        return None
    pop = ds.series("bevolking", [a.code for a in areas])
    pop_year = int(pop["jaar"].max()) if len(pop) else None
    inwoners = (
        dict(zip(pop.loc[pop["jaar"] == pop_year, "regio_code"], pop.loc[pop["jaar"] == pop_year, "waarde"]))
        if pop_year
        else {}
    )
    data = pd.DataFrame(
        {
            "regio_code": [a.code for a in areas],
            "regio_naam": [ds.region_name(a.code) for a in areas],
            "rol": [
                "gemeente" if a.code == ds.gemeente else "basisteam" if a.code in team_drawn else "provincie"
                for a in areas
            ],
        }
    )
    data[f"aantal_inwoners_{pop_year}" if pop_year else "aantal_inwoners"] = (
        data["regio_code"].map(lambda c: inwoners.get(c, math.nan)).astype(float)
    )
    title = f"{ds.gemeente_naam} in {where}" + (f" en {group_name(basisteam)}" if team_drawn else "")
    colours = f"{ds.gemeente_naam} is donkerblauw, " + (
        f"{team_words} middenblauw, de overige gemeenten lichtblauw."
        if team_drawn
        else "de andere gemeenten lichtblauw."
    )
    alt = (
        f"Kaart van {where} met {len(areas)} gemeenten; {colours}"
        if not where.startswith("een uitsnede")
        else f"Kaart van {len(areas)} gemeenten (de gemeenten waarvan de grenzen in de gegevens staan); {colours}"
    )
    caption = f"Ligging van {ds.gemeente_naam} in {where}" + (f"; middenblauw: {team_words}." if team_drawn else ".")

    def draw(mark: str | None, description: str) -> str:
        return location_svg(
            areas,
            ds.gemeente,
            title=title,
            description=description,
            boundary_year=year,
            labels={ds.gemeente: ds.gemeente_naam},
            highlight_label=ds.gemeente_naam,
            other_label=other,
            group=team_drawn,
            group_label=team_words.removeprefix("de "),
            mark=mark,
        )

    return Kaart(
        name="ligging_kaart",
        draw=draw,
        caption=caption,
        alt=alt,
        data=data,
        source="CBS 03759ned",
        sources=["03759ned", *boundary_sources(ds)],
        attribution=attribution(year),
    )


# ---------------------------------------------------------------------------- the regional report

REGION_COLOURS = ("#e6550d", "#3182bd", "#d9d9d9", "#ffffff")  # higher, lower, not different, not compared


def region_marking(verdict: str) -> int:
    """The map class of a regional verdict: 0 higher, 1 lower, 2 not different (an 'aanwijzing' too, as it is
    not significant after the correction), 3 not compared (too few cases, unknown, region incomplete)."""
    if verdict.startswith("significant hoger"):
        return 0
    if verdict.startswith("significant lager"):
        return 1
    if verdict.startswith(("niet significant", "aanwijzing")):
        return 2
    return 3


def region_boundaries(region) -> list[Gebied]:
    """The outlines of the region's gemeenten, from the stores of its gemeenten (each holds its surroundings)."""
    wanted, found = set(region.report.gemeenten), {}
    for ds in region.datasets.values():
        for area in boundaries(ds, "gemeente"):
            if area.code in wanted:
                found.setdefault(area.code, area)
    return [found[c] for c in region.report.gemeenten if c in found]


def region_map(region, comp, gemeenten: list[Gebied]) -> Kaart | None:
    """One indicator of the regional report: each gemeente marked as its comparison with the rest of the
    region came out; None without boundaries or their year."""
    # Long: areas, classes, legend, caption, alt text and CSV of one map are made together so they cannot disagree.
    first = next(iter(region.datasets.values()))
    year = boundary_year(first, gemeenten)
    if not gemeenten or year is None:
        return None
    rest = f"de rest van {region.naam}"
    labels = (
        f"significant hoger dan {rest}",
        f"significant lager dan {rest}",
        f"niet significant verschillend van {rest}",
        "niet vergeleken",
    )
    rows = {r.code: r for r in comp.rows if r.rol == "gemeente"}
    verdicts_of = {a.code: rows[a.code].vs_regio if a.code in rows else "geen cijfers" for a in gemeenten}
    marking = {code: region_marking(v) for code, v in verdicts_of.items()}
    data = pd.DataFrame(
        [
            {
                "regio_code": a.code,
                "regio_naam": region.names.get(a.code, a.naam),
                "periode": comp.period_label,
                "aantal": rows[a.code].count if a.code in rows else math.nan,
                "noemer": rows[a.code].denominator if a.code in rows else math.nan,
                "cijfer": rows[a.code].rate if a.code in rows else math.nan,
                "ondergrens_95": rows[a.code].lower if a.code in rows else math.nan,
                "bovengrens_95": rows[a.code].upper if a.code in rows else math.nan,
                "eenheid": comp.rate_label,
                "vergelijking_met_rest_van_regio": verdicts_of[a.code],
                "kaartklasse": labels[marking[a.code]],
            }
            for a in gemeenten
        ]
    )
    names = dict(zip(data["regio_code"], data["regio_naam"]))
    label = comp.indicator.label
    title = f"{label}: gemeenten tegen {rest}, {comp.period_label}"
    per_class = [", ".join(names[c] for c, m in marking.items() if m == k) for k in range(4)]
    alt = (
        f"Kaart van de {len(gemeenten)} gemeenten van {region.naam}: {label.lower()} ({comp.rate_label}, "
        f"{comp.period_label}), elke gemeente vergeleken met {rest}. "
        + " ".join(f"{labels[k][:1].upper() + labels[k][1:]}: {per_class[k]}." for k in range(4) if per_class[k])
    )
    caption = (
        f"{label} {comp.rate_label} in {comp.period_label}: elke gemeente vergeleken met {rest} (de regio "
        "zonder die gemeente), met dezelfde toets en dezelfde correctie (Holm, over alle toetsen van dit "
        "rapport) als de tabel. De kleur zegt of het verschil significant is, niet hoe hoog het cijfer "
        "is; de cijfers staan in de tabel en de CSV."
    )
    tooltips = {code: f"{names[code]}: {verdicts_of[code]}" for code in marking}

    def draw(mark: str | None, description: str) -> str:
        return category_svg(
            gemeenten,
            {c: labels[m] for c, m in marking.items()},
            list(zip(labels, REGION_COLOURS)),
            title=title,
            description=description,
            boundary_year=year,
            legend_title=f"Vergeleken met {rest}",
            tooltips=tooltips,
            labels=names,
            mark=mark,
        )

    tables = [t for t in (comp.indicator.table, "03759ned") if t]
    return Kaart(
        name=f"regio_{comp.indicator.id}_kaart",
        draw=draw,
        caption=caption,
        alt=alt,
        data=data,
        source="; ".join(tables),
        sources=[*tables, *boundary_sources(first)],
        attribution=attribution(year),
    )


def show_region_maps(region, result) -> list[Kaart]:
    """The regional report's maps, one per compared indicator, under their own heading (after ``regio.show``,
    so the page's sources are saved again with the boundaries)."""
    ch = region.ch
    ch.section(
        "De gemeenten op de kaart",
        f"Per indicator: welke gemeenten significant hoger of lager liggen dan "
        f"de rest van {region.naam}, zoals in de tabellen hierboven.",
    )
    gemeenten = region_boundaries(region)
    comparisons = list({id(c): c for theme in result.themes for c in theme.comparisons}.values())
    shown = [k for k in (region_map(region, c, gemeenten) for c in comparisons) if k is not None]
    if not shown:
        ch.missing(no_map_sentence(next(iter(region.datasets.values())), "gemeente"))
    for kaart in shown:
        show(ch, kaart)
    ch.save()
    return shown


# ---------------------------------------------------------------------------- on the page


def show(ch, kaart: Kaart) -> None:
    ch.map(
        kaart.draw,
        kaart.name,
        caption=kaart.caption,
        alt=kaart.alt,
        data=kaart.data,
        source=kaart.source,
        sources=kaart.sources,
        attribution=kaart.attribution,
    )


def show_wijk_maps(ch, indicator_ids=None, niveau: str = "wijk", pool: int = POOL_YEARS) -> list[Kaart]:
    """The Kernen chapter's maps per wijk; one sentence instead when the run has no boundaries.
    The inhabitant threshold is the config's (``onthulling.min_inwoners``)."""
    min_inhabitants = getattr(ch.config, "onthulling_min_inwoners", MIN_INHABITANTS)
    areas = boundaries(ch.data, niveau)
    if not areas:
        ch.missing(no_map_sentence(ch.data, niveau))
        return []
    shown, notes = [], []
    for indicator_id in indicator_ids or MAP_INDICATORS:
        try:
            kaart = wijk_map(
                ch.data,
                indicator_id,
                areas,
                niveau=niveau,
                pool=pool,
                min_inhabitants=min_inhabitants,
                threshold=ch.config.onthulling_drempel,
            )
        except NoMap as reason:  # one sentence instead of this map, the others still drawn
            if str(reason) not in notes:
                notes.append(str(reason))
                ch.missing(str(reason))
            continue
        if kaart is not None:
            show(ch, kaart)
            shown.append(kaart)
    if not shown and not notes:
        ch.missing(
            f"Er is geen kaart: de politietabellen hebben geen cijfers per {niveau} over "
            f"{POOL_YEARS} jaar voor {ch.gemeente_naam}."
        )
    return shown


def show_location_map(ch) -> Kaart | None:
    """The Gebied chapter's map of the gemeente in its provincie; one sentence instead without boundaries."""
    kaart = location_map(ch.data, boundaries(ch.data, "gemeente"))
    if kaart is None:
        ch.missing(no_map_sentence(ch.data, "gemeente"))
        return None
    show(ch, kaart)
    return kaart


__all__ = [
    "MAP_INDICATORS",
    "POOL_YEARS",
    "SUPPRESSED",
    "TOO_FEW_INHABITANTS",
    "Kaart",
    "NoMap",
    "area_rates",
    "boundaries",
    "boundary_sources",
    "boundary_year",
    "csv_table",
    "drawn_region",
    "level_counts",
    "level_inhabitants",
    "location_map",
    "no_map_sentence",
    "region_boundaries",
    "region_map",
    "region_marking",
    "show_region_maps",
    "show",
    "show_location_map",
    "show_wijk_maps",
    "wijk_map",
]
