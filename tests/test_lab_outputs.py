"""A chapter opened in JupyterLab (no run folder): its outputs carry the report's styling for its own
elements only, and the CSV links open from the notebook's folder."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from veiligheidsanalyse import notebook
from veiligheidsanalyse.chapters import page as chapter_module
from veiligheidsanalyse.present import lab_stylesheet

ROOT = Path(__file__).resolve().parents[1]


def test_the_lab_style_touches_only_the_reports_own_elements():
    css = lab_stylesheet()
    heads = [h.strip() for h in re.findall(r"([^{}]+)\{", css)]
    assert any("figure.va-figure" in h for h in heads) and any("table.va-table" in h for h in heads)
    for head in heads:
        for selector in head.split(","):
            selector = selector.strip()
            assert ".va-" in selector or selector in (".jp-RenderedHTMLCommon", ".output_html"), selector
    assert "@media" not in css and ".va-article" not in css and ":root" not in css


def test_in_jupyterlab_outputs_are_styled_and_csv_links_open_from_the_notebook(monkeypatch, demo_config):
    shown: list[str] = []
    monkeypatch.setattr(chapter_module, "html_block", shown.append)
    ch = notebook.open_chapter("00_gebied", "", str(demo_config))
    assert ch.interactive
    ch.header("Proef")
    assert shown[0].startswith('<style class="va-lab">')
    ch.table(pd.DataFrame({"Jaar": [2024], "Aantal": [3]}), "proef", caption="Proef")
    href = re.search(r'href="([^"]+\.csv)"', shown[-1]).group(1)
    assert (ROOT / "notebooks" / href).resolve().is_file(), href


def test_a_run_gets_no_lab_style_and_page_relative_links(monkeypatch, demo_config, tmp_path):
    shown: list[str] = []
    monkeypatch.setattr(chapter_module, "html_block", shown.append)
    ch = notebook.open_chapter("00_gebied", "", str(demo_config), run_dir=str(tmp_path / "run"))
    ch.header("Proef")
    ch.table(pd.DataFrame({"Jaar": [2024], "Aantal": [3]}), "proef", caption="Proef")
    assert "va-lab" not in shown[0]
    assert 'href="csv/00_gebied__proef.csv"' in shown[-1]
