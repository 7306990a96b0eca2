"""The open-data tables the analysis reads: what each one is and what the code expects of it.

Keys of measures change between table versions (``AantalInwoners_5`` in one KWB year is
``AantalInwoners_6`` in another), so the code names measures and dimension members by their key
*or* their title and resolves them against the table's own metadata at run time
(:func:`veiligheidsanalyse.store.normalise.resolve_measure`). Missing ones are errors naming the table and
field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POLITIE_HOST = "dataderden.cbs.nl"
CBS_HOST = "opendata.cbs.nl"


@dataclass(frozen=True)
class TableSpec:
    table_id: str
    host: str  # opendata.cbs.nl (CBS) or dataderden.cbs.nl (politie)
    title: str  # expected (part of the) title, checked against TableInfos
    region_dimension: str  # RegioS or WijkenEnBuurten
    dimensions: tuple[str, ...]  # every dimension the code filters or groups on
    region_level: str  # "gemeenten": gemeente/provincie/NL rows; "buurten": the gemeente's own wijken and buurten
    periods: str  # "JJ" yearly, "MM" monthly, "JJ+MM", "HJ" half-yearly, "edition" survey years
    publisher: str  # shown in source lines: "Politie" or "CBS"
    description: str = ""
    required: bool = True  # False: the analysis copes without it (chapter says what is missing)
    kwb_year: int | None = None  # Kerncijfers wijken en buurten: the year this table id covers
    # True: the row of every gemeente of the country is asked for too (the facts from which the
    # comparison set of any gemeente is derived: peer group, provincie); resolved before the others.
    # (A national gemeenten table is asked for only when the config leaves its group to be derived.)
    national: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def catalog(self) -> str:
        return "Politie" if self.host == POLITIE_HOST else "CBS"


TABLES: dict[str, TableSpec] = {
    t.table_id: t
    for t in [
        TableSpec(
            table_id="47013NED",
            host=POLITIE_HOST,
            title="Geregistreerde misdrijven en aangiften",
            region_dimension="RegioS",
            dimensions=("SoortMisdrijf", "RegioS", "Perioden"),
            region_level="gemeenten",
            periods="JJ+MM",
            publisher="Politie",
            description="Misdrijven per gemeente, per jaar en per maand: de hoofdreeks.",
        ),
        TableSpec(
            table_id="47018NED",
            host=POLITIE_HOST,
            title="Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers",
            region_dimension="WijkenEnBuurten",
            dimensions=("SoortMisdrijf", "WijkenEnBuurten", "Perioden"),
            region_level="buurten",
            periods="JJ",
            publisher="Politie",
            description="Misdrijven per wijk en buurt, per jaar (buurtindeling van het laatste jaar).",
        ),
        TableSpec(
            table_id="47022NED",
            host=POLITIE_HOST,
            title="Geregistreerde misdrijven; soort misdrijf, wijk, buurt, maandcijfers",
            region_dimension="WijkenEnBuurten",
            dimensions=("SoortMisdrijf", "WijkenEnBuurten", "Perioden"),
            region_level="buurten",
            periods="MM",
            publisher="Politie",
            description="Misdrijven per wijk en buurt, per maand.",
            required=False,
        ),
        TableSpec(
            table_id="47021NED",
            host=POLITIE_HOST,
            title="overlast",
            region_dimension="RegioS",
            dimensions=("Overlast", "RegioS", "Perioden"),
            region_level="gemeenten",
            periods="JJ",
            publisher="Politie",
            description="Registraties van overlast per gemeente (o.a. E33 verward persoon, E35 jeugd, E38 "
            "alcohol/drugs).",
        ),
        TableSpec(
            table_id="47024NED",
            host=POLITIE_HOST,
            title="overlast",
            region_dimension="WijkenEnBuurten",
            dimensions=("Overlast", "WijkenEnBuurten", "Perioden"),
            region_level="buurten",
            periods="JJ",
            publisher="Politie",
            description="Registraties van overlast per wijk en buurt.",
            required=False,
        ),
        TableSpec(
            table_id="83648NED",
            host=CBS_HOST,
            title="Geregistreerde criminaliteit",
            region_dimension="RegioS",
            dimensions=("SoortMisdrijf", "RegioS", "Perioden"),
            region_level="gemeenten",
            periods="JJ",
            publisher="CBS",
            description="CBS-cijfers geregistreerde criminaliteit, met opgehelderde misdrijven en verdachten.",
        ),
        TableSpec(
            table_id="03759ned",
            host=CBS_HOST,
            title="Bevolking op 1 januari",
            region_dimension="RegioS",
            dimensions=("Geslacht", "Leeftijd", "BurgerlijkeStaat", "RegioS", "Perioden"),
            region_level="gemeenten",
            periods="JJ",
            publisher="CBS",
            description="Bevolking per gemeente, provincie en Nederland naar leeftijd: noemers voor alle cijfers per "
            "inwoner.",
        ),
        TableSpec(
            table_id="85984NED",
            host=CBS_HOST,
            title="Kerncijfers wijken en buurten 2024",
            region_dimension="WijkenEnBuurten",
            dimensions=("WijkenEnBuurten",),
            region_level="buurten",
            periods="edition",
            publisher="CBS",
            description="Kerncijfers wijken en buurten 2024: inwoners, woningen, oppervlakte per wijk en buurt.",
            kwb_year=2024,
            national=True,
        ),
        TableSpec(  # no indicators: read by regions.provincies_from_gebieden
            table_id="85755NED",
            host=CBS_HOST,
            title="Gebieden in Nederland 2024",
            region_dimension="RegioS",
            dimensions=("RegioS",),
            region_level="gemeenten",
            periods="edition",
            publisher="CBS",
            description="Gebieden in Nederland 2024: de provincie van elke gemeente (alleen gebruikt als de "
            "configuratie geen provincie noemt).",
            required=False,
            national=True,
        ),
        TableSpec(
            table_id="85146NED",
            host=CBS_HOST,
            title="Veiligheidsmonitor",
            region_dimension="RegioS",
            dimensions=("Marges", "RegioS", "Perioden"),
            region_level="gemeenten",
            periods="edition",
            publisher="CBS",
            description="Veiligheidsmonitor: Nederland, provincie en politie-eenheden, met 95%-marges.",
            required=False,
        ),
        TableSpec(
            table_id="85361NED",
            host=CBS_HOST,
            title="Veilig Thuis",
            region_dimension="RegioS",
            dimensions=("RegioS", "Perioden"),
            region_level="gemeenten",
            periods="HJ",
            publisher="CBS",
            description="Veilig Thuis: meldingen en adviezen per gemeente, per half jaar.",
            required=False,
        ),
    ]
}


def table_spec(table_id: str) -> TableSpec:
    try:
        return TABLES[table_id]
    except KeyError:
        raise KeyError(f"unknown table {table_id!r}; known: {', '.join(sorted(TABLES))}") from None
