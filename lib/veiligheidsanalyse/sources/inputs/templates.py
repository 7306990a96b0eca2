"""Templates of the partner input files, as data: one entry per kind of file.

Partners (politie, Halt, Veilig Thuis, veiligheidsregio, the gemeente itself, I&O Research for the
Veiligheidsmonitor) deliver figures that are not in open data. Each kind of file has a template:
its columns, their type, unit, allowed values and whether they are required. The reader
(:mod:`.reading`), the checks (:mod:`.validate`), the loader (:mod:`.loading`) and the generated
templates and README (:mod:`.writing`) all work from ``TEMPLATE_DATA`` below, so the documentation
and the code cannot drift apart.

Column types
------------
``code``     text from a fixed list (``allowed``: canonical value -> accepted spellings);
             compared case- and space-insensitively. ``allowed: "catalogue"`` = the indicator codes
             of this kind in indicators.yaml.
``text``     free text (stripped).
``area``     a place: the gemeente (name or GM-code), a kern, "Nederland" or a provincie.
``gemeente`` the gemeente the row is about (name or GM-code); must be the gemeente of the run.
``year``     a whole year within [min, max] (max "now" = the current year); "2023*" is read as 2023.
``period``   a year ("2023") or a half year ("2023-H1", "2023 H2", "1e halfjaar 2023").
``count``    a whole number >= 0; ".", "-", "x" or an empty cell = unknown (NaN, never 0).
``number``   a decimal number; Dutch "8,0", "1.234,5", "30%" and "30 %" are understood.
``buurtcode`` a CBS buurt code, BU + 8 digits, of this gemeente.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ...text import slug
from ..partner_kinds import KINDS, STORY_KIND, TABLE_KINDS  # noqa: F401 (declared there, without pandas)

# "." (CBS: unknown/secret), "-" and empty mean: not known. Never read as 0.
UNKNOWN_MARKERS = frozenset(
    {
        "",
        ".",
        "..",
        "-",
        "–",
        "—",
        "x",
        "?",
        "n.v.t.",
        "nvt",
        "n.b.",
        "nb",
        "onbekend",
        "geheim",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        "#n/b",
        "#n/a",
    }
)

ILLUSTRATIVE_NOTE = "illustratief voorbeeld, vervang door de export van de partner"
IVP_TEXT_NOTE = "waarde uit de tekst van het IVP 2023-2027, hoofdstuk 5"

COMMON_NOTE_COLUMN: dict[str, Any] = {
    "name": "bron_opmerking",
    "type": "text",
    "required": False,
    "aliases": ["opmerking", "bron", "toelichting", "noot"],
    "description": (
        "Vrije tekst over de herkomst van het cijfer, bijvoorbeeld 'uit de tekst van het IVP, niet uit een "
        "brontabel' of 'illustratief'. Wordt als voetnoot bij het cijfer getoond."
    ),
    "example": "export van de partner, 12-03-2024",
}

GEMEENTE_COLUMN: dict[str, Any] = {
    "name": "gemeente",
    "type": "gemeente",
    "required": False,
    "aliases": ["gemeentenaam", "gemeentecode", "regio"],
    "description": (
        "Gemeente waarover de rij gaat (naam of GM-code). Mag ontbreken; staat de kolom er wel, dan moet het "
        "de gemeente van de analyse zijn (een export van een andere gemeente wordt geweigerd)."
    ),
    "example": "Westerveld",
}

TEMPLATE_DATA: dict[str, dict[str, Any]] = {
    "veiligheidsmonitor": {
        "title": "Veiligheidsmonitor: resultaten per indicator, editie en gebied",
        "partner": "I&O Research / CBS (veiligheidsmonitor.databank.nl of het gemeenterapport)",
        "description": (
            "Eén rij per indicator x editie x gebied. Gebied is de gemeente, een kern, of een vergelijkingsgebied "
            "(Nederland, een provincie). Percentages in procenten (30 of 30%), rapportcijfers 1-10, "
            "schaalscores van 0 tot het maximum van de schaal (preventie: 4 of 6). Neem ondergrens en bovengrens "
            "(95%-betrouwbaarheidsinterval) of de marge over als het rapport ze geeft, en het aantal respondenten n."
        ),
        "key": ["indicator", "editie", "gebied"],
        "columns": [
            {
                "name": "indicator",
                "type": "code",
                "required": True,
                "allowed": "catalogue",
                "aliases": ["indicatorcode", "code"],
                "description": "Code van de indicator (zie de lijst met indicatoren bij dit sjabloon).",
                "example": "vm_leefbaarheid_cijfer",
            },
            {
                "name": "editie",
                "type": "year",
                "required": True,
                "min": 2005,
                "max": 2030,
                "unit": "jaar",
                "aliases": ["jaar", "jaargang", "meting"],
                "description": "Jaar van de editie (het veldwerkjaar), 2005-2030. Sinds 2021 een nieuwe opzet "
                "(methodebreuk): 2021 en later niet vergelijken met 2019 en eerder.",
                "example": "2021",
            },
            {
                "name": "gebied",
                "type": "area",
                "required": True,
                "aliases": ["regio", "gebiedsnaam"],
                "description": "De gemeente (naam of GM-code), een kern (naam zoals in kernen.csv), 'Nederland' "
                "of een provincie ('Drenthe').",
                "example": "Westerveld",
            },
            {
                "name": "waarde",
                "type": "number",
                "required": True,
                "unit": "procent | rapportcijfer | score",
                "aliases": ["value", "percentage", "cijfer", "score", "uitkomst"],
                "description": "De uitkomst, in de eenheid van de indicator. Leeg of '.' = onbekend.",
                "example": "8,0",
            },
            {
                "name": "ondergrens",
                "type": "number",
                "required": False,
                "unit": "als waarde",
                "aliases": ["ondergrens_95", "onder", "lower", "ci_onder"],
                "description": "Ondergrens van het 95%-betrouwbaarheidsinterval (optioneel).",
                "example": "7,9",
            },
            {
                "name": "bovengrens",
                "type": "number",
                "required": False,
                "unit": "als waarde",
                "aliases": ["bovengrens_95", "boven", "upper", "ci_boven"],
                "description": "Bovengrens van het 95%-betrouwbaarheidsinterval (optioneel).",
                "example": "8,1",
            },
            {
                "name": "marge",
                "type": "number",
                "required": False,
                "unit": "als waarde (plus/min)",
                "aliases": ["marges", "betrouwbaarheidsmarge", "foutmarge"],
                "description": "Halve breedte van het 95%-interval ('plus of min', zoals in StatLine 'Marges'). "
                "Alleen nodig als onder- en bovengrens ontbreken.",
                "example": "0,1",
            },
            {
                "name": "n",
                "type": "count",
                "required": False,
                "unit": "respondenten",
                "aliases": ["aantal_respondenten", "respondenten", "ongewogen_n"],
                "description": "Aantal respondenten (ongewogen) achter de uitkomst (optioneel).",
                "example": "512",
            },
            COMMON_NOTE_COLUMN,
        ],
    },
    "veiligheidsregio": {
        "title": "Veiligheidsregio: incidenten per jaar en soort",
        "partner": "Veiligheidsregio (brandweer), jaarverslag of incidentenexport",
        "description": (
            "Eén rij per jaar x soort incident, voor deze gemeente. 'totaal' is het totaal aantal incidenten; "
            "ontbreekt een totaal-rij, dan wordt het totaal de som van de soorten van dat jaar."
        ),
        "key": ["jaar", "soort"],
        "total_code": "totaal",
        "columns": [
            {
                "name": "jaar",
                "type": "year",
                "required": True,
                "min": 1990,
                "max": "now",
                "unit": "jaar",
                "aliases": ["year", "periode"],
                "description": "Kalenderjaar.",
                "example": "2022",
            },
            {
                "name": "soort",
                "type": "code",
                "required": True,
                "aliases": ["soort_incident", "incidentsoort", "incidenttype", "type", "categorie"],
                "allowed": {
                    "totaal": [
                        "totaal",
                        "total",
                        "alle incidenten",
                        "totaal incidenten",
                        "incidenten totaal",
                        "incidenten",
                    ],
                    "brand": ["brand", "branden", "brandmeldingen", "brand totaal"],
                    "hulpverlening": ["hulpverlening", "technische hulpverlening", "th", "hv", "ongeval"],
                    "alarm": [
                        "alarm",
                        "loos alarm",
                        "nodeloos alarm",
                        "automatische brandmelding",
                        "oms",
                        "automatisch alarm",
                    ],
                    "dienstverlening": ["dienstverlening", "assistentie"],
                    "overig": ["overig", "overige", "anders"],
                },
                "description": "Soort incident.",
                "example": "totaal",
            },
            {
                "name": "aantal",
                "type": "count",
                "required": True,
                "unit": "incidenten",
                "aliases": ["aantal_incidenten", "incidenten_aantal"],
                "description": "Aantal incidenten (geheel getal >= 0; '.' of leeg = onbekend).",
                "example": "171",
            },
            GEMEENTE_COLUMN,
            COMMON_NOTE_COLUMN,
        ],
    },
    "halt": {
        "title": "Halt: verwijzingen van jongeren per jaar en delictgroep",
        "partner": "Halt (regio Noord-Nederland), jaarcijfers per gemeente",
        "description": (
            "Eén rij per jaar x delictgroep. 'totaal' is het totaal aantal verwijzingen (de indicator "
            "Halt-verwijzingen); ontbreekt die rij, dan wordt het totaal de som van de groepen van dat jaar."
        ),
        "key": ["jaar", "delictgroep"],
        "total_code": "totaal",
        "columns": [
            {
                "name": "jaar",
                "type": "year",
                "required": True,
                "min": 1990,
                "max": "now",
                "unit": "jaar",
                "aliases": ["year", "periode"],
                "description": "Kalenderjaar van de verwijzing.",
                "example": "2022",
            },
            {
                "name": "delictgroep",
                "type": "code",
                "required": True,
                "aliases": ["delict", "delicttype", "soort_delict", "categorie", "soort"],
                "allowed": {
                    "totaal": ["totaal", "total", "alle delicten", "totaal verwijzingen", "verwijzingen"],
                    "diefstal": ["diefstal", "winkeldiefstal", "diefstal/heling", "heling"],
                    "vernieling": ["vernieling", "vernielingen", "vandalisme", "graffiti"],
                    "vuurwerk": ["vuurwerk", "vuurwerkovertreding", "vuurwerkoverlast"],
                    "leerplicht": ["leerplicht", "schoolverzuim", "leerplichtwet", "spijbelen"],
                    "mishandeling": ["mishandeling", "geweld", "bedreiging"],
                    "baldadigheid": ["baldadigheid", "overlast", "openbare orde", "burengerucht"],
                    "alcohol_drugs": ["alcohol_drugs", "alcohol", "drugs", "alcohol en drugs", "alcohol/drugs"],
                    "online": ["online", "sexting", "online delict", "cyber", "internet"],
                    "overig": ["overig", "overige", "anders", "overige delicten"],
                },
                "description": "Delictgroep.",
                "example": "vernieling",
            },
            {
                "name": "aantal",
                "type": "count",
                "required": True,
                "unit": "verwijzingen",
                "aliases": ["aantal_verwijzingen", "verwijzingen_aantal", "jongeren"],
                "description": "Aantal verwijzingen naar Halt (geheel getal >= 0; '.' of leeg = onbekend).",
                "example": "4",
            },
            GEMEENTE_COLUMN,
            COMMON_NOTE_COLUMN,
        ],
    },
    "veilig_thuis": {
        "title": "Veilig Thuis: meldingen en adviezen per jaar of halfjaar",
        "partner": "Veilig Thuis (regio Drenthe), of CBS-tabel 85361NED",
        "description": (
            "Eén rij per periode x soort. Periode is een jaar (2023) of een halfjaar (2023-H1, 2023-H2). "
            "Een jaarcijfer wordt het jaar-totaal; anders de som van beide halfjaren (alleen als beide er zijn)."
        ),
        "key": ["periode", "soort"],
        "columns": [
            {
                "name": "periode",
                "type": "period",
                "required": True,
                "min": 1990,
                "max": "now",
                "aliases": ["jaar", "halfjaar", "year"],
                "description": "Jaar (2023) of halfjaar (2023-H1 / 2023-H2).",
                "example": "2023-H1",
            },
            {
                "name": "soort",
                "type": "code",
                "required": True,
                "aliases": ["type", "categorie"],
                "allowed": {
                    "meldingen": ["meldingen", "melding", "aantal meldingen"],
                    "adviezen": ["adviezen", "advies", "adviesvragen", "aantal adviezen"],
                },
                "description": "Meldingen of adviezen.",
                "example": "meldingen",
            },
            {
                "name": "aantal",
                "type": "count",
                "required": True,
                "unit": "meldingen of adviezen",
                "aliases": [],
                "description": "Aantal (geheel getal >= 0; '.' of leeg = onbekend of geheim).",
                "example": "70",
            },
            GEMEENTE_COLUMN,
            COMMON_NOTE_COLUMN,
        ],
    },
    "politie_export": {
        "title": "Politie: cijfers die niet in open data staan",
        "partner": "Politie, basisteam (BVI/BI-export, jeugdgroepenshortlist)",
        "description": (
            "Eén rij per jaar x soort. Voor cijfers die niet (of niet per gemeente) in de open data van de politie "
            "staan: E33-meldingen (verward/onbegrepen gedrag), jeugdgroepen, woonoverlast."
        ),
        "key": ["jaar", "soort"],
        "columns": [
            {
                "name": "jaar",
                "type": "year",
                "required": True,
                "min": 1990,
                "max": "now",
                "unit": "jaar",
                "aliases": ["year", "periode"],
                "description": "Kalenderjaar.",
                "example": "2022",
            },
            {
                "name": "soort",
                "type": "code",
                "required": True,
                "aliases": ["categorie", "code", "type", "maatschappelijke_klasse"],
                "allowed": {
                    "e33": [
                        "e33",
                        "verward persoon",
                        "overlast verward persoon",
                        "verward gedrag",
                        "onbegrepen gedrag",
                        "e33 verward persoon",
                    ],
                    "jeugdgroepen": ["jeugdgroepen", "jeugdgroep", "problematische jeugdgroepen", "shortlist"],
                    "woonoverlast": ["woonoverlast", "woonoverlast/burenruzie", "burenruzie"],
                    "jeugdoverlast": ["jeugdoverlast", "e35", "overlast jeugd"],
                    "burengerucht": ["burengerucht", "burengerucht (relatieproblemen)"],
                    "drugsoverlast": ["drugsoverlast", "e38", "overlast alcohol en drugs"],
                    "huisverboden": ["huisverboden", "huisverbod", "tijdelijk huisverbod"],
                },
                "description": "Soort cijfer.",
                "example": "e33",
            },
            {
                "name": "aantal",
                "type": "count",
                "required": True,
                "unit": "registraties / groepen",
                "aliases": ["aantal_registraties", "registraties"],
                "description": "Aantal (geheel getal >= 0; '.' of leeg = onbekend).",
                "example": "61",
            },
            GEMEENTE_COLUMN,
            COMMON_NOTE_COLUMN,
        ],
    },
    "vakantieparken": {
        "title": "Vakantieparken: aantal, permanente bewoning, handhaving",
        "partner": "Gemeente (programma Vitale Vakantieparken, team handhaving)",
        "description": "Eén rij per jaar.",
        "key": ["jaar"],
        "columns": [
            {
                "name": "jaar",
                "type": "year",
                "required": True,
                "min": 1990,
                "max": "now",
                "unit": "jaar",
                "aliases": ["year", "peildatum"],
                "description": "Jaar (peiljaar).",
                "example": "2023",
            },
            {
                "name": "aantal_parken",
                "type": "count",
                "required": True,
                "unit": "parken",
                "aliases": ["aantal_vakantieparken", "vakantieparken", "parken", "aantal"],
                "description": "Aantal vakantieparken (recreatieparken en campings met verblijfsrecreatie).",
                "example": "64",
            },
            {
                "name": "permanente_bewoning",
                "type": "count",
                "required": False,
                "unit": "adressen",
                "aliases": ["permanent_bewoond", "adressen_permanente_bewoning"],
                "description": "Aantal recreatiewoningen/adressen met (vermoedelijk) onrechtmatige permanente "
                "bewoning (optioneel).",
                "example": "120",
            },
            {
                "name": "handhavingsacties",
                "type": "count",
                "required": False,
                "unit": "acties",
                "aliases": ["handhaving", "controles", "handhavingsacties_aantal"],
                "description": "Aantal handhavingsacties/controles op parken (optioneel).",
                "example": "6",
            },
            GEMEENTE_COLUMN,
            COMMON_NOTE_COLUMN,
        ],
    },
    "kernen": {
        "title": "Kernen: indeling van buurten in kernen",
        "partner": "Gemeente (eigen gebiedsindeling)",
        "description": (
            "Eén rij per CBS-buurt van de gemeente: bij welke kern hoort de buurt. Gebruikt om buurtcijfers per "
            "kern op te tellen en om kernen in de Veiligheidsmonitor te herkennen."
        ),
        "key": ["buurtcode"],
        "columns": [
            {
                "name": "buurtcode",
                "type": "buurtcode",
                "required": True,
                "aliases": ["buurt_code", "code", "codering", "bu_code"],
                "description": "CBS-buurtcode, BU + 8 cijfers (BU + gemeentecode + wijk + buurt).",
                "example": "BU17011100",
            },
            {
                "name": "kern",
                "type": "text",
                "required": True,
                "aliases": ["woonkern", "dorp", "kernnaam"],
                "description": "Naam van de kern. Buurten zonder kern hoeven er niet in: die staan bij hun CBS-wijk.",
                "example": "Vledder",
            },
            {
                "name": "buurtnaam",
                "type": "text",
                "required": False,
                "aliases": ["buurt", "naam"],
                "description": "Naam van de buurt (optioneel, ter controle).",
                "example": "Vledder",
            },
            COMMON_NOTE_COLUMN,
        ],
    },
}

CHAPTER_ID = re.compile(r"^\d{2}_[a-z0-9_]+$")

# Partner codes with no input mapping in indicators.yaml yet (see open question in the README).
FALLBACK_INDICATORS: dict[tuple[str, str], str] = {("politie_export", "e33"): "overlast_verward"}

# Comparison areas in the Veiligheidsmonitor file.
NEDERLAND = ("NL01", "Nederland")
PROVINCIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "PV20": ("Groningen", ("groningen",)),
    "PV21": ("Fryslân", ("fryslan", "friesland")),
    "PV22": ("Drenthe", ("drenthe",)),
    "PV23": ("Overijssel", ("overijssel",)),
    "PV24": ("Flevoland", ("flevoland",)),
    "PV25": ("Gelderland", ("gelderland",)),
    "PV26": ("Utrecht", ("utrecht",)),
    "PV27": ("Noord-Holland", ("noord-holland", "noord holland")),
    "PV28": ("Zuid-Holland", ("zuid-holland", "zuid holland")),
    "PV29": ("Zeeland", ("zeeland",)),
    "PV30": ("Noord-Brabant", ("noord-brabant", "noord brabant", "brabant")),
    "PV31": ("Limburg", ("limburg",)),
}
NEDERLAND_ALIASES = ("nederland", "nl", "nl01", "landelijk", "totaal nederland", "nederland totaal")

# Verhaal-hoofdstukken: one markdown file per chapter in <inputs>/verhaal/<chapter>.md
STORY_EXAMPLE = """# Het verhaal achter de cijfers: {chapter}

