"""Run configuration: one YAML file per gemeente (or region), validated before any kernel starts.

Errors are Dutch sentences that name the line of the file, the key that is wrong
(``vergelijking.peers.gemeenten[2]``), the value found and what was expected:
``config/westerveld.yaml, regel 31: data.beleid: verwacht een van fresh, require-fresh, cache, demo;
gevonden 7``. The command line turns them into exit status 2.
"""

from __future__ import annotations

import difflib
import errno
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .paths import project_root

GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
MAX_CONFIG_BYTES = 256 * 1024  # a configuration is a page of YAML; anything bigger is refused unread
POLICIES = ("fresh", "require-fresh", "cache", "demo")
FIRST_YEAR = 2012  # the politie open-data series start in 2012


FILE_KEY = "(bestand)"  # the key of an error about the file as a whole


class ConfigError(ValueError):
    """A run configuration is invalid. ``key`` is the dotted path of the offending key, ``message``
    the Dutch sentence (value found, what was expected) and ``line`` the line of the file where the
    key is (None for a configuration that is not read from a file, or an error about the whole file)."""

    def __init__(self, source: str, key: str, message: str, line: int | None = None):
        self.source = source
        self.key = key
        self.message = message
        self.line = line
        super().__init__(source, key, message, line)  # all four: the error survives pickling

    def __str__(self) -> str:
        where = f"{self.source}, regel {self.line}" if self.line else self.source
        return f"{where}: {self.key}: {self.message}"


def _toon(value: Any) -> str:
    """A value as the user wrote it, short: ``'abc'``, ``7``, ``true``, ``.nan``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "niets (een lege waarde)"
    if isinstance(value, float) and math.isnan(value):
        return ".nan (geen getal)"
    if isinstance(value, float) and math.isinf(value):
        return ".inf (oneindig)" if value > 0 else "-.inf (oneindig)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of ``key``, or of the nearest enclosing key that is in the file (a missing key's
    block); None when not even the top-level key is there."""
    while key:
        if key in lines:
            return lines[key]
        cut = max(key.rfind("."), key.rfind("["))
        if cut <= 0:
            return None
        key = key[:cut]
    return None


def _without(lines: dict[str, int], keys: Any) -> dict[str, int]:
    """The line map without the keys given elsewhere (the command line) and all under them."""
    keys = tuple(keys)
    return {path: line for path, line in lines.items()
            if not any(path == k or path.startswith((f"{k}.", f"{k}[")) for k in keys)}


@dataclass(frozen=True)
class RegionGroup:
    """A set of gemeenten compared as one (basisteam, provincie, peers)."""

    code: str
    naam: str
    gemeenten: tuple[str, ...]
    reden: str = ""
    # Peers only: ``afleiden`` = chosen at run time by the rule of ``peers.derive``; ``voor`` = the
    # gemeente a written-out list was made for (another gemeente gets its own derived group);
    # ``herkomst`` (set when the data are loaded): "afgeleid" (the rule's group), "bewerkt" (a list
    # that differs from it) or "" (not checked).
    afleiden: bool = False
    voor: str = ""
    regel: str = ""
    herkomst: str = ""


@dataclass(frozen=True)
class Comparison:
    regio: RegionGroup | None
    provincie: RegionGroup | None
    peers: RegionGroup | None
    nederland: str = "NL01"

    def groups(self) -> list[RegionGroup]:
        return [g for g in (self.regio, self.provincie, self.peers) if g is not None]

    def all_gemeenten(self) -> list[str]:
        seen: dict[str, None] = {}
        for group in self.groups():
            for code in group.gemeenten:
                seen.setdefault(code, None)
        return list(seen)


@dataclass(frozen=True)
class DataPolicy:
    beleid: str = "fresh"
    max_leeftijd_dagen: int = 120
    cache: Path = Path("data/cache")
    demo: Path = Path("data/demo")


@dataclass(frozen=True)
class GemeenteEntry:
    """One gemeente of a config for several gemeenten (``gemeenten:``)."""

    code: str
    naam: str | None = None


@dataclass(frozen=True)
class RegionReport:
    """The regional comparison report of a config for several gemeenten (``regio_rapport:``).

    ``themas``: the joint priorities, each a name and the indicators that show it in figures.
    """

    code: str
    naam: str
    gemeenten: tuple[str, ...]
    themas: tuple[tuple[str, tuple[str, ...]], ...]


# The joint priorities of Meppel, Midden-Drenthe and Westerveld (IVP Zuidwest-Drenthe), with the
# indicators that show them in figures: the default themes of a regional report.
DEFAULT_REGIO_THEMAS: dict[str, list[str]] = {
    "Ondermijning": ["drugshandel", "wapenhandel", "mensenhandel", "drugsafval_bodem"],
    "Jonge aanwas": ["overlast_jeugd", "halt_verwijzingen"],
    "Digitale veiligheid": ["cybercrime", "fraude_horizontaal", "fraude_overig"],
    "Veilig buitengebied": ["drugsafval_bodem", "autokraak", "inbraak_bedrijven"],
    "Zorg en veiligheid": ["overlast_verward"],
}


