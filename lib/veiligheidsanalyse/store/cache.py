"""Which package files a store is built with: part of the store's cache key (see ``build.store_cache_key``)."""

from __future__ import annotations

from ..hashing import digest_json, package_files

# The boundaries in the store are read, cut and simplified by maps/boundaries.py and maps/simplify.py
# (called from sources/boundaries.py).
STORE_CODE = ("store/", "observations.py", "indicators.py", "indicators.yaml", "dates.py", "hashing.py",
              "sources/", "maps/boundaries.py", "maps/simplify.py")


def store_code_files() -> tuple[str, ...]:
    """The package files (relative paths) the store is built with: those of :data:`STORE_CODE`."""
    return tuple(rel for rel, _h in package_files()
                 if any(rel == part or (part.endswith("/") and rel.startswith(part)) for part in STORE_CODE))


def store_code_hash() -> str:
    """Hash of the code and data files the store is built with."""
    files = set(store_code_files())
    return digest_json([(rel, h) for rel, h in package_files() if rel in files])
