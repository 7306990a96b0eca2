"""The HTML pages readers get, checked without a browser: house-style pieces as units (Dutch
numbers in tables and figure ticks, the body export, the page shell) and the pages of one demo
report (self-contained, no notebook chrome, header and provenance footer, page weight, and the
CSV next to every figure and table holding the numbers shown)."""

from __future__ import annotations

import html as htmlmod
import json
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from veiligheidsanalyse.paths import intern_dir
from veiligheidsanalyse.present import format_cell, format_table_html
from veiligheidsanalyse.report.export import (
    Banner,
    ChapterLink,
    PageContext,
    add_toc,
    data_status,
    date_nl,
    notebook_body,
    render_page,
)
from veiligheidsanalyse.store.status import DataStatus

MAX_PAGE_BYTES = 2 * 1024 * 1024
# Leftovers of nbconvert's notebook page: prompts, cell and output wrappers, lab classes, CDN scripts.
CHROME = [
    "In&nbsp;[",
    "Out[",
    "In [",
    "input_prompt",
    "output_prompt",
    "output_wrapper",
    "output_area",
    "output_subarea",
    "code_cell",
    "text_cell",
    "border-box-sizing",
    "jp-",
    "anchor-link",
    "require.js",
    "requirejs",
    "MathJax",
    "cdnjs",
    "papermill",
    "Traceback",
    "ipykernel",
]


def pages(run: Path) -> list[Path]:
    return [run / "index.html"] + sorted(p for p in run.glob("[0-9][0-9]_*.html"))


def chapter_pages(run: Path) -> list[Path]:
    return sorted(run.glob("[0-9][0-9]_*.html"))


def read_csv_nl(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")


DUTCH_NUMBER = re.compile(r"-?\d{1,3}(\.\d{3})*(,\d+)?%?|-?\d+(,\d+)?%?")


def has_numbers(df: pd.DataFrame) -> bool:
    """A numeric column, or a text column with Dutch numbers (next to suppression marks like 'x', '<5')."""
    for column in df.columns:
        if pd.api.types.is_numeric_dtype(df[column]) and df[column].notna().any():
            return True
        if any(DUTCH_NUMBER.fullmatch(str(v).strip()) for v in df[column].dropna()):
            return True
    return False


# ----------------------------------------------------------------------------------- units
@pytest.mark.parametrize(
    "value, fmt, text",
    [
        (8.14, "d1", "8,1"),
        (1234, None, "1.234"),
        (1234.0, "int", "1.234"),
        (12.3, "pct", "12%"),
        (8.14, "pct1", "8,1%"),
        (1234567.891, "d2", "1.234.567,89"),
        (float("nan"), "d1", "onbekend"),
        (None, None, "onbekend"),
        (2015, "text", "2015"),
        (0.0, "d1", "0,0"),
    ],
)
def test_table_cells_are_dutch(value, fmt, text):
    assert format_cell(value, fmt)[0] == text


def test_numpy_integers_are_whole_numbers():
    import numpy as np

    assert format_cell(np.int64(397), None) == ("397", True)


def test_table_is_accessible_and_dutch():
    df = pd.DataFrame(
        {
            "Jaar": [2024, 2025],
            "Misdrijven": [1234, 397],
            "Per 1.000 inwoners": [19.06, 8.14],
            "Periode": ["2023-2025", "2025"],
        }
    )
    out = format_table_html(df, caption="Misdrijven", formats={"Per 1.000 inwoners": "d1"}, number="Tabel 1.")
    assert '<caption><span class="va-tabnum">Tabel 1.</span> Misdrijven</caption>' in out
    assert out.count('scope="col"') == 4 and out.count('scope="row"') == 2
    assert '<th scope="row">2025</th>' in out  # a year column is never "2.025"
    assert ">1.234<" in out and ">8,1<" in out and ">19,1<" in out
    assert "2023–2025" in out


def test_figure_ticks_are_dutch():
    import matplotlib.pyplot as plt

    from veiligheidsanalyse.plots import dutch_axis, figure_png, png_size

    fig, ax = plt.subplots()
    ax.plot([2015, 2020, 2025], [0.5, 1.25, 2.5])
    ax.set_xlim(2014, 2026)
    fig.canvas.draw()
    png = figure_png(fig)  # enforces Dutch tick labels on default formatters
    assert png_size(png)[0] > 100
    fig.canvas.draw()
    ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert any("," in y for y in ys) and not any("." in y for y in ys), ys
    assert "2016" in xs and not any("." in x for x in xs), xs

    fig, ax = plt.subplots()
    ax.plot([10000, 60000], [1, 2])
    dutch_axis(ax, "x")
    fig.canvas.draw()
    assert "20.000" in [t.get_text() for t in ax.get_xticklabels()]
    plt.close(fig)


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("gemeente = 'GM1701'", metadata={"tags": ["parameters"]})
    params.outputs = [nbformat.v4.new_output("stream", name="stdout", text="PARAMETERCEL\n")]
    shown = nbformat.v4.new_code_cell("ch.text('x')", execution_count=2)
    shown.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="/tmp/x.py:3: FutureWarning: weg ermee\n"),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<h2>Sectie</h2><p>Zichtbaar</p>", "text/plain": "<IPython.core.display.HTML object>"},
        ),
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}, execution_count=2
        ),
        nbformat.v4.new_output("stream", name="stdout", text="een print\n"),
    ]
    empty = nbformat.v4.new_code_cell("x = 1", execution_count=3)
    failed = nbformat.v4.new_code_cell("raise RuntimeError('kapot')", execution_count=4)
    failed.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="RuntimeError",
            evalue="kapot <b>",
            traceback=["\x1b[31mTraceback (most recent call last)\x1b[0m"],
        )
    ]
    pm_error = nbformat.v4.new_markdown_cell(
        "<span>An Exception was encountered at 'In [4]'.</span>", metadata={"tags": ["papermill-error-cell-tag"]}
    )
    nb.cells = [pm_error, params, nbformat.v4.new_markdown_cell("Tekst uit *markdown*."), shown, empty, failed]
    return nb


