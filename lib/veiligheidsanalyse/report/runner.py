"""The report runner: config -> data -> chapters in parallel -> HTML, index, manifest -> latest.

Order of work, and why:

1. validate the config (exit 2 before anything starts) and take the configuration's lock (a second
   run of the same configuration exits 4, see :mod:`.lock`);
2. decide per chapter whether it can be reused from an earlier run (see :mod:`.incremental`); if
   anything will have to run, start the workers now, so that their imports and warm kernels
   overlap with the data step (see :mod:`.pool`);
3. for every gemeente of the config: choose the data snapshots by data policy, check the partner
   inputs and build the store, or take it from the store cache (exit 2/3 before any chapter runs);
4. execute the chapters that changed, of all gemeenten and the regional report together, longest
   first, as many at once as there are cores, each with a time-out; reuse the others (their files
   are linked into the new run folder and their page is rendered in the new page shell);
5. write every index.html and manifest.json; then, and only then, point each report's ``latest``
   at its run if every chapter of that report succeeded; rebuild ``outputs/index.html``; keep the
   last ``uitvoering.bewaar_runs`` runs. A failed or interrupted run never replaces a good report.

The runner's own log is ``<uitvoer>/logs/<config>/<run_id>/runner.log`` (with the workers' logs),
copied into every run's internal folder as ``logs/runner.log`` (``outputs/.intern/...``).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..config import ConfigError, RunConfig, available_chapters, load_config, resolve
from ..paths import intern_dir, project_root, work_root
from ..store.status import DataStatus

EXIT_OK = 0
EXIT_CHAPTER_FAILED = 1
EXIT_INVALID = 2
EXIT_DATA_UNAVAILABLE = 3
EXIT_LOCKED = 4

KERNEL_NAME = "veiligheidsanalyse"
REGION_CHAPTER = "regio"
REGION_NOTEBOOK = Path("regio") / "regio.ipynb"


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
    # Start kernels ahead of their chapter; VA_WARM_KERNELS=0 switches it off (benchmarks compare both).
    warm: bool = field(default_factory=lambda: os.environ.get("VA_WARM_KERNELS", "1") != "0")


@dataclass
class RunResult:
    exit_code: int
    run_dir: Path | None = None  # the (first) gemeente's run folder
    chapters: dict[str, dict] = field(default_factory=dict)
    message: str = ""
    run_dirs: dict[str, Path] = field(default_factory=dict)  # report folder name -> run folder
    log_file: Path | None = None


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
    Jupyter folders; papermill would pick that one up. This spec is put first on JUPYTER_PATH for
    the worker processes only.
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


class RunLog:
    """The runner's own log: timestamped lines in ``runner.log``."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self.t0 = time.time()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "a", encoding="utf-8")
        except OSError:  # a full disk: the run goes on (and reports the disk), only without its log
            self._fh = None

    def __call__(self, text: str) -> None:
        if self._fh is None:
            return
        with self._lock:
            stamp = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            try:
                self._fh.write(f"{stamp} [{time.time() - self.t0:7.2f} s] {text}\n")
                self._fh.flush()
            except OSError:
                pass

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------- entry points

def run(config_path: str | Path, options: RunOptions | None = None) -> RunResult:
    """Validate the config, take its lock, run (exit status in the result)."""
    from .lock import LockHeld, RunLock, lock_path

    options = options or RunOptions()
    try:
        config = load_config(config_path, gemeente=options.gemeente)
    except ConfigError as exc:
        return RunResult(EXIT_INVALID, message=f"ongeldige configuratie: {exc}")
    root = project_root()
    output_root = options.output_root or resolve(root, config.uitvoer)
    lock = RunLock(lock_path(output_root, config.name), {"config": str(Path(config.source).resolve())})
    try:
        lock.acquire()
    except LockHeld as exc:
        return RunResult(EXIT_LOCKED, message=str(exc))
    try:
        return execute_run(config, options, output_root=output_root)
    finally:
        lock.release()


def _shown_status(t: "Target") -> DataStatus:
    """The data status a report shows: its store's; for the region, every member's merged (nothing
    shown as more current than it is in any of them)."""
    if t.kind == "regio":
        return DataStatus.merged(m.data.prepared.status for m in t.members)
    return t.data.prepared.status


