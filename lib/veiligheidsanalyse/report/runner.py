"""The report runner: plan -> data -> execute -> pages -> publish.

Order of work, and why:

1. validate the config (exit 2 before anything starts) and take the configuration's lock (a second
   run of the same configuration exits 4, see :mod:`.lock`);
2. plan the reports and chapters (:mod:`.plan`); if a chapter will have to run whatever the data
   turn out to be, start the executor now, so that its imports and warm kernels overlap with the
   data step (:mod:`.execute`);
3. for every gemeente of the config: choose the data snapshots by data policy, check the partner
   inputs and build the store, or take it from the store cache (exit 2/3 before any chapter runs);
4. make the run folders; reuse every chapter that did not change (see :mod:`.incremental`) and
   execute the others, of all gemeenten and the regional report together, longest first, as many
   at once as there are cores (:mod:`.execute`: ``uitvoering.uitvoerder`` or ``--uitvoerder``);
5. write the pages of reused chapters, every index.html and manifest.json; then, and only then,
   point each report's ``latest`` at its run if every chapter of that report succeeded; rebuild
   ``outputs/index.html``; keep the last ``uitvoering.bewaar_runs`` runs (:mod:`.publish`). A failed
   or interrupted run never replaces a good report.

The runner's own log is ``<uitvoer>/logs/<config>/<run_id>/runner.log`` (with the workers' logs),
copied into every run's internal folder as ``logs/runner.log`` (``outputs/.intern/...``).
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..config import RunConfig, load_config, resolve
from ..errors import EXIT_CHAPTER_FAILED, EXIT_OK, VeiligheidsanalyseError
from ..paths import intern_dir, project_root, work_root
from ..text import slug
from . import plan
from .execute import ExecutionSettings, Executor, make_executor, process_environment
from .jobs import ChapterJob, ChapterResult
from .plan import PlanError, RunContext, Target
from .publish import publish, tidy, write_checklist, write_report_manifest, write_report_pages
from .runlog import (
    Progress,
    RunLog,
    RunResult,
    disk_full,
    outcome,
)

if TYPE_CHECKING:
    from ..sources.odata import OdataEndpoint


@dataclass
class RunOptions:
    policy: str | None = None  # overrides data.beleid (e.g. "require-fresh" for scheduled runs)
    fetch: bool = False  # run --fetch: fetch fresh data first (policy "fresh")
    force: bool = False  # re-run every chapter even when nothing changed
    chapters: list[str] | None = None
    gemeente: str | None = None  # run the same config for another gemeente
    endpoint: OdataEndpoint | None = None  # instead of the real hosts (tests, mirrors)
    output_root: Path | None = None
    progress: bool | None = None  # None: progress display only on a terminal
    uitvoerder: str | None = None  # --uitvoerder: overrides uitvoering.uitvoerder (snel | eenvoudig)


# ---------------------------------------------------------------------------------- entry points


def run(config_path: str | Path, options: RunOptions | None = None) -> RunResult:
    """Validate the config, take its lock, run (exit status in the result)."""
    from .lock import LockHeld, RunLock, lock_path

    options = options or RunOptions()
    try:
        config = load_config(config_path, gemeente=options.gemeente)
    except VeiligheidsanalyseError as exc:
        return RunResult(exc.exit_code, message=exc.user_message())
    output_root = options.output_root or resolve(project_root(), config.uitvoer)
    lock = RunLock(lock_path(output_root, config.name), {"config": str(Path(config.source).resolve())})
    try:
        lock.acquire()
    except LockHeld as exc:
        return RunResult(exc.exit_code, message=exc.user_message())
    try:
        return execute_run(config, options, output_root=output_root)
    finally:
        lock.release()


def execute_run(config: RunConfig, options: RunOptions, output_root: Path | None = None) -> RunResult:
    """Everything after a valid config (and its lock): data, chapters, pages, manifests, latest."""
    run = _context(config, options, output_root)
    log = RunLog(run.log_dir / "runner.log")
    log(f"run {run.run_id}: configuratie {config.source}; veiligheidsanalyse {__version__}; python {sys.executable}")
    try:
        result = _execute(run, options, log)
    except Exception as exc:  # noqa: BLE001 - a bug in the runner or a full disk: the published reports stay as they were
        log("INTERNE FOUT\n" + traceback.format_exc())
        if disk_full(exc, run.output_root, run.work_root):
            message = (
                f"de schijf is vol ({exc}); 'latest' is niet bijgewerkt. Maak ruimte vrij en start de run "
                f"opnieuw. Zie {log.path}"
            )
        else:
            message = (
                f"interne fout van de runner ({type(exc).__name__}: {exc}); 'latest' is niet bijgewerkt. Zie {log.path}"
            )
        result = RunResult(EXIT_CHAPTER_FAILED, message=message)
    log(f"klaar: exit-status {result.exit_code}: {result.message}")
    log.close()
    result.log_file = log.path
    for run_dir in result.run_dirs.values():  # the runner's log in every run folder, complete
        try:
            shutil.copyfile(log.path, intern_dir(run_dir) / "logs" / "runner.log")
        except OSError:
            pass
    return result


def _context(config: RunConfig, options: RunOptions, output_root: Path | None) -> RunContext:
    root = project_root()
    wall_start = datetime.now(UTC)
    run_id = plan.new_run_id(wall_start)
    output_root = output_root or options.output_root or resolve(root, config.uitvoer)
    return RunContext(
        config=config,
        root=root,
        output_root=output_root,
        run_id=run_id,
        wall_start=wall_start,
        started=time.time(),
        log_dir=work_root(output_root) / "logs" / slug(config.name) / run_id,
        policy=options.policy or ("fresh" if options.fetch else config.data.beleid),
        git=plan.git_description(root),
    )


# ---------------------------------------------------------------------------------- the run


def _execute(run: RunContext, options: RunOptions, log: RunLog) -> RunResult:
    try:
        targets = plan.choose_targets(run.config, options.chapters, options.gemeente, run.root)
    except PlanError as exc:
        return RunResult(exc.exit_code, message=exc.user_message())
    log(
        f"rapporten: {', '.join(t.config.gemeente if t.kind == 'gemeente' else 'regio ' + t.naam for t in targets)}"
        f"; hoofdstukken: {', '.join(next(t.chapters for t in targets))}"
    )
    early = options.force or plan.needs_execution(targets, run.output_root, run.run_id)
    with _executor(run, options, targets) as executor:
        if early:
            executor.start()
            log(f"uitvoerder '{executor.name}' vooraf gestart ({executor.size} tegelijk)")
        data_started = time.time()
        failed = _prepare_data(targets, run, options, log)
        if failed is not None:
            executor.kill()
            return failed
        data_seconds = time.time() - data_started
        jobs = _plan_chapters(targets, run, options.force, log)
        checklists = [
            threading.Thread(target=write_checklist, args=(t, run.run_id, log, plan.reused_from(t)), daemon=True)
            for t in targets
            if t.kind == "gemeente"
        ]
        for thread in checklists:  # they need only the stores: built beside the chapters, not after them
            thread.start()
        exec_started = time.time()
        _run_chapters(executor, jobs, targets, run, options, log)
        exec_seconds = time.time() - exec_started
    reports = [t for t in targets if t.chapters]  # a gemeente without chapters only lends its store
    for t in reports:
        write_report_pages(t)
    for thread in checklists:  # the analyst's to-dos, in the internal folder: never on a page readers get
        thread.join()
    seconds = {"data_seconds": data_seconds, "execution_seconds": exec_seconds}
    performance = _performance(executor, early, seconds, targets, len(jobs))
    for t in reports:
        write_report_manifest(t, run, reports, performance, EXIT_OK if t.ok else EXIT_CHAPTER_FAILED)
    blocked = publish(reports, run.run_id, log)
    tidy(run.config, run.output_root, reports, run.run_id, log)
    return outcome(reports, len(targets) > 1, blocked, executed_count=len(jobs))


def _executor(run: RunContext, options: RunOptions, targets: list[Target]) -> Executor:
    """The executor the configuration or the command line asks for, with the run's kernelspec first."""
    settings = ExecutionSettings.decide(run.config.uitvoerder, options.uitvoerder)
    env = process_environment(plan.write_kernelspec(run.log_dir), run.log_dir, run.root)
    size = min(run.config.parallel or settings.default_workers(), sum(len(t.chapters) for t in targets)) or 1
    return make_executor(settings, size, env, run.root / "notebooks", run.log_dir, run.started)


