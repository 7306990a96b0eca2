"""index.html: the key findings of every chapter and the proposed priorities, linking on."""

from __future__ import annotations

import html
import json
from pathlib import Path

from .export import Banner, ChapterLink, PageContext, render_page


def _findings(run_dir: Path, chapter: str) -> dict:
    path = run_dir / "intern" / "findings" / f"{chapter}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def index_body(run_dir: Path, gemeente_naam: str, periode: str, links: list[dict], results: dict) -> str:
    parts = [f"<h1>Veiligheidsanalyse {html.escape(gemeente_naam)}</h1>",
             f"<p>Wat zeggen de cijfers over veiligheid in {html.escape(gemeente_naam)} in de periode "
             f"{html.escape(periode)}, vergeleken met vroeger, de regio, vergelijkbare gemeenten en Nederland? "
             "Elke uitspraak hieronder komt uit een statistische toets; kleine aantallen worden niet "
             "overschat.</p>"]
    synthesis = next((l for l in links if l["id"].startswith("90_")), None)
    if synthesis:
        data = _findings(run_dir, synthesis["id"])
        priorities = data.get("priorities", [])
        parts.append('<h2 id="prioriteiten">Voorgestelde prioriteiten</h2>')
        if priorities:
            parts.append("<ol>" + "".join(
                f"<li><strong>{html.escape(p['titel'])}</strong> — {html.escape(p.get('onderbouwing', ''))}</li>"
                for p in priorities) + "</ol>")
            parts.append(f'<p><a href="{synthesis["file"]}">Hoe de prioriteiten zijn bepaald</a></p>')
        else:
            parts.append("<p>Geen prioriteiten beschikbaar (het synthesehoofdstuk is niet gelukt).</p>")
    parts.append('<h2 id="hoofdstukken">Kernbevindingen per hoofdstuk</h2>')
    for link in links:
        data = _findings(run_dir, link["id"])
        ok = results.get(link["id"], {}).get("status") == "ok"
        parts.append(f'<h3><a href="{link["file"]}">{html.escape(link["title"])}</a></h3>')
        if not ok:
            parts.append('<p class="va-missing">Dit hoofdstuk is niet volledig uitgevoerd; '
                         'zie de pagina voor de foutmelding.</p>')
        findings = data.get("findings", [])
        if findings:
            parts.append("<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in findings) + "</ul>")
        elif ok:
            parts.append("<p class=\"va-note\">Geen kernbevindingen.</p>")
    return "\n".join(parts)


def write_index(run_dir: Path, config, data, links: list[dict], results: dict, page_common: dict) -> Path:
    body = index_body(run_dir, data.gemeente_naam, page_common["periode"], links, results)
    banners = [Banner(**b) for b in page_common["banners"]]
    failed = [l["title"] for l in links if results.get(l["id"], {}).get("status") != "ok"]
    if failed:
        banners.insert(0, Banner("failed", "Niet alle hoofdstukken zijn gelukt.",
                                 "Mislukt: " + ", ".join(failed) + ". Dit rapport is onvolledig."))
    page = PageContext(
        title="Overzicht", current="index", chapters=[ChapterLink(**l) for l in links],
        gemeente_naam=data.gemeente_naam, periode=page_common["periode"], run_date=page_common["run_date"],
        data_label=page_common["data_label"], run_id=page_common["run_id"], version=page_common["version"],
        git=page_common["git"], banners=banners, sources=page_common["default_sources"],
        method_file=page_common["method_file"])
    target = run_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(render_page(body, page), encoding="utf-8")
    tmp.replace(target)
    return target
