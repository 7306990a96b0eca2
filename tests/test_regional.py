"""The regional report of Zuidwest-Drenthe: each gemeente against the rest of the region and NL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import make_project_copy
from veiligheidsanalyse.chapters import regio
from veiligheidsanalyse.config import load_config
from veiligheidsanalyse.notebook import open_region
from veiligheidsanalyse.report.runner import RunOptions
from veiligheidsanalyse.stats import compare, verdicts
from veiligheidsanalyse.store.build import prepare_run_data

GEMEENTEN = {"GM0119": "Meppel", "GM1731": "Midden-Drenthe", "GM1701": "Westerveld"}


@pytest.fixture(scope="module")
def region(tmp_path_factory, root: Path) -> regio.Region:
    """The region on the demo data, every gemeente from its own store (Westerveld with partner inputs)."""
    folder = tmp_path_factory.mktemp("regio")
    config_path = root / "config" / "zuidwest-drenthe.yaml"
    config = load_config(config_path)
    stores = {}
    for code in config.targets():
        store = folder / code
        prepare_run_data(config.for_gemeente(code), root, RunOptions(policy="demo"), work_dir=store)
        stores[code] = str(store)
    return open_region(config=str(config_path), stores=json.dumps(stores), run_dir=str(folder / "run"))


@pytest.fixture(scope="module")
def result(region) -> regio.RegionalResult:
    return regio.analyse(region)


def test_every_joint_priority_is_shown(result):
    assert [t.naam for t in result.themes] == [
        "Ondermijning",
        "Jonge aanwas",
        "Digitale veiligheid",
        "Veilig buitengebied",
        "Zorg en veiligheid",
    ]
    shown = {c.indicator.id for t in result.themes for c in t.comparisons}
    assert {
        "drugshandel",
        "wapenhandel",
        "mensenhandel",
        "drugsafval_bodem",
        "overlast_jeugd",
        "cybercrime",
        "fraude_horizontaal",
        "fraude_overig",
        "autokraak",
        "inbraak_bedrijven",
        "overlast_verward",
    } <= shown
    assert 1 <= len(result.findings) <= 5


def test_rows_add_up_and_use_the_stats_package(region, result):
    comp = next(c for t in result.themes for c in t.comparisons if c.indicator.id == "overlast_verward")
    rows = {r.code: r for r in comp.rows}
    assert set(rows) == set(GEMEENTEN) | {"ZWD", "NL01"}
    assert [rows[c].naam for c in GEMEENTEN] == list(GEMEENTEN.values())
    assert rows["ZWD"].count == sum(rows[c].count for c in GEMEENTEN)
    assert rows["ZWD"].denominator == sum(rows[c].denominator for c in GEMEENTEN)
    # Each gemeente against the *rest* of the region, with the stats package's test and wording.
    m = rows["GM0119"]
    expected = compare.compare_with_region(
        m.count, m.denominator, rows["ZWD"].count, rows["ZWD"].denominator, per=comp.indicator.per
    )
    assert m.vs_regio == verdicts.verdict_benchmark(expected, "de rest van Zuidwest-Drenthe", comp.indicator.min_count)
    nl = compare.compare_with_benchmark(m.count, m.denominator, rows["NL01"].rate, per=comp.indicator.per)
    assert m.vs_nl == verdicts.verdict_benchmark(nl, "Nederland", comp.indicator.min_count)
    assert rows["ZWD"].rate == pytest.approx(rows["ZWD"].count / rows["ZWD"].denominator * comp.indicator.per)
    assert all(r.lower <= r.rate <= r.upper for r in comp.rows if np.isfinite(r.rate))


def test_small_numbers_are_pooled_for_all_gemeenten_alike(result):
    comp = next(c for t in result.themes for c in t.comparisons if c.indicator.id == "mensenhandel")
    assert comp.years[1] - comp.years[0] == 2 and "per jaar" in comp.rate_label
    assert any("te weinig gevallen" in r.vs_nl for r in comp.rows if r.rol == "gemeente")


def test_partner_figures_only_where_a_gemeente_has_them(result):
    comp = next(c for t in result.themes for c in t.comparisons if c.indicator.id == "halt_verwijzingen")
    assert [r.naam for r in comp.rows] == ["Westerveld"]  # Halt figures came with Westerveld's inputs only
    assert sorted(comp.missing) == ["Meppel", "Midden-Drenthe"]
    assert "regio onvolledig" in comp.rows[0].vs_regio


def test_page_has_tables_figures_and_links(region, result):
    regio.show(region, result)
    findings = json.loads((Path(region.ch.findings_dir) / "regio.json").read_text(encoding="utf-8"))
    *shown, mark = findings["findings"]
    assert shown == result.findings  # and the demo data of the region's stores are named
    assert mark.startswith("DEMO + VOORBEELD: deze bevindingen rusten deels op demodata") and "ontbreekt" not in mark
    csv = sorted(p.name for p in (region.ch.run_dir / "csv").glob("regio__*.csv"))
    assert "regio__ondermijning_drugshandel.csv" in csv and "regio__ondermijning_drugshandel_figuur.csv" in csv
    assert region.report_links["GM1731"] == "../../midden-drenthe/latest/index.html"


@pytest.mark.e2e
def test_regional_run_end_to_end(tmp_path: Path):
    """config/zuidwest-drenthe.yaml on the demo data: three gemeente reports and the regional report."""
    project = make_project_copy(tmp_path, chapters=["00_gebied"])
    (project / "notebooks" / "regio").mkdir()
    root = Path(__file__).resolve().parents[1]
    (project / "notebooks" / "regio" / "regio.ipynb").write_bytes(
        (root / "notebooks" / "regio" / "regio.ipynb").read_bytes()
    )
    config = project / "config" / "zuidwest-drenthe.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = dict(os.environ, VA_PROJECT_ROOT=str(project))
    result = subprocess.run(
        [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = project / "outputs"
    for folder in ("meppel", "midden-drenthe", "westerveld", "zuidwest-drenthe"):
        assert (outputs / folder / "latest" / "index.html").exists(), folder
    run = (outputs / "zuidwest-drenthe" / "latest").resolve()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["soort"] == "regio" and manifest["regio"]["gemeenten"] == ["GM0119", "GM1731", "GM1701"]
    assert manifest["chapters"]["regio"]["status"] == "ok"
    # The region shows the data of all its gemeenten: Westerveld's example files are in its status.
    assert manifest["data"]["sources"]["partner:halt"]["soort"] == "voorbeeld"
    page = (run / "regio.html").read_text(encoding="utf-8")
    for theme in ("Ondermijning", "Jonge aanwas", "Digitale veiligheid", "Veilig buitengebied", "Zorg en veiligheid"):
        assert f">{theme}</h2>" in page, theme
    assert "Traceback" not in page and "va-banner-demo" in page
    assert "de rest van Zuidwest-Drenthe" in page
    index = (run / "index.html").read_text(encoding="utf-8")
    for link in re.findall(r'href="(\.\./\.\./[^"]+)"', index):  # the gemeenten's reports, relative
        assert (run / link).resolve().exists(), link
    assert len(re.findall(r'href="\.\./\.\./', index)) == 3
    # The gemeente reports of the same run, each with its own store and name.
    meppel = (outputs / "meppel" / "latest").resolve()
    assert meppel.name == run.name and "Meppel" in (meppel / "00_gebied.html").read_text(encoding="utf-8")
    # outputs/index.html lists regions and gemeenten with links that exist.
    overview = (outputs / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+/index\.html)"', overview)
    assert {link.split("/")[0] for link in links} == {"meppel", "midden-drenthe", "westerveld", "zuidwest-drenthe"}
    assert all((outputs / link).exists() for link in links)
    assert "Regio's" in overview and "Zuidwest-Drenthe" in overview

    # Only the regional report: the gemeenten lend their stores, their published reports stay.
    before = {f: os.readlink(outputs / f / "latest") for f in ("meppel", "midden-drenthe", "westerveld")}
    again = subprocess.run(
        [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet", "--hoofdstuk", "regio"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert {f: os.readlink(outputs / f / "latest") for f in before} == before
    region_run = (outputs / "zuidwest-drenthe" / "latest").resolve()
    assert region_run != run
    manifest = json.loads((region_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["chapters"]["regio"]["reused_from"] == run.name  # nothing changed: reused
    assert (region_run / "regio.html").exists()