def _prepare_data(targets: list[Target], run: RunContext, options: RunOptions, log: RunLog) -> RunResult | None:
    """Every gemeente's store, before any chapter runs; the run's result when one cannot be made."""
    from ..store.build import Network, prepare_run_data

    tmp_root, cache = run.work_root / ".tmp" / run.run_id, run.work_root / ".cache" / "stores"
    network = Network()  # offline for one gemeente is offline for the run
    for t in (t for t in targets if t.kind == "gemeente"):
        try:
            work_dir = tmp_root / t.config.gemeente
            t.data = prepare_run_data(t.config, run.root, options, work_dir, cache_dir=cache, network=network)
        except VeiligheidsanalyseError as exc:
            shutil.rmtree(tmp_root, ignore_errors=True)
            log(f"gegevens of invoer van {t.config.gemeente}: {exc}")
            return RunResult(exc.exit_code, message=exc.user_message())
        t.naam = t.data.gemeente_naam
        status = t.data.prepared.status
        log(
            f"gegevens {t.config.gemeente} ({t.naam}): {'uit de cache' if t.data.from_cache else 'opgebouwd'}; "
            f"{status.badge()[1]}"
        )
        for source in status.sources.values():
            log(f"  {source.line()}" + (f" [{source.detail}]" if source.detail else ""))
    return None


