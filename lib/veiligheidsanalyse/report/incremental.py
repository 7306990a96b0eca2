"""Incremental runs: a chapter is executed again only when something it depends on changed.

A chapter's *key* is a hash of everything that can change its page, CSV files and findings:

- the notebook's source (the file's bytes);
- its parameters: the gemeente and the configuration as parsed (without the keys that only steer
  the run: ``uitvoer``, ``uitvoering``), including the period as resolved today;
- the data it reads: the content hash of the run's store (observations, ``status.json`` with the
  snapshots and their origin, the partner tables and stories);
- the dependencies: Python version and interpreter, and the versions of the pinned packages;
- the package's data files (``indicators.yaml``, templates, stylesheet) and the code that executes
  a notebook and turns it into a page (:data:`ALWAYS_INCLUDED`).

The package's *modules* are checked separately and precisely: the worker records which modules of
the package the chapter's kernel had loaded, with their hashes; the chapter is reused only if every
one of those files is unchanged. Editing ``chapters/criminaliteit.py`` re-runs the chapters that
import it, not the others. (A record without that list falls back to the hash of the whole package.)

A chapter with the same key, unchanged modules and status ok in an earlier run of the same gemeente
is *reused*: its executed notebook, findings, page body and CSV files are hard-linked (or copied)
into the new run folder, so every run folder is complete on its own, and its page is rendered again
in the new run's page shell (navigation, date, banners). The manifest says ``reused_from``: the run
the files came from, and ``executed_in``: the run that executed the notebook.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from ..hashing import dependency_versions
from ..hashing import digest_json as _digest
from ..hashing import package_files as _package_files
from ..hashing import sha256_or_none as sha256_file
from ..paths import intern_dir

RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")
KEY_VERSION = "1"  # bump when the meaning of the key changes
RUN_ONLY_KEYS = ("uitvoer", "uitvoering")  # config keys that do not change what a chapter shows
# The code that executes a notebook and makes its page.
ALWAYS_INCLUDED = (
    "report/export.py",
    "report/pages.py",
    "report/adapters/nbconvert.py",
    "report/worker.py",
    "report/execute.py",
)
# The page shell is rendered anew for reused chapters too, so it is not part of a chapter's key.
SHELL_ONLY = ("report/templates/page.html.j2", "report/style.css")


def package_hash() -> str:
    """Hash of every file of the package (code and data)."""
    return _digest(_package_files())


def package_data_hash() -> str:
    """Hash of the package's data files and of the code that turns a notebook into a page."""
    return _digest(
        [
            (rel, h)
            for rel, h in _package_files()
            if (not rel.endswith(".py") or rel in ALWAYS_INCLUDED) and rel not in SHELL_ONLY
        ]
    )


def modules_unchanged(record: dict) -> bool:
    """Are the package modules the chapter's kernel loaded last time unchanged?"""
    modules = record.get("modules")
    if not modules:
        return record.get("package_hash") == package_hash()
    current = dict(_package_files())
    return all(current.get(rel) == digest for rel, digest in modules.items())


def parameters_digest(config, chapter: str) -> str:
    raw = {k: v for k, v in config.raw.items() if k not in RUN_ONLY_KEYS}
    return _digest(
        {
            "chapter": chapter,
            "gemeente": config.gemeente,
            "config": raw,
            "periode": [config.jaar_van, config.jaar_tot, config.vorige_analyse],
        }
    )


def store_digest(store_dir: Path) -> str:
    """Content hash of a run's store: observations, status and partner inputs."""
    h = hashlib.sha256()
    for path in sorted(p for p in store_dir.rglob("*") if p.is_file() and not p.name.endswith(".tmp")):
        h.update(str(path.relative_to(store_dir)).encode("utf-8") + b"\0")
        h.update((sha256_file(path) or "missing").encode("ascii") + b"\0")
    return h.hexdigest()


