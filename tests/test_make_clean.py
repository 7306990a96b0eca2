"""`make clean` removes every built report, the executed notebooks in outputs/.intern among them, and keeps the data."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REMOVED = [
    "outputs/westerveld/latest/index.html",
    "outputs/.intern/westerveld/01_criminaliteit.ipynb",  # executed: partner numbers unsuppressed
    "outputs/.extern/westerveld/index.html",
    "outputs/.cache/store.json",
    "outputs/logs/run.log",
    "lib/veiligheidsanalyse/__pycache__/x.pyc",
    ".ruff_cache/CACHEDIR.TAG",
    ".mypy_cache/CACHEDIR.TAG",
]
KEPT = ["outputs/README.md", "data/cache/cbs/snapshot.json", "data/demo/demo.json", ".venv/pyvenv.cfg"]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_removes_the_outputs_and_keeps_the_data(root: Path, tmp_path: Path):
    shutil.copy(root / "Makefile", tmp_path / "Makefile")
    for rel in REMOVED + KEPT:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    subprocess.run(["make", "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert [rel for rel in REMOVED if (tmp_path / rel).exists()] == []
    assert [rel for rel in KEPT if not (tmp_path / rel).exists()] == []
    assert not (tmp_path / "outputs" / ".intern").exists()
