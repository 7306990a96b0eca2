"""The page a chapter notebook writes: header, text, tables, figures, maps, key findings, CSV files.

A notebook gets its :class:`Chapter` from ``va.open_chapter`` (see :mod:`veiligheidsanalyse.notebook`)
and calls it ``ch``; the functions of ``chapters/*`` write to it.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import indicators
from ..config import RunConfig
from ..paths import project_root
from ..present import format_table_html, html_block, lab_stylesheet
from ..store.dataset import Dataset, DataStatus
from ..text import slug

INPUTS_DIR = "inputs"  # inside a store: partner tables, the buurt->kern mapping and the stories


@dataclass
class PartnerInputs:
    """Partner exports of this run as prepared in the store (validated before any kernel started)."""

    folder: Path
    observations: pd.DataFrame
    gemeente: str
    missing: tuple[str, ...] = ()

    @property
    def kern_mapping(self) -> pd.DataFrame | None:
        return self.table("kernen")

    def table(self, name: str) -> pd.DataFrame | None:
        path = self.folder / "tables" / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else None

    def story(self, chapter_id: str) -> str | None:
        path = self.folder / "stories" / f"{chapter_id}.md"
        return path.read_text(encoding="utf-8") if path.exists() else None

    def value(self, indicator_id: str, year: int | None = None) -> float | None:
        """The gemeente's partner value of an indicator: the given year, else the latest one."""
        rows = self.observations[
            (self.observations["indicator"] == indicator_id)
            & (self.observations["regio_code"] == self.gemeente)
            & self.observations["waarde"].notna()
        ]
        if year is not None:
            rows = rows[rows["jaar"] == year]
        if rows.empty:
            return None
        return float(rows.sort_values("jaar")["waarde"].iloc[-1])


