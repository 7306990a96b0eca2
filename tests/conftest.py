"""Shared fixtures: the project folder, a demo-data config, the real extracts in ../shared (if present)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """The observation store of a Westerveld run on the demo data (with the example partner inputs)."""
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.report.data_step import prepare_run_data
    from veiligheidsanalyse.report.runner import RunOptions

    folder = tmp_path_factory.mktemp("store") / "data"
    config = load_config(ROOT / "config" / "westerveld.yaml")
    prepare_run_data(config, ROOT, RunOptions(policy="demo"), work_dir=folder)
    return folder


@pytest.fixture(scope="session")
def demo_dataset(demo_store: Path):
    """Dataset (observations + comparison set) of the Westerveld demo store."""
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.data import load

    return load(demo_store, load_config(ROOT / "config" / "westerveld.yaml"))


def dataset_for(store: Path, gemeente: str):
    """The same store seen from another gemeente of the comparison set (e.g. GM1690 De Wolden)."""
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.data import load

    return load(store, load_config(ROOT / "config" / "westerveld.yaml", gemeente=gemeente))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, root: Path) -> Path:
    """One full report on the demo data, built once per session and shared by the tests that only read it
    (end to end, HTML pages, browser). Returns the run folder (what ``latest`` points at)."""
    tmp = tmp_path_factory.mktemp("e2e")
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["uitvoer"] = str(tmp / "outputs")
    config = tmp / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet"],
                            cwd=root, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    latest = tmp / "outputs" / "westerveld" / "latest"
    assert latest.is_symlink()
    return latest.resolve()
