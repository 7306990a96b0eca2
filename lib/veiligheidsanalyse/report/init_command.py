"""``veiligheidsanalyse init GM0118``: a complete, commented configuration for any gemeente.

Everything in it is derived, so that a new gemeente needs no hand work before its first report:

- the name, from the data's region list;
- the period: from 2015 to the last complete year the data have, the previous analysis four years
  before that;
- the provincie: from CBS "Gebieden in Nederland" (85755NED; the gemeente's provincie and all its
  gemeenten), else from a configuration of this project that lists the gemeente in a provincie group;
- the basisteam: taken from a configuration of this project that already lists the gemeente in such
  a group (CBS publishes no basisteams); otherwise left out, with a comment;
- the peer group: by the rule of :mod:`..peers`, written out with its reason, its rule and the
  gemeente it was made for, so that the analyst can read and edit it (the report then says "bewerkt").

The data are those of the usual data step (cache, fetch or demo by ``--beleid``), read in a scratch
folder. An existing file is never overwritten without ``--overschrijf``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

from ..config import GEMEENTE_CODE, ConfigError, load_config, parse_config
from ..paths import project_root
from ..text import slug


def _groups_from_configs(config_dir: Path, code: str) -> dict[str, dict]:
    """The first basisteam ('regio') and provincie group of this project's configs that contains ``code``."""
    found: dict[str, dict] = {}
    for path in sorted(config_dir.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        verg = data.get("vergelijking") or {}
        for key in ("regio", "provincie"):
            group = verg.get(key)
            if key not in found and isinstance(group, dict) and code in (group.get("gemeenten") or []):
                found[key] = dict(group, bron=path.name)
    return found


def _facts(code: str, policy: str, root: Path, endpoint=None):
    """From the data step (cache, fetch or demo): the observations (for the name, the last year and
    the peer rule), the data status and the provincie group derived from CBS Gebieden in Nederland."""
    from ..store.build import GEBIEDEN, DataOptions, prepare_run_data
    from ..store.dataset import derived_provincie, read_store

    stub = parse_config({"gemeente": code, "data": {"beleid": policy}}, source="(init)", name="init")
    with tempfile.TemporaryDirectory() as tmp:
        prepare_run_data(stub, root, DataOptions(policy=policy, endpoint=endpoint), work_dir=Path(tmp) / "data")
        observations, status = read_store(Path(tmp) / "data")
        provincie = derived_provincie(Path(tmp) / "data")
    source = status.sources.get(GEBIEDEN)
    if provincie is not None and source is not None and source.soort == "demo":
        provincie["bron"] += " (demogegevens)"
    return observations, status, provincie


def _group_yaml(key: str, group: dict, comment: str) -> str:
    members = ", ".join(group["gemeenten"])
    return (
        f"  {key}:                   # {comment}\n"
        f"    code: {group['code']}\n"
        f"    naam: {group['naam']}\n"
        f"    gemeenten: [{members}]\n"
    )


def config_text(code: str, naam: str, last_year: int, groups: dict[str, dict], choice, facts) -> str:
    """The configuration file for ``code`` (YAML with comments)."""
    # Long: the configuration file written out line by line, as its user reads it
    from ..store.peers import MAX_PEERS, MIN_PEERS

    lines = [
        f"# Veiligheidsanalyse {naam} — run configuration, written by 'veiligheidsanalyse init {code}'.",
        "# Everything below was derived from the data; edit what you know better. Validated before anything",
        "# runs; an unknown key or value stops the run with exit status 2.",
        "",
        f"gemeente: {code}            # CBS gemeente code",
        f"naam: {naam}",
        "",
        "periode:",
        "  van: 2015                 # first year of trends",
        f"  tot: {last_year}                 # last complete year in the data",
        f"  vorige_analyse: {last_year - 4}      # the year of the previous veiligheidsanalyse's figures: adjust",
        "",
        "vergelijking:",
    ]
    if "regio" in groups:
        lines.append(
            _group_yaml("regio", groups["regio"], f"the police basisteam (from {groups['regio']['bron']})").rstrip("\n")
        )
    else:
        lines.append("  # regio: the police basisteam is not in any configuration of this project; add it as")
        lines.append("  #   {code: BT-..., naam: Basisteam ..., gemeenten: [...]} (source: politie.nl)")
    if "provincie" in groups:
        lines.append(_group_yaml("provincie", groups["provincie"], f"from {groups['provincie']['bron']}").rstrip("\n"))
    else:
        lines.append("  # provincie: not in CBS Gebieden in Nederland nor in a configuration of this project; add")
        lines.append("  #   {code: PVxx, naam: ..., gemeenten: [...]}")
    if choice is None:
        lines.append(
            "  peers:                    # too few comparable gemeenten in the data: derived again at run time"
        )
        lines.append("    afleiden: true")
    else:
        names = ", ".join(f"{c} {facts[c].naam}" for c in choice.gemeenten)
        lines += [
            "  peers:                    # comparable gemeenten by a fixed rule (see the chapter Methode)",
            "    code: PEERS",
            "    naam: Vergelijkbare gemeenten",
            f"    voor: {code}             # made for this gemeente; another gemeente gets its own group",
            f'    regel: "{choice.regel}"',
            "    reden: >-",
            *[f"      {line}" for line in _wrap(choice.reden, 96)],
            f"    gemeenten: [{', '.join(choice.gemeenten)}]",
            f"    # {names}",
            f"    # The rule takes {MIN_PEERS} to {MAX_PEERS} gemeenten; edit the list and the report says 'bewerkt'.",
        ]
    lines += [
        "",
        "data:",
        "  beleid: fresh             # fresh | require-fresh | cache | demo",
        '  max_leeftijd_dagen: 120   # older snapshots get a "verouderd" banner',
        "  cache: data/cache",
        "  demo: data/demo",
        "",
        "invoer:",
        "  map: data/inputs/{naam}      # partner exports of this gemeente (see data/README.md)",
        "  voorbeeld: data/inputs/voorbeeld/{naam}   # example files: only used when all open data are demo",
        "  voorbeeld_gebruiken: false",
        "",
        "onthulling:",
        '  drempel: 5                # partner counts below this are shown as "<5"',
        "",
        "prioriteiten:",
        "  aantal: 5                 # number of proposed priorities",
        "  gewichten: {niveau: 2, ontwikkeling: 2, beleving: 1, ivp_thema: 1}",
        "  themas: []                # regional priority themes: chapter ids or indicator ids",
        "",
        "# uitspraken: statements of the previous plan to test, e.g.",
        '#   - {uitspraak: "De woninginbraken dalen.", indicator: woninginbraak, verwachting: daling,',
        '#      bron: "IVP 2023-2027, hoofdstuk 5"}',
        "",
    ]
    return "\n".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def init_command(
    code: str, out: Path | None = None, policy: str = "cache", overwrite: bool = False, endpoint=None
) -> int:
    """Write ``config/<naam>.yaml`` for gemeente ``code``; exit status 0, or 2 with a Dutch message."""
    from ..sources.policy import DataUnavailable
    from ..store.peers import derive, facts_from_observations

    root = project_root()
    code = code.strip().upper()
    if not GEMEENTE_CODE.fullmatch(code):
        print(f"ongeldige gemeentecode {code!r}: verwacht GM gevolgd door vier cijfers, bv. GM0118", file=sys.stderr)
        return 2
    try:
        observations, status, provincie = _facts(code, policy, root, endpoint)
    except ConfigError as exc:
        print(f"{code}: {exc.message}", file=sys.stderr)
        return 2
    except DataUnavailable as exc:
        print(f"{code}: geen gegevens om de configuratie uit af te leiden: {exc}", file=sys.stderr)
        return 3
    rows = observations[observations["regio_code"] == code]
    if rows.empty:
        print(
            f"{code}: de gegevens ({policy}) kennen deze gemeente niet; probeer --beleid fresh of demo", file=sys.stderr
        )
        return 2
    naam = str(rows["regio_naam"].dropna().iloc[0])
    years = rows.loc[rows["indicator"] == "bevolking", "jaar"]
    last_year = int(min(years.max() - 1, observations["jaar"].max())) if len(years) else int(observations["jaar"].max())
    facts = facts_from_observations(observations)
    choice = derive(code, facts)
    groups = _groups_from_configs(root / "config", code)
    if provincie is not None:  # CBS Gebieden in Nederland, when the data step had it
        groups["provincie"] = provincie
    path = out or root / "config" / f"{slug(naam)}.yaml"
    if path.exists() and not overwrite:
        print(f"{path} bestaat al; niets geschreven (gebruik --overschrijf om het te vervangen)", file=sys.stderr)
        return 2
    text = config_text(code, naam, last_year, groups, choice, facts)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_config(tmp)  # what we write must be valid
    except ConfigError as exc:
        tmp.unlink()
        print(f"interne fout: de afgeleide configuratie is ongeldig: {exc}", file=sys.stderr)
        return 2
    tmp.replace(path)
    peers = (
        f"{len(choice.gemeenten)} vergelijkbare gemeenten ({choice.regel})"
        if choice
        else "geen vergelijkbare gemeenten (te weinig in de gegevens)"
    )
    print(
        f"{path.relative_to(root) if path.is_relative_to(root) else path}: {naam} ({code}); {peers}; "
        f"provincie: {'ja' if 'provincie' in groups else 'onbekend'}; basisteam: "
        f"{'ja' if 'regio' in groups else 'onbekend'}"
    )
    return 0
