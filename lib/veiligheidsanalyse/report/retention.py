"""Keep the last N runs of every gemeente and region (``uitvoering.bewaar_runs``), and tidy up.

Never deleted: the run ``latest`` points at (the published report), the newest run, and a run
folder without a manifest that is less than a day old (another configuration may be writing it).
Deleting a run never breaks a newer one: reused chapters are hard links or copies, not references.
Also pruned: the runner's log folders (same number per configuration), left-over temporary
folders of runs that died, and the store cache (the most recently used entries are kept).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ..paths import intern_dir
from .incremental import RUN_ID, run_dirs

DAY = 24 * 3600


def latest_target(folder: Path) -> str | None:
    link = folder / "latest"
    try:
        return os.readlink(link).rstrip("/").split("/")[-1] if link.is_symlink() else None
    except OSError:
        return None


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def prune_runs(folder: Path, keep: int, protect: set[str] = frozenset()) -> list[str]:
    """Delete the dated runs of one gemeente or region beyond the newest ``keep``; returns their ids."""
    runs = run_dirs(folder)  # newest first
    if not runs:
        return []
    protected = set(protect) | {runs[0].name}
    target = latest_target(folder)
    if target:
        protected.add(target)
    complete = [r for r in runs if (r / "manifest.json").exists()]
    kept = {r.name for r in complete[:keep]}
    deleted = []
    for run in runs:
        if run.name in protected or run.name in kept:
            continue
        if not (run / "manifest.json").exists() and _age(run) < DAY:
            continue  # perhaps still being written by another configuration's run
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(intern_dir(run), ignore_errors=True)
        deleted.append(run.name)
    return deleted


def prune_logs(log_root: Path, keep: int) -> list[str]:
    """The runner's own logs: ``<uitvoer>/logs/<config>/<run_id>/``, newest ``keep`` kept."""
    if not log_root.is_dir():
        return []
    runs = sorted(
        (p for p in log_root.iterdir() if p.is_dir() and RUN_ID.match(p.name)), key=lambda p: p.name, reverse=True
    )
    deleted = []
    for run in runs[keep:]:
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(intern_dir(run), ignore_errors=True)
        deleted.append(run.name)
    return deleted


def prune_tmp(tmp_root: Path, current: str | None = None) -> list[str]:
    """Temporary folders of runs that died (older than a day)."""
    if not tmp_root.is_dir():
        return []
    deleted = []
    for path in tmp_root.iterdir():
        if path.name == current or _age(path) < DAY:
            continue
        shutil.rmtree(path, ignore_errors=True)
        deleted.append(path.name)
    return deleted


def prune_store_cache(cache_dir: Path, keep: int = 30) -> list[str]:
    """Cached stores beyond the ``keep`` most recently used (hard links: runs keep their own copy)."""
    if not cache_dir.is_dir():
        return []
    entries = sorted(
        (p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    deleted = []
    for entry in entries[keep:]:
        shutil.rmtree(entry, ignore_errors=True)
        deleted.append(entry.name)
    for stray in cache_dir.glob(".tmp-*"):
        if _age(stray) > DAY:
            shutil.rmtree(stray, ignore_errors=True)
    return deleted
