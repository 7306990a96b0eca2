"""manifest.json: exactly what a report was built from and how the run went.

Paths are relative to the project folder, so the manifest can be published without revealing
the machine it was made on.
"""

from __future__ import annotations

import json
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from ..hashing import package_versions
from .jobs import ChapterResult


def _relative(path: str | Path, root: Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return path.name


PATH_KEYS = {("uitvoer",), ("data", "cache"), ("data", "demo"), ("invoer", "map")}


def publishable_config(raw: dict, root: Path) -> dict:
    """The configuration as published: folders relative to the project, never this machine's paths."""
    out = json.loads(json.dumps(raw, default=str))
    for keys in PATH_KEYS:
        section = out
        for key in keys[:-1]:
            section = section.get(key) if isinstance(section, dict) else None
        if isinstance(section, dict) and isinstance(section.get(keys[-1]), str):
            value = section[keys[-1]]
            if Path(value).is_absolute():
                section[keys[-1]] = _relative(value, root)
    return out


# Per chapter: how it went, where it came from (reused_from / executed_in) and what it rests on
# (key, static_key, modules: see report/incremental.py), and what it cost.
CHAPTER_FIELDS = (
    "status",
    "error",
    "seconds",
    "execution_seconds",
    "export_seconds",
    "html_bytes",
    "reused_from",
    "executed_in",
    "key",
    "static_key",
    "package_hash",
    "modules",
    "kernel_cpu_seconds",
    "kernel_max_rss_kb",
    "kernel_warm_seconds",
    "kernel_wait_seconds",
    "worker_cpu_seconds",
    "timeline_seconds",
)


def write_manifest(
    run_dir: Path,
    config,
    policy: str,
    data,
    results: dict[str, ChapterResult],
    exit_code: int,
    git: str,
    started: float,
    wall_start: datetime,
    root: Path,
    extra: dict | None = None,
    status=None,
) -> Path:
    """The run's manifest; ``policy``: the data policy the run used; ``status``: the data status the
    report shows (default: that of ``data``)."""
    chapters = {}
    for ch, r in results.items():
        record = r.record()
        chapters[ch] = {k: record[k] for k in CHAPTER_FIELDS if k in record}
    status = status or data.prepared.status
    manifest = {
        "run_id": run_dir.name,
        "gemeente": config.gemeente,
        "gemeente_naam": data.gemeente_naam,
        "config_file": _relative(config.source, root),
        "config": publishable_config(config.raw, root),
        "parameters": {
            "gemeente": config.gemeente,
            "periode": [config.jaar_van, config.jaar_tot],
            "hoofdstukken": list(results),
        },
        "data": {
            "policy": policy,
            "demo": status.demo,
            "stale": status.stale,
            "badge": status.badge()[1],
            "sources": status.to_json()["sources"],
            "notes": list(status.notes),
            "snapshots": status.snapshots,
            "inputs": data.prepared.input_files,
            "inputs_missing": list(status.inputs_missing),
        },
        "code": {"version": results and metadata.version("veiligheidsanalyse"), "git": git},
        "environment": {"python": platform.python_version(), "packages": package_versions()},
        "started_at": wall_start.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(time.time() - started, 3),
        "chapters": chapters,
        "exit_status": exit_code,
    }
    manifest.update(extra or {})
    target = run_dir / "manifest.json"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(target)
    return target
