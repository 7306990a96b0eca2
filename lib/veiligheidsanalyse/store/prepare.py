"""Prepare the observation store of a run: choose snapshots by data policy, read inputs, normalise once.

Everything the chapters need is computed here, before any kernel starts, so every chapter reads
one parquet file instead of parsing raw downloads again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..sources.snapshots import Snapshot, latest_snapshot
from ..sources.tables import TABLES

if TYPE_CHECKING:  # pandas and the store code load only when a store is built (not for a cached one)
    import pandas as pd

    from .status import DataStatus

# Normalised observations (and notes) per snapshot, kept for the life of the process: a run for
# several gemeenten normalises each snapshot once, not once per gemeente.
_NORMALISED: dict[tuple, tuple[pd.DataFrame, list[str]]] = {}


@dataclass
class Prepared:
    store_dir: Path
    status: DataStatus
    snapshots: dict[str, Snapshot]
    input_files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    stories: dict[str, str] = field(default_factory=dict)
    region_codes: set[str] = field(default_factory=set)


def demo_snapshots(demo_root: Path) -> dict[str, Snapshot]:
    found = {}
    for table_id in TABLES:
        snap = latest_snapshot(demo_root, table_id)
        if snap is not None:
            found[table_id] = snap
    return found


def known_region_codes(snapshots: dict[str, Snapshot]) -> set[str]:
    """Region codes the data knows (gemeenten, provincies, NL) from the RegioS code lists."""
    codes: set[str] = set()
    for table_id in ("47013NED", "03759ned"):
        snap = snapshots.get(table_id)
        if snap is None:
            continue
        for member in snap.metadata.get("dimensions", {}).get("RegioS", []):
            codes.add(str(member["Key"]).strip())
    return codes


def snapshot_labels(snapshots: dict[str, Snapshot], kinds: dict[str, str] | None = None) -> dict[str, str]:
    """Table id -> source line for page footers: publisher, id, title, retrieval and table dates, status."""
    from ..dates import date_nl
    from .status import KIND_WORDS

    labels = {}
    for table_id, snap in snapshots.items():
        prov = snap.provenance
        title = snap.metadata.get("TableInfos", {}).get("Title", "")
        kind = (kinds or {}).get(table_id, "demo" if prov.get("demo") else "actueel")
        if kind == "demo":  # generated here, never retrieved: no dates that suggest otherwise
            labels[table_id] = (
                f"{TABLES[table_id].publisher} {table_id} – {title}; DEMODATA: verzonnen cijfers in "
                "de vorm van de echte tabel"
            )
            continue
        status = f" ({KIND_WORDS['opgeslagen']})" if kind == "opgeslagen" else ""
        labels[table_id] = (
            f"{TABLES[table_id].publisher} {table_id} – {title}; opgehaald "
            f"{date_nl(prov.get('retrieved_at'))}, tabel bijgewerkt {date_nl(prov.get('table_modified'))}"
            f"{status}"
        )
    return labels


@dataclass(frozen=True)
class TableChoice:
    """The snapshot a table's numbers finally come from, after passing over the ones that could not
    be normalised (``rejected``: which and why, in Dutch; None when the resolved one was used)."""

    origin: str  # fresh | cached | demo | missing
    snapshot: Snapshot | None
    rejected: str | None = None


def choose_and_normalise(resolution) -> tuple[pd.DataFrame, dict[str, TableChoice], list[str]]:
    """Normalise every resolved table; a snapshot that fails is treated as rejected and the next
    candidate of that table (an older cached snapshot, then the demo snapshot) is used instead.

    Any error while reading a candidate counts as a rejection (a structural problem, a cell that is
    not a number, a damaged file): a bad snapshot never becomes an internal error of the run.
    Returns the observations, the final choice per table and Dutch notes for the data account.
    """
    import pandas as pd

    from .. import observations as obs

    frames, chosen, notes = [], {}, []
    for table_id, r in resolution.tables.items():
        candidates = ([(r.origin, r.snapshot)] if r.snapshot else []) + [(a.origin, a.snapshot) for a in r.alternatives]
        choice, rejected = TableChoice("missing", None), []
        for origin, snapshot in candidates:
            try:
                frame, table_notes = normalised(snapshot)
            except Exception as exc:  # noqa: BLE001 - whatever is wrong with a snapshot, pass it over
                rejected.append(
                    f"{snapshot.snapshot_id}: {exc}" if str(exc) else f"{snapshot.snapshot_id}: {type(exc).__name__}"
                )
                continue
            frames.append(frame)
            notes.extend(table_notes)
            choice = TableChoice(origin, snapshot)
            break
        if rejected:
            text = f"niet te verwerken en overgeslagen: {'; '.join(rejected)}"
            notes.append(f"Tabel {table_id}: {text}.")
            choice = TableChoice(choice.origin, choice.snapshot, text)
        chosen[table_id] = choice
    frames = [f for f in frames if len(f)]
    observations = obs.conform(pd.concat(frames, ignore_index=True)) if frames else obs.empty()
    return observations, chosen, notes


def normalised(snapshot: Snapshot) -> tuple[pd.DataFrame, list[str]]:
    """A snapshot's observations and notes, normalised once per process."""
    from .normalise import normalise_snapshot

    key = (
        snapshot.table_id,
        snapshot.snapshot_id,
        json.dumps(snapshot.provenance.get("sha256"), sort_keys=True),
        str(getattr(snapshot, "path", "")),
    )
    if key not in _NORMALISED:
        if len(_NORMALISED) > 64:
            _NORMALISED.clear()
        frame = normalise_snapshot(snapshot)
        _NORMALISED[key] = (frame, list(frame.attrs.get("notes", [])))
    return _NORMALISED[key]


