"""The schema of a run configuration: every key of ``config/<naam>.yaml``, its type and its domain,
declared once.

Validated with pydantic in strict mode: nothing is converted (a year written as ``"2015"`` is an error,
not 2015), numbers are finite, unknown keys are refused with the nearest known key as a hint. Checks that
depend on the day or the project (the last year that can have data, the chapters present, the indicator
catalogue) read the validation context (``Context``). Every field carries a Dutch ``description`` of what
is expected; pydantic's error types are turned into Dutch sentences by ``_bericht``, and our own checks
raise ``fout(...)`` with the sentence itself. The result is one ConfigError naming the key, the value
found, what was expected and the line.
"""

from __future__ import annotations

import difflib
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError,
                      ValidationInfo, field_validator, model_validator)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from .config_errors import FILE_KEY, ConfigError, line_of, toon
from .sources.partner_kinds import KINDS

FIRST_YEAR = 2012  # the politie open-data series start in 2012
POLICIES = ("fresh", "require-fresh", "cache", "demo")
VERWACHTINGEN = ("stijging", "daling", "stabiel", "hoger_dan_nederland", "lager_dan_nederland", "waarde")


@dataclass(frozen=True)
class Context:
    """What the checks compare with: the last year that can have data (the year before today), the
    chapters of the project, and the file's stem (the default name of a regional report)."""

    laatste_jaar: int
    hoofdstukken: tuple[str, ...]
    naam: str


def fout(message: str, key: str = "") -> PydanticCustomError:
    """A check of ours failed: ``message`` is the Dutch sentence, ``key`` the part of the key path below
    the value checked (``.van``, ``[2]``)."""
    return PydanticCustomError("configuratie", "{bericht}", {"bericht": message, "sleutel": key})


def _context(info: ValidationInfo) -> Context:
    return info.context


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
            raise fout(f"'{value}' wijst buiten het project; verwacht een map binnen het project (of een absoluut pad)")
    return value


def _elk_een_keer(codes: list[str]) -> list[str]:
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise fout(f"{code} staat twee keer in de lijst (ook op [{codes.index(code)}]); "
                       "verwacht elke gemeente één keer", f"[{i}]")
    return codes


def _jaren_met_gegevens(section: BaseModel, last: int) -> None:
    """``van`` and ``tot`` of a section are years that can have data (no later than the year before today)."""
    for key in ("van", "tot"):
        year = getattr(section, key)
        if year is not None and year > last:
            raise fout(f"{year} is groter dan het maximum {last}; verwacht een jaar met gegevens (tot en met {last})",
                       f".{key}")


def _catalogue() -> dict:
    from .indicators import catalogue

    return catalogue()


def _bekende_indicator(indicator_id: str, key: str = "") -> None:
    if indicator_id not in _catalogue():
        raise fout(f"onbekende indicator {indicator_id!r}; verwacht een indicator uit indicators.yaml", key)


# ------------------------------------------------------------------------------ types with a domain

def _geheel(low: int, high: int) -> Any:
    return Annotated[int, Field(ge=low, le=high, description=f"een geheel getal van {low} tot en met {high}")]


Tekst = Annotated[str, Field(description="tekst")]
NietLeeg = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), Field(description="tekst (niet leeg)")]
JaOfNee = Annotated[bool, Field(description="true of false")]
Getal = Annotated[float, Field(description="een eindig getal")]
NietNegatief = Annotated[float, Field(ge=0, description="een eindig getal van minstens 0")]
Jaar = Annotated[int, Field(ge=FIRST_YEAR, description=f"een jaartal vanaf {FIRST_YEAR}")]
Map = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_binnen_project),
                Field(description="een mapnaam (tekst)")]
GEMEENTE_PATROON = r"^GM\d{4}$"
GemeenteCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=GEMEENTE_PATROON),
                         Field(description="een CBS-gemeentecode zoals GM1701")]
GemeenteCodes = Annotated[list[GemeenteCode], Field(min_length=1), AfterValidator(_elk_een_keer),
                          Field(description="een niet-lege lijst van gemeentecodes, zoals [GM1701, GM1690]")]