def _data_label(status) -> str:
    """The header badge's text for the whole report, e.g. 'actueel, 2 bronnen demo'."""
    return status.badge()[1]


@dataclass
class Target:
    """One report of this run: a gemeente's, or the region's."""

    kind: str  # gemeente | regio
    config: RunConfig  # the gemeente's config (for the region: the config for several gemeenten)
    naam: str = ""
    folder: Path | None = None
    run_dir: Path | None = None
    data: object | None = None  # RunData (for the region: the first gemeente's, for banners and sources)
    chapters: list[str] = field(default_factory=list)
    notebooks: dict[str, Path] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    results: dict[str, dict] = field(default_factory=dict)
    history: object | None = None
    page_common: dict = field(default_factory=dict)
    links: list[dict] = field(default_factory=list)
    store_digest: str = ""
    members: list["Target"] = field(default_factory=list)  # region: its gemeenten

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.get("status") == "ok" for r in self.results.values())


def execute_run(config: RunConfig, options: RunOptions, output_root: Path | None = None) -> RunResult:
    """Everything after a valid config (and its lock): data, chapters, pages, manifests, latest."""
    root = project_root()
    wall_start = datetime.now(timezone.utc)
    run_id = new_run_id(wall_start)
    output_root = output_root or options.output_root or resolve(root, config.uitvoer)
    log_dir = work_root(output_root) / "logs" / slug(config.name) / run_id
    log = RunLog(log_dir / "runner.log")
    log(f"run {run_id}: configuratie {config.source}; veiligheidsanalyse {__version__}; python {sys.executable}")
    try:
        result = _execute(config, options, root, output_root, run_id, wall_start, log, log_dir)
    except Exception as exc:  # a bug in the runner or a full disk: the published reports stay as they were
        log("INTERNE FOUT\n" + traceback.format_exc())
        if _disk_full(exc, output_root, work_root(output_root)):
            result = RunResult(EXIT_CHAPTER_FAILED,
                               message=f"de schijf is vol ({exc}); 'latest' is niet bijgewerkt. Maak ruimte vrij en "
                                       f"start de run opnieuw. Zie {log.path}")
        else:
            result = RunResult(EXIT_CHAPTER_FAILED,
                               message=f"interne fout van de runner ({type(exc).__name__}: {exc}); 'latest' is niet "
                                       f"bijgewerkt. Zie {log.path}")
    log(f"klaar: exit-status {result.exit_code}: {result.message}")
    log.close()
    result.log_file = log.path
    for run_dir in result.run_dirs.values():  # the runner's log in every run folder, complete
        try:
            shutil.copyfile(log.path, intern_dir(run_dir) / "logs" / "runner.log")
        except OSError:
            pass
    return result


