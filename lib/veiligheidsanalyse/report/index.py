"""index.html: the key findings of every chapter and the proposed priorities, linking on."""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..paths import intern_dir
from .export import Banner, render_page, section_anchor

if TYPE_CHECKING:
    from .jobs import ChapterResult, PageShell


def _findings(run_dir: Path, chapter: str) -> dict:
    path = intern_dir(run_dir) / "findings" / f"{chapter}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


_FIGURES_HREF = re.compile(r"^[0-9a-z_]+\.html(#[a-z0-9-]+)?$")


def figures_link(run_dir: Path, href: str) -> str:
    """``href`` ("01_x.html#indicator-y") when that page has that anchor, else the page itself (a
    chapter that does not show the indicator in a table or figure of its own); "" when it is no page
    of this run."""
    if not _FIGURES_HREF.match(href or ""):
        return ""
    page, _, anchor = href.partition("#")
    path = run_dir / page
    if not path.exists():
        return ""
    return href if anchor and f'id="{anchor}"' in path.read_text(encoding="utf-8") else page


def _priority_item(p: dict, run_dir: Path) -> str:
    place = html.escape(str(p.get("plaats", "") or ""))
    title = html.escape(str(p.get("titel", "")))
    rows = []
    size = [str(s) for s in p.get("omvang") or []]
    if size:
        rows.append("<li><strong>Hoe groot:</strong> " + " ".join(html.escape(s) for s in size) + "</li>")
    if p.get("onderbouwing"):
        rows.append(f"<li><strong>Waarom:</strong> {html.escape(str(p['onderbouwing']))}</li>")
    if p.get("daartegenover"):
        rows.append(f"<li><strong>Daartegenover:</strong> {html.escape(str(p['daartegenover']))}</li>")
    links = []
    for item in p.get("cijfers") or []:
        href = figures_link(run_dir, str(item.get("href", ""))) if isinstance(item, dict) else ""
        if href:
            links.append(f'<a href="{html.escape(href, quote=True)}">{html.escape(str(item.get("label", "")))}</a>')
    if links:
        rows.append("<li><strong>De cijfers:</strong> " + ", ".join(links) + "</li>")
    return (
        "<li>"
        + (f"{place}. " if place else "")
        + f"<strong>{title}</strong>"
        + (f'<ul class="va-priority-detail">{"".join(rows)}</ul>' if rows else "")
        + "</li>"
    )


