"""The store cache: what a store is made of (the code it is built with, the partner files), and
keeping a built store for the next run or linking a kept one into a run (``build.store_cache_key``
names the entry)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import uuid
from pathlib import Path

from ..hashing import digest_json, package_files, sha256_or_none
from ..sources.limits import MAX_PARTNER_FILE_BYTES

META_FILE = "meta.json"  # an entry's record: the choice per table and the data status

# The boundaries in the store are read, cut and simplified by maps/boundaries.py and maps/simplify.py
# (called from sources/boundaries.py).
STORE_CODE = (
    "store/",
    "observations.py",
    "indicators.py",
    "indicators.yaml",
    "dates.py",
    "hashing.py",
    "sources/",
    "maps/boundaries.py",
    "maps/simplify.py",
)


def store_code_files() -> tuple[str, ...]:
    """The package files (relative paths) the store is built with: those of :data:`STORE_CODE`."""
    return tuple(
        rel
        for rel, _h in package_files()
        if any(rel == part or (part.endswith("/") and rel.startswith(part)) for part in STORE_CODE)
    )


def store_code_hash() -> str:
    """Hash of the code and data files the store is built with."""
    files = set(store_code_files())
    return digest_json([(rel, h) for rel, h in package_files() if rel in files])


def input_fingerprints(folder: Path) -> dict[str, str]:
    """What each file in a partner folder is, for the store's cache key, read only where the partner
    check reads it: a link out of the folder, a special file or a file above the size limit is
    described (the check refuses it, naming it) but never opened."""
    inside = folder.resolve()
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]):
            path = Path(dirpath) / name
            key = str(path.relative_to(folder))
            if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(inside):
                out[key] = "link buiten de map"
                continue
            try:
                info = path.stat()
            except (OSError, RuntimeError):  # a dangling link or a link loop: the partner check names it
                out[key] = "onleesbaar"
                continue
            if not stat.S_ISREG(info.st_mode):
                out[key] = "geen gewoon bestand"
            elif info.st_size > MAX_PARTNER_FILE_BYTES:
                out[key] = f"te groot:{info.st_size}:{info.st_mtime_ns}"
            else:
                out[key] = sha256_or_none(path)
    return dict(sorted(out.items()))


def link_tree(src: Path, dst: Path, skip: tuple[str, ...] = ()) -> None:
    """Hard-link every file of ``src`` (but those named in ``skip``) into ``dst``; copy where links are impossible."""
    for path in src.rglob("*"):
        if path.is_dir() or path.name in skip:
            continue
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def cached_store(entry: Path, work_dir: Path) -> dict | None:
    """Link a cached store into ``work_dir`` and return its record (meta.json); None when there is none."""
    meta_file = entry / META_FILE
    if not meta_file.is_file():
        return None
    try:
        record = json.loads(meta_file.read_text(encoding="utf-8"))
        work_dir.mkdir(parents=True, exist_ok=True)
        link_tree(entry / "store", work_dir)
    except (OSError, ValueError):
        shutil.rmtree(work_dir, ignore_errors=True)
        return None
    os.utime(entry)  # most recently used: kept longest by the cache's retention
    return record


def keep_store(cache_dir: Path, key: str, work_dir: Path, meta: dict) -> None:
    """Keep the store just built (linked, not copied) for the next run; never fails the run.
    Its ``status.json`` is left out: a run from the cache writes its own data status."""
    entry = cache_dir / key
    if entry.exists():
        return
    tmp = cache_dir / f".tmp-{key[:16]}-{uuid.uuid4().hex[:6]}"
    try:
        (tmp / "store").mkdir(parents=True)
        link_tree(work_dir, tmp / "store", skip=("status.json",))
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        os.rename(tmp, entry)
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
