"""The schema of a run configuration: every key of ``config/<naam>.yaml``, its type and its domain,
declared once.

Validated with pydantic in strict mode: nothing is converted (a year written as ``"2015"`` is an error,
not 2015), numbers are finite, unknown keys are refused with the nearest known key as a hint. Checks that
depend on the day or the project (the last year that can have data, the chapters present, the indicator
catalogue) read the validation context (``Context``). Every field carries a Dutch ``description`` of what
is expected; pydantic's error types are turned into Dutch sentences by ``_message``, and our own checks
raise ``schema_error(...)`` with the sentence itself. The result is one ConfigError naming the key, the value
found, what was expected and the line.
"""

from __future__ import annotations

import difflib
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from .config_errors import FILE_KEY, ConfigError, line_of, toon
from .sources.partner_kinds import KINDS

FIRST_YEAR = 2012  # the politie open-data series start in 2012
POLICIES = ("fresh", "require-fresh", "cache", "demo")
VERWACHTINGEN = ("stijging", "daling", "stabiel", "hoger_dan_nederland", "lager_dan_nederland", "waarde")


@dataclass(frozen=True)
class Context:
    """What the checks compare with: the last year that can have data (the year before today) and the
    chapters of the project."""

    laatste_jaar: int
    hoofdstukken: tuple[str, ...]


def schema_error(message: str, key: str = "", other: str = "") -> PydanticCustomError:
    """A check of ours failed: ``message`` is the Dutch sentence, ``key`` the part of the key path below
    the value checked (``.van``, ``[2]``); ``{ander}`` in the message becomes the full key path of
    ``other`` (another place the message names)."""
    return PydanticCustomError("configuratie", "{bericht}", {"bericht": message, "sleutel": key, "ander": other})


# ------------------------------------------------------------------------------ checks of values


def _binnen_project(value: str) -> str:
    """A relative folder stays inside the project (``..`` may not climb out); an absolute one (a file
    share, a cache on another disk) is taken as it is."""
    if value.startswith("/"):
        return value
    depth = 0
    for part in value.replace("\\", "/").split("/"):
        depth += -1 if part == ".." else (0 if part in (".", "") else 1)
        if depth < 0:
            raise schema_error(
                f"'{value}' wijst buiten het project; verwacht een map binnen het project (of een absoluut pad)"
            )
    return value


def _elk_een_keer(codes: list[str]) -> list[str]:
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise schema_error(
                f"{code} staat twee keer in de lijst (ook op {{ander}}); verwacht elke gemeente één keer",
                f"[{i}]",
                f"[{codes.index(code)}]",
            )
    return codes


def _jaren_met_gegevens(section: BaseModel, last: int) -> None:
    """``van`` and ``tot`` of a section are years that can have data (no later than the year before today)."""
    for key in ("van", "tot"):
        year = getattr(section, key)
        if year is not None and year > last:
            raise schema_error(
                f"{toon(year)} is groter dan het maximum {last}; verwacht een jaar met gegevens (tot en met {last})",
                f".{key}",
            )


def _catalogue() -> dict:
    from .indicators import catalogue

    return catalogue()


def _bekende_indicator(indicator_id: str, key: str = "") -> None:
    if indicator_id not in _catalogue():
        raise schema_error(f"onbekende indicator {toon(indicator_id)}; verwacht een indicator uit indicators.yaml", key)


# ------------------------------------------------------------------------------ types with a domain


def _geheel(low: int, high: int) -> Any:
    return Annotated[int, Field(ge=low, le=high, description=f"een geheel getal van {low} tot en met {high}")]


