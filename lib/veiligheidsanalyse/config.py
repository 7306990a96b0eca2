"""Run configuration: one YAML file per gemeente (or region), validated before any kernel starts.

The file is read by config_yaml (size, encoding, duplicate keys, aliases, the line of every key) and
checked against the schema in config_schema (every key with its type and domain). Errors are Dutch
sentences that name the line of the file, the key that is wrong (``vergelijking.peers.gemeenten[2]``),
the value found and what was expected: ``config/westerveld.yaml, regel 31: data.beleid: verwacht een van
fresh, require-fresh, cache, demo; gevonden 7``. The command line turns them into exit status 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .config_errors import FILE_KEY, ConfigError, line_of, toon, without
from .config_schema import (
    FIRST_YEAR,
    GEMEENTE_PATROON,
    POLICIES,
    VERWACHTINGEN,
    ConfigFile,
    Context,
    Gegevens,
    Groep,
    Invoer,
    Onthulling,
    Peers,
    Periode,
    Uitvoering,
    Vergelijking,
    check,
)
from .config_yaml import MAX_CONFIG_BYTES, load_yaml, read_config_text
from .paths import project_root

__all__ = [
    "ConfigError",
    "FILE_KEY",
    "FIRST_YEAR",
    "GEMEENTE_CODE",
    "MAX_CONFIG_BYTES",
    "POLICIES",
    "VERWACHTINGEN",
    "RunConfig",
    "RegionGroup",
    "ComparisonGroups",
    "DataPolicy",
    "GemeenteEntry",
    "RegionReport",
    "available_chapters",
    "for_other_gemeente",
    "load_config",
    "load_config_for_command",
    "parse_config",
    "resolve",
]

GEMEENTE_CODE = re.compile(GEMEENTE_PATROON)


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
class ComparisonGroups:
    """The groups of ``vergelijking:`` the gemeente is compared with, and the code of Nederland."""

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
    vergelijking: ComparisonGroups
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
    uitvoerder: str = "snel"  # which executor runs the chapters: snel | eenvoudig (report/execute.py)
    onthulling_min_inwoners: int = 100  # a map area with fewer inhabitants gets no rate ("te weinig inwoners")
    # Settings of the file that belong to another gemeente and were left out (``for_other_gemeente``).
    dropped: tuple[str, ...] = ()
    # The line of every key path of the file (``vergelijking.peers.gemeenten[2]`` -> 28); empty for a
    # configuration that was not read from a file.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line(self, key: str) -> int | None:
        """The line of ``key`` in the file (or of its nearest enclosing key): for a ConfigError raised
        after loading, e.g. ``ConfigError(config.source, key, message, config.line(key))``."""
        return line_of(self.lines, key)

    def all_gemeenten(self) -> list[str]:
        codes = [self.gemeente] + self.vergelijking.all_gemeenten()
        return list(dict.fromkeys(codes))

    def targets(self) -> list[str]:
        """The gemeenten this config makes a report for: the list, or the one gemeente."""
        return [g.code for g in self.gemeenten] if self.multi else [self.gemeente]

    def for_gemeente(self, code: str) -> RunConfig:
        """The config of one gemeente of the list: what ``load_config(source, gemeente=code)`` gives."""
        data, dropped = for_other_gemeente(dict(self.raw), code)
        lines = self.lines if code == self.gemeente else without(self.lines, ("gemeente",))
        return parse_config(
            data, source=self.source, name=self.name, chapters=list(self.hoofdstukken), dropped=dropped, lines=lines
        )


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


def available_chapters(root: Path | None = None) -> list[str]:
    """Chapter ids (notebook stems) present in notebooks/, in order."""
    root = root or project_root()
    return sorted(p.stem for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def parse_config(
    data: Any,
    source: str = "<config>",
    name: str = "config",
    chapters: list[str] | None = None,
    today: date | None = None,
    dropped: tuple[str, ...] = (),
    lines: dict[str, int] | None = None,
) -> RunConfig:
    """Check a parsed YAML mapping against the schema and return the typed configuration.

    ``lines``: the line of every key path of the file it was read from (``load_config``); an error then
    names the line of its key, or of the nearest enclosing key when the key is missing. Without it
    (a mapping made in code) errors have no line. ``today`` sets the last year that can have data."""
    lines = dict(lines or {})
    if isinstance(data, dict) and not data:
        raise ConfigError(source, FILE_KEY, "lege configuratie; verwacht ten minste 'gemeente'")
    chapters = list(chapters) if chapters is not None else available_chapters()
    laatste_jaar = (today or date.today()).year - 1
    checked = check(data, source, Context(laatste_jaar, tuple(chapters)), lines)
    return _run_config(checked, data, source, name, chapters, laatste_jaar, dropped, lines)


def _run_config(
    checked: ConfigFile,
    data: dict[str, Any],
    source: str,
    name: str,
    chapters: list[str],
    laatste_jaar: int,
    dropped: tuple[str, ...],
    lines: dict[str, int],
) -> RunConfig:
    """The checked file as the typed configuration, with every default filled in."""
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    entries = tuple(GemeenteEntry(item.code, item.naam) for item in checked.gemeenten or ())
    multi = checked.gemeente is None
    gemeente = entries[0].code if multi else checked.gemeente  # the runner makes one config per gemeente
    # An absent section has every default (model_construct: the defaults, no checks to run).
    van, tot, vorige = (checked.periode or Periode.model_construct()).jaren(laatste_jaar)
    verg = checked.vergelijking or Vergelijking.model_construct()
    data_section = checked.data or Gegevens.model_construct()
    invoer = checked.invoer or Invoer.model_construct()
    uitvoering = checked.uitvoering or Uitvoering.model_construct()
    naam = checked.naam
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
        vergelijking=ComparisonGroups(
            regio=_region_group(verg.regio, "REGIO"),
            provincie=_region_group(verg.provincie, "PROVINCIE"),
            peers=_peers(verg.peers or Peers.model_construct(), gemeente),
            nederland=verg.nederland,
        ),
        hoofdstukken=tuple(checked.hoofdstukken or chapters),
        data=DataPolicy(
            beleid=data_section.beleid,
            max_leeftijd_dagen=data_section.max_leeftijd_dagen,
            cache=Path(data_section.cache),
            demo=Path(data_section.demo),
        ),
        invoer_map=Path(invoer.map) if invoer.map else None,
        invoer_bestanden=dict(invoer.bestanden),
        invoer_tabbladen=dict(invoer.tabbladen),
        invoer_voorbeeld=Path(invoer.voorbeeld) if invoer.voorbeeld else None,
        invoer_voorbeeld_gebruiken=invoer.voorbeeld_gebruiken,
        onthulling_drempel=(checked.onthulling or Onthulling.model_construct()).drempel,
        onthulling_min_inwoners=(checked.onthulling or Onthulling.model_construct()).min_inwoners,
        uitvoer=Path(checked.uitvoer),
        timeout_per_hoofdstuk=uitvoering.timeout_per_hoofdstuk,
        parallel=0 if uitvoering.parallel == "auto" else uitvoering.parallel,  # 0 = the number of cores
        # As written (checked and typed): the synthesis fills in its own defaults.
        prioriteiten=checked.prioriteiten.model_dump(exclude_unset=True) if checked.prioriteiten else {},
        uitspraken=tuple(item.model_dump(exclude_unset=True) for item in checked.uitspraken or ()),
        raw=dict(data),
        gemeenten=entries,
        multi=multi,
        regio_rapport=_regio_rapport(checked, entries, name),
        bewaar_runs=uitvoering.bewaar_runs,
        uitvoerder=uitvoering.uitvoerder,
        dropped=tuple(dropped),
        lines=lines,
    )


def _region_group(group: Groep | None, default_code: str) -> RegionGroup | None:
    if group is None:
        return None
    return RegionGroup(
        code=group.code or default_code, naam=group.naam, gemeenten=tuple(group.gemeenten), reden=group.reden
    )


def _peers(peers: Peers, gemeente: str) -> RegionGroup:
    """Without a list: derived at run time (peers.derive); a list is used for the gemeente it was made
    for (``voor``, else the configuration's gemeente)."""
    if peers.gemeenten is None:
        return RegionGroup(code=peers.code, naam=peers.naam, gemeenten=(), afleiden=True)
    voor = peers.voor or gemeente
    return RegionGroup(
        code=peers.code,
        naam=peers.naam,
        gemeenten=tuple(peers.gemeenten),
        reden=peers.reden,
        afleiden=peers.afleiden or voor != gemeente,
        voor=voor,
        regel=peers.regel,
    )


def _regio_rapport(checked: ConfigFile, entries: tuple[GemeenteEntry, ...], name: str) -> RegionReport | None:
    if not entries:
        return None
    section = checked.regio_rapport
    naam = section.naam if section and section.naam else name.replace("-", " ").replace("_", " ").title()
    themas = section.themas if section and section.themas else DEFAULT_REGIO_THEMAS
    return RegionReport(
        code=section.code if section else "REGIO",
        naam=naam,
        gemeenten=tuple(e.code for e in entries),
        themas=tuple((str(thema), tuple(indicators)) for thema, indicators in themas.items()),
    )


def load_config(path: str | Path, **overrides: Any) -> RunConfig:
    """Read and validate a run configuration file.

    ``overrides`` replace top-level keys before validation (e.g. ``gemeente="GM1690"`` to run the
    same comparison set for a neighbour); an error about them names no line of the file.
    """
    path = Path(path)
    source = str(path)
    data, lines = load_yaml(read_config_text(path), source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            source,
            FILE_KEY,
            f"verwacht een blok met sleutels (zoals 'gemeente: GM1701'); gevonden {toon(data)}",
            lines.get(""),
        )
    overrides = {k: v for k, v in overrides.items() if v is not None}
    dropped: tuple[str, ...] = ()
    if "gemeente" in overrides:
        # Another gemeente with the same set-up: what belongs to the file's own gemeente is left out.
        data, dropped = for_other_gemeente(data, overrides["gemeente"])
    data.update(overrides)
    return parse_config(data, source=source, name=path.stem, dropped=dropped, lines=without(lines, overrides))


def resolve(root: Path, path: Path) -> Path:
    """Relative paths in a config are relative to the project root."""
    return path if path.is_absolute() else root / path


def load_config_for_command(path: str | Path) -> RunConfig | None:
    """For the commands: the config, or None after printing why it is invalid (the caller exits 2)."""
    import sys

    try:
        return load_config(path)
    except ConfigError as exc:
        print(exc.user_message(), file=sys.stderr)
        return None
