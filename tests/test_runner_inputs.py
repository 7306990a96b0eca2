"""Partner inputs in a run: checked before any kernel starts, stored for the chapters, per gemeente."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import make_project_copy


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "veiligheidsanalyse.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_validate_accepts_the_shipped_example(root: Path):
    result = cli("validate", "config/westerveld.yaml", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "in orde" in result.stdout


def _project_with_broken_halt(tmp_path: Path) -> tuple[Path, dict]:
    project = make_project_copy(tmp_path, chapters=["00_gebied"])
    os.unlink(project / "data" / "inputs")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "inputs", project / "data" / "inputs")
    halt = project / "data" / "inputs" / "westerveld" / "halt.csv"
    shutil.copy(project / "data" / "inputs" / "voorbeeld" / "westerveld" / "halt.csv", halt)
    lines = halt.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(";2;", ";twee;", 1) if ";2;" in lines[3] else lines[3].split(";")[0] + ";diefstal;-3;x"
    halt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = project / "config" / "westerveld.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return project, dict(os.environ, VA_PROJECT_ROOT=str(project))


@pytest.mark.fault("bad input")
def test_invalid_partner_file_stops_before_any_kernel(tmp_path: Path):
    project, env = _project_with_broken_halt(tmp_path)
    before = (project / "data" / "inputs" / "westerveld" / "halt.csv").read_bytes()
    checked = cli("validate", "config/westerveld.yaml", cwd=project, env=env)
    assert checked.returncode == 2
    assert "halt.csv:4:aantal" in checked.stderr and "Traceback" not in checked.stderr
    run = cli("run", "config/westerveld.yaml", "--quiet", cwd=project, env=env)
    assert run.returncode == 2 and "halt.csv:4:aantal" in run.stderr
    outputs = project / "outputs"
    assert not outputs.exists() or not any(
        p.name != ".tmp" for p in outputs.rglob("*") if p.is_dir() and p.parent == outputs / "westerveld"
    )
    assert (project / "data" / "inputs" / "westerveld" / "halt.csv").read_bytes() == before


def test_partner_figures_reach_the_store(demo_dataset):
    vr = demo_dataset.series("vr_incidenten", ["GM1701"]).set_index("jaar")["waarde"]
    assert vr[2018] == 186 and vr[2022] == 171
    assert demo_dataset.status.inputs  # file -> sha256 for the manifest
    assert all(len(d) == 64 for d in demo_dataset.status.inputs.values())


def test_same_config_runs_for_another_gemeente_without_its_inputs(tmp_path: Path, root: Path):
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["uitvoer"] = str(tmp_path / "outputs")
    data["hoofdstukken"] = ["00_gebied", "90_synthese"]
    config = tmp_path / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = cli("run", str(config), "--gemeente", "GM1690", "--quiet", cwd=root)
    assert result.returncode == 0, result.stderr
    run = (tmp_path / "outputs" / "de-wolden" / "latest").resolve()
    page = (run / "00_gebied.html").read_text(encoding="utf-8")
    assert "De Wolden" in page and "Westerveld 2023" not in page
    synthesis = (run / "90_synthese.html").read_text(encoding="utf-8")
    assert "geen uitspraken uit een vorig plan" in synthesis  # Westerveld's statements are not De Wolden's
