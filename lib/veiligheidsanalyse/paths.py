"""Where the project lives, so notebooks, the runner and tests find data/, config/ and notebooks/.

Order: the ``VA_PROJECT_ROOT`` environment variable, then the folder above the installed package
(the package is installed editable from lib/), then the current directory and its parents.
"""

from __future__ import annotations

import os
from pathlib import Path


def _is_root(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "notebooks").is_dir()


def project_root() -> Path:
    env = os.environ.get("VA_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[2]
    if _is_root(here):
        return here
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if _is_root(candidate):
            return candidate
    raise RuntimeError(
        "cannot find the project folder (pyproject.toml next to notebooks/); set VA_PROJECT_ROOT to the project folder"
    )


INTERN_ROOT = ".intern"
WORK_DIR_ENV = "VA_WORK_DIR"


def work_root(output_root: Path) -> Path:
    """Where the internal material of runs into ``output_root`` lives (``.intern/``: executed
    notebooks with unsuppressed numbers, data stores, jobs; ``logs/``; ``.cache/``).

    For an output folder inside the project that is the output folder itself (``outputs/.intern``,
    never inside a run folder). An output folder elsewhere (``uitvoer: /srv/share/...``, a file share
    that readers see) gets none of it: its internal material stays in the project's own work folder,
    ``outputs/.extern/<name>-<hash>/`` (or under ``VA_WORK_DIR`` when that is set).
    """
    import hashlib

    output_root = Path(output_root).resolve()
    if any(_is_root(folder) for folder in output_root.parents):  # inside a project (this one or a copy)
        return output_root
    base = Path(os.environ[WORK_DIR_ENV]) if os.environ.get(WORK_DIR_ENV) else project_root() / "outputs" / ".extern"
    digest = hashlib.sha256(str(output_root).encode("utf-8")).hexdigest()[:8]
    return base / f"{output_root.name}-{digest}"


def intern_dir(run_dir: Path) -> Path:
    """Internal files of a run: executed notebooks (unsuppressed numbers), logs, jobs, the data store:
    ``outputs/<gemeente>/<run_id>/`` -> ``<work root>/.intern/<gemeente>/<run_id>/`` (see work_root)."""
    run_dir = Path(run_dir)
    return work_root(run_dir.parent.parent) / INTERN_ROOT / run_dir.parent.name / run_dir.name