def years_with_data(observations: pd.DataFrame) -> dict[str, dict]:
    """Source id (table id or partner:<kind>) -> {"jaren": years with a known yearly value,
    "maand": the last month with a known monthly value ("2026-10") or None}."""
    from .status import partner_source_id

    known = observations[observations["waarde"].notna()]
    source = known["snapshot"].astype(str).str.split("/", n=1).str[0]
    partner = (known["status"] == "partner").to_numpy()
    source = source.where(~partner, known["bron"].map(lambda b: partner_source_id(b) or ""))
    out: dict[str, dict] = {}
    for key, part in known.groupby(source, sort=False):
        if not (key in TABLES or key.startswith("partner:")):
            continue
        yearly = part[part["maand"].isna()]
        monthly = part[part["maand"].notna()]
        last = monthly.sort_values(["jaar", "maand"]).iloc[-1] if len(monthly) else None
        out[key] = {
            "jaren": sorted({int(y) for y in yearly["jaar"].dropna()}),
            "maand": f"{int(last['jaar'])}-{int(last['maand']):02d}" if last is not None else None,
        }
    return out


def period_text(info: dict | None, wanted: tuple[int, int] | None = None, editions: bool = False) -> str | None:
    """'2015-2024 (geen gegevens over 2025); maandcijfers tot en met oktober 2026': the years with
    data, gaps and years of the wanted period without data named, and the last month if any.
    A survey held every other year lists its ``editions``: 'edities 2017, 2019, 2021'."""
    from ..dates import MONTHS_NL

    years, month = (info or {}).get("jaren") or [], (info or {}).get("maand")
    parts = []
    if years and editions:
        parts.append(f"{'editie' if len(years) == 1 else 'edities'} {', '.join(str(y) for y in years)}")
    elif years:
        text = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
        gaps = [y for y in range(years[0], years[-1] + 1) if y not in years]
        if wanted is not None:
            gaps += list(range(max(wanted[0], years[-1] + 1), wanted[1] + 1))
        if gaps:
            text += f" (geen gegevens over {', '.join(str(y) for y in gaps)})"
        parts.append(text)
    if month:
        year, number = (int(x) for x in month.split("-"))
        parts.append(f"maandcijfers tot en met {MONTHS_NL[number - 1]} {year}")
    return "; ".join(parts) or None


def last_year(info: dict | None) -> int | None:
    years = (info or {}).get("jaren") or []
    return years[-1] if years else None


def build_store(store_dir: Path, observations: pd.DataFrame, status: DataStatus, provincie: dict | None = None) -> None:
    """The store of a run; ``provincie``: a provincie group derived from the data (see
    ``data.DERIVED_FILE``), for a config that names none."""
    from .dataset import write_store

    write_store(store_dir, observations, status, provincie)
