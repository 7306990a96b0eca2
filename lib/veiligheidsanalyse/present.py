"""Presenting numbers to Dutch readers: number format, HTML tables, small markdown."""

from __future__ import annotations

import html
import math
import numbers
import re
from typing import Any

import numpy as np
import pandas as pd

from .stats.formatting import format_nl, format_pct
from .typography import typeset_html


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, (float, np.floating)) and math.isnan(value)
    except TypeError:
        return False


def format_cell(value: Any, fmt: str | None) -> tuple[str, bool]:
    """(text, is_number) for a table cell under a format code: 'int', 'd1', 'd2', 'pct', 'pct1', 'text'.

    Numbers are Dutch: 8,1 · 1.234 · 12%. An unknown number shows as 'onbekend', never as 0.
    """
    if isinstance(value, str):
        return value, False
    if isinstance(value, (bool, np.bool_)):
        return ("ja" if value else "nee"), False
    if fmt == "text":
        if _is_missing(value):
            return "", False
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value)), False
        return str(value), False
    if _is_missing(value):
        return "onbekend", True
    if not isinstance(value, (numbers.Number, np.number)):
        return str(value), False
    if fmt in (None, "int"):
        if isinstance(value, (numbers.Integral, np.integer)) or float(value).is_integer():
            return format_nl(value, 0), True
        return format_nl(value, 1), True
    if fmt.startswith("d"):
        return format_nl(value, int(fmt[1:])), True
    if fmt.startswith("pct"):
        return format_pct(value, int(fmt[3:] or 0)), True
    return str(value), False


YEAR_COLUMNS = {"jaar", "year", "peiljaar"}
# Text that is a number in Dutch notation, a suppressed or absent number: right-aligned like numbers.
NUMBER_TEXT = re.compile(r"^\s*([<>≤≥~±+-]?\s*\d{1,3}(\.\d{3})*(,\d+)?\s*%?|-?\d+(,\d+)?\s*%?|[—–-]|x|onbekend)\s*$")
INTERVAL_TEXT = re.compile(r"^\s*-?[\d.]+(,\d+)?%?\s*[–-]\s*-?[\d.]+(,\d+)?%?\s*$")  # 15,4–35,7
YEAR_TEXT = re.compile(r"^\s*(18|19|20|21)\d{2}\s*$")
PERIOD = re.compile(r"^\s*(\d{4})\s*[-–]\s*(\d{4})\s*$")


def _default_format(column: Any, values: pd.Series) -> str | None:
    """'text' for a column of years (2015, not 2.015) when the chapter gave no format."""
    if str(column).strip().lower() in YEAR_COLUMNS:
        return "text"
    return None