class Blok(BaseModel):
    """A section of the file: only its own keys, values not converted, numbers finite."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)

    @classmethod
    def _vooraf(cls, value: Any) -> Any:
        """A shorthand a section accepts, written out (``- GM1701`` for ``- code: GM1701``)."""
        return value

    @model_validator(mode="before")
    @classmethod
    def _sleutels(cls, value: Any) -> Any:
        value = cls._vooraf(value)
        allowed = sorted(cls.model_fields)
        if not isinstance(value, dict):
            raise fout(f"verwacht een blok met sleutels ({', '.join(allowed)}); gevonden {toon(value)}")
        for key in value:
            if key not in cls.model_fields:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
                hint = f" (bedoeld: {close[0]}?)" if close else ""
                raise fout(f"onbekende sleutel{hint}; hier toegestaan: {', '.join(allowed)}", f".{key}")
        return value


# ------------------------------------------------------------------------------ the sections

class Periode(Blok):
    van: Jaar = 2015
    tot: Jaar | None = None  # default: the last year that can have data
    vorige_analyse: Annotated[int, Field(description="het jaar van de vorige analyse, van 'van' tot vóór 'tot'")] \
        | None = None  # default: four years before tot

    def jaren(self, laatste_jaar: int) -> tuple[int, int, int]:
        """(van, tot, vorige_analyse) with the defaults filled in."""
        tot = self.tot if self.tot is not None else laatste_jaar
        vorige = self.vorige_analyse if self.vorige_analyse is not None else max(self.van, tot - 4)
        return self.van, tot, vorige

    @model_validator(mode="after")
    def _volgorde(self, info: ValidationInfo) -> "Periode":
        last = _context(info).laatste_jaar
        _jaren_met_gegevens(self, last)
        van, tot, vorige = self.jaren(last)
        if van > tot:
            raise fout(f"van ({van}) ligt na tot ({tot}); verwacht van vóór tot")
        if tot - van < 1:
            raise fout(f"van en tot zijn allebei {van}; verwacht ten minste twee jaren om te vergelijken")
        if not van <= vorige <= tot - 1:
            raise fout(f"{vorige} ligt buiten de periode; verwacht een jaar van {van} tot en met {tot - 1}",
                       ".vorige_analyse")
        return self


class Groep(Blok):
    code: Tekst | None = None  # default: the key in upper case (REGIO)
    naam: Annotated[str, Field(description="de naam van de groep (tekst)")]
    gemeenten: GemeenteCodes
    reden: Tekst = ""


class Provincie(Groep):
    code: Annotated[str, StringConstraints(pattern=r"^PV\d{2}$"), Field(description="een provinciecode zoals PV22")]


class Peers(Blok):
    """Absent or ``afleiden: true`` without a list: chosen at run time by the rule of peers.derive.
    A list is used for the gemeente it was made for (``voor``, else the configuration's gemeente)."""

    code: Tekst = "PEERS"
    naam: Tekst = "Vergelijkbare gemeenten"
    gemeenten: GemeenteCodes | None = None
    reden: Tekst = ""
    afleiden: JaOfNee = False
    voor: GemeenteCode | None = None
    regel: Tekst = ""

    @model_validator(mode="after")
    def _lijst_of_afleiden(self) -> "Peers":
        if not self.afleiden and self.gemeenten is None:
            raise fout("ontbreekt; verwacht een lijst van gemeentecodes, zoals [GM1701, GM1690], of 'afleiden: true'",
                       ".gemeenten")
        return self


class Vergelijking(Blok):
    regio: Groep | None = None
    provincie: Provincie | None = None
    peers: Peers | None = None
    nederland: Annotated[Literal["NL01"], Field(description="NL01 (heel Nederland)")] = "NL01"


class Gegevens(Blok):
    beleid: Annotated[Literal[POLICIES], Field(description=f"een van {', '.join(POLICIES)}")] = "fresh"
    max_leeftijd_dagen: _geheel(1, 3650) = 120
    cache: Map = "data/cache"
    demo: Map = "data/demo"


def _bekende_soorten(names: dict[str, str]) -> dict[str, str]:
    for kind in names:
        if kind not in KINDS:
            raise fout(f"onbekende soort invoer {kind!r}; verwacht een van {', '.join(KINDS)}", f".{kind}")
    return names


PerSoort = Annotated[dict[str, NietLeeg], AfterValidator(_bekende_soorten),
                     Field(description="per soort invoer een bestands- of tabbladnaam (halt: Halt.xlsx)")]


class Invoer(Blok):
    map: Map | None = None
    bestanden: PerSoort = {}
    tabbladen: PerSoort = {}
    voorbeeld: Map | None = None
    voorbeeld_gebruiken: JaOfNee = False


class Onthulling(Blok):
    drempel: _geheel(2, 100) = 5


class Uitvoering(Blok):
    timeout_per_hoofdstuk: _geheel(10, 86400) = 600
    parallel: Annotated[Literal["auto"] | _geheel(1, 64),
                        Field(description="auto of een geheel getal van 1 tot en met 64")] = "auto"
    bewaar_runs: _geheel(1, 1000) = 10


class Gewichten(Blok):
    niveau: NietNegatief | None = None
    ontwikkeling: NietNegatief | None = None
    beleving: NietNegatief | None = None
    ivp_thema: NietNegatief | None = None


class Prioriteiten(Blok):
    gewichten: Gewichten | None = None
    aantal: _geheel(1, 20) | None = None
    minimum_score: NietNegatief | None = None
    themas: Annotated[list[Tekst], Field(description="een lijst van hoofdstukken of indicatoren")] = []

    @field_validator("themas")
    @classmethod
    def _bekende_themas(cls, themas: list[str], info: ValidationInfo) -> list[str]:
        """A theme is a chapter or an indicator of the catalogue: an unknown name would be ignored silently."""
        known = {ind.chapter for ind in _catalogue().values()} | set(_catalogue()) | set(_context(info).hoofdstukken)
        for i, theme in enumerate(themas):
            if theme not in known:
                raise fout(f"onbekend thema {theme!r}; verwacht een hoofdstuk (bv. 04_jeugd) of een indicator "
                           "uit indicators.yaml", f"[{i}]")
        return themas


class Uitspraak(Blok):
    """A statement of the previous analysis or plan, tested against the data in the synthesis."""

    uitspraak: Annotated[str, Field(description="de tekst van de uitspraak")]
    indicator: Annotated[str, Field(description="een indicator uit indicators.yaml")]
    verwachting: Annotated[Literal[VERWACHTINGEN], Field(description=f"een van {', '.join(VERWACHTINGEN)}")]
    van: Jaar | None = None
    tot: Jaar | None = None
    waarde: Getal | None = None
    bron: Tekst = ""

    @model_validator(mode="after")
    def _samenhang(self, info: ValidationInfo) -> "Uitspraak":
        _bekende_indicator(self.indicator, ".indicator")
        _jaren_met_gegevens(self, _context(info).laatste_jaar)
        if self.van is not None and self.tot is not None and self.van > self.tot:
            raise fout(f"van ({self.van}) ligt na tot ({self.tot}); verwacht van niet later dan tot", ".van")
        if self.verwachting == "waarde" and self.waarde is None:
            raise fout("ontbreekt; een uitspraak over een waarde (verwachting: waarde) heeft het getal nodig", ".waarde")
        return self


class GemeenteItem(Blok):
    """One gemeente of a configuration for several: a code, or ``{code, naam}``."""

    code: GemeenteCode
    naam: NietLeeg | None = None

    @classmethod
    def _vooraf(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        if not (isinstance(value, str) and re.match(GEMEENTE_PATROON, value.strip())):
            # about the item as written, not about a 'code' key the user did not write
            raise fout(f"verwacht een CBS-gemeentecode zoals GM1701 (of {{code, naam}}); gevonden {toon(value)}")
        return {"code": value}


def _elke_gemeente_een_keer(items: list[GemeenteItem]) -> list[GemeenteItem]:
    _elk_een_keer([item.code for item in items])
    return items


RegioCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,19}$"),
                      Field(description="een korte code van letters en cijfers (zoals ZWD)")]
