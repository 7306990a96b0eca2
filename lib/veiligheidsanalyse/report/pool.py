"""The fast executor's pool of persistent chapter workers (``report/worker.py --serve``), about one per core.

Why persistent: papermill and nbconvert take about a second of CPU to import, and a kernel
another one or two to start and import pandas, matplotlib and scipy. The workers are forked from
the runner, which has imported papermill and nbconvert once for all of them, and each keeps a
*warm* kernel ready for its next chapter, started while the runner is still preparing the data or
while the previous page is being exported. Every chapter still runs in a fresh kernel of its own,
in a process of its own that can be killed on a time-out. The kernels are forked from one template
process per run that has imported the heavy libraries once (:mod:`.forkserver`).

Whether workers and kernels are forked, and whether kernels are warmed, is decided by
:class:`.execute.ExecutionSettings` and passed in.

Scheduling: longest chapter first (from the previous run's durations), so that the last chapter to
finish is a short one. A worker is asked to warm a next kernel only when enough chapters are left
in the queue for it to get one; an unused warm kernel would take CPU from the last chapters.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import forkserver
from .jobs import ChapterJob, ChapterResult
from .processes import PolledProcess, kill_group


def descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (children, grandchildren, ...), from /proc."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def kill_tree(pid: int) -> None:
    """Kill a worker, its kernels (which run in sessions of their own) and their children."""
    for child in reversed(descendants(pid)):
        kill_group(child)
    kill_group(pid)


class ForkedWorkerProcess(PolledProcess):
    """The handle of a worker forked from the runner (our child: its exit status is waited for)."""

    def __init__(self, pid: int, stdin):
        super().__init__(pid)
        self.stdin = stdin
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        with self._lock:
            if self.returncode is None:
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:  # reaped elsewhere: it is gone, its status unknown
                    self.returncode = -1
                else:
                    if pid:
                        self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode


class Worker:
    """One chapter worker. Forked from the runner (``fork``), which has imported papermill and
    nbconvert once for all workers (:func:`.worker.prepare_fork`), or started as
    ``python -m veiligheidsanalyse.report.worker --serve``, which imports them itself (~1 s of CPU
    each). Either way it has a session of its own, stdin for jobs and a pipe for results."""

    def __init__(
        self,
        index: int,
        python: str,
        env: dict,
        cwd: str,
        log_file: Path,
        kernel_name: str,
        warm: bool,
        fork: bool = False,
    ):
        self.index = index
        read_fd, write_fd = os.pipe()
        self._log = open(log_file, "ab")
        if fork:
            self.proc = self._fork(write_fd, env, cwd, kernel_name, warm)
        else:
            cmd = [
                python,
                "-m",
                "veiligheidsanalyse.report.worker",
                "--serve",
                str(write_fd),
                "--kernel",
                kernel_name,
                "--cwd",
                cwd,
            ] + ([] if warm else ["--cold"])
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                pass_fds=(write_fd,),
                start_new_session=True,
            )
        os.close(write_fd)
        self.read_fd = read_fd
        self._buffer = b""

    def _fork(self, write_fd: int, env: dict, cwd: str, kernel_name: str, warm: bool) -> ForkedWorkerProcess:
        from .worker import serve_forked

        stdin_read, stdin_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            serve_forked(stdin_read, write_fd, self._log.fileno(), kernel_name, cwd, env, warm)  # never returns
        os.close(stdin_read)
        return ForkedWorkerProcess(pid, os.fdopen(stdin_write, "wb"))

    def send(self, line: str) -> bool:
        try:
            self.proc.stdin.write(line.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def read_line(self, timeout: float) -> str | None:
        """The next line from the worker; '' when it died; None on time-out."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.read_fd], [], [], min(remaining, 5.0))
            if not ready:
                continue
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                return ""
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8")

    def stop(self, grace: float = 5.0) -> None:
        """Ask the worker to stop (it shuts its warm kernel down cleanly); kill it if it does not."""
        if self.proc.poll() is None:
            self.send("")
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                kill_tree(self.proc.pid)
                self.proc.wait()
        self.close_fds()

    def kill(self) -> None:
        kill_tree(self.proc.pid)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.close_fds()

    def close_fds(self) -> None:
        for closer in (lambda: os.close(self.read_fd), self._log.close):
            try:
                closer()
            except OSError:
                pass
        self.read_fd = -1


