"""Shared fixtures: the project folder, a demo-data config, the real extracts in ../shared (if present)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def shared_real_data() -> Path | None:
    """Real CBS/politie extracts used as known answers; test material outside the repository."""
    env = os.environ.get("VA_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "data" / "real")
    for path in candidates:
        if path.is_dir():
            return path
    return None


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    """The Westerveld config with the demo data policy, written to a temporary file."""
    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["data"]["demo"] = str(ROOT / "data" / "demo")
    data["uitvoer"] = str(tmp_path / "outputs")
    if data.get("invoer", {}).get("map"):
        data["invoer"]["map"] = str(ROOT / data["invoer"]["map"])
    path = tmp_path / "westerveld-demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_project_copy(tmp_path: Path, chapters: list[str] | None = None) -> Path:
    """A throw-away project folder (notebooks, config, demo data) for runs that change notebooks."""
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if chapters is None or nb.stem in chapters:
            shutil.copy(nb, project / "notebooks" / nb.name)
    shutil.copytree(ROOT / "config", project / "config")
    (project / "data").mkdir()
    os.symlink(ROOT / "data" / "demo", project / "data" / "demo")
    if (ROOT / "data" / "inputs").exists():
        os.symlink(ROOT / "data" / "inputs", project / "data" / "inputs")
    return project
