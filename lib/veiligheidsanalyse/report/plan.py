"""The plan of a run: which reports and chapters, their run folders, and per chapter a job or reuse.

A run makes one report per gemeente of the configuration (or the one gemeente) and, for a
configuration of several gemeenten with a ``regio_rapport``, the region's report. Every chapter of
a report is either reused from an earlier run (nothing it depends on changed, see
:mod:`.incremental`) or becomes a :class:`.jobs.ChapterJob` for the executor.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..config import RunConfig, available_chapters
from ..errors import EXIT_INVALID, VeiligheidsanalyseError
from ..hashing import digest_json
from ..paths import intern_dir
from ..text import slug
from . import incremental as inc
from .execute import KERNEL_NAME
from .export import Banner, ChapterLink
from .jobs import ChapterJob, ChapterResult, PageShell

if TYPE_CHECKING:
    from ..store.build import RunData
    from ..store.status import DataStatus

REGION_CHAPTER = "regio"
REGION_NOTEBOOK = Path("regio") / "regio.ipynb"


@dataclass(frozen=True)
class RunContext:
    """What every step of a run needs to know about the run itself."""

    config: RunConfig
    root: Path  # the project
    output_root: Path
    run_id: str
    wall_start: datetime
    started: float  # time.time() at the start: durations, and the chapters' timeline
    log_dir: Path  # the runner's and the workers' logs
    policy: str  # the data policy this run uses (for the manifest)
    git: str

    @property
    def work_root(self) -> Path:
        from ..paths import work_root

        return work_root(self.output_root)


class PlanError(VeiligheidsanalyseError):
    """The run cannot be planned (an unknown chapter): exit 2, with this message."""

    exit_code = EXIT_INVALID


@dataclass
class Target:
    """One report of this run: a gemeente's, or the region's."""

    kind: str  # gemeente | regio
    config: RunConfig  # the gemeente's config (for the region: the config for several gemeenten)
    naam: str = ""
    chapters: list[str] = field(default_factory=list)
    members: list[Target] = field(default_factory=list)  # region: its gemeenten
    notebooks: dict[str, Path] = field(default_factory=dict)
    static_keys: dict[str, str] = field(default_factory=dict)  # chapter -> key without the data
    data: RunData | None = None  # the region: the first gemeente's (for banners and sources)
    folder: Path = Path()
    run_dir: Path = Path()
    history: inc.History | None = None
    store_digest: str = ""
    shell: PageShell | None = None
    jobs: dict[str, ChapterJob] = field(default_factory=dict)
    results: dict[str, ChapterResult] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return self.kind + ":" + (self.config.gemeente if self.kind == "gemeente" else self.naam)

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results.values())

    def shown_status(self) -> DataStatus:
        """The data status the report shows: its store's; for the region, every member's merged
        (nothing shown as more current than it is in any of them)."""
        from ..store.status import DataStatus

        if self.kind == "regio":
            return DataStatus.merged(m.data.prepared.status for m in self.members)
        return self.data.prepared.status


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:4]


def git_description(root: Path) -> str:
    """Short commit id, with '-dirty' when the work tree has changes; '' outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        if not sha:
            return ""
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return ""


# ---------------------------------------------------------------------------------- which reports


def choose_targets(
    config: RunConfig, chapters_asked: list[str] | None, gemeente: str | None, root: Path
) -> list[Target]:
    """The reports of this run (the region's last), each with its chapters and notebooks."""
    multi = config.multi and not gemeente
    gemeente_configs = [config.for_gemeente(code) for code in config.targets()] if multi else [config]
    available = available_chapters(root)
    wanted = list(chapters_asked or config.hoofdstukken)
    chapters = [ch for ch in wanted if ch != REGION_CHAPTER]
    unknown = [ch for ch in chapters if ch not in available]
    if unknown or (chapters_asked and REGION_CHAPTER in wanted and not multi):
        raise PlanError(
            f"onbekend hoofdstuk: {', '.join(unknown or [REGION_CHAPTER])}; beschikbaar: "
            f"{', '.join(available + ([REGION_CHAPTER] if multi else []))}"
        )
    targets = [Target("gemeente", cfg, naam=cfg.naam or "", chapters=list(chapters)) for cfg in gemeente_configs]
    if multi and config.regio_rapport is not None and (not chapters_asked or REGION_CHAPTER in wanted):
        targets.append(
            Target("regio", config, naam=config.regio_rapport.naam, chapters=[REGION_CHAPTER], members=list(targets))
        )
    for t in targets:
        for ch in t.chapters:
            t.notebooks[ch] = root / "notebooks" / (REGION_NOTEBOOK if ch == REGION_CHAPTER else f"{ch}.ipynb")
            t.static_keys[ch] = inc.static_key(t.notebooks[ch], t.config, ch)
    return targets


