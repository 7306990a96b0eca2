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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DATA_FILE = "data.json.gz"
METADATA_FILE = "metadata.json"
PROVENANCE_FILE = "provenance.json"


class SnapshotError(Exception):
    """A snapshot folder is missing, incomplete or does not match its provenance."""


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
            raise SnapshotError(f"{self.path / DATA_FILE}: cannot be read ({exc})") from exc

    def verify(self) -> None:
        """Check every file against the sha256 recorded in provenance.json."""
        recorded = self.provenance.get("sha256", {})
        for name in (DATA_FILE, METADATA_FILE):
            actual = sha256_file(self.path / name)
            if recorded.get(name) != actual:
                raise SnapshotError(
                    f"{self.path / name}: sha256 {actual[:12]}… does not match provenance.json "
                    f"({str(recorded.get(name))[:12]}…)"
                )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SnapshotError(f"{path}: missing") from exc
    except ValueError as exc:
        raise SnapshotError(f"{path}: not valid JSON ({exc})") from exc


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_snapshot_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _gzip_json(obj: Any) -> bytes:
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
    table_dir = root / table_id
    final = table_dir / snapshot_id
    if final.exists():
        raise SnapshotError(f"{final}: snapshot already exists; snapshots are never overwritten")
    table_dir.mkdir(parents=True, exist_ok=True)
    tmp = table_dir / f".tmp-{snapshot_id}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        data_bytes = _gzip_json(rows)
        meta_bytes = json.dumps(metadata, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        _write_file(tmp / DATA_FILE, data_bytes)
        _write_file(tmp / METADATA_FILE, meta_bytes)
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
        _fsync_dir(table_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Snapshot(final)


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
    """Complete snapshots of a table, oldest first. Temporary folders of broken writes are ignored."""
    table_dir = Path(root) / table_id
    if not table_dir.is_dir():
        return []
    found = [
        Snapshot(p)
        for p in table_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / PROVENANCE_FILE).is_file()
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
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return (now - when).total_seconds() / 86400
