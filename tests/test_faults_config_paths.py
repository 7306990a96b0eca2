"""Where a run writes: an output folder outside the project (a file share) gets the published reports
only; the internal material stays in the project's work folder. A ``latest`` that is somebody's
folder is left alone, and no temporary link is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from veiligheidsanalyse.errors import EXIT_INVALID, EXIT_OK
from veiligheidsanalyse.paths import intern_dir, work_root
from veiligheidsanalyse.report.runner import RunOptions, run

pytestmark = pytest.mark.fault("bad input")

INTERNAL_SUFFIXES = (".ipynb", ".parquet", ".log")


def _config(tmp_path: Path, root: Path, share: Path) -> Path:
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["uitvoer"] = str(share)  # absolute, outside the project: allowed
    data["hoofdstukken"] = ["00_gebied"]
    path = tmp_path / "westerveld.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_share_outside_the_project_gets_no_internal_material(tmp_path: Path, root: Path, work_dir: Path):
    share = tmp_path / "share"
    result = run(_config(tmp_path, root, share), RunOptions(progress=False))
    assert result.exit_code == EXIT_OK, result.message
    assert (result.run_dir / "00_gebied.html").exists() and (share / "westerveld" / "latest").is_symlink()
    hidden = sorted(p.name for p in share.iterdir() if p.name.startswith(".") or p.name == "logs")
    assert hidden == [".locks"], hidden  # only the run lock: no .intern, .cache, .tmp or logs
    internal = [p for p in share.rglob("*") if p.suffix in INTERNAL_SUFFIXES]
    assert internal == [], internal
    # The executed notebook and the store are in the project's work folder (here: the tests' one).
    assert work_root(share).is_relative_to(work_dir)
    assert (intern_dir(result.run_dir) / "notebooks" / "00_gebied.ipynb").exists()
    assert (intern_dir(result.run_dir) / "data" / "observations.parquet").exists()


def test_an_output_folder_inside_the_project_keeps_its_own_work_folder(root: Path):
    assert work_root(root / "outputs") == (root / "outputs").resolve()


def test_latest_that_is_a_real_folder_is_left_alone_and_no_temporary_link_remains(tmp_path: Path, root: Path):
    share = tmp_path / "share"
    latest = share / "westerveld" / "latest"
    latest.mkdir(parents=True)
    (latest / "eigen-bestand.txt").write_text("van iemand anders", encoding="utf-8")
    result = run(_config(tmp_path, root, share), RunOptions(progress=False))
    assert result.exit_code == EXIT_INVALID, result.message
    assert "niet gepubliceerd" in result.message and "latest" in result.message and "map" in result.message
    assert latest.is_dir() and not latest.is_symlink()
    assert (latest / "eigen-bestand.txt").read_text(encoding="utf-8") == "van iemand anders"
    leftovers = [p.name for p in (share / "westerveld").iterdir() if p.name.startswith(".latest")]
    assert leftovers == []


@pytest.mark.parametrize("name", ["Kern $\\bad$", "Dorp $x^$", "$\\frac{1}$ kern", "De $\\Wolden$"])
def test_names_from_partners_are_drawn_literally_not_parsed_as_math(name: str):
    # A kern name with dollar signs once made two chapters fail in matplotlib's math parser.
    import matplotlib.pyplot as plt
    import pandas as pd

    from veiligheidsanalyse import plots

    fig = plots.bar_chart(
        pd.DataFrame({"kern": [name, "Havelte"], "waarde": [3.0, 5.0]}), label="kern", value="waarde", title=name
    )
    try:
        png = plots.figure_png(fig)  # draws every text: a math parse error would raise here
    finally:
        plt.close(fig)
    assert png.startswith(b"\x89PNG")
    assert name in [t.get_text() for t in fig.axes[0].get_yticklabels()]
