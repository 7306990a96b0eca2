"""``outputs/index.html``: every report in the output folder, for a file share.

The output folder is laid out to be served as it is (a file share or any static web server)::

    outputs/
      index.html                      this page: regions and gemeenten, latest and dated runs
      westerveld/
        latest -> 20261127T181051Z-bf82   the last run in which every chapter succeeded
        20261127T181051Z-bf82/        a dated run: index.html, one page per chapter, csv/, manifest.json
        ...                           (outputs/.intern/: notebooks, logs, store; not for readers)
      zuidwest-drenthe/               the regional report, the same layout
      logs/, .locks/, .cache/, .tmp/  for the runner, not for readers

The page links to the dated folders themselves (also for "latest"), so it works where a share
does not follow symbolic links. It is rebuilt at the end of every run, atomically.
"""

from __future__ import annotations

import html
import os
from datetime import datetime
from pathlib import Path

from ..dates import MONTHS_NL
from .incremental import read_manifest, run_dirs
from .retention import latest_target

RESERVED = {"logs", "interactief"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff;
line-height:1.5}
main{max-width:64rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.8rem;margin:0 0 .5rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:2px solid #0072B2}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid #ddd}
th{background:#f3f6f9}
a{color:#005a8c}
.va-tag{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:.2rem;margin-left:.3rem}
.va-tag-demo{background:#fde9c8}.va-tag-failed{background:#f8d4d4}.va-tag-stale{background:#efe5f5}
ul.va-runs{margin:0;padding-left:1.1rem}
.va-note{color:#555}
"""


def _when(iso: str | None) -> str:
    try:
        moment = datetime.fromisoformat(str(iso)).astimezone()
    except (TypeError, ValueError):
        return str(iso or "")
    return f"{moment.day} {MONTHS_NL[moment.month - 1]} {moment.year}, {moment:%H:%M}"


def _tags(manifest: dict) -> str:
    out = []
    if manifest.get("exit_status") not in (0, None):
        out.append('<span class="va-tag va-tag-failed">onvolledig</span>')
    data = manifest.get("data", {})
    if data.get("demo"):
        out.append('<span class="va-tag va-tag-demo">demodata</span>')
    elif data.get("stale"):
        out.append('<span class="va-tag va-tag-stale">niet actueel</span>')
    return "".join(out)


def collect(output_root: Path) -> list[dict]:
    """One entry per gemeente or region folder that has at least one finished run."""
    entries = []
    if not output_root.is_dir():
        return entries
    for folder in sorted(p for p in output_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name in RESERVED:
            continue
        runs = [(r.name, m) for r in run_dirs(folder) for m in [read_manifest(r)] if m is not None]
        if not runs:
            continue
        latest = latest_target(folder)
        newest = runs[0][1]
        kind = newest.get("soort", "gemeente")
        naam = newest.get("regio", {}).get("naam") if kind == "regio" else newest.get("gemeente_naam")
        entries.append(
            {"folder": folder.name, "naam": naam or folder.name, "soort": kind, "latest": latest, "runs": runs}
        )
    return entries


def page(output_root: Path) -> str:
    entries = collect(output_root)
    parts = [
        "<h1>Veiligheidsanalyses</h1>",
        '<p class="va-note">Alle rapporten in deze map. <strong>Laatste</strong> is het meest recente rapport '
        "waarin elk hoofdstuk gelukt is; eerdere en onvolledige runs staan eronder. Het vaste adres van het "
        "laatste rapport van een gemeente is <code>&lt;gemeente&gt;/latest/index.html</code>.</p>",
    ]
    for kind, title in (("regio", "Regio's"), ("gemeente", "Gemeenten")):
        group = [e for e in entries if e["soort"] == kind]
        if not group:
            continue
        parts.append(f"<h2>{title}</h2>")
        parts.append(
            '<table><thead><tr><th scope="col">Naam</th><th scope="col">Laatste rapport</th>'
            '<th scope="col">Alle runs (nieuwste eerst)</th></tr></thead><tbody>'
        )
        for e in group:
            folder = html.escape(e["folder"])
            by_id = dict(e["runs"])
            if e["latest"] and e["latest"] in by_id:
                m = by_id[e["latest"]]
                latest = (
                    f'<a href="{folder}/{html.escape(e["latest"])}/index.html">{_when(m.get("started_at"))}</a>'
                    f"{_tags(m)}"
                )
            else:
                latest = '<span class="va-note">nog geen volledig rapport</span>'
            runs = "".join(
                f'<li><a href="{folder}/{html.escape(run_id)}/index.html">{_when(m.get("started_at"))}</a>'
                f"{_tags(m)}</li>"
                for run_id, m in e["runs"]
            )
            parts.append(
                f'<tr><th scope="row">{html.escape(e["naam"])}</th><td>{latest}</td>'
                f'<td><ul class="va-runs">{runs}</ul></td></tr>'
            )
        parts.append("</tbody></table>")
    if not entries:
        parts.append("<p>Er zijn nog geen rapporten.</p>")
    return (
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n<link rel="icon" href="data:,">\n'
        f"<title>Veiligheidsanalyses</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(parts)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_outputs_index(output_root: Path) -> Path:
    target = output_root / "index.html"
    tmp = output_root / f".index-{os.getpid()}.html.tmp"
    tmp.write_text(page(output_root), encoding="utf-8")
    tmp.replace(target)
    return target
