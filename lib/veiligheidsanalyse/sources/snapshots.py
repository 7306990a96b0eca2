"""Immutable snapshots of one OData table: the format shared by the fetch cache and the demo data.

A snapshot is a folder ``<root>/<TABLE_ID>/<SNAPSHOT_ID>/`` holding

- ``data.json.gz``   the raw rows exactly as the server returned them (UntypedDataSet: values are
                     strings, space-padded keys, ``"."`` for unknown/secret cells);
- ``metadata.json``  ``{"TableInfos": {...}, "DataProperties": [...], "dimensions": {name: [...]}}``;
- ``provenance.json`` where it came from (URL, filters, retrieval time, the table's own modified
                     date, row count, sha256 of every file), written last.

Snapshots are written into a hidden temporary folder next to the final one and renamed into place,
so a reader never sees a half-written snapshot and a failed download leaves nothing behind.
Snapshot ids sort by time (``20261127T181500Z``); the demo snapshot uses ``demo``.

A download that lacks what the analysis needs never becomes a snapshot: it is kept aside under
``<root>/<TABLE_ID>/rejected/<SNAPSHOT_ID>/`` (the same three files plus ``reden.txt``, the Dutch
reason) by :func:`write_rejected`, for whoever wants to see what the server sent. Those folders are
never listed by :func:`list_snapshots`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import EXIT_DATA_UNAVAILABLE, VeiligheidsanalyseError
from ..hashing import sha256_file

DATA_FILE = "data.json.gz"
METADATA_FILE = "metadata.json"
PROVENANCE_FILE = "provenance.json"
REJECTED_DIR = "rejected"  # <root>/<TABLE_ID>/rejected/<id>/: downloads that failed the structure check
REASON_FILE = "reden.txt"
KEEP_REJECTED = 5  # rejected downloads kept per table (the newest)


class SnapshotError(VeiligheidsanalyseError):
    """A snapshot folder is missing, incomplete or does not match its provenance (exit 3)."""

    exit_code = EXIT_DATA_UNAVAILABLE


@dataclass(frozen=True)
class Snapshot:
    """A snapshot on disk. Reading the rows is explicit (``rows()``) because it costs time."""

    path: Path

    @property
    def table_id(self) -> str:
        return self.path.parent.name

    @property
    def snapshot_id(self) -> str:
        return self.path.name

    @property
    def provenance(self) -> dict[str, Any]:
        return _read_json(self.path / PROVENANCE_FILE)

    @property
    def metadata(self) -> dict[str, Any]:
        return _read_json(self.path / METADATA_FILE)

    def rows(self) -> list[dict[str, Any]]:
        try:
            with gzip.open(self.path / DATA_FILE, "rt", encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"{self.path / DATA_FILE}: niet te lezen ({exc})") from exc

    def verify(self) -> None:
        """Check every file against the sha256 recorded in provenance.json."""
        recorded = self.provenance.get("sha256", {})
        for name in (DATA_FILE, METADATA_FILE):
            try:
                actual = sha256_file(self.path / name)
            except FileNotFoundError as exc:
                raise SnapshotError(f"{self.path / name}: ontbreekt") from exc
            except OSError as exc:
                raise SnapshotError(f"{self.path / name}: niet te lezen") from exc
            if recorded.get(name) != actual:
                raise SnapshotError(
                    f"{self.path / name}: sha256 {actual[:12]}… klopt niet met provenance.json "
                    f"({str(recorded.get(name))[:12]}…)"
                )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SnapshotError(f"{path}: ontbreekt") from exc
    except ValueError as exc:
        raise SnapshotError(f"{path}: geen geldige JSON ({exc})") from exc


def new_snapshot_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def free_snapshot_id(root: Path, table_id: str, when: datetime) -> str:
    """A snapshot id for ``when`` that is not taken yet (two fetches within one second)."""
    base = new_snapshot_id(when)
    candidate, n = base, 0
    while (Path(root) / table_id / candidate).exists():
        n += 1
        candidate = f"{base}-{n:02d}"
    return candidate


def retrieved_at(snap: Snapshot) -> datetime | None:
    """When the snapshot was fetched (UTC, from its provenance); None when the provenance cannot say."""
    try:
        value = snap.provenance.get("retrieved_at")
        when = datetime.fromisoformat(value) if value else None
    except (SnapshotError, ValueError):
        return None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def gzip_json(obj: Any) -> bytes:
    """Deterministic gzip (mtime 0, no file name) so equal content gives equal bytes and hashes."""
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buf.getvalue()


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_snapshot(
    root: Path,
    table_id: str,
    rows: list[dict[str, Any]],
    metadata: dict[str, Any],
    provenance: dict[str, Any],
    snapshot_id: str | None = None,
) -> Snapshot:
    """Write a complete snapshot atomically and return it.

    ``provenance`` holds what the caller knows (url, filters, catalog, table_modified, ...);
    row count, file hashes, table id and snapshot id are added here. An existing snapshot with the
    same id is never overwritten (snapshots are immutable): that raises SnapshotError.
    """
    root = Path(root)
    snapshot_id = snapshot_id or new_snapshot_id()
    final = _write_folder(root / table_id, snapshot_id, table_id, rows, metadata, provenance)
    return Snapshot(final)


def _write_folder(
    parent: Path,
    snapshot_id: str,
    table_id: str,
    rows: list[dict[str, Any]],
    metadata: dict[str, Any],
    provenance: dict[str, Any],
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Data, metadata, ``extra`` files and provenance (last) into ``parent/snapshot_id``, atomically."""
    final = parent / snapshot_id
    if final.exists():
        raise SnapshotError(f"{final}: snapshot already exists; snapshots are never overwritten")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".tmp-{snapshot_id}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        data_bytes = gzip_json(rows)
        meta_bytes = json.dumps(metadata, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        _write_file(tmp / DATA_FILE, data_bytes)
        _write_file(tmp / METADATA_FILE, meta_bytes)
        for name, content in (extra or {}).items():
            _write_file(tmp / name, content)
        record = dict(provenance)
        record.update(
            {
                "table_id": table_id,
                "snapshot_id": snapshot_id,
                "row_count": len(rows),
                "sha256": {
                    DATA_FILE: hashlib.sha256(data_bytes).hexdigest(),
                    METADATA_FILE: hashlib.sha256(meta_bytes).hexdigest(),
                },
            }
        )
        _write_file(
            tmp / PROVENANCE_FILE,
            json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"),
        )
        os.rename(tmp, final)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def rejected_dir(root: Path, table_id: str) -> Path:
    return Path(root) / table_id / REJECTED_DIR


def write_rejected(
    root: Path,
    table_id: str,
    rows: list[dict[str, Any]],
    metadata: dict[str, Any],
    provenance: dict[str, Any],
    reasons: list[str],
    snapshot_id: str | None = None,
    keep: int = KEEP_REJECTED,
) -> Path:
    """Keep a download that must not become a snapshot aside, with the reasons, and return its folder.

    Written like a snapshot (atomically, same files) under ``<root>/<table_id>/rejected/<id>/`` plus
    ``reden.txt`` (one Dutch reason a line); ``provenance.json`` records ``rejected: true`` and the
    reasons. Only the ``keep`` newest rejected downloads of a table are kept.
    """
    parent = rejected_dir(root, table_id)
    base = snapshot_id or new_snapshot_id()
    candidate, n = base, 0
    while (parent / candidate).exists():
        n += 1
        candidate = f"{base}-{n:02d}"
    text = "".join(f"{line}\n" for line in reasons).encode("utf-8")
    record = dict(provenance, rejected=True, rejected_reasons=list(reasons))
    final = _write_folder(parent, candidate, table_id, rows, metadata, record, extra={REASON_FILE: text})
    for old in list_rejected(root, table_id)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def set_aside(snapshot: Snapshot, reason: str, keep: int = KEEP_REJECTED) -> Path | None:
    """Move a damaged snapshot to ``rejected/`` with ``reden.txt``, so that no later run trips over it
    (and the files stay for inspection). None when it cannot be moved (read-only cache, a run beside)."""
    path = Path(snapshot.path)
    parent = rejected_dir(path.parent.parent, path.parent.name)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        target = parent / path.name
        n = 0
        while target.exists():
            n += 1
            target = parent / f"{path.name}-{n:02d}"
        path.rename(target)  # one rename: the snapshot is either in place or aside, never half
        (target / REASON_FILE).write_text(f"beschadigd: {reason}\n", encoding="utf-8")
    except OSError:
        return None
    for old in list_rejected(path.parent.parent, path.parent.name)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return target


def list_rejected(root: Path, table_id: str) -> list[Path]:
    """Folders of a table's rejected downloads, oldest first."""
    parent = rejected_dir(root, table_id)
    if not parent.is_dir():
        return []
    return sorted(
        (p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / PROVENANCE_FILE).is_file()),
        key=lambda p: p.name,
    )


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def list_snapshots(root: Path, table_id: str) -> list[Snapshot]:
    """Complete snapshots of a table, oldest first. Temporary folders of broken writes and rejected
    downloads (``rejected/``) are ignored."""
    table_dir = Path(root) / table_id
    if not table_dir.is_dir():
        return []
    found = [
        Snapshot(p)
        for p in table_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name != REJECTED_DIR and (p / PROVENANCE_FILE).is_file()
    ]
    return sorted(found, key=lambda s: s.snapshot_id)


def latest_snapshot(root: Path, table_id: str) -> Snapshot | None:
    snapshots = list_snapshots(root, table_id)
    return snapshots[-1] if snapshots else None


def snapshot_age_days(snapshot: Snapshot, now: datetime | None = None) -> float | None:
    """Days since the snapshot was retrieved, from provenance ``retrieved_at`` (ISO 8601)."""
    retrieved = snapshot.provenance.get("retrieved_at")
    if not retrieved:
        return None
    when = datetime.fromisoformat(retrieved)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return (now - when).total_seconds() / 86400