*Wie: naam, organisatie, datum van het gesprek.*

- Wat herkennen de partners in de cijfers? Wat niet?
- Welke pieken of dalen hebben een verklaring (registratie, een incident, een dader, een actie)?
- Wat zien de partners dat niet in de cijfers staat?
"""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    description: str = ""
    unit: str = ""
    aliases: tuple[str, ...] = ()
    allowed: dict[str, tuple[str, ...]] | str | None = None
    min: float | None = None
    max: float | str | None = None
    example: str = ""

    @property
    def header_names(self) -> tuple[str, ...]:
        """Normalised header spellings that mean this column."""
        return tuple(dict.fromkeys(norm_header(n) for n in (self.name, *self.aliases)))


@dataclass(frozen=True)
class Template:
    kind: str
    title: str
    partner: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    total_code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _build(kind: str, data: dict[str, Any]) -> Template:
    columns = []
    for entry in data["columns"]:
        allowed = entry.get("allowed")
        if isinstance(allowed, dict):
            allowed = {k: tuple(v) for k, v in allowed.items()}
        columns.append(
            Column(
                name=entry["name"],
                type=entry["type"],
                required=bool(entry["required"]),
                description=entry.get("description", ""),
                unit=entry.get("unit", ""),
                aliases=tuple(entry.get("aliases", ())),
                allowed=allowed,
                min=entry.get("min"),
                max=entry.get("max"),
                example=str(entry.get("example", "")),
            )
        )
    return Template(
        kind=kind,
        title=data["title"],
        partner=data["partner"],
        description=data["description"],
        columns=tuple(columns),
        key=tuple(data["key"]),
        total_code=data.get("total_code"),
    )


TEMPLATES: dict[str, Template] = {kind: _build(kind, data) for kind, data in TEMPLATE_DATA.items()}


# ----------------------------------------------------------------------------------- helpers
# Invisible characters that come along when names are copied from web pages, PDFs or Word: zero-width
# space, non-joiner and joiner (U+200B-U+200D), word joiner (U+2060), zero-width no-break space / BOM
# (U+FEFF) and the soft hyphen (U+00AD). Chosen: they are REMOVED from every cell and header, not
# reported. Nobody can see them in Excel, so a partner could not find them to fix them, and they mean
# nothing in a name, a code or a number: "Wester\u00adveld" is Westerveld, "Vled\u200bder" is the kern
# Vledder, "vuur\u200bwerk" the delictgroep vuurwerk, never a new name.
INVISIBLE_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARACTERS))


def remove_invisible(text: str) -> str:
    """``text`` without the invisible characters of ``INVISIBLE_CHARACTERS``."""
    return text.translate(_INVISIBLE)


def norm_header(text: Any) -> str:
    """Header spelling -> comparable key: case, spaces, units in brackets and punctuation ignored."""
    s = remove_invisible(str(text)).replace("\xa0", " ")
    s = re.sub(r"\(.*?\)|\[.*?\]", " ", s)
    s = s.replace("%", " ").strip().casefold()
    return re.sub(r"[\s\-_./:]+", "_", s).strip("_")


def norm_value(text: Any) -> str:
    """Cell text -> comparable key for codes and names (case, accents, repeated spaces ignored)."""
    s = remove_invisible(str(text)).replace("\xa0", " ").strip().casefold()
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"[\s_]+", " ", s)
    return s.strip()


def kern_code(gemeente_code: str, kern: str) -> str:
    """Region code of a kern: ``KN<4 digits of the gemeente>-<slug>``, e.g. ``KN1701-vledder``."""
    return f"KN{gemeente_code[2:]}-{slug(remove_invisible(str(kern)), empty='kern', fold_accents=True)}"


def catalogue_codes(kind: str) -> dict[str, str]:
    """Partner code -> indicator id, for the indicators whose source is this input kind.

    Indicators also answer to their own id (so a Veiligheidsmonitor file may use either).
    """
    from veiligheidsanalyse.indicators import for_input

    codes: dict[str, str] = {}
    for ind in for_input(kind):
        code = str(ind.source.get("code", ind.id))
        codes[code] = ind.id
    for (k, code), indicator_id in FALLBACK_INDICATORS.items():
        if k == kind and code not in codes:
            codes[code] = indicator_id
    return codes


def allowed_values(template: Template, column: Column) -> dict[str, tuple[str, ...]]:
    """Canonical value -> accepted spellings for a ``code`` column."""
    if column.allowed == "catalogue":
        from veiligheidsanalyse.indicators import catalogue

        result: dict[str, tuple[str, ...]] = {}
        for code, indicator_id in catalogue_codes(template.kind).items():
            label = catalogue()[indicator_id].label
            result[code] = tuple(dict.fromkeys((code, indicator_id, label)))
        return result
    if isinstance(column.allowed, dict):
        return dict(column.allowed)
    return {}