def static_key(notebook: Path, config, chapter: str) -> str:
    """The key without the data: what the notebook, its parameters and the software are."""
    return _digest(
        {
            "v": KEY_VERSION,
            "notebook": sha256_file(notebook),
            "parameters": parameters_digest(config, chapter),
            "dependencies": dependency_versions(),
            "package_data": package_data_hash(),
        }
    )


def chapter_key(static: str, data_digest: str) -> str:
    return _digest({"static": static, "data": data_digest})


# ------------------------------------------------------------------------------------ earlier runs


def run_dirs(folder: Path) -> list[Path]:
    """Run folders of a gemeente or region, newest first."""
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if RUN_ID.match(p.name) and p.is_dir() and not p.is_symlink()),
        key=lambda p: p.name,
        reverse=True,
    )


def read_manifest(run_dir: Path) -> dict | None:
    try:
        return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class History:
    """The manifests of a target folder's earlier runs, read once per run."""

    def __init__(self, folder: Path, exclude: str | None = None):
        self.runs: list[tuple[Path, dict]] = []
        for run_dir in run_dirs(folder):
            if run_dir.name == exclude:
                continue
            manifest = read_manifest(run_dir)
            if manifest is not None:
                self.runs.append((run_dir, manifest))

    def chapter_files(self, run_dir: Path, chapter: str) -> list[Path]:
        intern = intern_dir(run_dir)
        return [
            intern / "notebooks" / f"{chapter}.ipynb",
            intern / "bodies" / f"{chapter}.html",
            intern / "findings" / f"{chapter}.json",
        ]

    def reusable(self, chapter: str, key: str) -> tuple[Path, dict] | None:
        """The newest earlier run in which the chapter succeeded with this key and unchanged modules."""
        for run_dir, manifest in self.runs:
            record = manifest.get("chapters", {}).get(chapter)
            if not record or record.get("status") != "ok" or record.get("key") != key:
                continue
            if not modules_unchanged(record):
                continue
            if not all(p.exists() for p in self.chapter_files(run_dir, chapter)[:2]):
                continue
            return run_dir, record
        return None

    def matches_static(self, chapter: str, static: str) -> bool:
        """Could the chapter be reused if the data turns out unchanged? (decides an early worker start)"""
        for _run_dir, manifest in self.runs:
            record = manifest.get("chapters", {}).get(chapter)
            if (
                record
                and record.get("status") == "ok"
                and record.get("static_key") == static
                and modules_unchanged(record)
            ):
                return True
        return False

    def expected_seconds(self, chapter: str) -> float | None:
        """How long the chapter took when it last ran (for scheduling the longest first)."""
        for _run_dir, manifest in self.runs:
            record = manifest.get("chapters", {}).get(chapter) or {}
            if record.get("status") == "ok" and not record.get("reused_from") and record.get("seconds"):
                return float(record["seconds"])
        return None


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def materialise(src_run: Path, dst_run: Path, chapter: str) -> None:
    """Put a reused chapter's files into the new run folder (hard links; copies across devices)."""
    for sub in ("notebooks", "bodies"):
        suffix = ".ipynb" if sub == "notebooks" else ".html"
        _link(intern_dir(src_run) / sub / f"{chapter}{suffix}", intern_dir(dst_run) / sub / f"{chapter}{suffix}")
    findings = intern_dir(src_run) / "findings" / f"{chapter}.json"
    if findings.exists():
        # Copied, not linked: nothing may ever write through into an older run.
        (intern_dir(dst_run) / "findings").mkdir(parents=True, exist_ok=True)
        shutil.copy2(findings, intern_dir(dst_run) / "findings" / f"{chapter}.json")
    log = intern_dir(src_run) / "logs" / f"{chapter}.log"
    if log.exists():
        _link(log, intern_dir(dst_run) / "logs" / f"{chapter}.log")
    csv_dir = src_run / "csv"
    if csv_dir.is_dir():
        for path in csv_dir.glob(f"{chapter}__*.csv"):
            _link(path, dst_run / "csv" / path.name)
