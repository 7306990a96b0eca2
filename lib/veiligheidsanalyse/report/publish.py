"""After the chapters: every report's pages and index, its manifest, ``latest``, and tidying up.

A report is published (its ``latest`` pointed at this run) only when every chapter of it succeeded,
and only after every index and manifest of the run has been written: a failed or interrupted run
never replaces a good report. The analyst's checklist is written beside the chapters, and tidying
(retention, ``outputs/index.html``) never fails the run.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from ..config import RunConfig
from ..paths import intern_dir, work_root
from ..text import slug
from .jobs import ChapterResult
from .pages import write_failed_page, write_region_index, write_reused_page
from .plan import RunContext, Target

Log = Callable[[str], None]


# ---------------------------------------------------------------------------------- pages


def write_report_pages(t: Target) -> None:
    """Pages of the chapters that did not run here (reused, or failed without a page), and the index."""
    from .index import mark_priorities, write_index

    for ch in t.chapters:
        result = t.results.setdefault(ch, ChapterResult.failed(ch, "niet uitgevoerd", report=t.folder.name))
        if result.reused_from:
            write_reused_page(t.jobs[ch], result)
        elif not result.ok:
            write_failed_page(t.jobs[ch], result)
    if t.kind == "regio":
        write_region_index(
            t.run_dir, t.naam, t.chapters[0], [(m.folder.name, m.naam) for m in t.members], t.shell, t.ok
        )
        return
    synthesis = next((ch for ch in t.chapters if ch.startswith("90_") and t.results[ch].ok), None)
    if synthesis is not None:
        mark_priorities(t.run_dir, synthesis)
    write_index(t.run_dir, t.data.gemeente_naam, t.shell, t.results)


def write_checklist(t: Target, run_id: str, log: Log, reused_from: str | None) -> None:
    """``checklist.md`` for the analyst (report.checklist); a failure is logged, the report is not affected.

    When every chapter was reused from one earlier run, the store and the chapters are that run's, and
    so is its checklist: it is copied rather than rebuilt (building it reads the store with pandas,
    which an unchanged run otherwise never needs).
    """
    from .checklist import FILE_NAME
    from .checklist import write as write_checklist_file

    if reused_from is not None and _copy_checklist(t, reused_from, FILE_NAME):
        log(f"{t.folder.name}: checklist voor de analist overgenomen uit {reused_from}")
        return
    try:
        path = write_checklist_file(t.run_dir, t.config, f"Run {run_id}", chapters=t.chapters)
        log(f"{t.folder.name}: checklist voor de analist: {path}")
    except Exception as exc:  # noqa: BLE001 - the checklist never fails the report
        log(f"{t.folder.name}: checklist voor de analist niet geschreven ({type(exc).__name__}: {exc})")


def _copy_checklist(t: Target, reused_from: str, file_name: str) -> bool:
    earlier, here = intern_dir(t.folder / reused_from), intern_dir(t.run_dir)
    try:
        text = (earlier / file_name).read_text(encoding="utf-8")
        text = re.sub(r"\A(?:_Niets veranderd sinds run [^\n]*_\n\n)+", "", text)
        as_json = Path(file_name).with_suffix(".json")
        shutil.copyfile(earlier / as_json, here / as_json)
        (here / file_name).write_text(
            f"_Niets veranderd sinds run {reused_from}; deze lijst komt daaruit._\n\n" + text, encoding="utf-8"
        )
        return True
    except OSError:
        return False  # no checklist there (an older run): build it


# ---------------------------------------------------------------------------------- latest


class LatestBlocked(Exception):
    """``latest`` is not a link the runner made (a real folder or file): it is left as it is."""


def point_latest(gemeente_dir: Path, run_id: str) -> None:
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
            raise LatestBlocked(
                f"'{latest}' is een {'map' if latest.is_dir() else 'bestand'}, geen koppeling "
                "naar een run; verplaats of verwijder het, dan wijst 'latest' bij de volgende run "
                "naar het nieuwe rapport"
            )
    for folder in (gemeente_dir, internal):
        if folder.is_dir():
            tmp = folder / f".latest-{uuid.uuid4().hex[:6]}"
            os.symlink(run_id, tmp)
            try:
                os.replace(tmp, folder / "latest")
            except OSError:
                tmp.unlink(missing_ok=True)
                raise


def publish(reports: list[Target], run_id: str, log: Log) -> list[str]:
    """Point ``latest`` of every complete report at this run; why a complete one was not published."""
    published, blocked = [], []
    for t in reports:
        if not t.ok:
            continue
        try:
            point_latest(t.folder, run_id)
            published.append(t.folder.name)
        except LatestBlocked as exc:
            blocked.append(str(exc))
    log(f"gepubliceerd (latest bijgewerkt): {', '.join(published) or 'niets'}")
    if blocked:
        log("niet gepubliceerd: " + "; ".join(blocked))
    return blocked


# ---------------------------------------------------------------------------------- tidy


def tidy(config: RunConfig, output_root: Path, targets: list[Target], run_id: str, log: Log) -> None:
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
    except Exception as exc:  # noqa: BLE001 - tidying never fails the run
        log(f"opruimen mislukt: {exc}")
    try:
        write_outputs_index(output_root)
    except Exception as exc:  # noqa: BLE001 - tidying never fails the run
        log(f"outputs/index.html niet bijgewerkt: {exc}")


# ---------------------------------------------------------------------------------- manifest


def write_report_manifest(t: Target, run: RunContext, reports: list[Target], performance: dict, exit_code: int) -> None:
    """The report's manifest.json: its run, its chapters and how they were executed."""
    from .manifest import write_manifest

    config = run.config
    extra = {
        "soort": t.kind,
        "run": {"run_id": run.run_id, "config": config.name, "rapporten": [x.folder.name for x in reports]},
        "performance": performance,
        "data_key": t.store_digest,
    }
    if t.kind == "regio":
        rr = config.regio_rapport
        extra.update(
            gemeente=None,
            gemeente_naam=t.naam,
            regio={
                "code": rr.code,
                "naam": rr.naam,
                "gemeenten": list(rr.gemeenten),
                "themas": {name: list(ids) for name, ids in rr.themas},
            },
        )
    write_manifest(
        t.run_dir,
        t.config,
        run.policy,
        t.data,
        t.results,
        exit_code,
        run.git,
        run.started,
        run.wall_start,
        run.root,
        extra=extra,
        status=t.shown_status(),
    )