@dataclass(frozen=True)
class RunConfig:
    name: str  # the config file's stem: westerveld
    source: str  # the path as given
    gemeente: str
    naam: str | None
    jaar_van: int
    jaar_tot: int
    vorige_analyse: int  # year of the previous analysis: "change since" is tested against it
    vergelijking: Comparison
    hoofdstukken: tuple[str, ...]
    data: DataPolicy
    invoer_map: Path | None
    invoer_bestanden: dict[str, str]
    invoer_tabbladen: dict[str, str]
    onthulling_drempel: int
    uitvoer: Path
    timeout_per_hoofdstuk: int
    parallel: int
    prioriteiten: dict[str, Any] = field(default_factory=dict)
    uitspraken: tuple[dict[str, Any], ...] = ()  # statements of the previous plan, tested in the synthesis
    # Example partner files (invented or copied numbers that show the format): used only when
    # ``invoer_voorbeeld_gebruiken`` is set or when every open-data table of the run is demo data,
    # and then marked "voorbeeld" wherever they are shown.
    invoer_voorbeeld: Path | None = None
    invoer_voorbeeld_gebruiken: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    # A config for several gemeenten (``gemeenten:``): every gemeente gets its own report, and the
    # region a comparison report. ``multi`` is False once one gemeente is chosen (``gemeente:`` next
    # to the list, as the runner and the notebooks do per gemeente).
    gemeenten: tuple[GemeenteEntry, ...] = ()
    multi: bool = False
    regio_rapport: RegionReport | None = None
    bewaar_runs: int = 10  # dated runs kept per gemeente or region (latest is always kept)
    # Settings of the file that belong to another gemeente and were left out (``for_other_gemeente``).
    weggelaten: tuple[str, ...] = ()
    # The line of every key path of the file (``vergelijking.peers.gemeenten[2]`` -> 28); empty for a
    # configuration that was not read from a file.
    regels: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def regel(self, key: str) -> int | None:
        """The line of ``key`` in the file (or of its nearest enclosing key): for a ConfigError raised
        after loading, e.g. ``ConfigError(config.source, key, message, config.regel(key))``."""
        return _line_of(self.regels, key)

    def all_gemeenten(self) -> list[str]:
        codes = [self.gemeente] + self.vergelijking.all_gemeenten()
        return list(dict.fromkeys(codes))

    def targets(self) -> list[str]:
        """The gemeenten this config makes a report for: the list, or the one gemeente."""
        return [g.code for g in self.gemeenten] if self.multi else [self.gemeente]

    def for_gemeente(self, code: str) -> "RunConfig":
        """The config of one gemeente of the list: what ``load_config(source, gemeente=code)`` gives."""
        data, dropped = for_other_gemeente(dict(self.raw), code)
        lines = self.regels if code == self.gemeente else _without(self.regels, ("gemeente",))
        return parse_config(data, source=self.source, name=self.name, chapters=list(self.hoofdstukken),
                            dropped=dropped, lines=lines)


