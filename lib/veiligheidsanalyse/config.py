"""Run configuration: one YAML file per gemeente (or region), validated before any kernel starts.

Errors name the key that is wrong (``vergelijking.peers.gemeenten[2]``) and what was expected;
the command line turns them into exit status 2.
"""

from __future__ import annotations

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


class ConfigError(ValueError):
    """A run configuration is invalid. ``key`` is the dotted path of the offending key."""

    def __init__(self, source: str, key: str, message: str):
        self.source = source
        self.key = key
        self.message = message
        super().__init__(f"{source}: {key}: {message}")


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

    def all_gemeenten(self) -> list[str]:
        codes = [self.gemeente] + self.vergelijking.all_gemeenten()
        return list(dict.fromkeys(codes))

    def targets(self) -> list[str]:
        """The gemeenten this config makes a report for: the list, or the one gemeente."""
        return [g.code for g in self.gemeenten] if self.multi else [self.gemeente]

    def for_gemeente(self, code: str) -> "RunConfig":
        """The config of one gemeente of the list: what ``load_config(source, gemeente=code)`` gives."""
        data, dropped = for_other_gemeente(dict(self.raw), code)
        return parse_config(data, source=self.source, name=self.name, chapters=list(self.hoofdstukken),
                            dropped=dropped)


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
        raise ConfigError(source, where, f"expected a mapping with keys {sorted(allowed)}, found {type(value).__name__}")
    for key in value:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            raise ConfigError(source, f"{prefix}{key}", f"unknown key; allowed here: {', '.join(sorted(allowed))}")
    return value


