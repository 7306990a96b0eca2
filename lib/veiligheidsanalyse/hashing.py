"""What things are made of, as hashes: files, JSON-able values, the package's own files, the software.

Used by the snapshot cache (a snapshot's files against its provenance), the store's cache key and
the report's chapter keys.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

# The packages whose versions go into the keys and the manifest.
PACKAGES = (
    "veiligheidsanalyse",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "cbsodata",
    "pyarrow",
    "openpyxl",
)


def sha256_file(path: Path) -> str:
    """The file's sha256 (hex); OSError when it cannot be read."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_or_none(path: Path) -> str | None:
    """The file's sha256, or None when it is missing or cannot be read."""
    try:
        return sha256_file(path)
    except OSError:
        return None


def digest_json(obj) -> str:
    """sha256 of a JSON-able value, independent of key order."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def package_dir() -> Path:
    return Path(__file__).resolve().parent


@cache
def package_files() -> tuple[tuple[str, str], ...]:
    """Every file of the package (code and data) with its hash, by path relative to the package."""
    base = package_dir()
    out = []
    for path in sorted(base.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".tmp"):
            continue
        out.append((str(path.relative_to(base)), sha256_or_none(path) or "missing"))
    return tuple(out)


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "niet geïnstalleerd"
    return out


@lru_cache(maxsize=1)
def dependency_versions() -> dict[str, str]:
    """The software a result is made with: the pinned packages, Python and the interpreter."""
    versions = {k: v for k, v in package_versions().items() if k != "veiligheidsanalyse"}
    versions["python"] = sys.version.split()[0]
    versions["interpreter"] = str(Path(sys.executable))
    return versions
