"""The benchmark script runs (one quick pass on one chapter); its numbers are not tested here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # five runs of the report: make test-all, CI


def test_benchmark_script_runs_quickly(root: Path, tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            str(root / "benchmarks" / "bench_report.py"),
            "--quick",
            "--only",
            "full,unchanged,edit,nofork",
            "--hoofdstuk",
            "99_methode",
            "--keep",
            str(tmp_path / "bench"),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "runner, volledig" in out and "ondergrens" in out and "niets veranderd (s)" in out
    assert "zonder forken" in out and "forken uit / aan" in out
    assert "[geheugen] hele procesboom (PSS)" in out
    assert "LET OP" not in out  # the unchanged run reused everything, the edit re-ran one chapter