def test_body_has_no_notebook_chrome_no_stderr_and_a_short_error():
    body = notebook_body(_notebook())
    for chrome in CHROME:
        assert chrome not in body, chrome
    assert "Zichtbaar" in body and "<em>markdown</em>" in body
    assert "PARAMETERCEL" not in body  # parameter cell dropped
    assert "FutureWarning" not in body  # stderr never reaches a page
    assert "&lt;Figure size" not in body and "<Figure size" not in body  # plain-text reprs dropped
    assert '<pre class="va-output">een print' in body  # stdout stays visible
    assert 'id="va-fout"' in body and "gestopt door een fout" in body
    assert "RuntimeError" not in body and "kapot" not in body  # the exception text stays in the log
    assert "<div>\n</div>" not in body and not re.search(r"<div[^>]*>\s*</div>", body)


def test_body_exporter_equals_nbconvert_up_to_its_beautifulsoup_pass():
    """The body exporter leaves out HTMLExporter's BeautifulSoup pass (alt placeholders, tabindex on
    lab wrappers, re-serialisation); nothing else may differ, and every image has an alt text."""
    import base64

    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from veiligheidsanalyse.report import export

    nb = _notebook()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 20).decode()
    with_alt = nbformat.v4.new_code_cell("fig", execution_count=5)
    with_alt.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": png, "text/plain": "<Figure>"},
            metadata={"image/png": {"alt": "Lijngrafiek van <inbraak>"}},
        )
    ]
    without_alt = nbformat.v4.new_code_cell("fig", execution_count=6)
    without_alt.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    table = nbformat.v4.new_code_cell("df", execution_count=7)
    table.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            execution_count=7,
            data={"text/html": "<table><tr><td>1.234&nbsp;&#x27;x&#x27;</td></tr></table>", "text/plain": "df"},
        )
    ]
    nb.cells += [with_alt, without_alt, table]

    ours, _ = export._exporter().from_notebook_node(nb)
    stock_class = type("Stock", (HTMLExporter,), {})
    stock = stock_class(
        config=export._exporter_config(),
        template_name=export.BODY_TEMPLATE,
        extra_template_basedirs=[str(export._templates_dir().joinpath("nbconvert"))],
    )
    from nbconvert.preprocessors import TagRemovePreprocessor

    stock.register_preprocessor(TagRemovePreprocessor(config=export._exporter_config()), enabled=True)
    theirs, _ = stock.from_notebook_node(nb)
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    assert ours.count("<img") == 2
    assert 'alt="Lijngrafiek van &lt;inbraak&gt;"' in ours and 'alt="Figuur zonder beschrijving"' in ours
    assert "No description" not in notebook_body(nb)


