"""The report runner: config -> data -> chapters in parallel -> HTML, index, manifest -> latest.

Order of work, and why:
1. validate the config and the partner inputs (exit 2 before any kernel starts);
2. choose the data snapshots by data policy and normalise them once into the run's store;
3. execute every chapter in its own worker process (papermill + in-process HTML export), up to the
   core count at a time, each with a timeout;
4. write index.html and manifest.json; point ``latest`` at the run only if every chapter succeeded.
A failed run never replaces the last good report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .. import __version__
from ..config import ConfigError, RunConfig, load_config, resolve
from ..paths import project_root

EXIT_OK = 0
EXIT_CHAPTER_FAILED = 1
EXIT_INVALID = 2
EXIT_DATA_UNAVAILABLE = 3
EXIT_LOCKED = 4

KERNEL_NAME = "veiligheidsanalyse"
INTERN = "intern"  # inside a run folder: executed notebooks, logs, data store — not for publication


@dataclass
class RunOptions:
    policy: str | None = None  # overrides data.beleid (e.g. "require-fresh" for scheduled runs)
    fetch: bool = False  # run --fetch: fetch fresh data first (policy "fresh")
    force: bool = False  # re-run every chapter even when nothing changed
    chapters: list[str] | None = None
    gemeente: str | None = None  # run the same config for another gemeente
    endpoint: object | None = None  # OData endpoint override (tests point it at a local server)
    output_root: Path | None = None
    progress: bool | None = None  # None: progress display only on a terminal


@dataclass
class RunResult:
    exit_code: int
    run_dir: Path | None = None
    chapters: dict[str, dict] = field(default_factory=dict)
    message: str = ""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:4]


def git_description(root: Path) -> str:
    """Short commit id, with '-dirty' when the work tree has changes; '' outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        if not sha:
            return ""
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def chapter_meta(notebook: Path) -> dict:
    """Title and short name from the notebook's metadata (``veiligheidsanalyse.titel/kort``)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("veiligheidsanalyse", {})
    return {"title": meta.get("titel", notebook.stem), "short": meta.get("kort", notebook.stem)}


def write_kernelspec(folder: Path) -> Path:
    """A kernelspec that runs *this* interpreter, found first via JUPYTER_PATH.

    A user may have another kernel called python3 (or even veiligheidsanalyse) in their own
    Jupyter folders; papermill would pick that one up. This spec lives in the run folder and is put
    first on JUPYTER_PATH for the worker processes only.
    """
    spec_dir = folder / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (veiligheidsanalyse)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return folder


class Progress:
    """One line per event; on a terminal also a running status line."""

    def __init__(self, total: int, enabled: bool, stream=None):
        self.total = total
        self.done = 0
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        with self.lock:
            print(text, file=self.stream, flush=True)

    def chapter_done(self, chapter: str, status: str, seconds: float) -> None:
        with self.lock:
            self.done += 1
            mark = "klaar" if status == "ok" else ("hergebruikt" if status == "reused" else "MISLUKT")
            if self.enabled or status not in ("ok", "reused"):
                print(f"[{self.done}/{self.total}] {chapter}: {mark} ({seconds:.1f} s)", file=self.stream, flush=True)


def run(config_path: str | Path, options: RunOptions | None = None) -> RunResult:
    options = options or RunOptions()
    try:
        config = load_config(config_path, gemeente=options.gemeente)
    except ConfigError as exc:
        return RunResult(EXIT_INVALID, message=f"ongeldige configuratie: {exc}")
    return execute_run(config, options)


def _data_banners(status) -> list[dict]:
    banners = []
    if status.demo:
        banners.append({"kind": "demo", "title": "Demodata.",
                        "text": "Deze pagina is gemaakt met verzonnen demonstratiecijfers in de vorm van de echte "
                                "CBS- en politietabellen, niet met echte cijfers. Gebruik ze niet voor beleid."})
    if status.stale:
        banners.append({"kind": "stale", "title": "Niet actueel.", "text": " ".join(status.messages)})
    return banners


def _data_label(status) -> str:
    if status.demo:
        return "DEMODATA"
    if status.stale:
        return "verouderde kopie"
    return "actueel"


def execute_run(config: RunConfig, options: RunOptions) -> RunResult:
    """Everything after a valid config: data, chapters, pages, manifest, latest."""
    from ..prepare import DataUnavailableError
    from .data_step import prepare_run_data, InputError

    root = project_root()
    started = time.time()
    wall_start = datetime.now(timezone.utc)
    chapters = options.chapters or list(config.hoofdstukken)
    progress_enabled = sys.stderr.isatty() if options.progress is None else options.progress

    # ---- data (and input validation) before any kernel starts
    run_id = new_run_id(wall_start)
    output_root = options.output_root or resolve(root, config.uitvoer)
    work_dir = output_root / ".tmp" / run_id
    try:
        data = prepare_run_data(config, root, options, work_dir=work_dir)
    except (InputError, ConfigError, DataUnavailableError) as exc:
        shutil.rmtree(work_dir, ignore_errors=True)
        if isinstance(exc, InputError):
            return RunResult(EXIT_INVALID, message=str(exc))
        if isinstance(exc, ConfigError):
            return RunResult(EXIT_INVALID, message=f"ongeldige configuratie: {exc}")
        return RunResult(EXIT_DATA_UNAVAILABLE, message=f"gegevens niet beschikbaar: {exc}")

    gemeente_dir = output_root / (slug(data.gemeente_naam) or config.gemeente)
    run_dir = gemeente_dir / run_id
    intern = run_dir / INTERN
    (intern / "notebooks").mkdir(parents=True, exist_ok=True)
    for sub in ("logs", "jobs", "findings"):
        (intern / sub).mkdir(exist_ok=True)
    (run_dir / "csv").mkdir(exist_ok=True)
    store_dir = intern / "data"
    shutil.move(str(data.prepared.store_dir), store_dir)
    shutil.rmtree(output_root / ".tmp" / run_id, ignore_errors=True)
    kernels = write_kernelspec(intern)
    (intern / "LEESMIJ.txt").write_text(
        "Interne bestanden van deze run: uitgevoerde notebooks (met onbewerkte cijfers), logboeken en de\n"
        "gegevensopslag. Niet publiceren: de publicatie bestaat uit de HTML- en CSV-bestanden erboven.\n",
        encoding="utf-8")

    notebooks_dir = root / "notebooks"
    meta = {ch: chapter_meta(notebooks_dir / f"{ch}.ipynb") for ch in chapters}
    links = [{"id": ch, "file": f"{ch}.html", "short": meta[ch]["short"], "title": meta[ch]["title"]}
             for ch in chapters]
    status = data.prepared.status
    git = git_description(root)
    page_common = {
        "chapters": links, "gemeente_naam": data.gemeente_naam,
        "periode": f"{config.jaar_van}-{config.jaar_tot}", "run_date": wall_start.strftime("%d-%m-%Y"),
        "data_label": _data_label(status), "run_id": run_id, "version": __version__, "git": git,
        "banners": _data_banners(status), "default_sources": list(data.source_labels.values()),
        "method_file": "99_methode.html" if "99_methode" in chapters else (links[-1]["file"] if links else ""),
    }

    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(kernels) + (os.pathsep + env["JUPYTER_PATH"] if env.get("JUPYTER_PATH") else "")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["VA_PROJECT_ROOT"] = str(root)

    jobs = {}
    for ch in chapters:
        job = {
            "chapter": ch,
            "input_notebook": str(notebooks_dir / f"{ch}.ipynb"),
            "output_notebook": str(intern / "notebooks" / f"{ch}.ipynb"),
            "output_html": str(run_dir / f"{ch}.html"),
            "findings_file": str(intern / "findings" / f"{ch}.json"),
            "result_file": str(intern / "jobs" / f"{ch}.result.json"),
            "kernel_name": KERNEL_NAME,
            "kernel_python": sys.executable,
            "cwd": str(notebooks_dir),
            "cell_timeout": config.timeout_per_hoofdstuk,
            "parameters": {
                "gemeente": config.gemeente,
                "config": str(Path(config.source).resolve()),
                "run_dir": str(run_dir),
                "store": str(store_dir),
            },
            "page": dict(page_common, title=meta[ch]["title"]),
            "source_labels": data.source_labels,
        }
        job_file = intern / "jobs" / f"{ch}.json"
        job_file.write_text(json.dumps(job, indent=1, ensure_ascii=False), encoding="utf-8")
        jobs[ch] = job_file

    workers = config.parallel or os.cpu_count() or 1
    progress = Progress(len(chapters), progress_enabled)
    progress.say(f"Veiligheidsanalyse {data.gemeente_naam}: {len(chapters)} hoofdstukken, "
                 f"{min(workers, len(chapters))} tegelijk, gegevens: {_data_label(status)}")

    def run_chapter(ch: str) -> dict:
        t0 = time.time()
        log_path = intern / "logs" / f"{ch}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "veiligheidsanalyse.report.worker", str(jobs[ch])],
                                    stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(notebooks_dir),
                                    start_new_session=True)
            try:
                proc.wait(timeout=config.timeout_per_hoofdstuk + 60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                result = {"chapter": ch, "status": "failed",
                          "error": f"time-out na {config.timeout_per_hoofdstuk} s"}
                _timeout_page(jobs[ch], result)
                progress.chapter_done(ch, "failed", time.time() - t0)
                return result
        result_file = intern / "jobs" / f"{ch}.result.json"
        if result_file.exists():
            result = json.loads(result_file.read_text(encoding="utf-8"))
        else:
            result = {"chapter": ch, "status": "failed", "error": f"worker stopte met code {proc.returncode}"}
        result["seconds"] = round(time.time() - t0, 3)
        progress.chapter_done(ch, result["status"], result["seconds"])
        return result

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = dict(zip(chapters, pool.map(run_chapter, chapters)))

    failed = [ch for ch, r in results.items() if r.get("status") != "ok"]
    from .index import write_index
    write_index(run_dir, config, data, links, results, page_common)
    exit_code = EXIT_CHAPTER_FAILED if failed else EXIT_OK
    from .manifest import write_manifest
    write_manifest(run_dir, config, options, data, results, exit_code, git, started, wall_start, root)
    if not failed:
        _point_latest(gemeente_dir, run_id)
        message = f"Rapport klaar: {run_dir / 'index.html'}"
    else:
        message = (f"{len(failed)} hoofdstuk(ken) mislukt: {', '.join(failed)}; 'latest' is niet bijgewerkt. "
                   f"Zie {run_dir / 'index.html'} en de logboeken in {intern / 'logs'}")
    return RunResult(exit_code, run_dir=run_dir, chapters=results, message=message)


def _timeout_page(job_file: Path, result: dict) -> None:
    job = json.loads(job_file.read_text(encoding="utf-8"))
    html_path = Path(job["output_html"])
    if not html_path.exists():
        from .export import Banner, ChapterLink, PageContext, render_page

        page = job["page"]
        ctx = PageContext(title=page["title"], current=job["chapter"],
                          chapters=[ChapterLink(**c) for c in page["chapters"]], gemeente_naam=page["gemeente_naam"],
                          periode=page["periode"], run_date=page["run_date"], data_label=page["data_label"],
                          run_id=page["run_id"], version=page["version"], git=page.get("git", ""),
                          banners=[Banner("failed", "Dit hoofdstuk is niet uitgevoerd.", result["error"])],
                          sources=page["default_sources"], method_file=page["method_file"])
        html_path.write_text(render_page(f"<h1>{page['title']}</h1>", ctx), encoding="utf-8")


def _point_latest(gemeente_dir: Path, run_id: str) -> None:
    """Atomically point ``latest`` at the run (a relative symlink, replaced in one rename)."""
    tmp = gemeente_dir / f".latest-{uuid.uuid4().hex[:6]}"
    os.symlink(run_id, tmp)
    os.replace(tmp, gemeente_dir / "latest")