def _write(page: Path, text: str) -> None:
    tmp = page.with_name(page.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(page)


def _point_at_existing_anchors(page: Path, records: list[dict], run_dir: Path) -> None:
    """The synthesis page links each priority's indicators to their place on the chapter pages;
    where a chapter shows an indicator without a place of its own, the link goes to the page."""
    if not page.exists():
        return
    text = page.read_text(encoding="utf-8")
    changed = text
    for p in records:
        for item in p.get("cijfers") or []:
            href = str(item.get("href", "")) if isinstance(item, dict) else ""
            target = figures_link(run_dir, href)
            if href and target and target != href:
                changed = changed.replace(
                    f'href="{html.escape(href, quote=True)}"', f'href="{html.escape(target, quote=True)}"'
                )
            elif href and not target:  # a chapter that is not in this report: its name, no dead link
                changed = re.sub(rf'<a href="{re.escape(html.escape(href, quote=True))}">(.*?)</a>', r"\1", changed)
    if changed != text:
        _write(page, changed)


def mark_priorities(run_dir: Path, synthesis_id: str) -> None:
    """Mark on each chapter page the proposed priorities its indicators support, under its key
    findings, linking to where they are shown on the page (the synthesis runs beside the chapters,
    so this is added once every page is written)."""
    records = [p for p in _findings(run_dir, synthesis_id).get("priorities", []) if isinstance(p, dict)]
    _point_at_existing_anchors(run_dir / f"{synthesis_id}.html", records, run_dir)
    by_chapter: dict[str, list[dict]] = {}
    for p in records:
        if re.fullmatch(r"[0-9a-z_]+", str(p.get("hoofdstuk", ""))):
            by_chapter.setdefault(p["hoofdstuk"], []).append(p)
    for chapter, items in by_chapter.items():
        page = run_dir / f"{chapter}.html"
        if not page.exists():
            continue
        text = page.read_text(encoding="utf-8")
        end = re.search(r'<section class="va-findings"[^>]*>.*?</section>', text, flags=re.S)
        if end is None or "va-priority-mark" in text:
            continue
        lines = []
        for p in items:
            links = []
            for item in p.get("cijfers") or []:
                href = figures_link(run_dir, str(item.get("href", ""))) if isinstance(item, dict) else ""
                if href.startswith(f"{chapter}.html#"):
                    links.append(
                        f'<a href="#{html.escape(href.split("#", 1)[1], quote=True)}">'
                        f"{html.escape(str(item.get('label', '')))}</a>"
                    )
            lines.append(
                f"<li>Voorgestelde prioriteit {html.escape(str(p.get('plaats', '')))}: "
                f"<strong>{html.escape(str(p.get('titel', '')))}</strong>"
                + (f" – zie {', '.join(links)}" if links else "")
                + "</li>"
            )
        mark = (
            '<section class="va-priority-mark" aria-labelledby="prioriteit-hier"><h2 id="prioriteit-hier">'
            "Dit hoofdstuk onderbouwt een voorgestelde prioriteit</h2><ul>" + "".join(lines) + "</ul>"
            f'<p class="va-note">Waarom, en wat ertegenover staat: zie de <a href="{html.escape(synthesis_id)}.html">'
            "synthese</a>.</p></section>"
        )
        _write(page, text[: end.end()] + mark + text[end.end() :])


OVERVIEW_SECTION = "Alle indicatoren in één overzicht"  # the synthesis' section with the full verdicts
GLANCE_COLUMNS = (
    ("Tov Nederland", "Nederland"),
    ("Tov regio/vergelijkbaar", "Regio, vergelijkbare gemeenten"),
    ("Trend", "Trend"),
    ("Sinds vorige analyse", "Sinds vorige analyse"),
)


def _glance(rows: list, synthesis_file: str) -> str:
    """Every indicator against NL, the region and the peers, with its development: one word per cell,
    coloured by the corrected tests (the synthesis' overview, whose CSV has the full verdicts)."""
    rows = [r for r in rows if isinstance(r, dict) and isinstance(r.get("cellen"), dict)]
    if not rows:
        return ""
    head = "".join(f'<th scope="col">{html.escape(label)}</th>' for _key, label in GLANCE_COLUMNS)
    body = []
    for r in rows:
        cells = []
        for key, _label in GLANCE_COLUMNS:
            cell = r["cellen"].get(key) or {}
            colour = re.sub(r"[^a-z]", "", str(cell.get("kleur", "onbekend")))
            cells.append(f'<td class="va-{colour}">{html.escape(str(cell.get("woord", "–")))}</td>')
        body.append(f'<tr><th scope="row">{html.escape(str(r.get("indicator", "")))}</th>{"".join(cells)}</tr>')
    return (
        '<h2 id="overzicht">In één oogopslag</h2>'
        '<p class="va-note">Per indicator: ongunstig of gunstig als de toets na correctie voor het aantal '
        'toetsen een verschil aantoont; "geen verschil" als dat niet zo is; "verschil" waar hoger of lager '
        'geen goed of slecht betekent; "–" als er niet getoetst kon worden. De volledige oordelen staan in '
        f'het <a href="{html.escape(synthesis_file)}#{section_anchor(OVERVIEW_SECTION)}">overzicht van de '
        "synthese</a> en in de CSV daarvan.</p>"
        '<div class="va-table-wrap" tabindex="0" role="region" aria-label="In één oogopslag">'
        '<table class="va-table va-glance"><thead><tr><th scope="col">Indicator</th>' + head + "</tr></thead>"
        "<tbody>" + "".join(body) + "</tbody></table></div>"
    )


def _succeeded(results: dict[str, ChapterResult], chapter: str) -> bool:
    return chapter in results and results[chapter].ok


def index_body(
    run_dir: Path, gemeente_naam: str, periode: str, links: list[dict], results: dict[str, ChapterResult]
) -> str:
    naam = html.escape(gemeente_naam)
    parts = [
        f"<h1>Veiligheidsanalyse {naam}</h1>",
        f'<p class="va-intro">Wat zeggen de cijfers over veiligheid in {naam} in de periode '
        f"{html.escape(periode.replace('-', '–'))}, vergeleken met vroeger, de regio, vergelijkbare gemeenten "
        "en Nederland? Hieronder staan de voorgestelde prioriteiten en per hoofdstuk de belangrijkste "
        "bevindingen. Elke uitspraak komt uit een statistische toets; bij kleine aantallen wordt een verschil "
        "niet groter gemaakt dan het is.</p>",
    ]

    synthesis = next((link for link in links if link["id"].startswith("90_")), None)
    parts.append(_priorities(run_dir, synthesis, results))
    if synthesis:
        parts.append(_glance(_findings(run_dir, synthesis["id"]).get("glance", []), synthesis["file"]))

    parts.append('<h2 id="hoofdstukken">Kernbevindingen per hoofdstuk</h2>')
    parts.append('<ol class="va-chapters">')
    for link in links:
        parts.append(_chapter_item(run_dir, link, _succeeded(results, link["id"]), link is synthesis))
    parts.append("</ol>")

    parts.append('<h2 id="over-dit-rapport">Over dit rapport</h2>')
    parts.append(
        "<p>Elke pagina noemt onderaan de gebruikte bronnen (tabelnummers en de datum waarop ze zijn "
        "opgehaald). Onder elke figuur en tabel staat een link naar de cijfers als CSV-bestand "
        "(puntkomma als scheidingsteken, decimale komma; te openen in Excel); de kolomnaam zegt in welke eenheid "
        "een getal staat (zoals aantal_misdrijven of per_1000_inwoners), anders doet de kolom eenheid dat per "
        "rij. “Significant” betekent: "
        "het verschil is te groot om aan toeval toe te schrijven (95% betrouwbaarheid).</p>"
    )
    return "\n".join(parts)


def _priorities(run_dir: Path, synthesis: dict | None, results: dict[str, ChapterResult]) -> str:
    parts = ['<h2 id="prioriteiten">Voorgestelde prioriteiten</h2>']
    if synthesis:
        data = _findings(run_dir, synthesis["id"])
        priorities = [p for p in data.get("priorities", []) if isinstance(p, dict) and p.get("titel")]
        ok = _succeeded(results, synthesis["id"])
        if priorities:
            # A list with the places written out: equal scores share a place ("2 (gedeeld)").
            parts.append(
                '<ul class="va-priorities">' + "".join(_priority_item(p, run_dir) for p in priorities) + "</ul>"
            )
            parts.append(
                f'<p class="va-more"><a href="{html.escape(synthesis["file"])}">Hoe de prioriteiten zijn '
                "bepaald</a></p>"
            )
        elif not ok:
            parts.append(
                f'<p class="va-missing">Geen prioriteiten: het hoofdstuk '
                f'<a href="{html.escape(synthesis["file"])}">{html.escape(synthesis["title"])}</a> '
                "is niet gelukt.</p>"
            )
        else:
            parts.append('<p class="va-note">Het synthesehoofdstuk stelt geen prioriteiten voor.</p>')
    else:
        parts.append(
            '<p class="va-note">Dit rapport bevat geen synthesehoofdstuk, en daarom geen voorgestelde '
            "prioriteiten. De bevindingen per hoofdstuk staan hieronder.</p>"
        )
    return "\n".join(parts)


def _chapter_item(run_dir: Path, link: dict, ok: bool, is_synthesis: bool) -> str:
    """One chapter in the index: its key findings, or why they are missing."""
    data = _findings(run_dir, link["id"])
    file, title = html.escape(link["file"]), html.escape(link["title"])
    item = [f'<li class="va-chapter{"" if ok else " va-chapter-failed"}">', f'<h3><a href="{file}">{title}</a></h3>']
    if not ok:
        item.append(
            '<p class="va-missing"><strong>Dit hoofdstuk is niet volledig uitgevoerd.</strong> '
            "De bevindingen zijn onvolledig; de pagina zegt waar het misging.</p>"
        )
    findings = data.get("findings", [])
    if is_synthesis:
        # The priorities are listed above already; do not repeat them under the synthesis chapter.
        findings = [f for f in findings if not str(f).lower().startswith("voorgestelde prioriteit")]
    if findings:
        item.append("<ul>" + "".join(f"<li>{html.escape(str(f))}</li>" for f in findings) + "</ul>")
    elif ok:
        item.append('<p class="va-note">Dit hoofdstuk heeft geen kernbevindingen; het geeft context.</p>')
    item.append(
        f'<p class="va-more"><a href="{file}" aria-label="Lees het hoofdstuk {title}">Lees het hoofdstuk</a></p></li>'
    )
    return "".join(item)


def write_index(run_dir: Path, gemeente_naam: str, shell: PageShell, results: dict[str, ChapterResult]) -> Path:
    """The report's index.html, in the report's page shell."""
    links = [asdict(link) for link in shell.chapters]
    body = index_body(run_dir, gemeente_naam, shell.periode, links, results)
    banners = list(shell.banners)
    failed = [link["title"] for link in links if not _succeeded(results, link["id"])]
    if failed:
        banners.insert(
            0,
            Banner(
                "failed",
                "Niet alle hoofdstukken zijn gelukt.",
                "Mislukt: " + ", ".join(failed) + ". Dit rapport is onvolledig.",
            ),
        )
    target = run_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(render_page(body, shell.context("Overzicht", "index", banners=banners)), encoding="utf-8")
    tmp.replace(target)
    return target