def needs_execution(targets: list[Target], output_root: Path, run_id: str) -> bool:
    """Will some chapter run even if the data are unchanged? (then the executor is started right away)"""
    for t in targets:
        if not t.naam:
            return True  # the folder is only known once the data name the gemeente
        history = inc.History(output_root / slug(t.naam), exclude=run_id)
        if any(not history.matches_static(ch, t.static_keys[ch]) for ch in t.chapters):
            return True
    return False


# ---------------------------------------------------------------------------------- run folders


def write_kernelspec(folder: Path) -> Path:
    """A kernelspec that runs *this* interpreter, found first via JUPYTER_PATH.

    A user may have another kernel called python3 (or even veiligheidsanalyse) in their own
    Jupyter folders; papermill would pick that one up. This spec is put first on JUPYTER_PATH for
    the executor's processes only.
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


def make_run_folder(t: Target, output_root: Path, run_id: str, kernels: Path) -> None:
    """The report's run folder with its internal folder; a gemeente's store moves into it."""
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
        t.store_digest = inc.store_digest(intern / "data")
    else:
        t.data = t.members[0].data
        t.store_digest = digest_json({m.config.gemeente: m.store_digest for m in t.members})
    shutil.copytree(kernels / "kernels", intern / "kernels", dirs_exist_ok=True)
    (intern / "LEESMIJ.txt").write_text(
        "Interne bestanden van deze run: uitgevoerde notebooks (met onbewerkte cijfers), logboeken en de\n"
        "gegevensopslag. Niet publiceren: de publicatie bestaat uit de HTML- en CSV-bestanden erboven.\n",
        encoding="utf-8",
    )
    t.history = inc.History(t.folder, exclude=run_id)


# ---------------------------------------------------------------------------------- jobs


def chapter_meta(notebook: Path) -> dict[str, str]:
    """Title and short name from the notebook's metadata (``veiligheidsanalyse.titel/kort``)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("veiligheidsanalyse", {})
    return {"title": meta.get("titel", notebook.stem), "short": meta.get("kort", notebook.stem)}


def page_shell(t: Target, run_id: str, wall_start: datetime, git: str, titles: dict[str, dict[str, str]]) -> PageShell:
    """What every page of the report shares."""
    status = t.shown_status()
    links = tuple(
        ChapterLink(id=ch, file=f"{ch}.html", short=titles[ch]["short"], title=titles[ch]["title"]) for ch in t.chapters
    )
    kind, label = status.badge()
    return PageShell(
        chapters=links,
        gemeente_naam=t.naam,
        periode=status.period(t.config.jaar_van, t.config.jaar_tot),
        run_date=wall_start.strftime("%d-%m-%Y"),
        data_label=label,
        data_kind=kind,
        run_id=run_id,
        version=__version__,
        git=git,
        banners=tuple(Banner(**b) for b in status.banners()),
        source_status=status.to_json()["sources"],
        default_sources=tuple(t.data.source_labels.values()),
        method_file="99_methode.html" if "99_methode" in t.chapters else (links[-1].file if links else ""),
    )


