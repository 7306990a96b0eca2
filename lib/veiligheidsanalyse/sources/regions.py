"""Gemeente codes and names from the open data itself: the region code lists of the snapshots.

Every fetched CBS/politie table stores its code lists in ``metadata.json`` (``dimensions``): the
``RegioS`` list of a gemeente-level table names every gemeente of the table (``"GM1701  "`` padded,
title ``"Westerveld"``), the ``WijkenEnBuurten`` list of a buurt-level table starts each gemeente
with a ``GM`` entry. :func:`known_gemeenten_from_snapshots` turns those lists into ``{code: name}``,
which the partner-input check uses to recognise a file about another gemeente. Nothing is kept
by hand: a new merger is known as soon as the data knows it.

A long CBS series may list gemeenten that no longer exist (with their last name); they are
returned like the others, because the metadata does not say which ones are current.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .snapshots import Snapshot

GEMEENTE_CODE = re.compile(r"GM\d{4}")
REGION_DIMENSIONS = ("RegioS", "WijkenEnBuurten")
# "Westerveld (GM)", "Groningen (gemeente)": a marker of the region level, not part of the name.
# Qualifiers that tell gemeenten apart ("Bergen (NH.)", "Hengelo (O.)") are kept.
_LEVEL_SUFFIX = re.compile(r"\s*\((gm|gem\.?|gemeente)\)\s*$", re.IGNORECASE)


def gemeente_name(title: Any) -> str:
    """A RegioS title as a gemeente name: stripped, without a level marker like ``" (GM)"``."""
    name = re.sub(r"\s+", " ", str(title or "").replace("\xa0", " ")).strip()
    return _LEVEL_SUFFIX.sub("", name).strip()


def known_gemeenten_from_code_lists(code_lists: Iterable[object]) -> dict[str, str]:
    """``{GMxxxx: name}`` from metadata ``dimensions`` mappings (``{"RegioS": [{Key, Title}, ...]}``).

    Only GM codes; keys are stripped of their padding. When lists disagree on a name, the first
    list that names the code wins.
    """
    known: dict[str, str] = {}
    for dimensions in code_lists:
        if not isinstance(dimensions, Mapping):
            continue
        for dimension in REGION_DIMENSIONS:
            members = dimensions.get(dimension) or []
            if not isinstance(members, list):
                continue
            for member in members:
                if not isinstance(member, Mapping):
                    continue
                code = str(member.get("Key") or "").strip().upper()
                if not GEMEENTE_CODE.fullmatch(code) or code in known:
                    continue
                name = gemeente_name(member.get("Title"))
                if name:
                    known[code] = name
    return known


def known_gemeenten_from_snapshots(snapshots: Iterable[Snapshot]) -> dict[str, str]:
    """``{GMxxxx: name}`` of every gemeente in the region code lists of ``snapshots``.

    Reads ``metadata["dimensions"]["RegioS"]`` and the ``GM`` entries of
    ``metadata["dimensions"]["WijkenEnBuurten"]``; titles are stripped and lose level markers
    (``"Groningen (gemeente)"`` -> ``"Groningen"``). ``None`` entries are skipped, so a dict of
    optional snapshots can be passed as ``snapshots.values()``.
    """
    return known_gemeenten_from_code_lists(
        (snapshot.metadata or {}).get("dimensions") or {} for snapshot in snapshots if snapshot is not None
    )


def provincies_from_gebieden(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    """``{GMxxxx: (PVxx, provincie name)}`` from a snapshot of CBS "Gebieden in Nederland".

    That table has one row per gemeente and, per regional division, a topic group with a ``Code``
    and a ``Naam`` measure whose keys are renumbered every year (``Code_28``/``Naam_29`` in 2024): the
    two are found by the title of their group ("Provincies"). A table without that group raises a
    :class:`~.odata.SchemaError` naming it.
    """
    from .odata import SchemaError

    metadata = snapshot.metadata
    table_id = (metadata.get("TableInfos") or {}).get("Identifier") or "Gebieden in Nederland"
    props = metadata.get("DataProperties") or []
    groups = {p.get("ID"): str(p.get("Title") or "") for p in props if p.get("Type") == "TopicGroup"}
    keys: dict[str, str] = {}
    for p in props:
        title = str(p.get("Title") or "").strip().lower()
        if (
            p.get("Type") == "Topic"
            and title in ("code", "naam")
            and groups.get(p.get("ParentID"), "").strip().lower().startswith("provincie")
        ):
            keys.setdefault(title, p.get("Key"))
    if set(keys) != {"code", "naam"}:
        raise SchemaError(table_id, "Provincies", "geen groep 'Provincies' met de onderwerpen Code en Naam")
    out = {}
    for row in snapshot.rows():
        code = str(row.get("RegioS") or "").strip().upper()
        provincie = str(row.get(keys["code"]) or "").strip().upper()
        naam = gemeente_name(row.get(keys["naam"]))
        if GEMEENTE_CODE.fullmatch(code) and re.fullmatch(r"PV\d{2}", provincie) and naam:
            out[code] = (provincie, naam)
    return out


def provincie_group(provincies: Mapping[str, tuple[str, str]], code: str) -> dict | None:
    """The provincie of gemeente ``code`` as a comparison group, ``{code, naam, gemeenten}`` with every
    gemeente of that provincie, from :func:`provincies_from_gebieden`; None when ``code`` is not in it."""
    if code not in provincies:
        return None
    provincie, naam = provincies[code]
    return {
        "code": provincie,
        "naam": naam,
        "gemeenten": sorted(c for c, (p, _naam) in provincies.items() if p == provincie),
    }
