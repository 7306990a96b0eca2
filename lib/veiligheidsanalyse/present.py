"""Presenting numbers to Dutch readers: number format, HTML tables, small markdown."""

from __future__ import annotations

import html
import math
import re
from typing import Any

import pandas as pd

from .stats.formatting import format_nl, format_pct


def format_cell(value: Any, fmt: str | None) -> tuple[str, bool]:
    """(text, is_number) for a table cell under a format code: 'int', 'd1', 'd2', 'pct', 'pct1', 'text'."""
    if isinstance(value, str):
        return value, False
    if fmt == "text":
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return "", False
        if isinstance(value, float) and value.is_integer():
            return str(int(value)), False
        return str(value), False
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "onbekend", True
    if fmt in (None, "int"):
        if isinstance(value, (int,)) or (isinstance(value, float) and float(value).is_integer()):
            return format_nl(value, 0), True
        return format_nl(value, 1), True
    if fmt.startswith("d"):
        return format_nl(value, int(fmt[1:])), True
    if fmt.startswith("pct"):
        return format_pct(value, int(fmt[3:] or 0)), True
    return str(value), False


def format_table_html(df: pd.DataFrame, caption: str = "", formats: dict[str, str] | None = None,
                      classes: dict[str, pd.Series] | None = None) -> str:
    """An accessible HTML table (caption, header cells with scope) in Dutch number format.

    ``classes`` maps a column to a Series of CSS class suffixes (e.g. 'slechter', 'beter') per row.
    """
    formats = formats or {}
    classes = classes or {}
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in df.columns)
    rows = []
    for i, (_, row) in enumerate(df.iterrows()):
        cells = []
        for column in df.columns:
            text, numeric = format_cell(row[column], formats.get(column))
            css = ["num"] if numeric else []
            if column in classes:
                suffix = classes[column].iloc[i]
                if isinstance(suffix, str) and suffix:
                    css.append(f"va-{suffix}")
            attr = f' class="{" ".join(css)}"' if css else ""
            cells.append(f"<td{attr}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="va-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def html_block(markup: str) -> None:
    """Display HTML in the notebook (and so in the exported page)."""
    from IPython.display import HTML, display

    display(HTML(markup))


def markdown_to_html(text: str) -> str:
    """A small, safe markdown subset for partners' stories: headings, paragraphs, lists, bold, italics.

    Everything is escaped first, so a story cannot inject HTML or scripts into the report.
    """
    bullet = re.compile(r"^\s*[-*] ")
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
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
        out.append("<p>" + _inline(" ".join(l.strip() for l in lines)) + "</p>")
    return "\n".join(out)


def _inline(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)", r"<em>\1</em>", text)
    return text