def for_other_gemeente(data: dict[str, Any], code: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A config's settings for gemeente ``code``, without what belongs to another gemeente.

    The name and the previous plan's statements are the file's own gemeente's; a basisteam or
    provincie group that does not contain ``code`` is not its group; a peer list made for another
    gemeente is replaced by the group derived for ``code``; partner folders without a ``{naam}`` or
    ``{gemeente}`` placeholder hold another gemeente's files. Returns the settings and what was left out.
    """
    own = data.get("gemeente")
    if code == own:
        return data, ()
    data = dict(data)
    dropped = []
    for key in ("naam", "uitspraken"):
        if data.pop(key, None) is not None and own is not None:
            dropped.append(key)
    verg = dict(data.get("vergelijking") or {})
    for key in ("regio", "provincie"):
        group = verg.get(key)
        if isinstance(group, dict) and code not in (group.get("gemeenten") or []):
            verg.pop(key)
            dropped.append(f"vergelijking.{key}")
    peers = verg.get("peers")
    if isinstance(peers, dict) and peers.get("gemeenten") and peers.get("voor", own) != code:
        verg["peers"] = {"afleiden": True}
        dropped.append("vergelijking.peers")
    if verg:
        data["vergelijking"] = verg
    invoer = dict(data.get("invoer") or {})
    for key in ("map", "voorbeeld"):
        folder = invoer.get(key)
        if isinstance(folder, str) and "{" not in folder and own is not None:
            invoer.pop(key)
            dropped.append(f"invoer.{key}")
    if invoer:
        data["invoer"] = invoer
    data["gemeente"] = code
    return data, tuple(dropped)


# The schema: allowed keys per section. Unknown keys are errors (typos must not pass silently).
_TOP = {"gemeente", "gemeenten", "naam", "periode", "vergelijking", "hoofdstukken", "data", "invoer", "onthulling",
        "uitvoer", "uitvoering", "prioriteiten", "uitspraken", "regio_rapport"}
_PERIODE = {"van", "tot", "vorige_analyse"}
_VERGELIJKING = {"regio", "provincie", "peers", "nederland"}
_GROUP = {"code", "naam", "gemeenten", "reden"}
_PEERS = _GROUP | {"afleiden", "voor", "regel"}
_DATA = {"beleid", "max_leeftijd_dagen", "cache", "demo"}
_INVOER = {"map", "bestanden", "tabbladen", "voorbeeld", "voorbeeld_gebruiken"}
_ONTHULLING = {"drempel"}
_UITVOERING = {"timeout_per_hoofdstuk", "parallel", "bewaar_runs"}
_GEMEENTE_ENTRY = {"code", "naam"}
_REGIO_RAPPORT = {"code", "naam", "themas"}
_PRIORITEITEN = {"gewichten", "aantal", "minimum_score", "themas"}
_GEWICHTEN = {"niveau", "ontwikkeling", "beleving", "ivp_thema"}
_UITSPRAAK = {"uitspraak", "indicator", "verwachting", "van", "tot", "waarde", "bron"}
VERWACHTINGEN = ("stijging", "daling", "stabiel", "hoger_dan_nederland", "lager_dan_nederland", "waarde")


def available_chapters(root: Path | None = None) -> list[str]:
    """Chapter ids (notebook stems) present in notebooks/, in order."""
    root = root or project_root()
    return sorted(p.stem for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _check_keys(where: str, source: str, value: Any, allowed: set[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(source, where or FILE_KEY,
                          f"verwacht een blok met sleutels ({', '.join(sorted(allowed))}), gevonden {_toon(value)}")
    for key in value:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.75)
            hint = f" (bedoeld: {close[0]}?)" if close else ""
            raise ConfigError(source, f"{prefix}{key}",
                              f"onbekende sleutel{hint}; hier toegestaan: {', '.join(sorted(allowed))}")
    return value


def _int(source: str, key: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(source, key, f"verwacht een geheel getal, gevonden {_toon(value)}")
    if low is not None and value < low:
        raise ConfigError(source, key, f"{value} is kleiner dan het minimum {low}")
    if high is not None and value > high:
        raise ConfigError(source, key, f"{value} is groter dan het maximum {high}")
    return value


def _gemeente_code(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not GEMEENTE_CODE.match(value.strip()):
        raise ConfigError(source, key, f"verwacht een CBS-gemeentecode zoals GM1701, gevonden {_toon(value)}")
    return value.strip()


def _peers(source: str, value: Any, gemeente: str) -> RegionGroup:
    """``vergelijking.peers``: absent or ``{afleiden: true}`` = derived at run time (peers.derive); a
    list is used for the gemeente it was made for (``voor``, else the config's gemeente)."""
    key = "vergelijking.peers"
    if value is None:
        return RegionGroup(code="PEERS", naam="Vergelijkbare gemeenten", gemeenten=(), afleiden=True)
    value = _check_keys(key, source, value, _PEERS)
    afleiden = value.get("afleiden", False)
    if not isinstance(afleiden, bool):
        raise ConfigError(source, f"{key}.afleiden", f"verwacht true of false, gevonden {_toon(afleiden)}")
    if afleiden and "gemeenten" not in value:
        return RegionGroup(code=str(value.get("code") or "PEERS"), naam=str(value.get("naam") or "Vergelijkbare gemeenten"),
                           gemeenten=(), afleiden=True)
    group = _group(source, key, value, allowed=_PEERS)
    voor = _gemeente_code(source, f"{key}.voor", value["voor"]) if "voor" in value else gemeente
    regel = value.get("regel", "")
    if not isinstance(regel, str):
        raise ConfigError(source, f"{key}.regel", f"verwacht tekst, gevonden {_toon(regel)}")
    return RegionGroup(code=group.code, naam=group.naam, gemeenten=group.gemeenten, reden=group.reden,
                       afleiden=afleiden or voor != gemeente, voor=voor, regel=regel)


def _group(source: str, key: str, value: Any, required_code: str | None = None,
           allowed: set[str] = _GROUP) -> RegionGroup | None:
    if value is None:
        return None
    value = _check_keys(key, source, value, allowed)
    for needed, what in (("naam", "de naam van de groep (tekst)"),
                         ("gemeenten", "een lijst van gemeentecodes, zoals [GM1701, GM1690]")):
        if needed not in value:
            raise ConfigError(source, f"{key}.{needed}", f"ontbreekt; verwacht {what}")
    members = value["gemeenten"]
    if not isinstance(members, list) or not members:
        raise ConfigError(source, f"{key}.gemeenten",
                          f"verwacht een niet-lege lijst van gemeentecodes, gevonden {_toon(members)}")
    codes = tuple(_gemeente_code(source, f"{key}.gemeenten[{i}]", m) for i, m in enumerate(members))
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise ConfigError(source, f"{key}.gemeenten[{i}]",
                              f"{code} staat twee keer in de lijst (ook op {key}.gemeenten[{codes.index(code)}]); "
                              "verwacht elke gemeente één keer")
    code = str(value.get("code") or required_code or key.split(".")[-1].upper())
    return RegionGroup(code=code, naam=str(value["naam"]), gemeenten=codes, reden=str(value.get("reden", "")))


def _path(source: str, key: str, value: Any) -> Path:
    """A folder: text. A relative folder is relative to the project and stays inside it (``..`` may not
    climb out); an absolute one (a file share, a cache on another disk) is taken as it is."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(source, key, f"verwacht een mapnaam (tekst), gevonden {_toon(value)}")
    path = Path(value.strip())
    if path.is_absolute():
        return path
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            raise ConfigError(source, key, f"'{value}' wijst buiten het project; verwacht een map binnen het project "
                                           "(of een absoluut pad)")
    return path


def _number(source: str, key: str, value: Any, low: float | None = None) -> float:
    """A finite number (not a boolean, NaN or infinity), at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or (low is not None and value < low):
        bound = f" van minstens {low:g}" if low is not None else ""
        raise ConfigError(source, key, f"verwacht een eindig getal{bound}, gevonden {_toon(value)}")
    return float(value)


def _known_themes(source: str, themas: list[str]) -> None:
    """Every theme is a chapter id or an indicator id of the catalogue: an unknown name would be
    ignored silently."""
    from .indicators import catalogue

    known = {ind.chapter for ind in catalogue().values()} | set(catalogue())
    for i, theme in enumerate(themas):
        if theme not in known:
            raise ConfigError(source, f"prioriteiten.themas[{i}]",
                              f"onbekend thema {theme!r}; verwacht een hoofdstuk (bv. 04_jeugd) of een indicator "
                              "uit indicators.yaml")


def _uitspraken(source: str, value: Any, last_year: int = 2100) -> tuple[dict[str, Any], ...]:
    """Statements of the previous analysis or plan that the synthesis tests against the data."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(source, "uitspraken", f"verwacht een lijst van uitspraken, gevonden {_toon(value)}")
    from .indicators import catalogue

    out = []
    for i, item in enumerate(value):
        where = f"uitspraken[{i}]"
        item = _check_keys(where, source, item, _UITSPRAAK)
        for needed, what in (("uitspraak", "de tekst van de uitspraak"),
                             ("indicator", "een indicator uit indicators.yaml"),
                             ("verwachting", f"een van {', '.join(VERWACHTINGEN)}")):
            if needed not in item:
                raise ConfigError(source, f"{where}.{needed}", f"ontbreekt; verwacht {what}")
        for text_key in ("uitspraak", "indicator", "verwachting", "bron"):
            if text_key in item and not isinstance(item[text_key], str):
                raise ConfigError(source, f"{where}.{text_key}", f"verwacht tekst, gevonden {_toon(item[text_key])}")
        if item["indicator"] not in catalogue():
            raise ConfigError(source, f"{where}.indicator",
                              f"onbekende indicator {item['indicator']!r}; verwacht een indicator uit indicators.yaml")
        if item["verwachting"] not in VERWACHTINGEN:
            raise ConfigError(source, f"{where}.verwachting",
                              f"verwacht een van {', '.join(VERWACHTINGEN)}; gevonden {_toon(item['verwachting'])}")
        for year_key in ("van", "tot"):
            if year_key in item:
                _int(source, f"{where}.{year_key}", item[year_key], FIRST_YEAR, last_year)
        if "van" in item and "tot" in item and item["van"] > item["tot"]:
            raise ConfigError(source, f"{where}.van",
                              f"van ({item['van']}) ligt na tot ({item['tot']}); verwacht van niet later dan tot")
        if item["verwachting"] == "waarde":
            if "waarde" not in item:
                raise ConfigError(source, f"{where}.waarde",
                                  "ontbreekt; een uitspraak over een waarde (verwachting: waarde) heeft het getal nodig")
            _number(source, f"{where}.waarde", item["waarde"])
        out.append(dict(item))
    return tuple(out)


def _gemeenten(source: str, value: Any) -> tuple[GemeenteEntry, ...]:
    """``gemeenten:``: codes, or mappings with ``code`` and ``naam``; errors name the entry."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise ConfigError(source, "gemeenten", "verwacht een niet-lege lijst van gemeentecodes (of {code, naam}), "
                                               f"gevonden {_toon(value)}")
    entries = []
    for i, item in enumerate(value):
        where = f"gemeenten[{i}]"
        if isinstance(item, dict):
            item = _check_keys(where, source, item, _GEMEENTE_ENTRY)
            if "code" not in item:
                raise ConfigError(source, f"{where}.code", "ontbreekt; verwacht een CBS-gemeentecode zoals GM1701")
            code = _gemeente_code(source, f"{where}.code", item["code"])
            naam = item.get("naam")
            if naam is not None and (not isinstance(naam, str) or not naam.strip()):
                raise ConfigError(source, f"{where}.naam", f"verwacht tekst, gevonden {_toon(naam)}")
            entries.append(GemeenteEntry(code, naam.strip() if naam else None))
        else:
            entries.append(GemeenteEntry(_gemeente_code(source, where, item)))
    codes = [e.code for e in entries]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise ConfigError(source, f"gemeenten[{i}]", f"{code} staat twee keer in de lijst (ook op "
                                                         f"gemeenten[{codes.index(code)}]); verwacht elke gemeente één keer")
    return tuple(entries)


def _regio_rapport(source: str, value: Any, entries: tuple[GemeenteEntry, ...], name: str) -> RegionReport | None:
    if not entries:
        if value is not None:
            raise ConfigError(source, "regio_rapport", "een regiorapport heeft een lijst van gemeenten nodig; "
                                                       "verwacht naast 'regio_rapport' de sleutel 'gemeenten'")
        return None
    section = _check_keys("regio_rapport", source, value, _REGIO_RAPPORT)
    code = section.get("code", "REGIO")
    if not isinstance(code, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_-]{0,19}$", code):
        raise ConfigError(source, "regio_rapport.code",
                          f"verwacht een korte code van letters en cijfers (zoals ZWD), gevonden {_toon(code)}")
    naam = section.get("naam", name.replace("-", " ").replace("_", " ").title())
    if not isinstance(naam, str) or not naam.strip():
        raise ConfigError(source, "regio_rapport.naam", f"verwacht tekst, gevonden {_toon(naam)}")
    themas_value = section.get("themas", DEFAULT_REGIO_THEMAS)
    if not isinstance(themas_value, dict) or not themas_value:
        raise ConfigError(source, "regio_rapport.themas", "verwacht per thema een lijst van indicatoren "
                                                          f"(Thema: [indicator, ...]), gevonden {_toon(themas_value)}")
    from .indicators import catalogue

    known = catalogue()
    themas = []
    for thema, indicators in themas_value.items():
        where = f"regio_rapport.themas.{thema}"
        if not isinstance(indicators, list) or not indicators:
            raise ConfigError(source, where, f"verwacht een niet-lege lijst van indicatoren, gevonden {_toon(indicators)}")
        for i, indicator_id in enumerate(indicators):
            if indicator_id not in known:
                raise ConfigError(source, f"{where}[{i}]",
                                  f"onbekende indicator {indicator_id!r}; verwacht een indicator uit indicators.yaml")
            if known[indicator_id].unit != "aantal" or known[indicator_id].denominator == "none":
                raise ConfigError(source, f"{where}[{i}]",
                                  f"indicator {indicator_id!r} is geen aantal per inwoner; het regiorapport vergelijkt "
                                  "aantallen en cijfers per inwoner, dus verwacht een indicator met een aantal")
        themas.append((str(thema), tuple(indicators)))
    return RegionReport(code=code, naam=naam.strip(), gemeenten=tuple(e.code for e in entries), themas=tuple(themas))


def parse_config(data: Any, source: str = "<config>", name: str = "config",
                 chapters: list[str] | None = None, today: date | None = None,
                 dropped: tuple[str, ...] = (), lines: dict[str, int] | None = None) -> RunConfig:
    """Validate a parsed YAML mapping and return the typed configuration.

    ``lines``: the line of every key path of the file it was read from (``load_config``); an error then
    names the line of its key, or of the nearest enclosing key when the key is missing. Without it
    (a mapping made in code) errors have no line."""
    lines = dict(lines or {})
    try:
        return _parse_config(data, source, name, chapters, today, dropped, lines)
    except ConfigError as exc:
        if exc.line is None:
            exc.line = _line_of(lines, exc.key)
        raise


def _parse_config(data: Any, source: str, name: str, chapters: list[str] | None, today: date | None,
                  dropped: tuple[str, ...], lines: dict[str, int]) -> RunConfig:
    today = today or date.today()
    top = _check_keys("", source, data, _TOP)
    if not top:
        raise ConfigError(source, FILE_KEY, "lege configuratie; verwacht ten minste 'gemeente'")
    entries = _gemeenten(source, top.get("gemeenten"))
    multi = "gemeente" not in top and bool(entries)
    if "gemeente" not in top and not entries:
        raise ConfigError(source, "gemeente", "ontbreekt; verwacht een CBS-gemeentecode zoals GM1701 "
                                              "(of een lijst 'gemeenten' voor meerdere)")
    if multi:
        gemeente = entries[0].code  # the runner makes one config per gemeente (RunConfig.for_gemeente)
        for key in ("naam", "uitspraken"):
            if key in top:
                raise ConfigError(source, key, "hoort bij één gemeente; verwacht in een configuratie voor meerdere "
                                               "gemeenten de naam van elke gemeente in 'gemeenten' ({code, naam})")
    else:
        gemeente = _gemeente_code(source, "gemeente", top["gemeente"])
    regio_rapport = _regio_rapport(source, top.get("regio_rapport"), entries, name)

    periode = _check_keys("periode", source, top.get("periode"), _PERIODE)
    last_complete = today.year - 1
    van = _int(source, "periode.van", periode.get("van", 2015), FIRST_YEAR, last_complete)
    tot = _int(source, "periode.tot", periode.get("tot", last_complete), FIRST_YEAR, last_complete)
    if van > tot:
        raise ConfigError(source, "periode", f"van ({van}) ligt na tot ({tot}); verwacht van vóór tot")
    if tot - van < 1:
        raise ConfigError(source, "periode", f"van en tot zijn allebei {van}; verwacht ten minste twee jaren "
                                             "om te vergelijken")
    vorige = _int(source, "periode.vorige_analyse", periode.get("vorige_analyse", max(van, tot - 4)), van, tot - 1)

    verg = _check_keys("vergelijking", source, top.get("vergelijking"), _VERGELIJKING)
    nederland = str(verg.get("nederland", "NL01"))
    if nederland != "NL01":
        raise ConfigError(source, "vergelijking.nederland", f"verwacht NL01 (heel Nederland), gevonden {_toon(nederland)}")
    provincie = _group(source, "vergelijking.provincie", verg.get("provincie"))
    if provincie is not None and not re.match(r"^PV\d{2}$", provincie.code):
        raise ConfigError(source, "vergelijking.provincie.code",
                          f"verwacht een provinciecode zoals PV22, gevonden {_toon(provincie.code)}")
    comparison = Comparison(
        regio=_group(source, "vergelijking.regio", verg.get("regio")),
        provincie=provincie,
        peers=_peers(source, verg.get("peers"), gemeente),
        nederland=nederland,
    )

    chapters = chapters if chapters is not None else available_chapters()
    wanted = top.get("hoofdstukken")
    if wanted is None:
        hoofdstukken = tuple(chapters)
    else:
        if not isinstance(wanted, list) or not wanted:
            raise ConfigError(source, "hoofdstukken", f"verwacht een niet-lege lijst van hoofdstukken, "
                                                      f"gevonden {_toon(wanted)}")
        for i, chapter in enumerate(wanted):
            if chapter not in chapters:
                raise ConfigError(source, f"hoofdstukken[{i}]",
                                  f"onbekend hoofdstuk {_toon(chapter)}; verwacht een van {', '.join(chapters)}")
        hoofdstukken = tuple(wanted)

    data_section = _check_keys("data", source, top.get("data"), _DATA)
    beleid = data_section.get("beleid", "fresh")
    if beleid not in POLICIES:
        raise ConfigError(source, "data.beleid", f"verwacht een van {', '.join(POLICIES)}; gevonden {_toon(beleid)}")
    policy = DataPolicy(
        beleid=beleid,
        max_leeftijd_dagen=_int(source, "data.max_leeftijd_dagen", data_section.get("max_leeftijd_dagen", 120), 1, 3650),
        cache=_path(source, "data.cache", data_section.get("cache", "data/cache")),
        demo=_path(source, "data.demo", data_section.get("demo", "data/demo")),
    )

    invoer = _check_keys("invoer", source, top.get("invoer"), _INVOER)
    bestanden = invoer.get("bestanden") or {}
    tabbladen = invoer.get("tabbladen") or {}
    for key, value in (("invoer.bestanden", bestanden), ("invoer.tabbladen", tabbladen)):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(source, key, "verwacht per soort invoer een bestands- of tabbladnaam (halt: Halt.xlsx), "
                                           f"gevonden {_toon(value)}")

    voorbeeld = invoer.get("voorbeeld")
    if voorbeeld is not None and (not isinstance(voorbeeld, str) or not voorbeeld.strip()):
        raise ConfigError(source, "invoer.voorbeeld", f"verwacht een mapnaam (tekst), gevonden {_toon(voorbeeld)}")
    voorbeeld_gebruiken = invoer.get("voorbeeld_gebruiken", False)
    if not isinstance(voorbeeld_gebruiken, bool):
        raise ConfigError(source, "invoer.voorbeeld_gebruiken",
                          f"verwacht true of false, gevonden {_toon(voorbeeld_gebruiken)}")

    onthulling = _check_keys("onthulling", source, top.get("onthulling"), _ONTHULLING)
    drempel = _int(source, "onthulling.drempel", onthulling.get("drempel", 5), 2, 100)

    uitvoering = _check_keys("uitvoering", source, top.get("uitvoering"), _UITVOERING)
    timeout = _int(source, "uitvoering.timeout_per_hoofdstuk", uitvoering.get("timeout_per_hoofdstuk", 600), 10, 86400)
    bewaar_runs = _int(source, "uitvoering.bewaar_runs", uitvoering.get("bewaar_runs", 10), 1, 1000)
    parallel_value = uitvoering.get("parallel", "auto")
    if parallel_value == "auto":
        parallel = 0  # 0 = the number of cores
    else:
        parallel = _int(source, "uitvoering.parallel", parallel_value, 1, 64)

    prioriteiten = _check_keys("prioriteiten", source, top.get("prioriteiten"), _PRIORITEITEN)
    gewichten = _check_keys("prioriteiten.gewichten", source, prioriteiten.get("gewichten"), _GEWICHTEN)
    for key, value in gewichten.items():
        _number(source, f"prioriteiten.gewichten.{key}", value, 0.0)
    if "aantal" in prioriteiten:
        _int(source, "prioriteiten.aantal", prioriteiten["aantal"], 1, 20)
    if "minimum_score" in prioriteiten:
        _number(source, "prioriteiten.minimum_score", prioriteiten["minimum_score"], 0.0)
    themas = prioriteiten.get("themas", [])
    if not isinstance(themas, list) or not all(isinstance(t, str) for t in themas):
        raise ConfigError(source, "prioriteiten.themas", "verwacht een lijst van hoofdstukken of indicatoren, "
                                                         f"gevonden {_toon(themas)}")
    _known_themes(source, themas)
    uitspraken = _uitspraken(source, top.get("uitspraken"), last_complete)

    naam = top.get("naam")
    if naam is not None and not isinstance(naam, str):
        raise ConfigError(source, "naam", f"verwacht tekst, gevonden {_toon(naam)}")
    if naam is None and not multi:
        naam = next((e.naam for e in entries if e.code == gemeente), None)

    return RunConfig(
        name=name,
        source=source,
        gemeente=gemeente,
        naam=naam,
        jaar_van=van,
        jaar_tot=tot,
        vorige_analyse=vorige,
        vergelijking=comparison,
        hoofdstukken=hoofdstukken,
        data=policy,
        invoer_map=_path(source, "invoer.map", invoer["map"]) if invoer.get("map") else None,
        invoer_bestanden=dict(bestanden),
        invoer_tabbladen=dict(tabbladen),
        invoer_voorbeeld=_path(source, "invoer.voorbeeld", voorbeeld) if voorbeeld else None,
        invoer_voorbeeld_gebruiken=voorbeeld_gebruiken,
        onthulling_drempel=drempel,
        uitvoer=_path(source, "uitvoer", top.get("uitvoer", "outputs")),
        timeout_per_hoofdstuk=timeout,
        parallel=parallel,
        prioriteiten=dict(prioriteiten),
        uitspraken=uitspraken,
        raw=dict(top),
        gemeenten=entries,
        multi=multi,
        regio_rapport=regio_rapport,
        bewaar_runs=bewaar_runs,
        weggelaten=tuple(dropped),
        regels=lines,
    )


def load_config(path: str | Path, **overrides: Any) -> RunConfig:
    """Read and validate a run configuration file.

    ``overrides`` replace top-level keys before validation (e.g. ``gemeente="GM1690"`` to run the
    same comparison set for a neighbour); an error about them names no line of the file.
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if path.is_file() and size > MAX_CONFIG_BYTES:
            raise ConfigError(source, FILE_KEY, f"het bestand is {size} bytes; verwacht een configuratie van "
                                                f"hoogstens {MAX_CONFIG_BYTES} bytes")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, FILE_KEY, "bestand niet gevonden") from None
    except OSError as exc:  # a folder, no permission, an I/O error: a message, not a traceback
        raise ConfigError(source, FILE_KEY, f"kan het bestand niet lezen: {_os_reden(exc)}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(source, FILE_KEY, f"geen UTF-8-tekst: onleesbare byte {raw[exc.start]:#04x} op positie "
                                            f"{exc.start}; verwacht een bestand opgeslagen als UTF-8", line) from None
    text = text.replace("\r\n", "\n")  # as read_text did: the same lines either way
    data, lines = _load_yaml(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, FILE_KEY, "verwacht een blok met sleutels (zoals 'gemeente: GM1701'), "
                                            f"gevonden {_toon(data)}", lines.get(""))
    overrides = {k: v for k, v in overrides.items() if v is not None}
    dropped: tuple[str, ...] = ()
    if "gemeente" in overrides:
        # Another gemeente with the same set-up: what belongs to the file's own gemeente is left out.
        data, dropped = for_other_gemeente(data, overrides["gemeente"])
    data.update(overrides)
    return parse_config(data, source=source, name=path.stem, dropped=dropped, lines=_without(lines, overrides))


def _os_reden(exc: OSError) -> str:
    """Why a file cannot be read, in Dutch (the system's own text is English)."""
    reasons = {
        errno.EISDIR: "het is een map, verwacht een bestand",
        errno.EACCES: "geen leesrechten",
        errno.EPERM: "geen leesrechten",
        errno.ENOTDIR: "een deel van het pad is geen map",
        errno.ELOOP: "een snelkoppeling (link) die naar zichzelf verwijst",
        errno.ENAMETOOLONG: "de naam is te lang",
        errno.EIO: "leesfout van de schijf",
    }
    if exc.errno in reasons:
        return reasons[exc.errno]
    code = errno.errorcode.get(exc.errno, "") if exc.errno else ""
    return f"systeemfout {code}".strip() if code else "systeemfout"


class _StrictLoader(yaml.SafeLoader):
    """YAML without surprises: a key given twice is an error (YAML would keep the last one silently),
    and anchors and aliases are refused (a few hundred bytes of nested aliases can expand to gigabytes).

    While composing it records the line of every key path (``lines``: ``data.beleid`` -> 31,
    ``vergelijking.peers.gemeenten[2]`` -> 28; ``""`` is the document) in the format the checks of
    ``parse_config`` use, and ``current``, the key path being read when an error stops it."""

    def __init__(self, stream):
        super().__init__(stream)
        self.lines: dict[str, int] = {}
        self.current = ""
        self._stack: list[str | None] = []  # the key path of each node being composed (None: not a key's)
        self._mapping_paths: dict[int, str] = {}  # id of a mapping node -> its key path

    def _child(self, parent, index) -> tuple[str | None, int | None]:
        """The key path and line of the node composed next (None for a mapping's key itself)."""
        if parent is None:
            return "", None
        above = self._stack[-1] if self._stack else None
        if above is None:
            return None, None
        if isinstance(parent, yaml.MappingNode):
            if index is None or not isinstance(index, yaml.ScalarNode) or index.tag == "tag:yaml.org,2002:merge":
                return None, None
            key = self.construct_object(index)
            return (f"{above}.{key}" if above else str(key)), index.start_mark.line + 1
        return f"{above}[{index}]", None

    def compose_node(self, parent, index):
        above = self._stack[-1] if self._stack else None
        path, line = self._child(parent, index)
        if path is not None:
            self.current = path
        elif above is not None:  # a mapping's key: what is read belongs to the mapping
            self.current = above
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _YamlRefused(event.start_mark, "ankers en verwijzingen (&, *) zijn niet toegestaan in een "
                                                 "configuratie; verwacht de waarden zelf", self.current)
        if path is not None:
            self.lines.setdefault(path, line if line is not None else event.start_mark.line + 1)
        self._stack.append(path)
        node = super().compose_node(parent, index)
        self._stack.pop()
        if above is not None:
            self.current = above
        if path is not None and isinstance(node, yaml.MappingNode):
            self._mapping_paths[id(node)] = path
        return node

    def construct_mapping(self, node, deep=False):
        above = self._mapping_paths.get(id(node))
        seen: dict[Any, Any] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise _YamlRefused(key_node.start_mark, "een sleutel is hier een lijst of blok; verwacht tekst "
                                                        "(sleutel: waarde)", above) from None
            path = (f"{above}.{key}" if above else str(key)) if above is not None else None
            if key in seen:
                raise _YamlRefused(key_node.start_mark, f"de sleutel {key!r} staat er twee keer (eerst op regel "
                                                        f"{seen[key].line + 1}); verwacht elke sleutel één keer", path)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


class _YamlRefused(Exception):
    def __init__(self, mark, message: str, key: str | None = None):
        self.mark, self.message, self.key = mark, message, key


# What PyYAML's (English) complaints mean, in Dutch: (start of the problem, explanation).
_YAML_PROBLEMS = (
    ("found character '\\t'", "een tab; verwacht inspringen met spaties"),
    ("found character", "dit teken kan hier geen waarde beginnen; verwacht tekst tussen aanhalingstekens"),
    ("could not find expected ':'", "een ':' ontbreekt; verwacht 'sleutel: waarde'"),
    ("mapping values are not allowed here", ("hier mag geen 'sleutel: waarde' staan; verwacht een andere "
                                             "inspringing, of tekst met een ':' tussen aanhalingstekens")),
    ("mapping keys are not allowed here", "hier mag geen sleutel staan; verwacht een andere inspringing"),
    ("sequence entries are not allowed here", "hier mag geen lijstpunt ('- ') staan; verwacht een andere inspringing"),
    ("expected ',' or ']'", "een ',' of ']' ontbreekt; verwacht een lijst als [a, b, c]"),
    ("expected ',' or '}'", "een ',' of '}' ontbreekt; verwacht een blok als {van: 2015, tot: 2025}"),
    ("expected <block end>", "de inspringing klopt niet; verwacht sleutels van één blok recht onder elkaar"),
    ("invalid indentation or unclosed", "de inspringing klopt niet of een '[' of '{' is niet gesloten"),
    ("expected the node content", "hier ontbreekt een waarde"),
    ("did not find expected", "de opbouw klopt hier niet; verwacht een sleutel, een lijstpunt of een waarde"),
    ("found unexpected end of stream", "het bestand houdt onverwacht op; verwacht een sluitend aanhalingsteken"),
    ("found unknown escape character", ("een onbekende \\-code in tekst tussen dubbele aanhalingstekens; "
                                        "verwacht enkele aanhalingstekens")),
    ("expected a single document", "meer dan één document (---); verwacht één configuratie per bestand"),
    ("found unexpected document separator", "een '---' of '...' midden in het bestand; verwacht één document"),
    ("found unhashable key", "een sleutel is hier een lijst of blok; verwacht tekst"),
    ("found undefined tag handle", "een onbekend label (!...); verwacht gewone waarden zonder label"),
    ("could not determine a constructor", "een onbekend label (!...); verwacht gewone waarden zonder label"),
)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", "") or "")
    for start, dutch in _YAML_PROBLEMS:
        if problem.startswith(start):
            return dutch
    if problem.startswith(("expected", "while")) or not problem:
        return "de opbouw klopt hier niet"
    return "de waarde kan niet worden gelezen"


def _load_yaml(text: str, source: str) -> tuple[Any, dict[str, int]]:
    """The parsed file and the line of each key path; errors name the line (and the key being read)."""
    loader = None
    try:
        loader = _StrictLoader(text)
        return loader.get_single_data(), loader.lines
    except _YamlRefused as exc:
        raise ConfigError(source, exc.key or FILE_KEY, exc.message, exc.mark.line + 1) from None
    except yaml.reader.ReaderError as exc:  # a control character in the text
        line = text[:exc.position].count("\n") + 1
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise ConfigError(source, FILE_KEY, f"geen geldige YAML: het stuurteken {character} is niet toegestaan; "
                                            "verwacht gewone tekst", line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        column = f" (kolom {mark.column + 1})" if mark else ""
        key = loader.current if loader else ""
        if not key and line is not None and loader is not None:  # raised while constructing: the key of the line
            key = next((path for path, at in loader.lines.items() if at == line and path), "")
        raise ConfigError(source, key or FILE_KEY, f"geen geldige YAML{column}: {_yaml_problem(exc)}",
                          line) from None
    except RecursionError:
        raise ConfigError(source, FILE_KEY, "te diep genest; verwacht een configuratie van enkele niveaus") from None
    finally:
        if loader is not None:
            loader.dispose()


def resolve(root: Path, path: Path) -> Path:
    """Relative paths in a config are relative to the project root."""
    return path if path.is_absolute() else root / path


def load_config_for_command(path: str | Path) -> RunConfig | None:
    """For the commands: the config, or None after printing why it is invalid (the caller exits 2)."""
    import sys

    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"ongeldige configuratie: {exc}", file=sys.stderr)
        return None