Tekst = Annotated[str, Field(description="tekst")]
NietLeeg = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), Field(description="tekst (niet leeg)")
]
JaOfNee = Annotated[bool, Field(description="true of false")]
Getal = Annotated[float, Field(description="een eindig getal")]
NietNegatief = Annotated[float, Field(ge=0, description="een eindig getal van minstens 0")]
Jaar = Annotated[int, Field(ge=FIRST_YEAR, description=f"een jaartal (geheel getal) vanaf {FIRST_YEAR}")]
Map = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_binnen_project),
    Field(description="een mapnaam (tekst)"),
]
GEMEENTE_PATROON = r"^GM\d{4}$"
GemeenteCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=GEMEENTE_PATROON),
    Field(description="een CBS-gemeentecode zoals GM1701"),
]
Indicator = Annotated[str, Field(description="een indicator uit indicators.yaml")]
Thema = Annotated[str, Field(description="een hoofdstuk (bv. 04_jeugd) of een indicator uit indicators.yaml")]
Hoofdstuk = Annotated[str, Field(description="een hoofdstuk, zoals 01_criminaliteit")]
GemeenteCodes = Annotated[
    list[GemeenteCode],
    Field(min_length=1),
    AfterValidator(_elk_een_keer),
    Field(description="een niet-lege lijst van gemeentecodes, zoals [GM1701, GM1690]"),
]


