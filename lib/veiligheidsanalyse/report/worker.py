"""Execute one chapter notebook with papermill and export its page: run as its own process.

The runner starts one worker process per chapter (``python -m veiligheidsanalyse.report.worker
job.json``), so a chapter that hangs or crashes can be killed without touching the others, and
its kernel's chatter goes to the chapter's log file instead of the terminal.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def run_job(job: dict) -> dict:
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .export import Banner, ChapterLink, PageContext, notebook_body, render_page

    started = time.time()
    result: dict = {"chapter": job["chapter"], "status": "ok", "error": None}
    output_nb = Path(job["output_notebook"])
    try:
        pm.execute_notebook(
            job["input_notebook"],
            str(output_nb),
            parameters=job["parameters"],
            kernel_name=job["kernel_name"],
            cwd=job["cwd"],
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=job.get("cell_timeout"),
            start_timeout=job.get("start_timeout", 120),
        )
    except PapermillExecutionError as exc:
        result.update(status="failed", error=f"{exc.ename}: {exc.evalue} (cel {exc.exec_count})")
    except Exception as exc:  # kernel died, could not start, ... : still try to export what exists
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    result["execution_seconds"] = round(time.time() - started, 3)

    export_started = time.time()
    try:
        if output_nb.exists():
            nb = nbformat.read(output_nb, as_version=4)
            # Record which kernel and interpreter ran the chapter (the kernel name alone can lie).
            nb.metadata.setdefault("veiligheidsanalyse", {})["kernel"] = {
                "name": job["kernel_name"], "argv0": job["kernel_python"]}
            nbformat.write(nb, output_nb)
            body = notebook_body(nb)
        else:
            body = "<p>Het hoofdstuk kon niet worden uitgevoerd; er is geen uitvoer.</p>"
        page_data = job["page"]
        findings_path = Path(job["findings_file"])
        findings = json.loads(findings_path.read_text(encoding="utf-8")) if findings_path.exists() else {}
        banners = [Banner(**b) for b in page_data["banners"]]
        if result["status"] != "ok":
            banners.insert(0, Banner("failed", "Dit hoofdstuk is niet volledig uitgevoerd.",
                                     f"De fout staat hieronder bij de cel waar het misging ({result['error']}). "
                                     "De cijfers op deze pagina zijn onvolledig."))
        sources = [job["source_labels"][t] for t in findings.get("sources", []) if t in job["source_labels"]]
        page = PageContext(
            title=page_data["title"], current=job["chapter"],
            chapters=[ChapterLink(**c) for c in page_data["chapters"]],
            gemeente_naam=page_data["gemeente_naam"], periode=page_data["periode"], run_date=page_data["run_date"],
            data_label=page_data["data_label"], run_id=page_data["run_id"], version=page_data["version"],
            git=page_data.get("git", ""), banners=banners, sources=sources or page_data["default_sources"],
            method_file=page_data["method_file"],
        )
        html_text = render_page(body, page)
        target = Path(job["output_html"])
        tmp = target.with_suffix(".html.tmp")
        tmp.write_text(html_text, encoding="utf-8")
        tmp.replace(target)
        result["html_bytes"] = len(html_text.encode("utf-8"))
    except Exception as exc:
        result.update(status="failed", error=f"export: {type(exc).__name__}: {exc}")
        traceback.print_exc()
    result["export_seconds"] = round(time.time() - export_started, 3)
    result["findings"] = findings if "findings" in locals() else {}
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job_path = Path(argv[0])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    result = run_job(job)
    result["max_rss_kb"] = _max_rss_children_kb()
    _write_json(Path(job["result_file"]), result)
    return 0 if result["status"] == "ok" else 1


def _max_rss_children_kb() -> int:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kernel = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return int(max(own, kernel))


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    raise SystemExit(main())