Indicatoren = Annotated[list[str], Field(min_length=1, description="een niet-lege lijst van indicatoren")]


class RegioRapport(Blok):
    code: RegioCode = "REGIO"
    naam: NietLeeg | None = None  # default: from the file's name
    themas: Annotated[dict[str, Indicatoren], Field(
        min_length=1, description="per thema een lijst van indicatoren (Thema: [indicator, ...])")] | None = None

    @field_validator("themas")
    @classmethod
    def _aantallen_per_inwoner(cls, themas: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        """The regional report compares counts and counts per inhabitant."""
        for thema, indicators in (themas or {}).items():
            for i, indicator_id in enumerate(indicators):
                _bekende_indicator(indicator_id, f".{thema}[{i}]")
                indicator = _catalogue()[indicator_id]
                if indicator.unit != "aantal" or indicator.denominator == "none":
                    raise fout(f"indicator {indicator_id!r} is geen aantal per inwoner; het regiorapport vergelijkt "
                               "aantallen en cijfers per inwoner, dus verwacht een indicator met een aantal",
                               f".{thema}[{i}]")
        return themas


class ConfigBestand(Blok):
    """The whole file."""

    gemeente: GemeenteCode | None = None
    gemeenten: Annotated[list[GemeenteItem], Field(min_length=1), AfterValidator(_elke_gemeente_een_keer),
                         Field(description="een niet-lege lijst van gemeentecodes (of {code, naam})")] | None = None
    naam: Tekst | None = None  # default: the name the data give the code
    periode: Periode | None = None
    vergelijking: Vergelijking | None = None
    hoofdstukken: Annotated[list[Tekst], Field(min_length=1, description="een niet-lege lijst van hoofdstukken")] \
        | None = None
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
        chapters = _context(info).hoofdstukken
        for i, chapter in enumerate(wanted or []):
            if chapter not in chapters:
                raise fout(f"onbekend hoofdstuk {toon(chapter)}; verwacht een van {', '.join(chapters)}", f"[{i}]")
        return wanted

    @model_validator(mode="after")
    def _een_of_meer_gemeenten(self) -> "ConfigBestand":
        if self.gemeente is None and not self.gemeenten:
            raise fout("ontbreekt; verwacht een CBS-gemeentecode zoals GM1701 (of een lijst 'gemeenten' voor meerdere)",
                       ".gemeente")
        if self.gemeente is None:
            for key in ("naam", "uitspraken"):
                if getattr(self, key) is not None:
                    raise fout("hoort bij één gemeente; verwacht in een configuratie voor meerdere gemeenten de naam "
                               "van elke gemeente in 'gemeenten' ({code, naam})", f".{key}")
        if self.regio_rapport is not None and not self.gemeenten:
            raise fout("een regiorapport heeft een lijst van gemeenten nodig; verwacht naast 'regio_rapport' de "
                       "sleutel 'gemeenten'", ".regio_rapport")
        return self


# ------------------------------------------------------------------------------ validation in Dutch

def check(data: Any, source: str, context: Context, lines: dict[str, int]) -> ConfigBestand:
    """The file's mapping, checked against the schema; otherwise a ConfigError about the first
    problem in the file (by line; a problem without a line last)."""
    try:
        return ConfigBestand.model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_bericht(error) for error in exc.errors(include_url=False)]
    located = [(line_of(lines, key), i, key, message) for i, (key, message) in enumerate(problems)]
    line, _i, key, message = min(located, key=lambda p: (p[0] is None, p[0] or 0, p[1]))
    raise ConfigError(source, key or FILE_KEY, message, line) from None