class Section(BaseModel):
    """A section of the file: only its own keys, values not converted, numbers finite."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)

    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """A shorthand a section accepts, written out (``- GM1701`` for ``- code: GM1701``)."""
        return value

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, value: Any) -> Any:
        value = cls._shorthand(value)
        allowed = sorted(cls.model_fields)
        if not isinstance(value, dict):
            raise schema_error(f"verwacht een blok met sleutels ({', '.join(allowed)}); gevonden {toon(value)}")
        for key, item in value.items():
            if key not in cls.model_fields:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
                hint = f" (bedoeld: {close[0]}?)" if close else ""
                raise schema_error(f"onbekende sleutel{hint}; hier toegestaan: {', '.join(allowed)}", f".{key}")
            field = cls.model_fields[key]
            if item is None and not _holds_sections(field.annotation):
                # A key left blank is a mistake, not "the default": only a section may be empty.
                description = field.description or _unwrap(field.annotation)[1] or "een waarde"
                raise schema_error(f"leeg; verwacht {description} (of laat de sleutel weg)", f".{key}")
        return value


# ------------------------------------------------------------------------------ the sections


class Periode(Section):
    van: Jaar = 2015
    tot: Jaar | None = None  # default: the last year that can have data
    vorige_analyse: (
        Annotated[int, Field(description="het jaar van de vorige analyse, van 'van' tot vóór 'tot'")] | None
    ) = None  # default: four years before tot

    def jaren(self, laatste_jaar: int) -> tuple[int, int, int]:
        """(van, tot, vorige_analyse) with the defaults filled in."""
        tot = self.tot if self.tot is not None else laatste_jaar
        vorige = self.vorige_analyse if self.vorige_analyse is not None else max(self.van, tot - 4)
        return self.van, tot, vorige

    @model_validator(mode="after")
    def _volgorde(self, info: ValidationInfo) -> Periode:
        last = info.context.laatste_jaar
        _jaren_met_gegevens(self, last)
        van, tot, vorige = self.jaren(last)
        if van > tot:
            raise schema_error(f"van ({van}) ligt na tot ({tot}); verwacht van vóór tot")
        if tot - van < 1:
            raise schema_error(f"van en tot zijn allebei {van}; verwacht ten minste twee jaren om te vergelijken")
        if not van <= vorige <= tot - 1:
            raise schema_error(
                f"{toon(vorige)} ligt buiten de periode; verwacht een jaar van {van} tot en met {tot - 1}",
                ".vorige_analyse",
            )
        return self


class Groep(Section):
    code: NietLeeg | None = None  # default: the key in upper case (REGIO)
    naam: Annotated[str, Field(description="de naam van de groep (tekst)")]
    gemeenten: GemeenteCodes
    reden: Tekst = ""


class Provincie(Groep):
    code: Annotated[str, StringConstraints(pattern=r"^PV\d{2}$"), Field(description="een provinciecode zoals PV22")]


class Peers(Section):
    """Absent or ``afleiden: true`` without a list: chosen at run time by the rule of peers.derive.
    A list is used for the gemeente it was made for (``voor``, else the configuration's gemeente)."""

    code: NietLeeg = "PEERS"
    naam: NietLeeg = "Vergelijkbare gemeenten"
    gemeenten: GemeenteCodes | None = None
    reden: Tekst = ""
    afleiden: JaOfNee = False
    voor: GemeenteCode | None = None
    regel: Tekst = ""

    @model_validator(mode="after")
    def _lijst_of_afleiden(self) -> Peers:
        if not self.afleiden and self.gemeenten is None:
            raise schema_error(
                "ontbreekt; verwacht een lijst van gemeentecodes, zoals [GM1701, GM1690], of 'afleiden: true'",
                ".gemeenten",
            )
        return self


class Vergelijking(Section):
    regio: Groep | None = None
    provincie: Provincie | None = None
    peers: Peers | None = None
    nederland: Annotated[Literal["NL01"], Field(description="NL01 (heel Nederland)")] = "NL01"


class Gegevens(Section):
    beleid: Annotated[Literal[POLICIES], Field(description=f"een van {', '.join(POLICIES)}")] = "fresh"
    max_leeftijd_dagen: _geheel(1, 3650) = 120
    cache: Map = "data/cache"
    demo: Map = "data/demo"


def _bekende_soorten(names: dict[str, str]) -> dict[str, str]:
    for kind in names:
        if kind not in KINDS:
            raise schema_error(f"onbekende soort invoer {kind!r}; verwacht een van {', '.join(KINDS)}", f".{kind}")
    return names


PerSoort = Annotated[
    dict[str, NietLeeg],
    AfterValidator(_bekende_soorten),
    Field(description="per soort invoer een bestands- of tabbladnaam (halt: Halt.xlsx)"),
]


class Invoer(Section):
    map: Map | None = None
    bestanden: PerSoort = {}
    tabbladen: PerSoort = {}
    voorbeeld: Map | None = None
    voorbeeld_gebruiken: JaOfNee = False


class Onthulling(Section):
    drempel: _geheel(2, 100) = 5
    min_inwoners: _geheel(1, 100_000) = 100  # maps: an area with fewer inhabitants gets no rate


class Uitvoering(Section):
    timeout_per_hoofdstuk: _geheel(10, 86400) = 600
    parallel: Annotated[
        Literal["auto"] | _geheel(1, 64), Field(description="auto of een geheel getal van 1 tot en met 64")
    ] = "auto"
    bewaar_runs: _geheel(1, 1000) = 10
    uitvoerder: Annotated[
        Literal["snel", "eenvoudig"],
        Field(description="snel (gevorkte werkprocessen en kernels) of eenvoudig (papermill per hoofdstuk)"),
    ] = "snel"


class Gewichten(Section):
    niveau: NietNegatief | None = None
    ontwikkeling: NietNegatief | None = None
    beleving: NietNegatief | None = None
    ivp_thema: NietNegatief | None = None


class Prioriteiten(Section):
    gewichten: Gewichten | None = None
    aantal: _geheel(1, 20) | None = None
    minimum_score: NietNegatief | None = None
    themas: Annotated[list[Thema], Field(description="een lijst van hoofdstukken of indicatoren")] = []

    @field_validator("themas")
    @classmethod
    def _bekende_themas(cls, themas: list[str], info: ValidationInfo) -> list[str]:
        """A theme is a chapter or an indicator of the catalogue: an unknown name would be ignored silently."""
        known = {ind.chapter for ind in _catalogue().values()} | set(_catalogue()) | set(info.context.hoofdstukken)
        for i, theme in enumerate(themas):
            if theme not in known:
                raise schema_error(
                    f"onbekend thema {toon(theme)}; verwacht een hoofdstuk (bv. 04_jeugd) of een indicator "
                    "uit indicators.yaml",
                    f"[{i}]",
                )
        return themas


class Uitspraak(Section):
    """A statement of the previous analysis or plan, tested against the data in the synthesis."""

    uitspraak: Annotated[str, Field(description="de tekst van de uitspraak")]
    indicator: Indicator
    verwachting: Annotated[Literal[VERWACHTINGEN], Field(description=f"een van {', '.join(VERWACHTINGEN)}")]
    van: Jaar | None = None
    tot: Jaar | None = None
    waarde: Getal | None = None
    bron: Tekst = ""

    @model_validator(mode="after")
    def _samenhang(self, info: ValidationInfo) -> Uitspraak:
        _bekende_indicator(self.indicator, ".indicator")
        _jaren_met_gegevens(self, info.context.laatste_jaar)
        if self.van is not None and self.tot is not None and self.van > self.tot:
            raise schema_error(f"van ({self.van}) ligt na tot ({self.tot}); verwacht van niet later dan tot", ".van")
        if self.verwachting == "waarde" and self.waarde is None:
            raise schema_error(
                "ontbreekt; een uitspraak over een waarde (verwachting: waarde) heeft het getal nodig", ".waarde"
            )
        return self


class GemeenteItem(Section):
    """One gemeente of a configuration for several: a code, or ``{code, naam}``."""

    code: GemeenteCode
    naam: NietLeeg | None = None

    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        if not (isinstance(value, str) and re.match(GEMEENTE_PATROON, value.strip())):
            # about the item as written, not about a 'code' key the user did not write
            raise schema_error(
                f"verwacht een CBS-gemeentecode zoals GM1701 (of {{code, naam}}); gevonden {toon(value)}"
            )
        return {"code": value}


def _elke_gemeente_een_keer(items: list[GemeenteItem]) -> list[GemeenteItem]:
    _elk_een_keer([item.code for item in items])
    return items


RegioCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,19}$"),
    Field(description="een korte code van letters en cijfers (zoals ZWD)"),
]
Indicatoren = Annotated[list[Indicator], Field(min_length=1, description="een niet-lege lijst van indicatoren")]


