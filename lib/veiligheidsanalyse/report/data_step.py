"""The data step of a run: snapshots by data policy, partner inputs, region checks, the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import ConfigError, RunConfig, resolve
from ..prepare import (DataUnavailableError, Prepared, build_store, demo_snapshots, known_region_codes,
                       snapshot_labels)


class InputError(ValueError):
    """Partner inputs are invalid; the message lists every problem."""


@dataclass
class RunData:
    prepared: Prepared
    gemeente_naam: str
    source_labels: dict[str, str]
    input_labels: list[str] = field(default_factory=list)


def select_snapshots(config: RunConfig, root: Path, policy: str, endpoint=None):
    """Snapshots per table and the banners that go with them, following the data policy."""
    demo_root = resolve(root, config.data.demo)
    if policy == "demo":
        snaps = demo_snapshots(demo_root)
        if not snaps:
            raise DataUnavailableError(f"no demo snapshot in {config.data.demo}")
        return snaps, True, False, []
    raise DataUnavailableError(f"data policy {policy!r} is not available yet")


def check_regions(config: RunConfig, known: set[str]) -> None:
    """Every gemeente in the config must exist in the data's region list (errors name the key)."""
    if not known:
        return
    if config.gemeente not in known:
        raise ConfigError(config.source, "gemeente",
                          f"unknown gemeente code {config.gemeente}: not in the region list of the data")
    for key, group in (("regio", config.vergelijking.regio), ("provincie", config.vergelijking.provincie),
                       ("peers", config.vergelijking.peers)):
        if group is None:
            continue
        for i, code in enumerate(group.gemeenten):
            if code not in known:
                raise ConfigError(config.source, f"vergelijking.{key}.gemeenten[{i}]",
                                  f"unknown gemeente code {code}: not in the region list of the data")


def prepare_run_data(config: RunConfig, root: Path, options, work_dir: Path) -> RunData:
    policy = options.policy or ("fresh" if options.fetch else config.data.beleid)
    snapshots, demo, stale, messages = select_snapshots(config, root, policy, options.endpoint)
    known = known_region_codes(snapshots)
    check_regions(config, known)
    status = build_store(config, root, work_dir, snapshots, demo=demo, stale=stale, messages=messages)
    prepared = Prepared(store_dir=work_dir, status=status, snapshots=snapshots, region_codes=known)
    naam = config.naam or _region_name(snapshots, config.gemeente) or config.gemeente
    return RunData(prepared=prepared, gemeente_naam=naam, source_labels=snapshot_labels(snapshots))


def _region_name(snapshots, code: str) -> str | None:
    for table_id in ("47013NED", "03759ned"):
        snap = snapshots.get(table_id)
        if snap is None:
            continue
        for member in snap.metadata.get("dimensions", {}).get("RegioS", []):
            if str(member["Key"]).strip() == code:
                return str(member.get("Title", code)).strip()
    return None