def format_table_html(
    df: pd.DataFrame,
    caption: str = "",
    formats: dict[str, str] | None = None,
    classes: dict[str, pd.Series] | None = None,
    number: str = "",
    row_header: bool = True,
) -> str:
    """An accessible HTML table in Dutch number format.

    Caption (with ``number``, e.g. "Tabel 2."), header cells with ``scope="col"``, the first column
    as row headers (``scope="row"``) when ``row_header`` and there is more than one column, numeric
    cells (and their column headers) right-aligned. ``classes`` maps a column to a Series of CSS
    class suffixes (e.g. 'slechter', 'beter') per row.
    """
    # Long: one HTML table written in document order: caption, header, rows, cells.
    formats = dict(formats or {})
    classes = classes or {}
    columns = list(df.columns)
    for column in columns:
        if column not in formats:
            default = _default_format(column, df[column])
            if default:
                formats[column] = default
    cells_by_row: list[list[tuple[str, bool, list[str]]]] = []
    numeric_columns = dict.fromkeys(columns, True)
    for i, (_, row) in enumerate(df.iterrows()):
        cells = []
        for column in columns:
            text, numeric = format_cell(row[column], formats.get(column))
            if (
                not numeric
                and formats.get(column) != "text"
                and not YEAR_TEXT.match(text)
                and not PERIOD.match(text)
                and (NUMBER_TEXT.match(text) or INTERVAL_TEXT.match(text))
            ):
                numeric = True  # a number the chapter formatted itself ("8,0", "30%", "<5", "—"): align it
            css = ["num"] if numeric else []
            if not numeric and PERIOD.match(text):
                text = PERIOD.sub(r"\1–\2", text)  # 2023–2025, kept on one line
                css.append("nowrap")
            if not numeric and text not in ("", "onbekend", "—", "-"):
                numeric_columns[column] = False
            if column in classes:
                suffix = classes[column].iloc[i]
                if isinstance(suffix, str) and suffix:
                    css.append(f"va-{suffix}")
            cells.append((text, numeric, css))
        cells_by_row.append(cells)
    if not len(df):
        numeric_columns = dict.fromkeys(columns, False)
    num_attr = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_attr if numeric_columns[c] else ""}>{html.escape(str(c))}</th>' for c in columns
    )
    rows = []
    for cells in cells_by_row:
        out = []
        for j, (text, _numeric, css) in enumerate(cells):
            attr = f' class="{" ".join(css)}"' if css else ""
            if j == 0 and row_header and len(columns) > 1:
                out.append(f'<th scope="row"{attr}>{html.escape(text)}</th>')
            else:
                out.append(f"<td{attr}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(out) + "</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{max(len(columns), 1)}">Geen gegevens.</td></tr>')
    label = (f'<span class="va-tabnum">{html.escape(number)}</span> ' if number else "") + html.escape(caption)
    cap = f"<caption>{label}</caption>" if (caption or number) else ""
    return f'<table class="va-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def html_block(markup: str) -> None:
    """Display HTML in the notebook (and so in the exported page), with the report's dashes."""
    from IPython.display import HTML, display

    display(HTML(typeset_html(markup)))


def markdown_to_html(text: str) -> str:
    """A small, safe markdown subset for partners' stories: headings, paragraphs, lists, bold, italics.

    Everything is escaped first, so a story cannot inject HTML or scripts into the report; HTML
    comments (``<!-- ... -->``, e.g. the instructions in the templates) are dropped.
    """
    bullet = re.compile(r"^\s*[-*] ")
    out = []
    text = re.sub(r"<!--.*?(-->|$)", "", text, flags=re.S)  # authors' comments (instructions) are not for readers
    for block in re.split(r"\n\s*\n", text.strip()):
        if not block.strip():
            continue
        lines = block.splitlines()
        if all(bullet.match(line) for line in lines):
            items = [_inline(bullet.sub("", line)) for line in lines]
            out.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            continue
        heading = re.match(r"^(#{1,4})\s+(.*)$", block.strip())
        if heading and len(lines) == 1:
            level = min(len(heading.group(1)) + 2, 5)  # story headings sit below the chapter's h2
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            continue
        out.append("<p>" + _inline(" ".join(line.strip() for line in lines)) + "</p>")
    return "\n".join(out)


def _inline(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)", r"<em>\1</em>", text)
    return text


# The page shell's own parts: not in a notebook's outputs, and their rules would restyle JupyterLab.
_SHELL_CLASSES = (
    ".va-article",
    ".va-header",
    ".va-nav",
    ".va-toc",
    ".va-layout",
    ".va-main",
    ".va-skip",
    ".va-title",
    ".va-meta",
    ".va-kicker",
    ".va-status",
    ".va-banners",
)
# Where a rendered HTML output lives in JupyterLab (and the classic notebook): the report's colours
# are defined there instead of on :root.
_OUTPUT_SCOPE = ".jp-RenderedHTMLCommon, .output_html"


def lab_stylesheet() -> str:
    """The report's house style for a chapter's outputs in JupyterLab: the rules of the report's
    stylesheet that style its own elements (figures, captions, tables, notes, banners), never the
    page shell or the notebook around them; the colours scoped to the output area."""
    from importlib import resources

    css = resources.files("veiligheidsanalyse.report").joinpath("style.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    kept = []
    depth, start = 0, 0
    for i, char in enumerate(css):  # top-level rules only: @media / @page blocks are for the pages
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                rule, start = css[start : i + 1].strip(), i + 1
                head, _, body = rule.partition("{")
                head = head.strip()
                if head.startswith("@"):
                    continue
                if head == ":root":
                    kept.append(f"{_OUTPUT_SCOPE} {{{body}")
                    continue
                selectors = [s.strip() for s in head.split(",")]
                if any(c in s for s in selectors for c in _SHELL_CLASSES):
                    continue
                if all(".va-" in s or s.startswith("figcaption") for s in selectors):
                    head = ", ".join(f"figure.va-figure {s}" if s.startswith("figcaption") else s for s in selectors)
                    kept.append(f"{head} {{{body}")
    return "\n".join(kept)