def _disk_full(exc: BaseException, *folders: Path) -> bool:
    """Did the run fail because the disk is full? ENOSPC itself, or an error that a file cut short by
    a full disk causes elsewhere (a result file that is not valid JSON) while almost no space is left."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    for folder in folders:
        try:
            if shutil.disk_usage(folder).free < 1_000_000:
                return True
        except OSError:
            continue
    return False


def _execute(config: RunConfig, options: RunOptions, root: Path, output_root: Path, run_id: str,
             wall_start: datetime, log: RunLog, log_dir: Path) -> RunResult:
    from ..store.prepare import DataUnavailableError
    from . import incremental as inc
    from ..store.build import InputError, Network, prepare_run_data
    from .pool import PoolJob, WorkerPool, default_workers

    started = time.time()
    progress_enabled = sys.stderr.isatty() if options.progress is None else options.progress
    notebooks_dir = root / "notebooks"
    tmp_root = work_root(output_root) / ".tmp" / run_id
    cache_dir = work_root(output_root) / ".cache" / "stores"

    # ---- which reports: one per gemeente of the list (or the one gemeente), and the region's
    multi = config.multi and not options.gemeente
    gemeente_configs = [config.for_gemeente(code) for code in config.targets()] if multi else [config]
    available = available_chapters(root)
    wanted = list(options.chapters or config.hoofdstukken)
    with_region = multi and config.regio_rapport is not None and (not options.chapters or REGION_CHAPTER in wanted)
    chapters = [ch for ch in wanted if ch != REGION_CHAPTER]
    unknown = [ch for ch in chapters if ch not in available]
    if unknown or (options.chapters and REGION_CHAPTER in wanted and not multi):
        bad = unknown or [REGION_CHAPTER]
        return RunResult(EXIT_INVALID, message=f"onbekend hoofdstuk: {', '.join(bad)}; beschikbaar: "
                                               f"{', '.join(available + ([REGION_CHAPTER] if multi else []))}")
    targets = [Target("gemeente", cfg, naam=cfg.naam or "", chapters=list(chapters)) for cfg in gemeente_configs]
    region = None
    if with_region:
        region = Target("regio", config, naam=config.regio_rapport.naam, chapters=[REGION_CHAPTER], members=targets)
    all_targets = targets + ([region] if region else [])
    for t in all_targets:
        for ch in t.chapters:
            t.notebooks[ch] = notebooks_dir / (REGION_NOTEBOOK if ch == REGION_CHAPTER else f"{ch}.ipynb")
    log(f"rapporten: {', '.join(t.config.gemeente if t.kind == 'gemeente' else 'regio ' + t.naam for t in all_targets)}"
        f"; hoofdstukken: {', '.join(chapters)}")

    # ---- workers: started now if a chapter will have to run whatever the data turn out to be
    workers = config.parallel or default_workers()
    total_chapters = sum(len(t.chapters) for t in all_targets)
    kernels = write_kernelspec(log_dir)
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(kernels) + (os.pathsep + env["JUPYTER_PATH"] if env.get("JUPYTER_PATH") else "")
    env["JUPYTER_RUNTIME_DIR"] = str(log_dir / "runtime")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["VA_PROJECT_ROOT"] = str(root)
    pool = WorkerPool(size=min(workers, total_chapters) or 1, env=env, cwd=str(notebooks_dir), log_dir=log_dir,
                      kernel_name=KERNEL_NAME, warm=options.warm, t0=started)
    statics: dict[tuple[str, str], str] = {}
    for t in all_targets:
        for ch in t.chapters:
            statics[(t.kind + ":" + (t.config.gemeente if t.kind == "gemeente" else t.naam), ch)] = \
                inc.static_key(t.notebooks[ch], t.config, ch)
    early = options.force or _needs_execution(all_targets, statics, output_root, run_id)
    if early:
        pool.start()
        log(f"werkprocessen vooraf gestart: {len(pool.workers)} (met warme kernels: {options.warm})")

    try:
        # ---- data, per gemeente, before any chapter runs
        data_started = time.time()
        network = Network()  # offline for one gemeente is offline for the run
        for t in targets:
            try:
                t.data = prepare_run_data(t.config, root, options, work_dir=tmp_root / t.config.gemeente,
                                          cache_dir=cache_dir, network=network)
            except (InputError, ConfigError, DataUnavailableError) as exc:
                pool.kill()
                shutil.rmtree(tmp_root, ignore_errors=True)
                log(f"gegevens of invoer van {t.config.gemeente}: {exc}")
                if isinstance(exc, InputError):
                    return RunResult(EXIT_INVALID, message=str(exc))
                if isinstance(exc, ConfigError):
                    return RunResult(EXIT_INVALID, message=f"ongeldige configuratie: {exc}")
                return RunResult(EXIT_DATA_UNAVAILABLE, message=str(exc))
            t.naam = t.data.gemeente_naam
            log(f"gegevens {t.config.gemeente} ({t.naam}): {'uit de cache' if t.data.from_cache else 'opgebouwd'}; "
                f"{_data_label(t.data.prepared.status)}")
            for source in t.data.prepared.status.sources.values():
                log(f"  {source.line()}" + (f" [{source.detail}]" if source.detail else ""))
        data_seconds = time.time() - data_started

        # ---- run folders
        git = git_description(root)
        for t in all_targets:
            _make_run_folder(t, output_root, run_id, kernels, tmp_root)
            t.history = inc.History(t.folder, exclude=run_id)
        shutil.rmtree(tmp_root, ignore_errors=True)
        for t in all_targets:
            _prepare_jobs(t, config, run_id, wall_start, git, notebooks_dir)

        # ---- plan: reuse what did not change, execute the rest
        pool_jobs: list[PoolJob] = []
        for t in targets:
            t.store_digest = inc.store_digest(intern_dir(t.run_dir) / "data")
        if region is not None:
            region.store_digest = inc._digest({m.config.gemeente: m.store_digest for m in targets})
        reused = 0
        for t in all_targets:
            tag = t.kind + ":" + (t.config.gemeente if t.kind == "gemeente" else t.naam)
            for ch in t.chapters:
                static = statics[(tag, ch)]
                key = inc.chapter_key(static, t.store_digest)
                found = None if options.force else t.history.reusable(ch, key)
                if found is not None:
                    src, record = found
                    try:
                        inc.materialise(src, t.run_dir, ch)
                    except OSError as exc:
                        log(f"{t.folder.name}/{ch}: hergebruik uit {src.name} mislukt ({exc}); opnieuw uitvoeren")
                        found = None
                if found is not None:
                    t.results[ch] = {"chapter": ch, "status": "ok", "reused_from": src.name,
                                     "executed_in": record.get("executed_in") or src.name, "key": key,
                                     "static_key": static, "modules": record.get("modules"),
                                     "package_hash": record.get("package_hash"), "seconds": 0.0,
                                     "kernel_cpu_seconds": record.get("kernel_cpu_seconds"),
                                     "kernel_max_rss_kb": record.get("kernel_max_rss_kb")}
                    reused += 1
                    log(f"{t.folder.name}/{ch}: hergebruikt uit {src.name}")
                    continue
                job = t.jobs[ch]
                job.update(key=key, static_key=static)
                job_file = intern_dir(t.run_dir) / "jobs" / f"{ch}.json"
                job_file.write_text(json.dumps(job, indent=1, ensure_ascii=False), encoding="utf-8")
                expected = t.history.expected_seconds(ch) or 30.0
                pool_jobs.append(PoolJob(key=(t.folder.name, ch), job_file=job_file,
                                         result_file=Path(job["result_file"]),
                                         timeout=t.config.timeout_per_hoofdstuk + 60, expected=expected,
                                         on_timeout=lambda result, jf=job_file: _timeout_page(jf, result)))
                log(f"{t.folder.name}/{ch}: uitvoeren ({'--force' if options.force else 'gewijzigd of nieuw'})")

        # ---- execute
        progress = Progress(total_chapters, progress_enabled)
        label = "; ".join(sorted({_data_label(t.data.prepared.status) for t in targets}))
        names = ", ".join(t.naam for t in targets) + (f" en regio {region.naam}" if region else "")
        progress.say(f"Veiligheidsanalyse {names}: {total_chapters} hoofdstukken, {len(pool_jobs)} uit te voeren "
                     f"({min(pool.size, len(pool_jobs)) if pool_jobs else 0} tegelijk), {reused} hergebruikt; "
                     f"gegevens: {label}")
        by_folder = {t.folder.name: t for t in all_targets}
        for t in all_targets:
            for ch, r in t.results.items():
                progress.chapter_done(f"{t.folder.name}/{ch}" if len(all_targets) > 1 else ch, "reused", 0.0)

        def done(job: PoolJob, result: dict) -> None:
            t = by_folder[job.key[0]]
            ch = job.key[1]
            result.update(key=t.jobs[ch]["key"], static_key=t.jobs[ch]["static_key"], executed_in=run_id)
            if not result.get("modules"):
                result["package_hash"] = inc.package_hash()
            result.pop("findings", None)
            t.results[ch] = result
            name = f"{t.folder.name}/{ch}" if len(all_targets) > 1 else ch
            log(f"{name}: {result.get('status')} in {result.get('seconds')} s"
                + (f" — {result.get('error')}" if result.get("status") != "ok" else ""))
            progress.chapter_done(name, result.get("status", "failed"), result.get("seconds", 0.0))

        exec_started = time.time()
        # The analyst's checklists need only the stores: built beside the chapters, not after them.
        checklists = [threading.Thread(target=_write_checklist, args=(t, run_id, log, _reused_from(t)), daemon=True)
                      for t in targets]
        for thread in checklists:
            thread.start()
        pool.run(pool_jobs, done)
        exec_seconds = time.time() - exec_started
    finally:
        pool.close()

    # ---- pages of reused chapters, indexes, manifests
    from .index import mark_priorities, write_index
    from .manifest import write_manifest
    from .worker import render_chapter_page

    import resource

    # A gemeente without chapters in this run (``--hoofdstuk regio``) only lends its store to the
    # regional report: no index, no manifest, nothing published.
    reports = [t for t in all_targets if t.chapters]
    for t in reports:
        for ch in t.chapters:
            t.results.setdefault(ch, {"chapter": ch, "status": "failed", "error": "niet uitgevoerd"})
            r = t.results[ch]
            if r.get("reused_from"):
                body = (intern_dir(t.run_dir) / "bodies" / f"{ch}.html").read_text(encoding="utf-8")
                findings_file = intern_dir(t.run_dir) / "findings" / f"{ch}.json"
                findings = json.loads(findings_file.read_text(encoding="utf-8")) if findings_file.exists() else {}
                html_text = render_chapter_page(t.jobs[ch], body, findings, r)
                (t.run_dir / f"{ch}.html").write_text(html_text, encoding="utf-8")
        if t.kind == "gemeente":
            synthesis = next((ch for ch in t.chapters if ch.startswith("90_") and t.results[ch].get("status") == "ok"), None)
            if synthesis is not None:
                mark_priorities(t.run_dir, synthesis)
            write_index(t.run_dir, t.config, t.data, t.links, t.results, t.page_common)
        else:
            _write_region_index(t)
    for thread in checklists:  # the analyst's to-dos, in the internal folder: never on a page readers get
        thread.join()
    exit_code = EXIT_OK if all(t.ok for t in reports) else EXIT_CHAPTER_FAILED
    performance = {"runner_max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "workers": pool.size, "workers_started_early": early, "warm_kernels": options.warm,
                   "data_seconds": round(data_seconds, 3), "execution_seconds": round(exec_seconds, 3),
                   "chapters_executed": len(pool_jobs), "chapters_reused": reused,
                   # the kernels were forked from a template that imported the libraries once: its CPU
                   # belongs to the chapters' kernels (the benchmark's lower bound counts it)
                   "kernel_template": pool.template_cpu_seconds is not None,
                   "kernel_template_cpu_seconds": pool.template_cpu_seconds,
                   "workers_forked": pool.forked}
    for t in reports:
        extra = {"soort": t.kind, "run": {"run_id": run_id, "config": config.name,
                                          "rapporten": [x.folder.name for x in reports]},
                 "performance": performance, "data_key": t.store_digest}
        if t.kind == "regio":
            rr = config.regio_rapport
            extra.update(gemeente=None, gemeente_naam=t.naam,
                         regio={"code": rr.code, "naam": rr.naam, "gemeenten": list(rr.gemeenten),
                                "themas": {name: list(ids) for name, ids in rr.themas}})
        code = EXIT_OK if t.ok else EXIT_CHAPTER_FAILED
        write_manifest(t.run_dir, t.config, options, t.data, t.results, code, git, started, wall_start, root,
                       extra=extra, status=_shown_status(t))

    # ---- publish: only complete reports, all at the end
    published, incomplete, blocked = [], [], []
    for t in reports:
        if not t.ok:
            incomplete.append(t)
            continue
        try:
            _point_latest(t.folder, run_id)
            published.append(t.folder.name)
        except LatestBlocked as exc:
            blocked.append(str(exc))
    log(f"gepubliceerd (latest bijgewerkt): {', '.join(published) or 'niets'}")
    if blocked:
        log("niet gepubliceerd: " + "; ".join(blocked))
    _tidy(config, output_root, reports, run_id, log)

    results = {f"{t.folder.name}/{ch}" if len(all_targets) > 1 else ch: r
               for t in reports for ch, r in t.results.items()}
    run_dirs = {t.folder.name: t.run_dir for t in reports}
    not_published = "Niet gepubliceerd: " + "; ".join(blocked) + ". " if blocked else ""
    if blocked and exit_code == EXIT_OK:
        return RunResult(EXIT_INVALID, run_dir=reports[0].run_dir, chapters=results, run_dirs=run_dirs,
                         message="De hoofdstukken zijn gelukt, maar niet gepubliceerd: " + "; ".join(blocked))
    if exit_code == EXIT_OK:
        where = ", ".join(str(t.run_dir / "index.html") for t in reports)
        message = f"Rapport klaar: {where}"
        if reused:
            message += f" ({len(pool_jobs)} hoofdstuk(ken) uitgevoerd, {reused} hergebruikt)"
    else:
        failed = [f"{t.folder.name}/{ch}" if len(all_targets) > 1 else ch
                  for t in incomplete for ch, r in t.results.items() if r.get("status") != "ok"]
        message = not_published + (f"{len(failed)} hoofdstuk(ken) mislukt: {', '.join(failed)}; 'latest' is niet bijgewerkt"
                   + (f" voor {', '.join(t.folder.name for t in incomplete)}" if len(all_targets) > 1 else "")
                   + f". Zie {incomplete[0].run_dir / 'index.html'} en de logboeken in "
                     f"{intern_dir(incomplete[0].run_dir) / 'logs'}")
    return RunResult(exit_code, run_dir=reports[0].run_dir, chapters=results, message=message,
                     run_dirs=run_dirs)


def _needs_execution(targets: list[Target], statics: dict, output_root: Path, run_id: str) -> bool:
    """Will some chapter run even if the data are unchanged? (then workers are started right away)"""
    from .incremental import History

    for t in targets:
        naam = t.naam or (t.config.naam if t.kind == "gemeente" else t.naam)
        if not naam:
            return True  # the folder is only known once the data name the gemeente
        history = History(output_root / slug(naam), exclude=run_id)
        tag = t.kind + ":" + (t.config.gemeente if t.kind == "gemeente" else t.naam)
        for ch in t.chapters:
            if not history.matches_static(ch, statics[(tag, ch)]):
                return True
    return False


def _make_run_folder(t: Target, output_root: Path, run_id: str, kernels: Path, tmp_root: Path) -> None:
    t.folder = output_root / (slug(t.naam) or t.config.gemeente)
    t.run_dir = t.folder / run_id
    intern = intern_dir(t.run_dir)
    (intern / "notebooks").mkdir(parents=True, exist_ok=True)
    for sub in ("logs", "jobs", "findings", "bodies"):
        (intern / sub).mkdir(exist_ok=True)
    (t.run_dir / "csv").mkdir(parents=True, exist_ok=True)
    if t.kind == "gemeente":
        shutil.move(str(t.data.prepared.store_dir), intern / "data")
        t.data.prepared.store_dir = intern / "data"
    shutil.copytree(kernels / "kernels", intern / "kernels", dirs_exist_ok=True)
    (intern / "LEESMIJ.txt").write_text(
        "Interne bestanden van deze run: uitgevoerde notebooks (met onbewerkte cijfers), logboeken en de\n"
        "gegevensopslag. Niet publiceren: de publicatie bestaat uit de HTML- en CSV-bestanden erboven.\n",
        encoding="utf-8")


def _prepare_jobs(t: Target, config: RunConfig, run_id: str, wall_start: datetime, git: str,
                  notebooks_dir: Path) -> None:
    """Page context and the job description of every chapter of a report."""
    if t.kind == "regio":
        t.data = t.members[0].data
    meta = {ch: chapter_meta(t.notebooks[ch]) for ch in t.chapters}
    t.links = [{"id": ch, "file": f"{ch}.html", "short": meta[ch]["short"], "title": meta[ch]["title"]}
               for ch in t.chapters]
    status = _shown_status(t)
    cfg = t.config
    t.page_common = {
        "chapters": t.links, "gemeente_naam": t.naam,
        "periode": status.period(cfg.jaar_van, cfg.jaar_tot), "run_date": wall_start.strftime("%d-%m-%Y"),
        "data_label": status.badge()[1], "data_kind": status.badge()[0], "run_id": run_id,
        "version": __version__, "git": git, "banners": status.banners(),
        "source_status": status.to_json()["sources"], "default_sources": list(t.data.source_labels.values()),
        "method_file": "99_methode.html" if "99_methode" in t.chapters else (t.links[-1]["file"] if t.links else ""),
    }
    intern = intern_dir(t.run_dir)
    config_file = str(Path(config.source).resolve())
    for ch in t.chapters:
        if t.kind == "regio":
            stores = {m.config.gemeente: str(intern_dir(m.run_dir) / "data") for m in t.members}
            parameters = {"config": config_file, "run_dir": str(t.run_dir), "stores": json.dumps(stores)}
        else:
            parameters = {"gemeente": cfg.gemeente, "config": config_file, "run_dir": str(t.run_dir),
                          "store": str(intern / "data")}
        t.jobs[ch] = {
            "chapter": ch,
            "input_notebook": str(t.notebooks[ch]),
            "output_notebook": str(intern / "notebooks" / f"{ch}.ipynb"),
            "output_html": str(t.run_dir / f"{ch}.html"),
            "body_file": str(intern / "bodies" / f"{ch}.html"),
            "findings_file": str(intern / "findings" / f"{ch}.json"),
            "result_file": str(intern / "jobs" / f"{ch}.result.json"),
            "log_file": str(intern / "logs" / f"{ch}.log"),
            "kernel_name": KERNEL_NAME,
            "kernel_python": sys.executable,
            "cwd": str(notebooks_dir),
            "cell_timeout": cfg.timeout_per_hoofdstuk,
            "parameters": parameters,
            "page": dict(t.page_common, title=meta[ch]["title"]),
            "source_labels": t.data.source_labels,
        }


def _write_region_index(t: Target) -> None:
    """index.html of the regional report: its findings, the analysis page and the gemeenten's reports."""
    import html as html_lib

    from .export import Banner, ChapterLink, PageContext, render_page

    findings_file = intern_dir(t.run_dir) / "findings" / f"{REGION_CHAPTER}.json"
    findings = json.loads(findings_file.read_text(encoding="utf-8")).get("findings", []) if findings_file.exists() else []
    naam = html_lib.escape(t.naam)
    ok = t.ok
    parts = [f"<h1>Veiligheidsanalyse {naam}</h1>",
             f'<p class="va-intro">De gezamenlijke prioriteiten van de gemeenten van {naam} in cijfers, per gemeente '
             "vergeleken met de rest van de regio en met Nederland. Elke uitspraak komt uit een statistische toets.</p>",
             '<h2 id="kernbevindingen">Kernbevindingen</h2>']
    if findings:
        parts.append("<ul>" + "".join(f"<li>{html_lib.escape(f)}</li>" for f in findings) + "</ul>")
    elif not ok:
        parts.append('<p class="va-missing">De regionale analyse is niet gelukt; zie de pagina voor de fout.</p>')
    parts.append(f'<p class="va-more"><a href="{REGION_CHAPTER}.html">Naar de regionale analyse</a></p>')
    parts.append('<h2 id="gemeenten">De rapporten per gemeente</h2><ul>')
    for m in t.members:
        parts.append(f'<li><a href="../../{html_lib.escape(m.folder.name)}/latest/index.html">Veiligheidsanalyse '
                     f"{html_lib.escape(m.naam)}</a></li>")
    parts.append("</ul>")
    pc = t.page_common
    banners = [Banner(**b) for b in pc["banners"]]
    if not ok:
        banners.insert(0, Banner("failed", "De regionale analyse is niet gelukt.", "Dit rapport is onvolledig."))
    page = PageContext(title="Overzicht", current="index", chapters=[ChapterLink(**l) for l in t.links],
                       gemeente_naam=t.naam, periode=pc["periode"], run_date=pc["run_date"],
                       data_label=pc["data_label"], data_kind=pc.get("data_kind", ""), run_id=pc["run_id"], version=pc["version"], git=pc["git"],
                       banners=banners, sources=pc["default_sources"], method_file=pc["method_file"])
    target = t.run_dir / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(render_page("\n".join(parts), page), encoding="utf-8")
    tmp.replace(target)


