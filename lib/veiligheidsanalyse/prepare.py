"""Prepare the observation store of a run: choose snapshots by data policy, read inputs, normalise once.

Everything the chapters need is computed here, before any kernel starts, so every chapter reads
one parquet file instead of parsing raw downloads again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import RunConfig, resolve
from .sources.snapshots import Snapshot, latest_snapshot
from .sources.tables import TABLES

if TYPE_CHECKING:  # pandas and the store code load only when a store is built (not for a cached one)
    import pandas as pd

    from .status import DataStatus

# Normalised observations per snapshot, kept for the life of the process: a run for several
# gemeenten normalises each snapshot once, not once per gemeente.
_NORMALISED: dict[tuple, "pd.DataFrame"] = {}


class DataUnavailableError(RuntimeError):
    """The data policy cannot be met (e.g. require-fresh without network, or an empty cache)."""


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


def snapshot_labels(snapshots: dict[str, Snapshot]) -> dict[str, str]:
    """Table id -> source line for page footers: publisher, id, title, retrieval and table dates."""
    labels = {}
    for table_id, snap in snapshots.items():
        prov = snap.provenance
        title = snap.metadata.get("TableInfos", {}).get("Title", "")
        retrieved = str(prov.get("retrieved_at", ""))[:10]
        modified = str(prov.get("table_modified", ""))[:10]
        demo = " (DEMODATA)" if prov.get("demo") else ""
        labels[table_id] = (f"{TABLES[table_id].publisher} {table_id} — {title}; opgehaald {retrieved}, "
                            f"tabel bijgewerkt {modified}{demo}")
    return labels


def store_status(snapshots: dict[str, Snapshot], demo: bool, stale: bool, messages: list[str],
                 inputs_missing: tuple[str, ...] = (), origins: dict[str, str] | None = None,
                 input_files: dict[str, str] | None = None) -> "DataStatus":
    """What a store rests on (written next to it as status.json)."""
    from .status import DataStatus

    return DataStatus(
        demo=demo, stale=stale, messages=tuple(messages),
        snapshots={t: dict({k: s.provenance.get(k) for k in ("snapshot_id", "retrieved_at", "table_modified",
                                                              "demo", "row_count", "sha256", "url")},
                           origin=(origins or {}).get(t, "demo" if s.provenance.get("demo") else "cached"))
                   for t, s in snapshots.items()},
        inputs_missing=tuple(inputs_missing),
        inputs=dict(input_files or {}),
    )


def normalised(snapshots: dict[str, Snapshot]) -> "pd.DataFrame":
    """The snapshots' observations, each snapshot normalised once per process."""
    import pandas as pd

    from . import observations as obs
    from .normalise import normalise_snapshot

    frames = []
    for snap in snapshots.values():
        key = (snap.table_id, snap.snapshot_id, json.dumps(snap.provenance.get("sha256"), sort_keys=True),
               str(getattr(snap, "path", "")))
        if key not in _NORMALISED:
            if len(_NORMALISED) > 64:
                _NORMALISED.clear()
            _NORMALISED[key] = normalise_snapshot(snap)
        frames.append(_NORMALISED[key])
    frames = [f for f in frames if len(f)]
    if not frames:
        return obs.empty()
    return obs.conform(pd.concat(frames, ignore_index=True))


def build_store(config: RunConfig, root: Path, store_dir: Path, snapshots: dict[str, Snapshot],
                demo: bool, stale: bool, messages: list[str], input_observations: "pd.DataFrame | None" = None,
                inputs_missing: tuple[str, ...] = (), origins: dict[str, str] | None = None,
                input_files: dict[str, str] | None = None) -> "DataStatus":
    import pandas as pd

    from . import observations as obs
    from .data import write_store

    frames = [normalised(snapshots)]
    if input_observations is not None and len(input_observations):
        frames.append(obs.conform(input_observations))
    observations = obs.conform(pd.concat(frames, ignore_index=True))
    status = store_status(snapshots, demo, stale, messages, inputs_missing, origins, input_files)
    write_store(store_dir, observations, status)
    return status
