"""A chapter job and its result: what the runner hands an executor, and what comes back.

Both cross a process boundary (the fast executor's workers read a job file and write a result file;
the plain executor's pool pickles them), so both are frozen dataclasses, serialised to and from
JSON here and nowhere else.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .export import Banner, ChapterLink, PageContext


@dataclass(frozen=True)
class PageShell:
    """What every page of one report shares: header, navigation, banners, sources."""

    chapters: tuple[ChapterLink, ...]
    gemeente_naam: str
    periode: str
    run_date: str
    data_label: str  # the header badge's text, e.g. "actueel, 2 bronnen demo"
    data_kind: str  # the badge's kind: ok | stale | demo
    run_id: str
    version: str
    git: str
    banners: tuple[Banner, ...]
    # DataStatus.to_json()["sources"]: per source its status as the data step wrote it (read back
    # with DataStatus.from_json, for the banners of the sources one page shows)
    source_status: dict[str, dict[str, Any]]
    default_sources: tuple[str, ...]
    method_file: str

    def context(
        self,
        title: str,
        current: str,
        banners: list[Banner] | None = None,
        sources: list[str] | None = None,
        data_label: str | None = None,
        data_kind: str | None = None,
    ) -> PageContext:
        """The page context of one page of the report (by default with the report's banners and badge)."""
        return PageContext(
            title=title,
            current=current,
            chapters=list(self.chapters),
            gemeente_naam=self.gemeente_naam,
            periode=self.periode,
            run_date=self.run_date,
            data_label=self.data_label if data_label is None else data_label,
            data_kind=self.data_kind if data_kind is None else data_kind,
            run_id=self.run_id,
            version=self.version,
            git=self.git,
            banners=list(self.banners) if banners is None else banners,
            sources=list(self.default_sources) if sources is None else sources,
            method_file=self.method_file,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageShell:
        return cls(
            **dict(
                data,
                chapters=tuple(ChapterLink(**c) for c in data["chapters"]),
                banners=tuple(Banner(**b) for b in data["banners"]),
                default_sources=tuple(data["default_sources"]),
            )
        )


@dataclass(frozen=True)
class ChapterJob:
    """One chapter of one report to execute: its notebook, parameters and where everything goes."""

    report: str  # the report's folder name (a gemeente's or the region's)
    chapter: str
    title: str
    input_notebook: Path
    output_notebook: Path  # the executed notebook (internal: unsuppressed numbers)
    output_html: Path  # the chapter's page
    body_file: Path  # the page's body, kept to render the page again when the chapter is reused
    findings_file: Path  # written by the notebook
    log_file: Path
    job_file: Path  # this job as JSON, for a worker
    result_file: Path  # its result as JSON, from the worker
    cwd: Path
    kernel_name: str
    kernel_python: str
    parameters: dict[str, str]  # papermill's parameters
    cell_timeout: int  # seconds per cell
    timeout: float  # seconds for the whole chapter, kernel start and page included
    expected_seconds: float  # how long it took last time: the longest start first
    key: str  # see report/incremental.py
    static_key: str
    page: PageShell
    source_labels: dict[str, str]  # table id -> how the page's footer names it

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> ChapterJob:
        data = json.loads(text)
        paths = {f.name for f in fields(cls) if f.type == "Path"}
        data = {k: Path(v) if k in paths else v for k, v in data.items()}
        return cls(**dict(data, page=PageShell.from_dict(data["page"])))

    def write(self) -> None:
        self.job_file.parent.mkdir(parents=True, exist_ok=True)
        self.job_file.write_text(self.to_json(), encoding="utf-8")


@dataclass(frozen=True)
class ChapterResult:
    """How a chapter went: executed here, reused from an earlier run, or failed; and what it cost."""

    chapter: str
    status: str  # ok | failed
    error: str | None = None
    report: str = ""  # the report's folder name (the manifest is per report: not recorded there)
    seconds: float | None = None  # wall time from sending the job to its result
    timeline_seconds: tuple[float, float] | None = None  # start and end, counted from the start of the run
    execution_seconds: float | None = None
    export_seconds: float | None = None
    html_bytes: int | None = None
    kernel_cpu_seconds: float | None = None
    kernel_max_rss_kb: int | None = None
    kernel_warm_seconds: float | None = None  # the warm kernel was started this long before its job
    kernel_wait_seconds: float | None = None  # for its warm imports to finish
    worker_cpu_seconds: float | None = None
    worker_pid: int | None = None
    modules: dict[str, str] | None = None  # package modules the kernel loaded -> sha256
    package_hash: str | None = None  # when the modules are unknown: the whole package's hash
    key: str | None = None
    static_key: str | None = None
    reused_from: str | None = None  # the run the files came from
    executed_in: str | None = None  # the run that executed the notebook

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def failed(cls, chapter: str, error: str, report: str = "") -> ChapterResult:
        return cls(chapter=chapter, status="failed", error=error, report=report)

    def record(self) -> dict[str, Any]:
        """The fields that are set, as plain JSON values (for the manifest and the result file)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "report"}
        if out["timeline_seconds"] is not None:
            out["timeline_seconds"] = list(out["timeline_seconds"])
        return {k: v for k, v in out.items() if v is not None}

    def to_json(self) -> str:
        return json.dumps(self.record(), indent=1, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChapterResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("timeline_seconds") is not None:
            values["timeline_seconds"] = tuple(values["timeline_seconds"])
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> ChapterResult:
        return cls.from_dict(json.loads(text))


def execution_error(exc: BaseException) -> str:
    """What a result says about a chapter whose notebook failed (a cell's error, or the kernel's)."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue} (cel {exc.exec_count})"
    return f"{type(exc).__name__}: {exc}"