def _plan_chapters(targets: list[Target], run: RunContext, force: bool, log: RunLog) -> list[ChapterJob]:
    """Run folders and jobs of every report; the jobs of the chapters that cannot be reused."""
    kernels = run.log_dir
    for t in targets:
        plan.make_run_folder(t, run.output_root, run.run_id, kernels)
    shutil.rmtree(run.work_root / ".tmp" / run.run_id, ignore_errors=True)
    config_file = Path(run.config.source).resolve()
    for t in targets:
        plan.make_jobs(t, config_file, run.run_id, run.wall_start, run.git, run.root / "notebooks")
    return plan.reuse_or_execute(targets, force, log)


def _run_chapters(
    executor: Executor, jobs: list[ChapterJob], targets: list[Target], run: RunContext, options: RunOptions, log: RunLog
) -> None:
    """Execute the jobs; every result into its report, the log and the progress lines."""
    by_report = {t.folder.name: t for t in targets}
    total = sum(len(t.chapters) for t in targets)
    enabled = sys.stderr.isatty() if options.progress is None else options.progress

    def name(t: Target, ch: str) -> str:
        return f"{t.folder.name}/{ch}" if len(targets) > 1 else ch

    progress = Progress(total, enabled)
    reused = sum(len(t.results) for t in targets)
    label = "; ".join(sorted({t.data.prepared.status.badge()[1] for t in targets if t.kind == "gemeente"}))
    names = ", ".join(t.naam for t in targets if t.kind == "gemeente") + "".join(
        f" en regio {t.naam}" for t in targets if t.kind == "regio"
    )
    progress.say(
        f"Veiligheidsanalyse {names}: {total} hoofdstukken, {len(jobs)} uit te voeren "
        f"({min(executor.size, len(jobs)) if jobs else 0} tegelijk), {reused} hergebruikt; gegevens: {label}"
    )
    for t in targets:
        for ch in t.results:
            progress.chapter_done(name(t, ch), "reused", 0.0)

    def done(result: ChapterResult) -> None:
        t = by_report[result.report]
        result = t.results[result.chapter] = plan.executed(t.jobs[result.chapter], result, run.run_id)
        log(
            f"{name(t, result.chapter)}: {result.status} in {result.seconds} s"
            + (f" — {result.error}" if not result.ok else "")
        )
        progress.chapter_done(name(t, result.chapter), result.status, result.seconds or 0.0)

    executor.run(jobs, done)


def _performance(
    executor: Executor, early: bool, seconds: dict[str, float], targets: list[Target], executed: int
) -> dict:
    """What the manifest records about the run's speed (the benchmarks read it)."""
    import resource

    return {
        "runner_max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        **executor.performance(),
        "workers_started_early": early,
        **{key: round(value, 3) for key, value in seconds.items()},
        "chapters_executed": executed,
        "chapters_reused": sum(1 for t in targets for r in t.results.values() if r.reused_from),
    }