def _context(**kw) -> PageContext:
    base = dict(
        title="Geregistreerde criminaliteit",
        current="01_criminaliteit",
        chapters=[
            ChapterLink("00_gebied", "00_gebied.html", "Gebied", "Gebiedsbeschrijving"),
            ChapterLink("01_criminaliteit", "01_criminaliteit.html", "Criminaliteit", "Criminaliteit"),
        ],
        gemeente_naam="Westerveld",
        periode="2015-2025",
        run_date="27-11-2026",
        data_label="actueel",
        run_id="20261127T120000Z-abcd",
        version="0.1.0",
        git="abc123",
        sources=["Politie 47013NED — Misdrijven; opgehaald 2026-06-03, tabel bijgewerkt 2026-05-15"],
    )
    base.update(kw)
    return PageContext(**base)


def test_page_shell_header_footer_and_heading_order():
    body = "<h1>Geregistreerde criminaliteit</h1><p>Intro</p><h2>Eerste</h2><p>a</p><h2>Tweede</h2>"
    page = render_page(body, _context())
    assert '<html lang="nl">' in page
    assert 'href="#inhoud"' in page and 'id="inhoud"' in page  # skip link and its target
    assert "Westerveld" in page and "2015–2025" in page and "27 november 2026" in page
    assert "actueel (stand 3 juni 2026)" in page
    assert "20261127T120000Z-abcd" in page and "0.1.0" in page and "47013NED" in page and "opgehaald 2026-06-03" in page
    headings = re.findall(r"<h([1-6])[^>]*>", page)
    assert headings[0] == "1" and headings.count("1") == 1
    assert all(int(b) - int(a) <= 1 for a, b in zip(headings, headings[1:])), headings
    assert '<a href="#eerste">Eerste</a>' in page and '<a href="#tweede">Tweede</a>' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page


def test_stale_header_shows_the_snapshot_date_and_failed_banner_links_to_the_error():
    stale = _context(
        data_label="verouderde kopie",
        banners=[Banner("stale", "Niet actueel.", "Niet actueel: eerder opgehaalde gegevens gebruikt.")],
    )
    assert data_status(stale) == ("stale", "niet actueel: gegevens van 3 juni 2026")
    page = render_page("<h1>T</h1>", stale)
    assert "niet actueel: gegevens van 3 juni 2026" in page
    assert "Niet actueel.</strong> Eerder opgehaalde" in page  # title not repeated in the text
    failed = _context(banners=[Banner("failed", "Dit hoofdstuk is niet volledig uitgevoerd.", "Fout <x>.")])
    page = render_page(notebook_body(_notebook()), failed)
    assert 'va-banner-failed" role="alert"' in page and 'href="#va-fout"' in page and "Fout &lt;x&gt;." in page
    assert date_nl("2026-06-03") == "3 juni 2026"


def test_a_table_and_a_figure_with_one_name_get_their_own_csv(tmp_path: Path, monkeypatch):
    """Chapter presentation without a kernel: capture the HTML, write the CSVs to a temporary run folder."""
    import matplotlib.pyplot as plt

    from veiligheidsanalyse.chapters import page as chapter_module

    shown: list[str] = []
    monkeypatch.setattr(chapter_module, "html_block", shown.append)
    ch = chapter_module.Chapter.__new__(chapter_module.Chapter)
    ch.id, ch.run_dir, ch._figure_count, ch._table_count, ch._csv_files = "09_x", tmp_path, 0, 0, set()
    ch.data, ch.sources = SimpleNamespace(status=DataStatus()), []
    df = pd.DataFrame({"Jaar": [2024, 2025], "Aantal": [3.0, 4.0], "Cijfer": [1.25, 2.5]})
    ch.table(df, "monitor", caption="Tabel")
    fig, ax = plt.subplots()
    ax.plot(df["Jaar"], df["Cijfer"])
    ch.figure(fig, "monitor", caption="Figuur", alt="Lijn van het cijfer per jaar", data=df)
    links = [re.search(r'href="(csv/[^"]+)"', h).group(1) for h in shown]
    assert links == ["csv/09_x__monitor.csv", "csv/09_x__monitor_figuur.csv"]
    assert 'id="tabel-monitor"' in shown[0] and 'id="figuur-monitor-figuur"' in shown[1]
    assert re.search(r'<img [^>]*width="\d+" height="\d+" alt="Lijn van', shown[1])
    import base64
    import io

    from PIL import Image

    from veiligheidsanalyse.plots import DPI

    png = base64.b64decode(re.search(r'base64,([^"]+)"', shown[1]).group(1))
    assert round(Image.open(io.BytesIO(png)).info["dpi"][0]) == DPI  # the house DPI, fixed
    text = (tmp_path / links[0]).read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["jaar;aantal;cijfer", "2024;3;1,25", "2025;4;2,5"]  # whole numbers without ",0"
    with pytest.raises(ValueError):
        ch.figure(plt.subplots()[0], "leeg", caption="x", alt=" ", data=df)


