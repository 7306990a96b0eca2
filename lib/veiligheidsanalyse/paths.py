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
