"""The committed demo snapshot is what the seeded generator makes; notebooks and pins stay clean."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

from notebook_hygiene import all_notebooks, notebook_problems
from veiligheidsanalyse.hashing import sha256_file
from veiligheidsanalyse.sources.boundaries import SOURCE_ID
from veiligheidsanalyse.sources.demo import generate
from veiligheidsanalyse.store.prepare import demo_snapshots


def test_committed_demo_equals_generator(root: Path, tmp_path: Path):
    generate(tmp_path)
    # The demo boundaries come from real files by their own generator (tests/test_boundaries_source.py).
    committed = sorted(
        p.relative_to(root / "data" / "demo")
        for p in (root / "data" / "demo").rglob("*")
        if p.is_file() and p.relative_to(root / "data" / "demo").parts[0] != SOURCE_ID
    )
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == fresh
    for rel in committed:
        assert sha256_file(root / "data" / "demo" / rel) == sha256_file(tmp_path / rel), rel


def test_demo_has_the_shape_of_the_real_tables(root: Path):
    snaps = demo_snapshots(root / "data" / "demo")
    crime = snaps["47013NED"]
    crime.verify()
    rows = crime.rows()
    assert any(r["RegioS"] == "GM1701  " for r in rows)  # space-padded keys
    assert any(r["SoortMisdrijf"] == "0.0.0 " for r in rows)
    periods = {r["Perioden"] for r in rows}
    assert "2022JJ00" in periods and "2022MM01" not in periods and "2025MM01" in periods
    assert any(r["GeregistreerdeMisdrijven_1"] == "." for r in rows)  # suppressed cells
    assert crime.provenance["demo"] is True
    pop = [
        r
        for r in snaps["03759ned"].rows()
        if r["RegioS"].strip() == "GM1701" and r["Leeftijd"] == "10000" and r["Perioden"] == "2025JJ00"
    ]
    assert 18_000 < float(pop[0]["BevolkingOp1Januari_1"]) < 22_000


def test_demo_covers_the_comparison_set(root: Path):
    config = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    codes = {
        m["Key"].strip() for m in demo_snapshots(root / "data" / "demo")["47013NED"].metadata["dimensions"]["RegioS"]
    }
    for group in config["vergelijking"].values():
        if isinstance(group, dict):
            assert set(group["gemeenten"]) <= codes


def test_notebooks_are_committed_clean(root: Path):
    notebooks = all_notebooks(root)
    assert root / "notebooks" / "regio" / "regio.ipynb" in notebooks
    for path in notebooks:
        assert notebook_problems(path) == [], path.relative_to(root)


def test_the_notebook_check_names_what_is_not_clean(root: Path, tmp_path: Path):
    nb = json.loads((root / "notebooks" / "regio" / "regio.ipynb").read_text(encoding="utf-8"))
    nb["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "42"}]
    nb["cells"][-1]["execution_count"] = 3
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    params["source"] = "gemeente = 'GM1701'\njaar = 2020 + 5\n"
    dirty = tmp_path / "dirty.ipynb"
    dirty.write_text(json.dumps(nb), encoding="utf-8")
    n = len(nb["cells"])
    assert notebook_problems(dirty) == [
        f"cell {n} has outputs",
        f"cell {n} has an execution count",
        "the parameters cell holds more than literal assignments",
    ]


def test_environment_yml_and_pyproject_pin_the_same(root: Path):
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    env = yaml.safe_load((root / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = {p for p in pip if not p.startswith("-e")}
    assert env_pins == pins
    assert all(re.search(r"==\d", p) for p in pins)