P_VALUE_COLUMN = re.compile(r"^p(_|$)|p_waarde|p_value")


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as written to CSV, at the precision that means something: whole numbers as integers;
    p-values to 4 significant digits; other numbers to 2 decimals, but never fewer than 4 significant
    digits (a ratio of 1,004; a rate per inhabitant). None of the float noise."""
    out = df.copy()
    for column in out.columns:
        values = out[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        finite = values.dropna()
        if len(finite) and (finite == finite.round()).all() and finite.abs().max() < 2**53:
            out[column] = values.astype("Int64")
            continue
        significant = values.map(lambda x: float(f"{x:.4g}") if pd.notna(x) else x)
        if P_VALUE_COLUMN.search(str(column)):
            out[column] = significant
        else:
            out[column] = values.round(2).where(values.abs() >= 10, significant)
    return out


# Every number in a published CSV says its unit (data/README.md, "CSV-bestanden"): its column name
# contains one of these words (aantal_misdrijven, per_1000_inwoners, aandeel_procent, p_waarde, jaar),
# or the CSV has a column ``eenheid`` that gives the unit per row for the columns whose name does not.
UNIT_IN_NAME = re.compile(
    r"(?:^|_)(?:aantal|procent|p_waarde|index|verhouding|punten|rapportcijfer"
    r"|jaar|periode|editie|maand|per(?:_\d+)?_[a-z0-9]+)(?:_|$)"
)
UNIT_COLUMN = "eenheid"


def csv_name(column: Any) -> str:
    """A column header as a machine-readable CSV name (ascii snake_case): 'Per 1.000 inwoners' ->
    'per_1000_inwoners', 'Aandeel (%)' -> 'aandeel_procent', '95%-interval' -> 'interval_95',
    'Ondergrens 95%' -> 'ondergrens_95' (its unit is its value's, not %). snake_case stays as it is."""
    text = str(column)
    if re.fullmatch(r"[a-z0-9_]+", text):
        return text
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"(?<=\d)\.(?=\d{3})", "", text)
    text = re.sub(r"(\d+)\s*%-?\s*(interval|marge)", r"\2 \1", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(ondergrens|bovengrens)\s+(\d+)\s*%", r"\1 \2", text, flags=re.IGNORECASE)
    text = text.replace("t/m", " tot en met ").replace("%", " procent ")
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "kolom"


def names_unit(column: str) -> bool:
    """Does a CSV column name say the unit of its numbers?"""
    return UNIT_IN_NAME.search(column) is not None


@dataclass
class Chapter:
    id: str
    config: RunConfig
    data: Dataset
    run_dir: Path
    findings_dir: Path
    store_dir: Path
    title: str = ""
    findings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    data_status: DataStatus | None = None  # a report over several stores (the region): their merged status
    _figure_count: int = 0
    _table_count: int = 0
    _map_count: int = 0
    _csv_files: set = field(default_factory=set)
    _anchors: set = field(default_factory=set)  # indicators with an anchor on this page
    interactive: bool = False  # opened in JupyterLab (not by the runner): styled outputs, CSV links from notebooks/

    # ------------------------------------------------------------------ facts
    @property
    def gemeente(self) -> str:
        return self.config.gemeente

    @property
    def gemeente_naam(self) -> str:
        return self.data.gemeente_naam

    @property
    def status(self) -> DataStatus:
        return self.data_status or self.data.status

    @property
    def inputs(self) -> PartnerInputs:
        partner = self.data.observations[self.data.observations["status"] == "partner"]
        return PartnerInputs(self.store_dir / INPUTS_DIR, partner, self.gemeente, self.status.inputs_missing)

    def use_sources(self, *table_ids: str) -> None:
        """Name the tables this chapter reads (for its provenance footer)."""
        for table_id in table_ids:
            if table_id not in self.sources:
                self.sources.append(table_id)

    # ------------------------------------------------------------------ showing things
    # Everything a chapter shows goes through these methods, so every page gets the same markup:
    # escaped text, Dutch numbers, numbered figures and tables with caption, source line and the
    # CSV of exactly the numbers shown. The page shell (report/export.py) adds header and footer.
    def header(self, title: str, intro: str = "") -> None:
        """Chapter title, data banners (also visible in JupyterLab) and an introduction.

        The page shell lifts the <h1> into the page title and shows the run's banners itself; the
        inline banners (class ``va-inline``) are for analysts in JupyterLab and are dropped on export.
        """
        self.title = title
        parts = [f"<h1>{html.escape(title)}</h1>"]
        if self.interactive:  # the page shell brings the house style; in JupyterLab the outputs need it
            parts.insert(0, f'<style class="va-lab">{lab_stylesheet()}</style>')
        for banner in self.status.banners(self.sources or None):
            parts.append(
                f'<div class="va-banner va-banner-{banner["kind"]} va-inline" role="note">'
                f"<strong>{html.escape(banner['title'])}</strong> {html.escape(banner['text'])}</div>"
            )
        if intro:
            parts.append(f'<p class="va-intro">{html.escape(intro)}</p>')
        html_block("\n".join(parts))

    def section(self, title: str, text: str = "") -> None:
        """A section (<h2>): it appears in the page's table of contents."""
        html_block(f"<h2>{html.escape(title)}</h2>" + (f"<p>{html.escape(text)}</p>" if text else ""))

    def text(self, text: str) -> None:
        html_block(f"<p>{html.escape(text)}</p>")

    def anchor(self, *indicator_ids: str) -> None:
        """Mark where indicators are first shown on this page (``indicators.anchor``), so that the
        priorities and the index can link straight to them; later mentions add no second id."""
        new = [i for i in indicator_ids if i not in self._anchors]
        self._anchors.update(new)
        if new:
            html_block(
                "".join(
                    f'<span class="va-anchor" id="{html.escape(indicators.anchor(i), quote=True)}"></span>' for i in new
                )
            )

    def bullets(self, items: Iterable[str]) -> None:
        html_block("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")

    def priority(
        self,
        title: str,
        evidence_for: Iterable[str],
        evidence_against: Iterable[str],
        link: tuple[str, str] | None = None,
        size: Iterable[str] = (),
        links: Iterable[tuple[str, str]] = (),
    ) -> None:
        """A proposed priority: its title, the size of the problem, the evidence for and against it, and
        where the figures are shown (``links``: label and href of each indicator's place on its page)."""
        against = list(evidence_against) or ["geen gunstige uitkomsten binnen dit thema"]
        parts = [f"<h3>{html.escape(title)}</h3>"]
        size = list(size)
        if size:
            parts.append(
                "<p><strong>Hoe groot:</strong></p><ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in size) + "</ul>"
            )
        parts.append("<p><strong>Waarom:</strong></p><ul>")
        parts += [f"<li>{html.escape(item)}</li>" for item in evidence_for]
        parts.append("</ul><p><strong>Daartegenover:</strong></p><ul>")
        parts += [f"<li>{html.escape(item)}</li>" for item in against]
        parts.append("</ul>")
        shown = [f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>' for label, href in links]
        if link is not None:
            href, label = link
            shown.append(f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>')
        if shown:
            parts.append(f"<p>De cijfers: {', '.join(shown)}.</p>")
        html_block("\n".join(parts))

    def note(self, text: str) -> None:
        html_block(f'<p class="va-note">{html.escape(text)}</p>')

    def missing(self, text: str) -> None:
        """Say what is missing instead of failing (a source that is absent or too small)."""
        html_block(f'<p class="va-missing">{html.escape(text)}</p>')

    def key_findings(self, findings: Iterable[str]) -> None:
        """The three to five findings at the top of the chapter; also collected for index.html.

        When the chapter's sources include demo or example data, the findings say so (they may rest
        on those numbers): the same note goes to index.html with them.
        """
        self.findings = [f for f in findings if f][:5]
        sources = self.sources or list(self.status.sources)
        mark = self.status.mark(sources)
        if mark and self.findings:
            self.findings.append(
                f"{mark}: deze bevindingen rusten deels op {self.status.describe(sources)}, niet op echte cijfers."
            )
        items = "".join(f"<li>{html.escape(f)}</li>" for f in self.findings) or "<li>Geen bevindingen.</li>"
        html_block(
            f'<section class="va-findings" aria-labelledby="kernbevindingen">'
            f'<h2 id="kernbevindingen">Kernbevindingen</h2><ul>{items}</ul></section>'
        )
        self.save()

    def shown_sources(self, source: str = "", sources: Iterable[str] | None = None) -> list[str]:
        """The source ids behind a figure or table: ``sources`` when given, else the tables and partner
        files its source line names, else every source of the chapter so far (never fewer than shown).

        They are added to the chapter's sources, so the page footer and banners name them too.
        """
        if sources is not None:
            ids = [i for i in sources if i]
        else:
            ids = (
                [i for i in self.status.sources if _names_source(source, i)]
                or list(self.sources)
                or list(self.status.sources)
            )
        self.use_sources(*ids)
        return ids

    def _status_text(self, ids: list[str]) -> str | None:
        """The data status for a CSV's column ``gegevensstatus``, e.g. 'DEMO: demodata'; None without data."""
        described = self.status.describe(ids)
        if not described:
            return None
        mark = self.status.mark(ids)
        return f"{mark}: {described}" if mark else described

    def _status_html(self, ids: list[str]) -> str:
        """'Gegevens: actueel' (with the DEMO/VOORBEELD mark first) for a caption or source line."""
        described = self.status.describe(ids)
        if not described:
            return ""
        mark = self.status.mark(ids)
        mark_html = f'<strong class="va-mark">{html.escape(mark)}</strong> ' if mark else ""
        return f'<span class="va-datastatus">{mark_html}Gegevens: {html.escape(described)}.</span>'

    def table(
        self,
        df: pd.DataFrame,
        name: str,
        caption: str,
        source: str = "",
        formats: dict[str, str] | None = None,
        classes: dict[str, pd.Series] | None = None,
        sources: Iterable[str] | None = None,
        csv_columns: dict[str, str] | None = None,
        eenheid: str | Iterable[str] | None = None,
    ) -> None:
        """A numbered table in Dutch number format, with the CSV of exactly these numbers next to it.

        ``sources`` (table ids, ``partner:<kind>``) say what the numbers come from; without it they
        are read from ``source`` (see :meth:`shown_sources`). Their data status goes into the source
        line and into the CSV's column ``gegevensstatus``. The CSV names its columns by
        :func:`csv_name`; ``csv_columns`` names those whose header does not say the unit
        ({"Misdrijven": "aantal_misdrijven"}), ``eenheid`` adds the unit per row (or one for all).
        """
        ids = self.shown_sources(source, sources)
        csv_link = self._write_csv(
            df, name, kind="tabel", status=self._status_text(ids), columns=csv_columns, eenheid=eenheid
        )
        self._table_count += 1
        number = self._table_count
        anchor = f"tabel-{self._csv_stem(csv_link)}"
        table_html = format_table_html(
            df, caption=caption, formats=formats or {}, classes=classes or {}, number=f"Tabel {number}."
        )
        extra = (
            f'<p class="va-source">{"Bron: " + html.escape(source) + ". " if source else ""}'
            f"{self._status_html(ids)}</p>"
        )
        html_block(
            f'<div class="va-table-wrap" id="{anchor}" role="region" tabindex="0" '
            f'aria-label="Tabel {number}: {html.escape(caption, quote=True)}">{table_html}</div>{extra}'
            f'<p class="va-download"><a href="{self._href(csv_link)}" download type="text/csv">'
            f"De cijfers van tabel {number} (CSV)</a></p>"
        )

    def figure(
        self,
        fig,
        name: str,
        caption: str,
        alt: str,
        data: pd.DataFrame,
        source: str = "",
        sources: Iterable[str] | None = None,
    ) -> None:
        """A numbered figure as PNG (house style, fixed DPI) with caption, alt text, source line and its CSV.

        ``alt`` says what the figure shows in words (for screen readers and when images are off);
        ``data`` holds exactly the numbers drawn, written next to the page as CSV. The data status of
        ``sources`` (see :meth:`table`) is in the caption, the CSV and the image itself.
        """
        from ..plots import figure_png, mark_figure, png_size

        if not alt or not alt.strip():
            raise ValueError(f"figuur {name!r}: alt-tekst ontbreekt")
        ids = self.shown_sources(source, sources)
        mark = self.status.mark(ids)
        if mark:
            mark_figure(fig, mark)
            alt = f"{alt} ({mark}: {self.status.describe(ids)})"
        png = figure_png(fig)
        csv_link = self._write_csv(data, name, kind="figuur", status=self._status_text(ids))
        self._figure_count += 1
        number = self._figure_count
        width, height = png_size(png)
        encoded = base64.b64encode(png).decode("ascii")
        source_html = f'<span class="va-source">Bron: {html.escape(source)}</span>' if source else ""
        source_html += self._status_html(ids)
        image = (
            f'<img src="data:image/png;base64,{encoded}" width="{width}" height="{height}" '
            f'alt="{html.escape(alt, quote=True)}">'
        )
        html_block(self._figure_html("figuur", number, csv_link, image, f"{html.escape(caption)}{source_html}"))

    def map(
        self,
        draw,
        name: str,
        caption: str,
        alt: str,
        data: pd.DataFrame,
        source: str = "",
        sources: Iterable[str] | None = None,
        attribution: str = "",
    ) -> None:
        """A numbered map as inline SVG (``maps``), with caption, alt text, attribution, source line and its CSV.

        ``draw(mark, alt)`` returns the SVG: ``mark`` is the DEMO/VOORBEELD mark of ``sources`` (None for
        real data), printed on the map itself, and ``alt`` the alt text (the map's ``<desc>``). The data
        status is in the caption, the CSV and the image, as for :meth:`figure`; ``attribution`` ("Bron:
        Kadaster / CBS 2024") is printed under the map. The SVG must be self-contained (``maps`` draws it so).
        """
        if not alt or not alt.strip():
            raise ValueError(f"kaart {name!r}: alt-tekst ontbreekt")
        ids = self.shown_sources(source, sources)
        mark = self.status.mark(ids)
        if mark:
            alt = f"{alt} ({mark}: {self.status.describe(ids)})"
        svg = draw(mark, alt)
        if re.search(r"<script|<foreignObject|(?:href|src)=\"(?!#)|url\((?!#)", svg, re.IGNORECASE):
            raise ValueError(f"kaart {name!r}: de SVG is niet zelfstandig (script of verwijzing naar buiten)")
        csv_link = self._write_csv(data, name, kind="kaart", status=self._status_text(ids))
        self._map_count += 1
        number = self._map_count
        credit = f'<span class="va-attribution">{html.escape(attribution)}.</span> ' if attribution else ""
        source_html = f'<span class="va-source">Cijfers: {html.escape(source)}.</span> ' if source else ""
        source_html += self._status_html(ids)
        body = (
            f'<div class="va-map-svg" role="region" tabindex="0" aria-label="Kaart {number}, schuift opzij op een '
            f'smal scherm">{svg}</div>'
        )
        html_block(
            self._figure_html(
                "kaart", number, csv_link, body, f"{html.escape(caption)} {credit}{source_html}", extra_class=" va-map"
            )
        )

    def _figure_html(
        self, kind: str, number: int, csv_link, body: str, caption_html: str, extra_class: str = ""
    ) -> str:
        """A numbered figure or map: its body, caption and the link to its CSV (one layout for both)."""
        return (
            f'<figure class="va-figure{extra_class}" id="{kind}-{self._csv_stem(csv_link)}">{body}'
            f'<figcaption><span class="va-fignum">{kind.capitalize()} {number}.</span> {caption_html}'
            f'<span class="va-download"><a href="{self._href(csv_link)}" download type="text/csv">'
            f"De cijfers achter {kind} {number} (CSV)</a></span></figcaption>"
            "</figure>"
        )

    def story(self, markdown_text: str | None, missing_text: str | None = None) -> None:
        """The partners' 'verhaal achter de cijfers' for this chapter, when supplied."""
        from ..present import markdown_to_html

        if markdown_text:
            html_block(
                '<section class="va-story"><h2>Het verhaal achter de cijfers</h2>'
                + markdown_to_html(markdown_text)
                + "</section>"
            )
        elif missing_text:
            self.missing(missing_text)

    # ------------------------------------------------------------------ files
    def _href(self, csv_link: str) -> str:
        """The link to a CSV as the output shows it: relative to the page, or in JupyterLab relative to
        the notebook's folder (JupyterLab resolves links in outputs from there)."""
        if not self.interactive:
            return csv_link
        return Path(os.path.relpath(self.run_dir / csv_link, project_root() / "notebooks")).as_posix()

    def _csv_stem(self, csv_link: str) -> str:
        """'csv/01_x__totaal_trend.csv' -> 'totaal-trend': the anchor name of a figure or table (unique)."""
        return slug(csv_link.rsplit("/", 1)[-1].removesuffix(".csv").split("__", 1)[-1], empty="x")

    def _write_csv(
        self,
        df: pd.DataFrame,
        name: str,
        kind: str = "",
        status: str | None = None,
        columns: dict[str, str] | None = None,
        eenheid: str | Iterable[str] | None = None,
    ) -> str:
        """Write the numbers behind a figure or table to csv/<chapter>__<name>.csv; return the link.

        Dutch spreadsheet conventions: semicolon separator, decimal comma, UTF-8 with BOM (Excel).
        Values are written at their meaningful precision (:func:`csv_frame`), whole numbers without ",0".
        ``status`` (the data status of the numbers) fills the last column, ``gegevensstatus``. Column
        names are machine names (:func:`csv_name`, after ``columns``); ``eenheid`` becomes a column.
        A name used twice in one chapter (a table and a figure both called "monitor") gets a suffix
        (``_figuur``, ``_tabel``, then a number), so one never overwrites the other's numbers.
        """
        base = f"{self.id}__{slug(name, '_', empty='x')}"
        filename, n = f"{base}.csv", 2
        if filename in self._csv_files and kind:
            base = f"{base}_{kind}"
            filename = f"{base}.csv"
        while filename in self._csv_files:
            filename, n = f"{base}_{n}.csv", n + 1
        self._csv_files.add(filename)
        folder = self.run_dir / "csv"
        folder.mkdir(parents=True, exist_ok=True)
        out = csv_frame(df)
        out.columns = [csv_name((columns or {}).get(c, c)) for c in out.columns]
        if out.columns.duplicated().any():
            raise ValueError(f"{filename}: dubbele kolomnamen {sorted(set(out.columns[out.columns.duplicated()]))}")
        if eenheid is not None:
            out[UNIT_COLUMN] = eenheid if isinstance(eenheid, str) else list(eenheid)
        if status is not None:
            out["gegevensstatus"] = status
        out.to_csv(folder / filename, sep=";", decimal=",", index=False, encoding="utf-8-sig")
        return f"csv/{filename}"

    def save(self, **extra: Any) -> None:
        """Write the chapter's findings and sources for index.html and the page footer."""
        self.extra.update(extra)
        self.findings_dir.mkdir(parents=True, exist_ok=True)
        record = {"chapter": self.id, "title": self.title, "findings": self.findings, "sources": self.sources}
        record.update(self.extra)
        (self.findings_dir / f"{self.id}.json").write_text(
            json.dumps(record, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
        )


def _names_source(text: str, source_id: str) -> bool:
    """Does a source line name this table ("47013NED") or partner input ("partner:veilig_thuis")?"""
    if source_id.startswith("partner:"):
        kind = source_id.removeprefix("partner:").casefold()
        text = text.casefold()
        return any(variant in text for variant in (kind, kind.replace("_", " "), kind.replace("_", "-")))
    return re.search(rf"\b{re.escape(source_id)}\b", text, flags=re.IGNORECASE) is not None