class RegioRapport(Section):
    code: RegioCode = "REGIO"
    naam: NietLeeg | None = None  # default: from the file's name
    themas: (
        Annotated[
            dict[str, Indicatoren],
            Field(min_length=1, description="per thema een lijst van indicatoren (Thema: [indicator, ...])"),
        ]
        | None
    ) = None

    @field_validator("themas")
    @classmethod
    def _aantallen_per_inwoner(cls, themas: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        """The regional report compares counts and counts per inhabitant."""
        for thema, indicators in (themas or {}).items():
            for i, indicator_id in enumerate(indicators):
                _bekende_indicator(indicator_id, f".{thema}[{i}]")
                indicator = _catalogue()[indicator_id]
                if indicator.unit != "aantal" or indicator.denominator == "none":
                    raise schema_error(
                        f"indicator {toon(indicator_id)} is geen aantal per inwoner; het regiorapport vergelijkt "
                        "aantallen en cijfers per inwoner, dus verwacht een indicator met een aantal",
                        f".{thema}[{i}]",
                    )
        return themas


class ConfigFile(Section):
    """The whole file."""

    gemeente: GemeenteCode | None = None
    gemeenten: (
        Annotated[
            list[GemeenteItem],
            Field(min_length=1),
            AfterValidator(_elke_gemeente_een_keer),
            Field(description="een niet-lege lijst van gemeentecodes (of {code, naam})"),
        ]
        | None
    ) = None
    naam: Tekst | None = None  # default: the name the data give the code
    periode: Periode | None = None
    vergelijking: Vergelijking | None = None
    hoofdstukken: (
        Annotated[list[Hoofdstuk], Field(min_length=1, description="een niet-lege lijst van hoofdstukken")] | None
    ) = None
    data: Gegevens | None = None
    invoer: Invoer | None = None
    onthulling: Onthulling | None = None
    uitvoer: Map = "outputs"
    uitvoering: Uitvoering | None = None
    prioriteiten: Prioriteiten | None = None
    uitspraken: Annotated[list[Uitspraak], Field(description="een lijst van uitspraken")] | None = None
    regio_rapport: RegioRapport | None = None

    @field_validator("hoofdstukken")
    @classmethod
    def _bekende_hoofdstukken(cls, wanted: list[str] | None, info: ValidationInfo) -> list[str] | None:
        chapters = info.context.hoofdstukken
        for i, chapter in enumerate(wanted or []):
            if chapter not in chapters:
                raise schema_error(
                    f"onbekend hoofdstuk {toon(chapter)}; verwacht een van {', '.join(chapters)}", f"[{i}]"
                )
        return wanted

    @model_validator(mode="after")
    def _een_of_meer_gemeenten(self) -> ConfigFile:
        if self.gemeente is None and not self.gemeenten:
            raise schema_error(
                "ontbreekt; verwacht een CBS-gemeentecode zoals GM1701 (of een lijst 'gemeenten' voor meerdere)",
                ".gemeente",
            )
        if self.gemeente is None:
            for key in ("naam", "uitspraken"):
                if getattr(self, key) is not None:
                    raise schema_error(
                        "hoort bij één gemeente; verwacht in een configuratie voor meerdere gemeenten de naam "
                        "van elke gemeente in 'gemeenten' ({code, naam})",
                        f".{key}",
                    )
        if self.regio_rapport is not None and not self.gemeenten:
            raise schema_error(
                "een regiorapport heeft een lijst van gemeenten nodig; verwacht naast 'regio_rapport' de "
                "sleutel 'gemeenten'",
                ".regio_rapport",
            )
        return self


# ------------------------------------------------------------------------------ validation in Dutch


def check(data: Any, source: str, context: Context, lines: dict[str, int]) -> ConfigFile:
    """The file's mapping, checked against the schema; otherwise a ConfigError about the first
    problem in the file (by line; a problem without a line last)."""
    try:
        return ConfigFile.model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_message(error) for error in exc.errors(include_url=False)]
    located = [(line_of(lines, key), i, key, message) for i, (key, message) in enumerate(problems)]
    line, _i, key, message = min(located, key=lambda p: (p[0] is None, p[0] or 0, p[1]))
    raise ConfigError(source, key or FILE_KEY, message, line) from None