def _tidy(config: RunConfig, output_root: Path, targets: list[Target], run_id: str, log: RunLog) -> None:
    """outputs/index.html and retention; never fails the run."""
    from .outputs_index import write_outputs_index
    from .retention import prune_logs, prune_runs, prune_store_cache, prune_tmp

    try:
        for t in targets:
            deleted = prune_runs(t.folder, config.bewaar_runs, protect={run_id})
            if deleted:
                log(f"{t.folder.name}: oude runs verwijderd (bewaar_runs={config.bewaar_runs}): {', '.join(deleted)}")
        prune_logs(work_root(output_root) / "logs" / slug(config.name), config.bewaar_runs)
        prune_tmp(work_root(output_root) / ".tmp", current=run_id)
        prune_store_cache(work_root(output_root) / ".cache" / "stores")
    except Exception as exc:
        log(f"opruimen mislukt: {exc}")
    try:
        write_outputs_index(output_root)
    except Exception as exc:
        log(f"outputs/index.html niet bijgewerkt: {exc}")


def _reused_from(t: "Target") -> str | None:
    """The earlier run every chapter of ``t`` is reused from, when there is exactly one (nothing runs)."""
    sources = {r.get("reused_from") for r in t.results.values()}
    if len(t.results) == len(t.chapters) and len(sources) == 1 and None not in sources:
        return next(iter(sources))
    return None