def test_toc_ids_are_unique():
    body, toc = add_toc('<h2 id="a">A</h2><h2>B</h2><h2>B</h2><figure id="b"></figure>')
    ids = [t["id"] for t in toc]
    assert ids == ["a", "b-2", "b-3"]


# ----------------------------------------------------------------------------------- demo report
# These read the session's demo report (conftest.demo_run: one papermill build, shared with the e2e
# and browser tests), hence marked e2e like the other tests that need it.
@pytest.mark.e2e
def test_pages_are_light_self_contained_and_without_chrome(demo_run: Path):
    sizes = {}
    for page in pages(demo_run):
        text = page.read_text(encoding="utf-8")
        sizes[page.name] = len(text.encode("utf-8"))
        assert sizes[page.name] < MAX_PAGE_BYTES, (page.name, sizes[page.name])
        assert '<html lang="nl">' in text
        assert "<script" not in text.lower(), page.name
        assert not re.search(r'<link[^>]+rel="stylesheet"', text), page.name
        assert not re.search(r'(src|href|action|poster|srcset)\s*=\s*"(https?:|//|ftp:)', text, re.I), page.name
        assert not re.search(r"url\(\s*['\"]?(https?:|//)", text, re.I), page.name
        assert "@import" not in text
        for chrome in CHROME:
            assert chrome not in text, (page.name, chrome)
        # header: gemeente, period, run date, data status
        assert re.search(r"<dt>Gemeente</dt><dd>[^<]+</dd>", text)
        assert re.search(r"<dt>Periode</dt><dd>\d{4}–\d{4}</dd>", text)
        assert re.search(r"<dt>Gemaakt op</dt><dd>\d{1,2} [a-z]+ \d{4}</dd>", text)
        assert 'class="va-status va-status-demo"' in text
        assert text.count("<h1") == 1
    print("page sizes (bytes):", sizes)


@pytest.mark.e2e
def test_every_page_has_the_provenance_footer(demo_run: Path):
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    for page in pages(demo_run):
        text = page.read_text(encoding="utf-8")
        footer = text[text.index('<footer class="va-footer">') :]
        assert manifest["run_id"] in footer, page.name
        assert re.search(r"veiligheidsanalyse \d+\.\d+", footer), page.name
        sources = re.findall(r"<li>(.*?)</li>", footer[: footer.index("</ul>")] if "</ul>" in footer else "")
        assert sources, page.name
        # a table with its retrieval date in Dutch, or (demo) saying it is generated
        assert any(
            re.search(r"\b\d{5}[A-Za-z]{3}\b.*(opgehaald \d{1,2} [a-z]+ \d{4}|DEMODATA: verzonnen)", s) for s in sources
        ), page.name


def _figures(text: str) -> list[str]:
    return re.findall(r'<figure class="va-figure".*?</figure>', text, flags=re.S)


@pytest.mark.e2e
def test_every_figure_has_alt_caption_source_and_its_csv(demo_run: Path):
    seen = 0
    for page in chapter_pages(demo_run):
        text = page.read_text(encoding="utf-8")
        for fig in _figures(text):
            seen += 1
            alt = re.search(r'<img[^>]*\balt="([^"]*)"', fig)
            assert alt and len(alt.group(1).strip()) > 10, (page.name, fig[:200])
            assert re.search(r'<img[^>]*src="data:image/png;base64,', fig)
            assert re.search(r"<figcaption>.*Figuur \d+\.", fig, re.S)
            assert 'class="va-source">Bron: ' in fig, page.name
            link = re.search(r'href="(csv/[^"]+\.csv)"', fig)
            assert link, (page.name, "no CSV link in figure")
            df = read_csv_nl(demo_run / htmlmod.unescape(link.group(1)))
            assert len(df) > 0 and len(df.columns) > 0
            assert has_numbers(df), link.group(1)
    assert seen >= 3


