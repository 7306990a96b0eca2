"""One seam for executing chapters: an :class:`Executor` runs chapter jobs and returns their results.

Two executors, chosen by ``uitvoering.uitvoerder`` in the configuration or ``--uitvoerder`` on the
command line (:meth:`ExecutionSettings.decide`, the one place that decides it):

``snel`` (default)
    persistent workers forked from the runner, each with a warm kernel forked from a template
    process that has imported the heavy libraries once (:mod:`.pool`, :mod:`.worker`,
    :mod:`.forkserver`). The environment variables ``VA_FORK_KERNELS=0``, ``VA_FORK_WORKERS=0`` and
    ``VA_WARM_KERNELS=0`` switch its tricks off one by one (the benchmarks compare them).
``eenvoudig``
    :func:`papermill.execute_notebook` per chapter in a pool of fresh interpreters
    (:mod:`concurrent.futures`), public APIs only; slower, the same pages (a test compares them
    byte for byte). Its time limit is papermill's, per cell; and since it does not know which
    package modules a chapter loaded, its chapters are reused only while the whole package is
    unchanged.

Both render the page the same way (:func:`.pages.write_chapter_page`).
"""

from __future__ import annotations

import os
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .jobs import ChapterJob, ChapterResult

UITVOERDERS = ("snel", "eenvoudig")
KERNEL_NAME = "veiligheidsanalyse"


@dataclass(frozen=True)
class ExecutionSettings:
    """Which executor runs, and which of the fast one's tricks are on."""

    uitvoerder: str  # snel | eenvoudig
    fork_kernels: bool  # kernels forked from a template process (Linux only)
    fork_workers: bool  # workers forked from the runner (Linux only)
    warm_kernels: bool  # a worker starts its next kernel before its next chapter arrives

    @classmethod
    def decide(
        cls, configured: str, override: str | None = None, environ: Mapping[str, str] = os.environ
    ) -> ExecutionSettings:
        """The executor: the command line's ``override``, else the configuration's; the environment
        variables ``VA_FORK_KERNELS``, ``VA_FORK_WORKERS`` and ``VA_WARM_KERNELS`` (``0``: off)."""
        uitvoerder = override or configured
        if uitvoerder not in UITVOERDERS:
            raise ValueError(f"onbekende uitvoerder {uitvoerder!r}; verwacht: {' of '.join(UITVOERDERS)}")
        fast = uitvoerder == "snel"
        linux = sys.platform.startswith("linux")

        def on(name: str) -> bool:
            return environ.get(name, "1") != "0"

        return cls(
            uitvoerder,
            fork_kernels=fast and linux and on("VA_FORK_KERNELS"),
            fork_workers=fast and linux and on("VA_FORK_WORKERS"),
            warm_kernels=fast and on("VA_WARM_KERNELS"),
        )

    def default_workers(self) -> int:
        """Workers for ``parallel: auto``: one per core, and one more when kernels are forked.

        Around its start and end a chapter leaves its core idle for a few tenths of a second (messages
        between worker and kernel, the page export). A forked kernel costs little to start, so one
        extra worker fills those gaps; measured on two cores: the basisteam in 47.5 s against 50-61 s,
        one gemeente 0.2-0.3 s faster in four pairs of runs. Kernels that import for seconds each would
        only compete for the cores.
        """
        cores = os.cpu_count() or 1
        return cores + 1 if self.fork_kernels else cores


class Executor(ABC):
    """Runs chapter jobs, as many at once as it has room for; a context manager that closes itself."""

    name: str  # snel | eenvoudig
    size: int

    def start(self) -> None:  # noqa: B027 (a hook: nothing to do unless an executor has something to start)
        """Get ready ahead of the jobs (the fast executor starts its workers and warm kernels)."""

    @abstractmethod
    def run(self, jobs: list[ChapterJob], on_done: Callable[[ChapterResult], None]) -> list[ChapterResult]:
        """Execute the jobs, longest first; ``on_done`` is called with every result as it comes."""

    @abstractmethod
    def close(self) -> None:
        """Stop cleanly (after the jobs)."""

    def kill(self) -> None:
        """Stop at once (the run stops before any chapter ran)."""
        self.close()

    @abstractmethod
    def performance(self) -> dict[str, Any]:
        """What the manifest records about how the chapters were executed."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def process_environment(kernels: Path, log_dir: Path, root: Path) -> dict[str, str]:
    """The environment of the executor's processes: the run's kernelspec first on JUPYTER_PATH (see
    :func:`.plan.write_kernelspec`), Jupyter's runtime files with the run's logs, no GUI backend."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(kernels) + (os.pathsep + env["JUPYTER_PATH"] if env.get("JUPYTER_PATH") else "")
    env["JUPYTER_RUNTIME_DIR"] = str(log_dir / "runtime")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["VA_PROJECT_ROOT"] = str(root)
    return env


def make_executor(
    settings: ExecutionSettings, size: int, env: dict[str, str], cwd: Path, log_dir: Path, t0: float
) -> Executor:
    """The executor the settings ask for, for ``size`` chapters at once."""
    if settings.uitvoerder == "eenvoudig":
        return PlainExecutor(size, env, cwd, t0)
    return FastExecutor(settings, size, env, cwd, log_dir, t0)