@dataclass
class WorkerPool:
    size: int
    env: dict
    cwd: str
    log_dir: Path
    kernel_name: str = "veiligheidsanalyse"
    python: str = sys.executable
    warm: bool = True
    fork: bool = False  # kernels forked from a template process
    fork_workers: bool = False  # workers forked from this process
    workers: list = field(default_factory=list)
    spawned: int = 0
    forked: int = 0  # workers forked from this process (the others were started as new interpreters)
    template: forkserver.Template | None = None  # once started
    template_cpu_seconds: float | None = None  # CPU of the template process, read when it stops
    t0: float = field(default_factory=time.time)  # start of the run, for the chapters' timeline

    def _spawn(self, fork: bool = False) -> Worker:
        self.spawned += 1
        self.forked += fork
        return Worker(
            self.spawned,
            self.python,
            self.env,
            self.cwd,
            self.log_dir / f"worker-{self.spawned}.log",
            self.kernel_name,
            self.warm,
            fork=fork,
        )

    def _start_template(self) -> None:
        """The kernel template, started before the first worker (its imports overlap the data step)."""
        if not self.fork or self.template is not None:
            return
        from .worker import _ipc_dir

        try:
            self.template = forkserver.Template(
                self.python, self.env, self.cwd, self.log_dir / "kernel-template.log", _ipc_dir()
            )
        except OSError as exc:  # no template: kernels start the usual way
            print(f"kernel template not started: {exc}", file=sys.stderr)
            self.fork = False
            return
        self.env = dict(self.env, **{forkserver.ENV_SOCKET: self.template.path})

    def _stop_template(self) -> None:
        if self.template is not None:
            self.template_cpu_seconds = self.template.cpu_seconds()
            self.template.stop()
            self.template = None

    def start(self, n: int | None = None) -> None:
        """Start workers (up to ``n`` or the pool size) so that they warm up in the background."""
        self._start_template()
        n = min(self.size, n if n is not None else self.size)
        # Fork only while this process has no other thread (a lock held by another thread at the
        # fork would stay locked in the child). A worker replaced later, from a pool thread after a
        # time-out, is started the usual way.
        fork = self.fork_workers and len(self.workers) < n and threading.active_count() == 1
        if fork:
            from .worker import _ipc_dir, prepare_fork

            try:
                prepare_fork()
                _ipc_dir()  # made here, so that the workers share it and this process removes it
            except Exception as exc:  # noqa: BLE001 - cannot prepare: the workers import for themselves
                print(f"workers not forked: {type(exc).__name__}: {exc}", file=sys.stderr)
                fork = False
        while len(self.workers) < n:
            self.workers.append(self._spawn(fork))

    @property
    def started(self) -> bool:
        return bool(self.workers)

    def run(self, jobs: list[ChapterJob], on_done: Callable[[ChapterResult], None]) -> list[ChapterResult]:
        """Execute the jobs, longest first, as many at once as there are workers."""
        if not jobs:
            return []
        slots = min(self.size, len(jobs))
        self.start(slots)
        for extra in self.workers[slots:]:
            extra.stop(grace=2.0)
        self.workers = self.workers[:slots]
        queue = deque(sorted(jobs, key=lambda j: -j.expected_seconds))
        lock = threading.Lock()
        results: list[ChapterResult] = []

        def slot(i: int) -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.popleft()
                    warm_next = self.warm and len(queue) >= slots
                result = self._run_on(i, job, warm_next)
                with lock:
                    results.append(result)
                on_done(result)

        threads = [threading.Thread(target=slot, args=(i,), daemon=True) for i in range(slots)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def _run_on(self, i: int, job: ChapterJob, warm_next: bool) -> ChapterResult:
        """One job on worker ``i`` (a new worker when that one is gone); killed at the job's time-out."""
        worker = self.workers[i]
        if worker is None or worker.proc.poll() is not None:
            if worker is not None:
                worker.close_fds()
            worker = self.workers[i] = self._spawn()
        started = time.time()
        sent = worker.send(f"{job.job_file}\t{'warm' if warm_next else 'cold'}")
        line = worker.read_line(job.timeout) if sent else ""
        if line:
            try:
                result = ChapterResult.from_json(job.result_file.read_text(encoding="utf-8"))
            except (OSError, ValueError, TypeError) as exc:
                result = ChapterResult.failed(job.chapter, f"geen resultaat van het werkproces: {exc}")
        else:
            code = worker.proc.poll()
            worker.kill()
            self.workers[i] = None
            result = ChapterResult.failed(
                job.chapter,
                f"time-out na {int(job.timeout)} s"
                if line is None
                else f"het werkproces stopte onverwacht (code {code})",
            )
        finished = time.time()
        # when, counted from the start of the run: the manifest's timeline of the run
        return replace(
            result,
            report=job.report,
            seconds=round(finished - started, 3),
            timeline_seconds=(round(started - self.t0, 3), round(finished - self.t0, 3)),
        )

    def close(self) -> None:
        workers, self.workers = [w for w in self.workers if w is not None], []
        threads = [threading.Thread(target=w.stop, daemon=True) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self._stop_template()

    def kill(self) -> None:
        for w in self.workers:
            if w is not None:
                w.kill()
        self.workers = []
        self._stop_template()