def _write_checklist(t: "Target", run_id: str, log: RunLog, reused_from: str | None) -> None:
    """``checklist.md`` for the analyst (report.checklist); a failure is logged, the report is not affected.

    When every chapter was reused from one earlier run, the store and the chapters are that run's, and
    so is its checklist: it is copied rather than rebuilt (building it reads the store with pandas,
    which an unchanged run otherwise never needs).
    """
    from .checklist import FILE_NAME, write as write_checklist

    if reused_from is not None:
        earlier, here = intern_dir(t.folder / reused_from), intern_dir(t.run_dir)
        try:
            text = (earlier / FILE_NAME).read_text(encoding="utf-8")
            text = re.sub(r"\A(?:_Niets veranderd sinds run [^\n]*_\n\n)+", "", text)
            shutil.copyfile(earlier / Path(FILE_NAME).with_suffix(".json"), here / Path(FILE_NAME).with_suffix(".json"))
            (here / FILE_NAME).write_text(f"_Niets veranderd sinds run {reused_from}; deze lijst komt daaruit._\n\n"
                                          + text, encoding="utf-8")
            log(f"{t.folder.name}: checklist voor de analist overgenomen uit {reused_from}")
            return
        except OSError:
            pass  # no checklist there (an older run): build it
    try:
        path = write_checklist(t.run_dir, t.config, f"Run {run_id}", chapters=t.chapters)
        log(f"{t.folder.name}: checklist voor de analist: {path}")
    except Exception as exc:
        log(f"{t.folder.name}: checklist voor de analist niet geschreven ({type(exc).__name__}: {exc})")