def _bericht(error: dict) -> tuple[str, str]:
    """A pydantic error as (key, Dutch sentence)."""
    key, description, whole = _plaats(error["loc"])
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "configuratie":
        return (key + ctx["sleutel"]).lstrip("."), ctx["bericht"]
    expected = description or "een andere waarde"
    if kind == "missing":
        return key, f"ontbreekt; verwacht {expected}"
    if not whole and kind in ("greater_than_equal", "greater_than") and "ge" in ctx:
        return key, f"{toon(value)} is kleiner dan het minimum {ctx['ge']:g}; verwacht {expected}"
    if not whole and kind in ("less_than_equal", "less_than") and "le" in ctx:
        return key, f"{toon(value)} is groter dan het maximum {ctx['le']:g}; verwacht {expected}"
    if not whole and kind == "too_short":
        return key, f"leeg; verwacht {expected}"
    return key, f"verwacht {expected}; gevonden {toon(value)}"


def _plaats(loc: tuple) -> tuple[str, str | None, bool]:
    """The key path of an error's location (``vergelijking.peers.gemeenten[2]``), the description of what
    is expected there, and whether the location stopped at a choice of types (``parallel``: auto or a
    number), where the error is about the value as a whole."""
    key, annotation, description = "", ConfigBestand, None
    for part in loc:
        bare = _kaal(annotation)
        if isinstance(bare, type) and issubclass(bare, BaseModel) and part in bare.model_fields:
            field = bare.model_fields[part]
            key = f"{key}.{part}" if key else str(part)
            annotation = field.annotation
            description = field.description or _beschrijving(annotation)
        elif isinstance(part, int) and get_origin(bare) is list:
            key += f"[{part}]"
            annotation = get_args(bare)[0]
            description = _beschrijving(annotation)
        elif get_origin(bare) is dict and isinstance(part, str) and part != "[key]":
            key += f".{part}"
            annotation = get_args(bare)[1]
            description = _beschrijving(annotation)
        else:
            return key, description, True
    return key, description, False


def _kaal(annotation: Any) -> Any:
    """The type without ``Annotated`` and without ``| None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            annotation = rest[0] if len(rest) == 1 else Union[tuple(rest)]
        else:
            return annotation


def _beschrijving(annotation: Any) -> str | None:
    """The description declared on a type (the outermost one), looking through ``| None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            for meta in get_args(annotation)[1:]:
                if isinstance(meta, FieldInfo) and meta.description:
                    return meta.description
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return None
            annotation = rest[0]
        else:
            return None
