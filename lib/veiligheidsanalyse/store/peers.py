"""Comparable gemeenten ("vergelijkbare gemeenten") chosen by explicit rules from CBS data.

The peer group of a gemeente is derived, never copied from another gemeente and never chosen on
outcomes. The rule, in order:

1. the candidates are all other gemeenten of the Netherlands with a known number of inhabitants and a
   known omgevingsadressendichtheid, both from the gemeente rows of the CBS Kerncijfers wijken en
   buurten (one table and one year for every gemeente; a run asks for the rows of all gemeenten,
   see ``FetchRequest.all_gemeente_rows``);
2. same stedelijkheidsklasse (CBS classes on the omgevingsadressendichtheid: 1 zeer sterk stedelijk
   >= 2.500 addresses per km², 2 sterk 1.500-2.500, 3 matig 1.000-1.500, 4 weinig 500-1.000,
   5 niet stedelijk < 500) and between 2/3 and 3/2 times as many inhabitants;
3. with fewer than ``MIN_PEERS`` candidates the band widens step by step (1/2 to 2 times; then also
   the neighbouring stedelijkheidsklassen; then 1/3 to 3 times): the first step with enough
   candidates is used, and the reason says which;
4. with more than ``MAX_PEERS`` candidates the ones most like the gemeente are kept: the smallest
   sum of the absolute log ratios of inhabitants and of address density (ties by code).

The gemeente itself is never in its own peer group. ``derive`` returns the group with a plain
Dutch reason; ``describe_origin`` says whether a configured group is this derived one or edited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..stats.formatting import format_nl

MIN_PEERS = 6
MAX_PEERS = 10
CLASSES = (
    (2500, 1, "zeer sterk stedelijk"),
    (1500, 2, "sterk stedelijk"),
    (1000, 3, "matig stedelijk"),
    (500, 4, "weinig stedelijk"),
    (0, 5, "niet stedelijk"),
)
# (lowest and highest ratio of inhabitants, stedelijkheidsklassen away from the gemeente's own)
STEPS = ((2 / 3, 3 / 2, 0), (1 / 2, 2.0, 0), (1 / 2, 2.0, 1), (1 / 3, 3.0, 1))


@dataclass(frozen=True)
class Facts:
    """What the rule looks at for one gemeente."""

    code: str
    naam: str
    inwoners: float
    oad: float  # omgevingsadressendichtheid, addresses per km²
    inwoners_jaar: int
    oad_jaar: int


@dataclass(frozen=True)
class PeerChoice:
    gemeenten: tuple[str, ...]
    reden: str
    regel: str  # the step of the rule, short: "inwoners 0,67-1,5x; stedelijkheidsklasse 5"


def stedelijkheid(oad: float) -> tuple[int, str]:
    """CBS stedelijkheidsklasse (1-5) and its name for an omgevingsadressendichtheid."""
    for lowest, klasse, naam in CLASSES:
        if oad >= lowest:
            return klasse, naam
    return 5, "niet stedelijk"


FACT_INDICATORS = ("inwoners_kwb", "omgevingsadressendichtheid")  # both from the Kerncijfers wijken en buurten


def facts_from_observations(observations: pd.DataFrame) -> dict[str, Facts]:
    """Inhabitants (``inwoners_kwb``) and address density (``omgevingsadressendichtheid``), newest
    year, of every gemeente (GM codes) in an observation frame; gemeenten missing either are left out."""
    out = {}
    newest = {}
    for indicator in FACT_INDICATORS:
        rows = observations[
            (observations["indicator"] == indicator)
            & observations["regio_code"].astype(str).str.startswith("GM")
            & observations["waarde"].notna()
        ]
        if "maand" in rows.columns:
            rows = rows[rows["maand"].isna()]
        rows = rows.sort_values("jaar").groupby("regio_code").tail(1)
        newest[indicator] = {
            str(r.regio_code): (float(r.waarde), int(r.jaar), str(r.regio_naam)) for r in rows.itertuples()
        }
    for code, (inwoners, jaar, naam) in newest["inwoners_kwb"].items():
        if code in newest["omgevingsadressendichtheid"]:
            oad, oad_jaar, _ = newest["omgevingsadressendichtheid"][code]
            if inwoners > 0 and oad > 0:
                out[code] = Facts(code, naam, inwoners, oad, jaar, oad_jaar)
    return out


def _distance(me: Facts, other: Facts) -> float:
    return abs(math.log(other.inwoners / me.inwoners)) + abs(math.log(other.oad / me.oad))


def derive(code: str, facts: dict[str, Facts]) -> PeerChoice | None:
    """The peer group of ``code`` by the rule above; None when the data do not know the gemeente or
    fewer than three candidates fit even the widest step."""
    me = facts.get(code)
    if me is None:
        return None
    klasse, klasse_naam = stedelijkheid(me.oad)
    others = [f for f in facts.values() if f.code != code]
    chosen, step = [], STEPS[-1]
    for step in STEPS:
        low, high, spread = step
        chosen = [
            f
            for f in others
            if low <= f.inwoners / me.inwoners <= high and abs(stedelijkheid(f.oad)[0] - klasse) <= spread
        ]
        if len(chosen) >= MIN_PEERS:
            break
    if len(chosen) < 3:
        return None
    chosen = sorted(chosen, key=lambda f: (_distance(me, f), f.code))[:MAX_PEERS]
    low, high, spread = step
    band = f"{format_nl(low, 2)} tot {format_nl(high, 1)} keer zoveel inwoners als {me.naam}"
    span = f"{format_nl(me.inwoners * low, 0)} tot {format_nl(me.inwoners * high, 0)} inwoners"
    klassen = (
        f"stedelijkheidsklasse {klasse} ({klasse_naam})"
        if spread == 0
        else f"stedelijkheidsklasse {max(1, klasse - 1)} tot {min(5, klasse + 1)} (rond {klasse_naam})"
    )
    reden = (
        f"Afgeleid volgens een vaste regel: gemeenten met {span} ({band}, 1 januari {me.inwoners_jaar}) en "
        f"{klassen}, zoals {me.naam} (omgevingsadressendichtheid {format_nl(me.oad, 0)} per km², "
        f"{me.oad_jaar}); daarvan de {len(chosen)} die in inwoners en adressendichtheid het meest op "
        f"{me.naam} lijken. Bron: CBS Kerncijfers wijken en buurten {me.oad_jaar}. Gekozen vóór de analyse, "
        "niet op uitkomsten; zonder de gemeente zelf."
    )
    regel = (
        f"inwoners {format_nl(low, 2)}-{format_nl(high, 1)}x; stedelijkheidsklasse {klasse}"
        + (" +-1" if spread else "")
        + f"; hoogstens {MAX_PEERS}"
    )
    return PeerChoice(tuple(f.code for f in chosen), reden, regel)


def describe_origin(configured: tuple[str, ...], derived: PeerChoice | None, gemeente: str) -> str:
    """'afgeleid' when the configured group is the derived one, else a sentence on how it differs."""
    mine = tuple(c for c in configured if c != gemeente)
    if derived is not None and sorted(mine) == sorted(derived.gemeenten):
        return "afgeleid"
    return "bewerkt"


def resolve(config, observations: pd.DataFrame):
    """``config`` with its peer group settled for its gemeente: derived when asked (or when the file's
    list was made for another gemeente), else the configured list marked "afgeleid" or "bewerkt".
    Without enough data for the rule the run has no peer group (rather than another gemeente's)."""
    import dataclasses

    group = config.vergelijking.peers
    if group is None or group.herkomst:
        return config
    choice = derive(config.gemeente, facts_from_observations(observations))
    if group.afleiden:
        settled = (
            None
            if choice is None
            else dataclasses.replace(
                group,
                gemeenten=choice.gemeenten,
                reden=choice.reden,
                regel=choice.regel,
                voor=config.gemeente,
                herkomst="afgeleid",
            )
        )
    else:
        origin = describe_origin(group.gemeenten, choice, config.gemeente)
        reden = group.reden
        if origin == "bewerkt":
            reden = (
                (reden + " " if reden else "")
                + "Door de analist gekozen (bewerkt), niet de groep van de vaste regel"
                + (f" (die zou zijn: {', '.join(choice.gemeenten)})." if choice is not None else ".")
            )
        settled = dataclasses.replace(group, reden=reden, herkomst=origin)
    return dataclasses.replace(config, vergelijking=dataclasses.replace(config.vergelijking, peers=settled))