# ---------------------------------------------------------------------------------- snel


class FastExecutor(Executor):
    """``snel``: the worker pool of forked workers and forked warm kernels."""

    name = "snel"

    def __init__(
        self, settings: ExecutionSettings, size: int, env: dict[str, str], cwd: Path, log_dir: Path, t0: float
    ):
        from .pool import WorkerPool

        self.settings = settings
        self.size = size
        self.pool = WorkerPool(
            size=size,
            env=env,
            cwd=str(cwd),
            log_dir=log_dir,
            kernel_name=KERNEL_NAME,
            warm=settings.warm_kernels,
            fork=settings.fork_kernels,
            fork_workers=settings.fork_workers,
            t0=t0,
        )

    def start(self) -> None:
        self.pool.start()

    def run(self, jobs: list[ChapterJob], on_done: Callable[[ChapterResult], None]) -> list[ChapterResult]:
        return self.pool.run(jobs, on_done)

    def close(self) -> None:
        self.pool.close()

    def kill(self) -> None:
        self.pool.kill()

    def performance(self) -> dict[str, Any]:
        return {
            "uitvoerder": self.name,
            "workers": self.size,
            "warm_kernels": self.settings.warm_kernels,
            # the kernels were forked from a template that imported the libraries once: its CPU
            # belongs to the chapters' kernels (the benchmark's lower bound counts it)
            "kernel_template": self.pool.template_cpu_seconds is not None,
            "kernel_template_cpu_seconds": self.pool.template_cpu_seconds,
            "workers_forked": self.pool.forked,
        }


# ---------------------------------------------------------------------------------- eenvoudig


class PlainExecutor(Executor):
    """``eenvoudig``: papermill per chapter in a pool of fresh interpreters, public APIs only."""

    name = "eenvoudig"

    def __init__(self, size: int, env: dict[str, str], cwd: Path, t0: float):
        self.size = size
        self.env = env
        self.cwd = cwd
        self.t0 = t0
        self.processes = None

    def run(self, jobs: list[ChapterJob], on_done: Callable[[ChapterResult], None]) -> list[ChapterResult]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        if not jobs:
            return []
        self.processes = ProcessPoolExecutor(
            max_workers=min(self.size, len(jobs)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_enter_environment,
            initargs=(self.env, str(self.cwd)),
        )
        ordered = sorted(jobs, key=lambda j: -j.expected_seconds)
        futures = {self.processes.submit(run_plain, job, self.t0): job for job in ordered}
        results = []
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - the process died: the chapter failed, the others go on
                result = ChapterResult.failed(futures[future].chapter, f"het werkproces stopte onverwacht ({exc})")
            results.append(result)
            on_done(result)
        return results

    def close(self) -> None:
        if self.processes is not None:
            self.processes.shutdown(wait=True, cancel_futures=True)
            self.processes = None

    def performance(self) -> dict[str, Any]:
        return {
            "uitvoerder": self.name,
            "workers": self.size,
            "warm_kernels": False,
            "kernel_template": False,
            "kernel_template_cpu_seconds": None,
            "workers_forked": 0,
        }


def _enter_environment(env: dict[str, str], cwd: str) -> None:
    """In a fresh pool process: the run's environment (its kernelspec first) and the notebooks' folder."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)


def run_plain(job: ChapterJob, t0: float) -> ChapterResult:
    """One chapter in a pool process: papermill, then the page; its output goes to the chapter's log."""
    from .processes import RedirectOutput

    with RedirectOutput(job.log_file):
        return _execute_and_render(job, t0)


def _execute_and_render(job: ChapterJob, t0: float) -> ChapterResult:
    import resource

    import papermill

    from .jobs import execution_error
    from .pages import write_chapter_page

    started = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    status, error, executed_nb = "ok", None, None
    try:
        executed_nb = papermill.execute_notebook(
            str(job.input_notebook),
            str(job.output_notebook),
            parameters=job.parameters,
            kernel_name=job.kernel_name,
            cwd=str(job.cwd),
            progress_bar=False,
            log_output=False,
            execution_timeout=job.cell_timeout,
            start_timeout=120,
        )
    except Exception as exc:  # noqa: BLE001 - a cell failed, the kernel died or did not start: still export what exists
        status, error = "failed", execution_error(exc)
    executed = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel has been reaped by now
    html_bytes = None
    try:
        html_bytes = write_chapter_page(job, executed_nb, status == "ok")
    except Exception as exc:  # noqa: BLE001 - a page that cannot be written fails the chapter, not the run
        status, error = "failed", f"export: {type(exc).__name__}: {exc}"
    finished = time.time()
    return ChapterResult(
        chapter=job.chapter,
        status=status,
        error=error,
        report=job.report,
        seconds=round(finished - started, 3),
        timeline_seconds=(round(started - t0, 3), round(finished - t0, 3)),
        execution_seconds=round(executed - started, 3),
        export_seconds=round(finished - executed, 3),
        html_bytes=html_bytes,
        worker_pid=os.getpid(),
        kernel_cpu_seconds=round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 3),
        kernel_max_rss_kb=int(after.ru_maxrss),
    )
