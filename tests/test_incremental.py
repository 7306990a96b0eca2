"""Incremental runs: a chapter runs again only when its inputs changed; reused chapters are complete."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from conftest import make_project_copy
from veiligheidsanalyse.config import load_config
from veiligheidsanalyse.paths import intern_dir
from veiligheidsanalyse.report import incremental as inc
from veiligheidsanalyse.store.build import resolve_tables, store_cache_key

CHAPTERS = ["00_gebied", "99_methode"]


# ------------------------------------------------------------------------------------------ units


def test_module_record_decides_reuse():
    files = dict(inc._package_files())
    record = {
        "modules": {"chapters/page.py": files["chapters/page.py"], "chapters/gebied.py": files["chapters/gebied.py"]}
    }
    assert inc.modules_unchanged(record)
    record["modules"]["chapters/gebied.py"] = "0" * 64  # a module the chapter loaded has changed
    assert not inc.modules_unchanged(record)
    assert not inc.modules_unchanged({"modules": {"verdwenen.py": "0" * 64}})
    # Without a module list: the whole package must be unchanged.
    assert inc.modules_unchanged({"package_hash": inc.package_hash()})
    assert not inc.modules_unchanged({"package_hash": "x"})


def test_static_key_follows_notebook_and_parameters(tmp_path: Path, root: Path):
    config = load_config(root / "config" / "westerveld.yaml")
    nb = tmp_path / "00_gebied.ipynb"
    shutil.copy(root / "notebooks" / "00_gebied.ipynb", nb)
    key = inc.static_key(nb, config, "00_gebied")
    assert inc.static_key(nb, config, "00_gebied") == key
    assert inc.static_key(nb, load_config(root / "config" / "westerveld.yaml", gemeente="GM1690"), "00_gebied") != key
    run_only = replace(config, raw=dict(config.raw, uitvoer="elders", uitvoering={"parallel": 1}))
    assert inc.static_key(nb, run_only, "00_gebied") == key  # where and how fast: not what a chapter shows
    nb.write_text(nb.read_text(encoding="utf-8").replace("Gebiedsbeschrijving", "Gebied"), encoding="utf-8")
    assert inc.static_key(nb, config, "00_gebied") != key
    assert inc.chapter_key(key, "data-a") != inc.chapter_key(key, "data-b")


def test_store_cache_key_follows_snapshots_inputs_and_gemeente(tmp_path: Path, root: Path):
    inputs = tmp_path / "inputs" / "westerveld"
    shutil.copytree(root / "data" / "inputs" / "voorbeeld" / "westerveld", inputs)
    config = load_config(root / "config" / "westerveld.yaml")
    config = replace(config, invoer_map=tmp_path / "inputs" / "{naam}")
    resolution = resolve_tables(config, root, "demo")
    key = store_cache_key(config, root, "Westerveld", resolution, False)
    assert store_cache_key(config, root, "Westerveld", resolution, False) == key
    halt = inputs / "halt.csv"
    halt.write_text(halt.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert store_cache_key(config, root, "Westerveld", resolution, False) != key
    key = store_cache_key(config, root, "Westerveld", resolution, False)
    assert store_cache_key(config, root, "Westerveld", resolution, True) != key  # example files used or not
    fewer = replace(resolution, tables={t: r for t, r in resolution.tables.items() if t != "85146NED"})
    assert store_cache_key(config, root, "Westerveld", fewer, False) != key
    other = replace(config, gemeente="GM1690")
    assert store_cache_key(other, root, "De Wolden", resolution, False) != key


# ------------------------------------------------------------------------------------------ runs


def _runner(project: Path):
    env = dict(os.environ, VA_PROJECT_ROOT=str(project))
    config = project / "config" / "westerveld.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["hoofdstukken"] = CHAPTERS
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    def run(*extra: str) -> tuple[subprocess.CompletedProcess, dict, Path]:
        result = subprocess.run(
            [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet", *extra],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        latest = (project / "outputs" / "westerveld" / "latest").resolve()
        return result, json.loads((latest / "manifest.json").read_text(encoding="utf-8")), latest

    return run


def executed(manifest: dict) -> list[str]:
    return sorted(ch for ch, r in manifest["chapters"].items() if not r.get("reused_from"))


@pytest.mark.e2e
def test_only_what_changed_runs_again(tmp_path: Path):
    project = make_project_copy(tmp_path, chapters=CHAPTERS)
    run = _runner(project)

    _, first, run1 = run()
    assert executed(first) == CHAPTERS
    for ch in CHAPTERS:
        record = first["chapters"][ch]
        assert record["key"] and record["static_key"] and record["executed_in"] == run1.name
        assert record["modules"] and "chapters/page.py" in record["modules"]  # what the chapter's kernel loaded
        assert record["kernel_cpu_seconds"] > 0 and record["kernel_max_rss_kb"] > 0

    # Nothing changed: everything reused, and the new run folder is complete on its own.
    result, second, run2 = run()
    assert run2 != run1 and executed(second) == []
    assert "2 hergebruikt" in result.stdout
    for ch in CHAPTERS:
        assert second["chapters"][ch]["reused_from"] == run1.name
        assert second["chapters"][ch]["executed_in"] == run1.name
        assert second["chapters"][ch]["status"] == "ok"
        page = (run2 / f"{ch}.html").read_text(encoding="utf-8")
        assert run2.name in page and run1.name not in page  # rendered in this run's page shell
        assert (intern_dir(run2) / "notebooks" / f"{ch}.ipynb").exists()
        assert (intern_dir(run2) / "findings" / f"{ch}.json").exists()
    csvs = sorted(p.name for p in (run1 / "csv").glob("00_gebied__*.csv"))
    assert csvs and csvs == sorted(p.name for p in (run2 / "csv").glob("00_gebied__*.csv"))
    assert os.path.samefile(run1 / "csv" / csvs[0], run2 / "csv" / csvs[0])  # hard links, not copies
    index = (run2 / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{ch}.html"' in index for ch in CHAPTERS) and run2.name in index
    assert second["data_key"] == first["data_key"]  # the store came from the cache, unchanged
    shutil.rmtree(run1)  # every run folder stands on its own
    assert (run2 / "csv" / csvs[0]).read_bytes() and (intern_dir(run2) / "bodies" / "00_gebied.html").exists()

    # One notebook edited: that chapter (and the index) only.
    nb_path = project / "notebooks" / "99_methode.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "markdown", "id": "extra", "metadata": {}, "source": "Een extra alinea."})
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    _, third, run3 = run()
    assert executed(third) == ["99_methode"]
    assert third["chapters"]["00_gebied"]["reused_from"] == run2.name
    assert third["chapters"]["00_gebied"]["executed_in"] == run1.name
    assert "Een extra alinea." in (run3 / "99_methode.html").read_text(encoding="utf-8")

    # --force runs everything.
    _, fourth, _ = run("--force")
    assert executed(fourth) == CHAPTERS

    # Different data (a partner file changed): every chapter reads the store, so every chapter runs.
    os.unlink(project / "data" / "inputs")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "inputs", project / "data" / "inputs")
    story = project / "data" / "inputs" / "westerveld" / "verhaal" / "04_jeugd.md"
    story.parent.mkdir()
    story.write_text("Een nieuwe zin.\n", encoding="utf-8")
    _, fifth, _ = run()
    assert executed(fifth) == CHAPTERS and fifth["data_key"] != fourth["data_key"]