def _timeout_page(job_file: Path, result: dict) -> None:
    job = json.loads(job_file.read_text(encoding="utf-8"))
    html_path = Path(job["output_html"])
    if not html_path.exists():
        from .export import Banner, ChapterLink, PageContext, render_page

        page = job["page"]
        ctx = PageContext(title=page["title"], current=job["chapter"],
                          chapters=[ChapterLink(**c) for c in page["chapters"]], gemeente_naam=page["gemeente_naam"],
                          periode=page["periode"], run_date=page["run_date"], data_label=page["data_label"], data_kind=page.get("data_kind", ""),
                          run_id=page["run_id"], version=page["version"], git=page.get("git", ""),
                          banners=[Banner("failed", "Dit hoofdstuk is niet uitgevoerd.", result["error"])],
                          sources=page["default_sources"], method_file=page["method_file"])
        html_path.write_text(render_page(f"<h1>{page['title']}</h1>", ctx), encoding="utf-8")


class LatestBlocked(Exception):
    """``latest`` is not a link the runner made (a real folder or file): it is left as it is."""


def _point_latest(gemeente_dir: Path, run_id: str) -> None:
    """Atomically point ``latest`` at the run (a relative symlink, replaced in one rename).

    The run's internal folder gets a ``latest`` of its own, so scheduled chapter runs (Airflow)
    can find the newest good data store at a fixed path. A ``latest`` that is not a symlink is
    somebody's folder or file: it is not replaced (:class:`LatestBlocked`, naming it) and no
    temporary link is left behind.
    """
    internal = intern_dir(gemeente_dir / run_id).parent
    for folder in (gemeente_dir, internal):
        latest = folder / "latest"
        if latest.exists() and not latest.is_symlink():
            raise LatestBlocked(f"'{latest}' is een {'map' if latest.is_dir() else 'bestand'}, geen koppeling "
                                "naar een run; verplaats of verwijder het, dan wijst 'latest' bij de volgende run "
                                "naar het nieuwe rapport")
    for folder in (gemeente_dir, internal):
        if folder.is_dir():
            tmp = folder / f".latest-{uuid.uuid4().hex[:6]}"
            os.symlink(run_id, tmp)
            try:
                os.replace(tmp, folder / "latest")
            except OSError:
                tmp.unlink(missing_ok=True)
                raise