def _message(error: dict) -> tuple[str, str]:
    """A pydantic error as (key, Dutch sentence)."""
    key, description, resolved = _location(error["loc"])
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "configuratie":
        message = ctx["bericht"].replace("{ander}", (key + ctx["ander"]).lstrip("."))
        return (key + ctx["sleutel"]).lstrip("."), message
    expected = description or "een andere waarde"
    if kind == "missing":
        return key, f"ontbreekt; verwacht {expected}"
    if resolved and kind in ("greater_than_equal", "greater_than") and "ge" in ctx:
        return key, f"{toon(value)} is kleiner dan het minimum {ctx['ge']:g}; verwacht {expected}"
    if resolved and kind in ("less_than_equal", "less_than") and "le" in ctx:
        return key, f"{toon(value)} is groter dan het maximum {ctx['le']:g}; verwacht {expected}"
    if resolved and kind == "too_short":
        return key, f"leeg; verwacht {expected}"
    return key, f"verwacht {expected}; gevonden {toon(value)}"


def _location(loc: tuple) -> tuple[str, str | None, bool]:
    """The key path of an error's location (``vergelijking.peers.gemeenten[2]``), the description of what
    is expected there, and whether the location was followed to its end. It is not when it reaches a
    choice of types (``parallel``: auto or a number): the error is then about the value as a whole."""
    key, annotation, description = "", ConfigFile, None
    for i, part in enumerate(loc):
        bare = _unwrap(annotation)[0]
        if isinstance(bare, type) and issubclass(bare, BaseModel) and part in bare.model_fields:
            field = bare.model_fields[part]
            key = f"{key}.{part}" if key else str(part)
            annotation = field.annotation
            description = field.description or _unwrap(annotation)[1]
        elif isinstance(part, int) and get_origin(bare) is list:
            key += f"[{part}]"
            annotation = get_args(bare)[0]
            description = _unwrap(annotation)[1]
        elif get_origin(bare) is dict and i + 1 < len(loc) and loc[i + 1] == "[key]":
            return f"{key}.{part}", "tekst als naam (bijvoorbeeld een thema of een soort invoer)", True
        elif get_origin(bare) is dict:
            key += f".{part}"
            annotation = get_args(bare)[1]
            description = _unwrap(annotation)[1]
        else:
            return key, description, False
    return key, description, True


def _unwrap(annotation: Any) -> tuple[Any, str | None]:
    """The type without ``Annotated`` and ``| None``, and the outermost description declared on it."""
    description = None
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            declared = [m.description for m in get_args(annotation)[1:] if isinstance(m, FieldInfo) and m.description]
            description = description or (declared[0] if declared else None)
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            annotation = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007 - a union built at run time from a list
        else:
            return annotation, description


def _holds_sections(annotation: Any) -> bool:
    """A section, or a list of sections (``uitspraken``, ``gemeenten``): these may be left empty."""
    bare = _unwrap(annotation)[0]
    if get_origin(bare) is list:
        bare = _unwrap(get_args(bare)[0])[0]
    return isinstance(bare, type) and issubclass(bare, BaseModel)