@pytest.mark.e2e
def test_every_table_has_a_caption_and_its_csv(demo_run: Path):
    seen = 0
    for page in chapter_pages(demo_run):
        text = page.read_text(encoding="utf-8")
        tables = list(re.finditer(r"<table.*?</table>", text, flags=re.S))
        for match in tables:
            seen += 1
            table = match.group(0)
            assert "<caption>" in table and 'scope="col"' in table, page.name
            after = text[match.end() : match.end() + 800]
            link = re.search(r'class="va-download"><a [^>]*href="(csv/[^"]+\.csv)"', after)
            assert link, (page.name, table[:120])
            df = read_csv_nl(demo_run / link.group(1))
            assert len(df) == table.count("<tr>") - 1, link.group(1)  # one CSV row per table row
        links = re.findall(r'class="va-download"><a [^>]*href="(csv/[^"]+)"', text)
        assert len(links) == len(set(links)), (page.name, "two downloads share one CSV")
        # numbers in Dutch: 19,1 and 1.234, never 19.1 (which reads as nineteen thousand-ish)
        for cell in map(htmlmod.unescape, re.findall(r'<td class="num[^"]*">([^<]*)</td>', text)):
            number = r"[<>≤≥]?\s?-?\d{1,3}(\.\d{3})*(,\d+)?\s?%?"
            assert re.fullmatch(rf"{number}|{number}\s?[–-]\s?{number}|onbekend|[—–-]|x", cell), (page.name, cell)
    assert seen >= 3


@pytest.mark.e2e
def test_trend_figure_numbers_match_the_table_and_the_store(demo_run: Path):
    """Chapter 01: the gemeente's line in the trend figure is exactly the yearly table and the store."""
    page = (demo_run / "01_criminaliteit.html").read_text(encoding="utf-8")
    fig = next(f for f in _figures(page) if 'id="figuur-totaal-trend"' in f)
    csv_link = re.search(r'href="(csv/[^"]+\.csv)"', fig).group(1)
    assert csv_link == "csv/01_criminaliteit__totaal_trend.csv"
    trend = read_csv_nl(demo_run / csv_link)
    own = trend[trend["rol"] == "gemeente"].set_index("jaar").sort_index()
    assert len(own) >= 5 and set(own["regio_code"]) == {"GM1701"}

    table = read_csv_nl(demo_run / "csv" / "01_criminaliteit__totaal_per_jaar.csv").set_index("jaar").sort_index()
    assert list(own.index) == list(table.index)
    assert (own["aantal"] == table["aantal_misdrijven"]).all()
    assert (own["noemer"] == table["aantal_inwoners"]).all()
    assert ((own["cijfer"] - table["per_1000_inwoners"]).abs() < 1e-9).all()
    assert ((own["ondergrens_95"] - table["ondergrens_95_per_1000_inwoners"]).abs() < 1e-9).all()
    assert set(own["eenheid"]) == {"per 1.000 inwoners"}
    rates = own["aantal"] / own["noemer"] * 1000  # exact, from the counts
    assert ((own["cijfer"] - rates).abs() <= 0.005 + 1e-9).all()  # the CSV at 2 decimals

    store = pd.read_parquet(intern_dir(demo_run) / "data" / "observations.parquet")
    rows = (
        store[(store["indicator"] == "misdrijven_totaal") & (store["regio_code"] == "GM1701") & store["maand"].isna()]
        .set_index("jaar")
        .sort_index()
    )
    for year, row in own.iterrows():
        assert row["aantal"] == rows.loc[year, "waarde"], year
    # the rates printed in the page's table are the exact ones (from the counts), rounded the Dutch way
    for year, rate in rates.items():
        shown = f"{rate:.1f}".replace(".", ",")
        assert f'<th scope="row">{year}</th>' in page and f">{shown}<" in page
