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
        "cannot find the project folder (pyproject.toml next to notebooks/); "
        "set VA_PROJECT_ROOT to the project folder"
    )


INTERN_ROOT = ".intern"


def intern_dir(run_dir: Path) -> Path:
    """Internal files of a run: executed notebooks (unsuppressed numbers), logs, jobs, the data store.

    They live beside the publishable outputs, never inside a run folder that a file share serves:
    ``outputs/<gemeente>/<run_id>/`` -> ``outputs/.intern/<gemeente>/<run_id>/``.
    """
    run_dir = Path(run_dir)
    return run_dir.parent.parent / INTERN_ROOT / run_dir.parent.name / run_dir.name
