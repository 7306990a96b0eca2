"""The chapter pages and the regional index: an executed notebook or a kept body in the page shell.

Used by both executors right after a chapter ran (:func:`write_chapter_page`), and by the runner
for what did not run here: reused chapters (their kept body in this run's shell), chapters that
failed without a page, and the regional report's index.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..paths import intern_dir
from .export import Banner, notebook_body, render_page
from .jobs import ChapterJob, ChapterResult

NO_OUTPUT = "<p>Het hoofdstuk kon niet worden uitgevoerd; er is geen uitvoer.</p>"


def read_findings(path: Path) -> dict[str, Any]:
    """What the notebook wrote about itself (its findings and the sources it showed); {} if nothing."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write_atomically(target: Path, text: str, publish: Callable[[], bool] = lambda: True) -> None:
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(text, encoding="utf-8")
    if not publish():  # the runner was killed meanwhile: publish nothing into its dead run
        tmp.unlink(missing_ok=True)
        raise SystemExit(1)
    tmp.replace(target)


def write_chapter_page(job: ChapterJob, executed_nb: Any, ok: bool, publish: Callable[[], bool] = lambda: True) -> int:
    """After execution: record the kernel in the executed notebook, keep its body, write its page.

    ``executed_nb``: the notebook as papermill returned it (None after a failure: the file is read).
    Returns the page's size in bytes.
    """
    import nbformat

    nb = executed_nb
    if nb is None and job.output_notebook.exists():
        nb = nbformat.read(job.output_notebook, as_version=4)
    if nb is not None:
        # Record which kernel and interpreter ran the chapter (the kernel name alone can lie).
        nb.metadata.setdefault("veiligheidsanalyse", {})["kernel"] = {
            "name": job.kernel_name,
            "argv0": job.kernel_python,
        }
        nbformat.write(nb, job.output_notebook)
        body = notebook_body(nb)
    else:
        body = NO_OUTPUT
    job.body_file.parent.mkdir(parents=True, exist_ok=True)
    job.body_file.write_text(body, encoding="utf-8")
    html_text = render_chapter_page(job, body, read_findings(job.findings_file), ok)
    _write_atomically(job.output_html, html_text, publish)
    return len(html_text.encode("utf-8"))


def render_chapter_page(job: ChapterJob, body: str, findings: dict[str, Any], ok: bool) -> str:
    """The chapter's page: its body in the report's page shell (also for reused chapters)."""
    banners, data_kind, data_label = _page_status(job, findings.get("sources", []))
    if not ok:
        banners.insert(
            0,
            Banner(
                "failed",
                "Dit hoofdstuk is niet volledig uitgevoerd.",
                "De plek waar het misging staat hieronder; wat er misging staat in het logboek van "
                "de run. De cijfers op deze pagina zijn onvolledig.",
            ),
        )
    sources = [job.source_labels[t] for t in findings.get("sources", []) if t in job.source_labels]
    page = job.page.context(
        job.title, job.chapter, banners=banners, sources=sources or None, data_label=data_label, data_kind=data_kind
    )
    return render_page(body, page)


def _page_status(job: ChapterJob, source_ids: list[str]) -> tuple[list[Banner], str, str]:
    """Banners and header badge of a chapter page from the data status of the sources it shows."""
    from ..store.status import DataStatus

    shell = job.page
    if not source_ids:
        return list(shell.banners), shell.data_kind, shell.data_label
    status = DataStatus.from_json({"sources": shell.source_status})
    kind, label = status.badge(source_ids)
    return [Banner(**b) for b in status.banners(source_ids)], kind, label


def write_reused_page(job: ChapterJob, result: ChapterResult) -> None:
    """A reused chapter: its kept body in this run's page shell (navigation, date, banners)."""
    body = job.body_file.read_text(encoding="utf-8")
    job.output_html.write_text(
        render_chapter_page(job, body, read_findings(job.findings_file), result.ok), encoding="utf-8"
    )


def write_failed_page(job: ChapterJob, result: ChapterResult) -> None:
    """A chapter that failed before it had a page (time-out, lost worker): a page that says so."""
    if job.output_html.exists():
        return
    page = job.page.context(
        job.title, job.chapter, banners=[Banner("failed", "Dit hoofdstuk is niet uitgevoerd.", result.error or "")]
    )
    job.output_html.write_text(render_page(f"<h1>{job.title}</h1>", page), encoding="utf-8")


def write_region_index(
    run_dir: Path, naam: str, chapter: str, members: list[tuple[str, str]], shell: Any, ok: bool
) -> None:
    """index.html of the regional report: its findings, the analysis page and the gemeenten's reports.

    ``members``: (report folder, gemeente name) of every gemeente; ``shell``: the report's PageShell.
    """
    findings = read_findings(intern_dir(run_dir) / "findings" / f"{chapter}.json").get("findings", [])
    name = html.escape(naam)
    parts = [
        f"<h1>Veiligheidsanalyse {name}</h1>",
        f'<p class="va-intro">De gezamenlijke prioriteiten van de gemeenten van {name} in cijfers, per gemeente '
        "vergeleken met de rest van de regio en met Nederland. Elke uitspraak komt uit een statistische toets.</p>",
        '<h2 id="kernbevindingen">Kernbevindingen</h2>',
    ]
    if findings:
        parts.append("<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in findings) + "</ul>")
    elif not ok:
        parts.append('<p class="va-missing">De regionale analyse is niet gelukt; zie de pagina voor de fout.</p>')
    parts.append(f'<p class="va-more"><a href="{chapter}.html">Naar de regionale analyse</a></p>')
    parts.append('<h2 id="gemeenten">De rapporten per gemeente</h2><ul>')
    for folder, member_naam in members:
        parts.append(
            f'<li><a href="../../{html.escape(folder)}/latest/index.html">Veiligheidsanalyse '
            f"{html.escape(member_naam)}</a></li>"
        )
    parts.append("</ul>")
    banners = list(shell.banners)
    if not ok:
        banners.insert(0, Banner("failed", "De regionale analyse is niet gelukt.", "Dit rapport is onvolledig."))
    _write_atomically(
        run_dir / "index.html", render_page("\n".join(parts), shell.context("Overzicht", "index", banners=banners))
    )