def _int(source: str, key: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(source, key, f"expected a whole number, found {value!r}")
    if low is not None and value < low:
        raise ConfigError(source, key, f"{value} is below the minimum {low}")
    if high is not None and value > high:
        raise ConfigError(source, key, f"{value} is above the maximum {high}")
    return value


def _gemeente_code(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not GEMEENTE_CODE.match(value.strip()):
        raise ConfigError(source, key, f"expected a CBS gemeente code like GM1701, found {value!r}")
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
        raise ConfigError(source, f"{key}.afleiden", f"verwacht true of false, gevonden {afleiden!r}")
    if afleiden and "gemeenten" not in value:
        return RegionGroup(code=str(value.get("code") or "PEERS"), naam=str(value.get("naam") or "Vergelijkbare gemeenten"),
                           gemeenten=(), afleiden=True)
    group = _group(source, key, value, allowed=_PEERS)
    voor = _gemeente_code(source, f"{key}.voor", value["voor"]) if "voor" in value else gemeente
    regel = value.get("regel", "")
    if not isinstance(regel, str):
        raise ConfigError(source, f"{key}.regel", f"verwacht tekst, gevonden {regel!r}")
    return RegionGroup(code=group.code, naam=group.naam, gemeenten=group.gemeenten, reden=group.reden,
                       afleiden=afleiden or voor != gemeente, voor=voor, regel=regel)


def _group(source: str, key: str, value: Any, required_code: str | None = None,
           allowed: set[str] = _GROUP) -> RegionGroup | None:
    if value is None:
        return None
    value = _check_keys(key, source, value, allowed)
    for needed in ("naam", "gemeenten"):
        if needed not in value:
            raise ConfigError(source, f"{key}.{needed}", "missing")
    members = value["gemeenten"]
    if not isinstance(members, list) or not members:
        raise ConfigError(source, f"{key}.gemeenten", "expected a non-empty list of gemeente codes")
    codes = tuple(_gemeente_code(source, f"{key}.gemeenten[{i}]", m) for i, m in enumerate(members))
    if len(set(codes)) != len(codes):
        raise ConfigError(source, f"{key}.gemeenten", "contains a gemeente twice")
    code = str(value.get("code") or required_code or key.split(".")[-1].upper())
    return RegionGroup(code=code, naam=str(value["naam"]), gemeenten=codes, reden=str(value.get("reden", "")))


def _path(source: str, key: str, value: Any) -> Path:
    """A folder: text. A relative folder is relative to the project and stays inside it (``..`` may not
    climb out); an absolute one (a file share, a cache on another disk) is taken as it is."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(source, key, f"verwacht een mapnaam (tekst), gevonden {value!r}")
    path = Path(value.strip())
    if path.is_absolute():
        return path
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            raise ConfigError(source, key, f"'{value}' wijst buiten het project; geef een map binnen het project")
    return path


def _number(source: str, key: str, value: Any, low: float | None = None) -> float:
    """A finite number (not a boolean, NaN or infinity), at least ``low``."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or (low is not None and value < low):
        bound = f" >= {low:g}" if low is not None else ""
        raise ConfigError(source, key, f"expected a finite number{bound}, found {value!r}")
    return float(value)


def _known_themes(source: str, themas: list[str]) -> None:
    """Every theme is a chapter id or an indicator id of the catalogue: an unknown name would be
    ignored silently."""
    from .indicators import catalogue

    known = {ind.chapter for ind in catalogue().values()} | set(catalogue())
    for i, theme in enumerate(themas):
        if theme not in known:
            raise ConfigError(source, f"prioriteiten.themas[{i}]",
                              f"unknown theme {theme!r}: expected a chapter id (e.g. 04_jeugd) or an indicator id")


def _uitspraken(source: str, value: Any, last_year: int = 2100) -> tuple[dict[str, Any], ...]:
    """Statements of the previous analysis or plan that the synthesis tests against the data."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(source, "uitspraken", "expected a list of statements")
    from .indicators import catalogue

    out = []
    for i, item in enumerate(value):
        where = f"uitspraken[{i}]"
        item = _check_keys(where, source, item, _UITSPRAAK)
        for needed in ("uitspraak", "indicator", "verwachting"):
            if needed not in item:
                raise ConfigError(source, f"{where}.{needed}", "missing")
        for text_key in ("uitspraak", "indicator", "verwachting", "bron"):
            if text_key in item and not isinstance(item[text_key], str):
                raise ConfigError(source, f"{where}.{text_key}", f"expected text, found {item[text_key]!r}")
        if item["indicator"] not in catalogue():
            raise ConfigError(source, f"{where}.indicator", f"unknown indicator {item['indicator']!r}; see indicators.yaml")
        if item["verwachting"] not in VERWACHTINGEN:
            raise ConfigError(source, f"{where}.verwachting",
                              f"expected one of {', '.join(VERWACHTINGEN)}, found {item['verwachting']!r}")
        for year_key in ("van", "tot"):
            if year_key in item:
                _int(source, f"{where}.{year_key}", item[year_key], FIRST_YEAR, last_year)
        if "van" in item and "tot" in item and item["van"] > item["tot"]:
            raise ConfigError(source, f"{where}.van", f"van ({item['van']}) is after tot ({item['tot']})")
        if item["verwachting"] == "waarde":
            if "waarde" not in item:
                raise ConfigError(source, f"{where}.waarde", "a statement about a value needs the number (waarde)")
            _number(source, f"{where}.waarde", item["waarde"])
        out.append(dict(item))
    return tuple(out)


def _gemeenten(source: str, value: Any) -> tuple[GemeenteEntry, ...]:
    """``gemeenten:``: codes, or mappings with ``code`` and ``naam``; errors name the entry."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise ConfigError(source, "gemeenten", "expected a non-empty list of gemeente codes (or {code, naam})")
    entries = []
    for i, item in enumerate(value):
        where = f"gemeenten[{i}]"
        if isinstance(item, dict):
            item = _check_keys(where, source, item, _GEMEENTE_ENTRY)
            if "code" not in item:
                raise ConfigError(source, f"{where}.code", "missing; expected a CBS gemeente code like GM1701")
            code = _gemeente_code(source, f"{where}.code", item["code"])
            naam = item.get("naam")
            if naam is not None and (not isinstance(naam, str) or not naam.strip()):
                raise ConfigError(source, f"{where}.naam", f"expected text, found {naam!r}")
            entries.append(GemeenteEntry(code, naam.strip() if naam else None))
        else:
            entries.append(GemeenteEntry(_gemeente_code(source, where, item)))
    codes = [e.code for e in entries]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise ConfigError(source, f"gemeenten[{i}]", f"{code} is in the list twice")
    return tuple(entries)


def _regio_rapport(source: str, value: Any, entries: tuple[GemeenteEntry, ...], name: str) -> RegionReport | None:
    if not entries:
        if value is not None:
            raise ConfigError(source, "regio_rapport", "a regional report needs a list of gemeenten ('gemeenten')")
        return None
    section = _check_keys("regio_rapport", source, value, _REGIO_RAPPORT)
    code = section.get("code", "REGIO")
    if not isinstance(code, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_-]{0,19}$", code):
        raise ConfigError(source, "regio_rapport.code", f"expected a short code of letters and digits, found {code!r}")
    naam = section.get("naam", name.replace("-", " ").replace("_", " ").title())
    if not isinstance(naam, str) or not naam.strip():
        raise ConfigError(source, "regio_rapport.naam", f"expected text, found {naam!r}")
    themas_value = section.get("themas", DEFAULT_REGIO_THEMAS)
    if not isinstance(themas_value, dict) or not themas_value:
        raise ConfigError(source, "regio_rapport.themas", "expected a mapping of theme name to a list of indicator ids")
    from .indicators import catalogue

    known = catalogue()
    themas = []
    for thema, indicators in themas_value.items():
        where = f"regio_rapport.themas.{thema}"
        if not isinstance(indicators, list) or not indicators:
            raise ConfigError(source, where, "expected a non-empty list of indicator ids")
        for i, indicator_id in enumerate(indicators):
            if indicator_id not in known:
                raise ConfigError(source, f"{where}[{i}]", f"unknown indicator {indicator_id!r}; see indicators.yaml")
            if known[indicator_id].unit != "aantal" or known[indicator_id].denominator == "none":
                raise ConfigError(source, f"{where}[{i}]",
                                  f"indicator {indicator_id!r} is not a count per inhabitant; the regional report "
                                  "compares counts and rates")
        themas.append((str(thema), tuple(indicators)))
    return RegionReport(code=code, naam=naam.strip(), gemeenten=tuple(e.code for e in entries), themas=tuple(themas))


def parse_config(data: Any, source: str = "<config>", name: str = "config",
                 chapters: list[str] | None = None, today: date | None = None,
                 dropped: tuple[str, ...] = ()) -> RunConfig:
    """Validate a parsed YAML mapping and return the typed configuration."""
    today = today or date.today()
    top = _check_keys("", source, data, _TOP)
    if not top:
        raise ConfigError(source, "(file)", "empty configuration; at least 'gemeente' is needed")
    entries = _gemeenten(source, top.get("gemeenten"))
    multi = "gemeente" not in top and bool(entries)
    if "gemeente" not in top and not entries:
        raise ConfigError(source, "gemeente", "missing; expected a CBS gemeente code like GM1701 "
                                              "(or a list 'gemeenten' for several)")
    if multi:
        gemeente = entries[0].code  # the runner makes one config per gemeente (RunConfig.for_gemeente)
        for key in ("naam", "uitspraken"):
            if key in top:
                raise ConfigError(source, key, "belongs to one gemeente; in a config for several gemeenten give "
                                               "each its name in 'gemeenten' ({code, naam})")
    else:
        gemeente = _gemeente_code(source, "gemeente", top["gemeente"])
    regio_rapport = _regio_rapport(source, top.get("regio_rapport"), entries, name)

    periode = _check_keys("periode", source, top.get("periode"), _PERIODE)
    last_complete = today.year - 1
    van = _int(source, "periode.van", periode.get("van", 2015), FIRST_YEAR, last_complete)
    tot = _int(source, "periode.tot", periode.get("tot", last_complete), FIRST_YEAR, last_complete)
    if van > tot:
        raise ConfigError(source, "periode", f"van ({van}) is after tot ({tot})")
    if tot - van < 1:
        raise ConfigError(source, "periode", "needs at least two years to compare")
    vorige = _int(source, "periode.vorige_analyse", periode.get("vorige_analyse", max(van, tot - 4)), van, tot - 1)

    verg = _check_keys("vergelijking", source, top.get("vergelijking"), _VERGELIJKING)
    nederland = str(verg.get("nederland", "NL01"))
    if nederland != "NL01":
        raise ConfigError(source, "vergelijking.nederland", f"only NL01 is supported, found {nederland!r}")
    provincie = _group(source, "vergelijking.provincie", verg.get("provincie"))
    if provincie is not None and not re.match(r"^PV\d{2}$", provincie.code):
        raise ConfigError(source, "vergelijking.provincie.code", f"expected a provincie code like PV22, found {provincie.code!r}")
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
            raise ConfigError(source, "hoofdstukken", "expected a non-empty list of chapter ids")
        for i, chapter in enumerate(wanted):
            if chapter not in chapters:
                raise ConfigError(source, f"hoofdstukken[{i}]",
                                  f"unknown chapter {chapter!r}; available: {', '.join(chapters)}")
        hoofdstukken = tuple(wanted)

    data_section = _check_keys("data", source, top.get("data"), _DATA)
    beleid = data_section.get("beleid", "fresh")
    if beleid not in POLICIES:
        raise ConfigError(source, "data.beleid", f"expected one of {', '.join(POLICIES)}, found {beleid!r}")
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
            raise ConfigError(source, key, "expected a mapping of input kind to file or sheet name")

    voorbeeld = invoer.get("voorbeeld")
    if voorbeeld is not None and (not isinstance(voorbeeld, str) or not voorbeeld.strip()):
        raise ConfigError(source, "invoer.voorbeeld", f"verwacht een mapnaam, gevonden {voorbeeld!r}")
    voorbeeld_gebruiken = invoer.get("voorbeeld_gebruiken", False)
    if not isinstance(voorbeeld_gebruiken, bool):
        raise ConfigError(source, "invoer.voorbeeld_gebruiken", f"verwacht true of false, gevonden {voorbeeld_gebruiken!r}")

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
        raise ConfigError(source, "prioriteiten.themas", "expected a list of chapter ids or indicator ids")
    _known_themes(source, themas)
    uitspraken = _uitspraken(source, top.get("uitspraken"), last_complete)

    naam = top.get("naam")
    if naam is not None and not isinstance(naam, str):
        raise ConfigError(source, "naam", f"expected text, found {naam!r}")
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
    )


def load_config(path: str | Path, **overrides: Any) -> RunConfig:
    """Read and validate a run configuration file.

    ``overrides`` replace top-level keys before validation (e.g. ``gemeente="GM1690"`` to run the
    same comparison set for a neighbour).
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if path.is_file() and size > MAX_CONFIG_BYTES:
            raise ConfigError(source, "(file)", f"{size} bytes; a configuration may be at most {MAX_CONFIG_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "(file)", "file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:  # a folder, no permission, an I/O error: a message, not a traceback
        raise ConfigError(source, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    data = _load_yaml(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, "(file)", f"expected a mapping of keys, found {type(data).__name__}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    dropped: tuple[str, ...] = ()
    if "gemeente" in overrides:
        # Another gemeente with the same set-up: what belongs to the file's own gemeente is left out.
        data, dropped = for_other_gemeente(data, overrides["gemeente"])
    data.update(overrides)
    return parse_config(data, source=source, name=path.stem, dropped=dropped)


class _StrictLoader(yaml.SafeLoader):
    """YAML without surprises: a key given twice is an error (YAML would keep the last one silently),
    and anchors and aliases are refused (a few hundred bytes of nested aliases can expand to gigabytes)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _YamlRefused(event.start_mark, "anchors and aliases (&, *) are not allowed in a configuration")
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise _YamlRefused(event.start_mark, "anchors and aliases (&, *) are not allowed in a configuration")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _YamlRefused(key_node.start_mark, f"key {key!r} appears twice (first on line "
                                                        f"{seen[key].line + 1})")
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


class _YamlRefused(Exception):
    def __init__(self, mark, message: str):
        self.mark, self.message = mark, message


def _load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _YamlRefused as exc:
        raise ConfigError(source, f"line {exc.mark.line + 1}, column {exc.mark.column + 1}", exc.message) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise ConfigError(source, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None


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