def make_jobs(t: Target, config_file: Path, run_id: str, wall_start: datetime, git: str, cwd: Path) -> None:
    """The page shell and a job for every chapter of the report (executed or not: a reused
    chapter's page is rendered from its job too)."""
    titles = {ch: chapter_meta(t.notebooks[ch]) for ch in t.chapters}
    t.shell = page_shell(t, run_id, wall_start, git, titles)
    intern = intern_dir(t.run_dir)
    if t.kind == "regio":
        stores = {m.config.gemeente: str(intern_dir(m.run_dir) / "data") for m in t.members}
        parameters = {"config": str(config_file), "run_dir": str(t.run_dir), "stores": json.dumps(stores)}
    else:
        parameters = {
            "gemeente": t.config.gemeente,
            "config": str(config_file),
            "run_dir": str(t.run_dir),
            "store": str(intern / "data"),
        }
    for ch in t.chapters:
        static = t.static_keys[ch]
        t.jobs[ch] = ChapterJob(
            report=t.folder.name,
            chapter=ch,
            title=titles[ch]["title"],
            input_notebook=t.notebooks[ch],
            output_notebook=intern / "notebooks" / f"{ch}.ipynb",
            output_html=t.run_dir / f"{ch}.html",
            body_file=intern / "bodies" / f"{ch}.html",
            findings_file=intern / "findings" / f"{ch}.json",
            log_file=intern / "logs" / f"{ch}.log",
            job_file=intern / "jobs" / f"{ch}.json",
            result_file=intern / "jobs" / f"{ch}.result.json",
            cwd=cwd,
            kernel_name=KERNEL_NAME,
            kernel_python=sys.executable,
            parameters=parameters,
            cell_timeout=t.config.timeout_per_hoofdstuk,
            timeout=t.config.timeout_per_hoofdstuk + 60,
            expected_seconds=t.history.expected_seconds(ch) or 30.0,
            key=inc.chapter_key(static, t.store_digest),
            static_key=static,
            page=t.shell,
            source_labels=dict(t.data.source_labels),
        )


# ---------------------------------------------------------------------------------- reuse


def reuse_or_execute(targets: list[Target], force: bool, log: Callable[[str], None]) -> list[ChapterJob]:
    """Reuse what did not change (its files linked into the new run folder); the jobs to execute."""
    to_execute = []
    for t in targets:
        for ch in t.chapters:
            job = t.jobs[ch]
            reused = None if force else _reuse(t, job, log)
            if reused is not None:
                t.results[ch] = reused
                log(f"{t.folder.name}/{ch}: hergebruikt uit {reused.reused_from}")
                continue
            job.write()
            to_execute.append(job)
            log(f"{t.folder.name}/{ch}: uitvoeren ({'--force' if force else 'gewijzigd of nieuw'})")
    return to_execute


def _reuse(t: Target, job: ChapterJob, log: Callable[[str], None]) -> ChapterResult | None:
    found = t.history.reusable(job.chapter, job.key)
    if found is None:
        return None
    src, record = found
    try:
        inc.materialise(src, t.run_dir, job.chapter)
    except OSError as exc:
        log(f"{t.folder.name}/{job.chapter}: hergebruik uit {src.name} mislukt ({exc}); opnieuw uitvoeren")
        return None
    return ChapterResult(
        chapter=job.chapter,
        status="ok",
        report=t.folder.name,
        reused_from=src.name,
        executed_in=record.get("executed_in") or src.name,
        key=job.key,
        static_key=job.static_key,
        modules=record.get("modules"),
        package_hash=record.get("package_hash"),
        seconds=0.0,
        kernel_cpu_seconds=record.get("kernel_cpu_seconds"),
        kernel_max_rss_kb=record.get("kernel_max_rss_kb"),
    )


def executed(job: ChapterJob, result: ChapterResult, run_id: str) -> ChapterResult:
    """An executor's result with what the manifest needs to reuse the chapter later."""
    return replace(
        result,
        report=job.report,
        key=job.key,
        static_key=job.static_key,
        executed_in=run_id,
        package_hash=None if result.modules else inc.package_hash(),
    )


def reused_from(t: Target) -> str | None:
    """The earlier run every chapter of ``t`` is reused from, when there is exactly one (nothing runs)."""
    sources = {r.reused_from for r in t.results.values()}
    if len(t.results) == len(t.chapters) and len(sources) == 1 and None not in sources:
        return next(iter(sources))
    return None
