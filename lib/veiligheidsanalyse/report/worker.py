"""The fast executor's chapter workers: papermill in a warm kernel, then the page, in a process of their own.

Two ways to run:

``python -m veiligheidsanalyse.report.worker job.json``
    one chapter (a :class:`.jobs.ChapterJob` as JSON), then exit (for tools and debugging).

``python -m veiligheidsanalyse.report.worker --serve RESULT_FD``
    a persistent worker (the runner forks its workers instead, see :func:`serve_forked`, after it
    has imported papermill and nbconvert once for all of them): it imports them once, starts a
    kernel *before* it gets a job (a "warm" kernel that already imports pandas, matplotlib, scipy
    and the package), then reads job files from stdin, one per line, and writes one JSON line per
    finished chapter to file descriptor RESULT_FD. Every chapter still gets a fresh kernel of its
    own; only its start-up is moved out of the critical path. A line ``<job file>\\twarm`` asks the
    worker to start the next kernel as soon as this chapter's kernel is done (while the page is
    exported), ``<job file>\\tcold`` not to.

While a chapter runs, the worker's stdout/stderr go to that chapter's log file. The pool kills a
worker (and its kernel) that exceeds the chapter time-out and starts a new one.

Per chapter the result records the kernel's CPU time and peak memory (read from /proc just before
the kernel is stopped; the runner's benchmark uses them for the lower bound), and which modules of
the package the kernel had loaded, with their hashes: a later run re-executes the chapter only if
one of *those* changed (see :mod:`.incremental`).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from . import forkserver
from .adapters.jupyter_client import ready_client_class
from .jobs import ChapterJob, ChapterResult, execution_error
from .processes import RedirectOutput, kill_group, proc_cpu_seconds, proc_peak_rss_kb

# Imported in a warm kernel before its chapter arrives: only what *every* chapter imports anyway
# (open_chapter: pandas; reading the store: pyarrow.parquet), so that no CPU is spent on imports a
# chapter does not need (on a busy machine every second of CPU counts).
WARM_IMPORTS = ("veiligheidsanalyse.notebook", "pyarrow.parquet")

_MODULES_EXPRESSION = (
    "__import__('json').dumps({n: getattr(m, '__file__', None) for n, m in list(__import__('sys').modules.items()) "
    "if n == 'veiligheidsanalyse' or n.startswith('veiligheidsanalyse.')})"
)


def _write_result(result: ChapterResult, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(result.to_json(), encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------- kernels

_IPC_DIR: str | None = None
_LIVE_KERNELS: set = set()  # kernels of this worker, killed if the runner dies


_RUNNER_PID: int | None = None  # the runner that started this worker (None: run as a one-off job)


def _runner_alive() -> bool:
    """False once the runner is gone (this process was re-parented); checked before publishing."""
    return _RUNNER_PID is None or os.getppid() == _RUNNER_PID


def _watch_runner(interval: float = 0.5) -> None:
    """Exit (and kill our kernels) as soon as the runner that started this worker is gone.

    Workers run in sessions of their own (so that a time-out can kill a worker and its kernel as a
    group); when the runner is killed they are not killed with it. Without this watch they would
    finish their chapter and write its page into the dead run's folder.
    """
    import threading

    def watch() -> None:
        while True:
            time.sleep(interval)
            if not _runner_alive():
                for kernel in list(_LIVE_KERNELS):
                    kill_group(kernel.pid)
                os._exit(3)

    threading.Thread(target=watch, name="runner-watch", daemon=True).start()


def _ipc_dir() -> str:
    """A short private folder for the kernels' sockets (a Unix socket path may not exceed 107 bytes)."""
    global _IPC_DIR
    if _IPC_DIR is None:
        import atexit
        import shutil
        import tempfile

        _IPC_DIR = tempfile.mkdtemp(prefix="va-k-")
        atexit.register(shutil.rmtree, _IPC_DIR, True)
    return _IPC_DIR


class Kernel:
    """A kernel started ahead of its chapter, with the usual imports already running in it.

    The kernel talks over Unix sockets (ZMQ ``ipc``), not TCP: with TCP, jupyter_client picks free
    ports before the kernel binds them, and with many kernels starting on one machine another
    process can take a port in between ("Address already in use", "Kernel died before replying to
    kernel_info"). Sockets in a private folder cannot collide, and nothing listens on the network.
    """

    # Where kernels write their own (fd-level) output: the worker's log, whichever chapter is running
    # when they start. Set by serve(); None: inherit.
    output = None

    def __init__(self, kernel_name: str, cwd: str, warm: bool = True):
        import uuid

        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.cwd = cwd
        self.started = time.time()
        self.km = AsyncKernelManager(
            kernel_name=kernel_name, transport="ipc", ip=os.path.join(_ipc_dir(), f"k{uuid.uuid4().hex[:10]}")
        )
        self.km.client_factory = ready_client_class()  # the client papermill's nbclient gets
        if os.environ.get(forkserver.ENV_SOCKET):
            # forked from the run's template process (the pool sets the variable when it started one)
            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = forkserver.provisioner_class()(
                kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec, parent=self.km
            )
        extra = {"stdout": Kernel.output, "stderr": Kernel.output} if Kernel.output is not None else {}
        run_sync(self.km.start_kernel)(cwd=cwd, **extra)
        self.pid = getattr(self.km.provisioner, "pid", None)
        _LIVE_KERNELS.add(self)
        self._client = None
        self._warm_msg = None
        if warm:
            # Our own blocking client (no heartbeat thread): the request stays queued in the kernel
            # ahead of the chapter's, so the chapter finds the modules imported.
            code = "\n".join(f"try:\n    import {m}\nexcept Exception:\n    pass" for m in WARM_IMPORTS)
            self._client = self.km.blocking_client()
            self._client.start_channels(hb=False)
            self._warm_msg = self._client.execute(code, silent=True, store_history=False)

    def _reply(self, client, msg_id: str, timeout: float) -> dict | None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                msg = client.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            except Exception:  # noqa: BLE001 - queue.Empty on time-out
                return None
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg
        return None

    def release_client(self, timeout: float = 120) -> None:
        """Before the chapter starts: wait until the warm imports are done (the chapter would wait for
        them anyway: the kernel runs one request at a time), then close our client."""
        if self._client is not None:
            try:
                if self._warm_msg is not None and self.km.has_kernel:
                    self._reply(self._client, self._warm_msg, timeout)
                self._client.stop_channels()
            except Exception:  # noqa: BLE001 - the kernel may be gone already; the chapter's own client reports that
                pass
            self._client = None
            self._warm_msg = None

    def package_modules(self, timeout: float = 20) -> dict[str, str] | None:
        """Files of the package's modules loaded in the kernel (module name -> file)."""
        client = self.km.blocking_client()
        client.start_channels(hb=False)
        try:
            msg_id = client.execute("", silent=True, store_history=False, user_expressions={"m": _MODULES_EXPRESSION})
            msg = self._reply(client, msg_id, timeout)
            if msg is None:
                return None
            value = msg["content"].get("user_expressions", {}).get("m", {})
            if value.get("status") != "ok":
                return None
            return json.loads(ast.literal_eval(value["data"]["text/plain"]))
        except Exception:  # noqa: BLE001 - unknown modules: the chapter is keyed on the whole package instead
            return None
        finally:
            client.stop_channels()

    def usage(self) -> tuple[float | None, int | None]:
        """The kernel's CPU seconds and peak memory (kB), from /proc; None where unknown."""
        if not self.pid:
            return None, None
        cpu = proc_cpu_seconds(self.pid)
        return (None if cpu is None else round(cpu, 3)), proc_peak_rss_kb(self.pid)

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        self.release_client(timeout=0)
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a kernel that cannot be shut down cleanly is killed with its worker
            pass
        _LIVE_KERNELS.discard(self)


def module_hashes(files: dict[str, str] | None) -> dict[str, str] | None:
    """Module files (inside the package) -> sha256, keyed by their path relative to the package."""
    if files is None:
        return None
    from ..hashing import package_dir
    from ..hashing import sha256_or_none as sha256_file

    base = package_dir()
    out = {}
    for path in files.values():
        if not path:
            continue
        try:
            rel = Path(path).resolve().relative_to(base)
        except ValueError:
            continue
        digest = sha256_file(Path(path))
        out[str(rel)] = digest if digest is not None else "missing"
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------- one chapter


def run_job(job: ChapterJob, kernel: Kernel | None = None, warm_next=None) -> tuple[ChapterResult, Kernel | None]:
    """Execute one chapter and write its page. Returns the result and the next (warm) kernel, if any.

    ``kernel``: a kernel started for this chapter (one is started here when None). ``warm_next``:
    a callable that starts the next chapter's kernel; called as soon as this one is done.
    """
    import resource

    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    result, kernel, executed_nb = _execute(job, kernel)
    result = _after_kernel(result, kernel)
    next_kernel = None
    if warm_next is not None:
        try:
            next_kernel = warm_next()  # starts (and imports) while this page is exported
        except Exception:  # noqa: BLE001 - no warm kernel: the next chapter starts one itself
            traceback.print_exc()
    result = _write_page(job, result, executed_nb)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    worker_cpu = cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    return replace(result, worker_cpu_seconds=round(worker_cpu, 3)), next_kernel


def _execute(job: ChapterJob, kernel: Kernel | None) -> tuple[ChapterResult, Kernel | None, object]:
    """papermill in ``kernel`` (or a new one); the result, the kernel and the executed notebook as
    papermill returns it (None after a failure)."""
    import papermill as pm

    started = time.time()
    timings: dict = {}
    if kernel is not None and kernel.cwd != str(job.cwd):
        kernel.shutdown()
        kernel = None
    if kernel is not None:
        timings["kernel_warm_seconds"] = round(started - kernel.started, 3)  # started this long before its job
        kernel.release_client()
        timings["kernel_wait_seconds"] = round(time.time() - started, 3)  # for its warm imports to finish
    status, error, executed_nb = "ok", None, None
    try:
        if kernel is None:
            kernel = Kernel(job.kernel_name, str(job.cwd), warm=False)
        executed_nb = pm.execute_notebook(
            str(job.input_notebook),
            str(job.output_notebook),
            parameters=job.parameters,
            kernel_name=job.kernel_name,
            cwd=str(job.cwd),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=job.cell_timeout,
            start_timeout=120,
            km=kernel.km,
        )
    except Exception as exc:  # noqa: BLE001 - a cell failed, the kernel died or did not start: still export what exists
        status, error = "failed", execution_error(exc)
    return (
        ChapterResult(
            chapter=job.chapter,
            status=status,
            error=error,
            report=job.report,
            execution_seconds=round(time.time() - started, 3),
            **timings,
        ),
        kernel,
        executed_nb,
    )


def _after_kernel(result: ChapterResult, kernel: Kernel | None) -> ChapterResult:
    """The kernel's modules and usage, read just before it is shut down."""
    import resource

    if kernel is None:
        return result
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    modules = module_hashes(kernel.package_modules()) if result.ok else None
    cpu, rss = kernel.usage()
    kernel.shutdown()
    if cpu is None:  # no /proc: the kernel has been reaped by now
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = round(children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime, 3)
        rss = int(children.ru_maxrss)
    return replace(result, modules=modules, kernel_cpu_seconds=cpu, kernel_max_rss_kb=rss)


def _write_page(job: ChapterJob, result: ChapterResult, executed_nb) -> ChapterResult:
    from .pages import write_chapter_page

    started = time.time()
    try:
        html_bytes = write_chapter_page(job, executed_nb, result.ok, publish=_runner_alive)
        result = replace(result, html_bytes=html_bytes)
    except Exception as exc:  # noqa: BLE001 - a page that cannot be written fails the chapter, not the worker
        result = replace(result, status="failed", error=f"export: {type(exc).__name__}: {exc}")
        traceback.print_exc()
    return replace(result, export_seconds=round(time.time() - started, 3))


# ---------------------------------------------------------------------------------- serving


def serve(result_fd: int, kernel_name: str, cwd: str, warm: bool = True) -> int:
    """The persistent worker loop (see the module docstring)."""
    global _RUNNER_PID
    t0 = time.time()
    _RUNNER_PID = os.getppid()
    _watch_runner()

    out = os.fdopen(result_fd, "w", buffering=1, encoding="utf-8")
    Kernel.output = os.fdopen(os.dup(2), "ab", buffering=0)  # the worker's log, kept while chapters redirect
    kernel = Kernel(kernel_name, cwd, warm=True) if warm else None
    try:
        warm_up()  # nbconvert's exporter and templates, loaded while the kernel starts
    except Exception:  # noqa: BLE001 - warming up is an optimisation only
        traceback.print_exc()
    print(f"worker {os.getpid()} klaar in {time.time() - t0:.2f} s", flush=True)
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                break
            job_file, _, mode = line.partition("\t")
            job = ChapterJob.from_json(Path(job_file).read_text(encoding="utf-8"))
            warm_next = (lambda: Kernel(kernel_name, cwd, warm=True)) if mode == "warm" else None
            try:
                with RedirectOutput(job.log_file):
                    result, kernel = run_job(job, kernel, warm_next)
            except Exception as exc:  # noqa: BLE001 - never leave the runner without an answer
                traceback.print_exc()
                result, kernel = ChapterResult.failed(job.chapter, f"{type(exc).__name__}: {exc}", job.report), None
            _write_result(replace(result, worker_pid=os.getpid()), job.result_file)
            out.write(json.dumps({"chapter": job.chapter, "result_file": str(job.result_file)}) + "\n")
    finally:
        if kernel is not None:
            kernel.shutdown()
    return 0


# Optional imports of jsonschema's format checkers (nbformat validates with it). The notebook schema
# uses none of these formats; importing them costs ~0.15 s of CPU per process, rfc3987_syntax alone
# ~1.3 s (it builds a Lark grammar on import). Marked absent, jsonschema skips those checkers.
_UNUSED_FORMAT_CHECKERS = (
    "rfc3987_syntax",
    "rfc3987",
    "rfc3986_validator",
    "rfc3339_validator",
    "isoduration",
    "fqdn",
    "webcolors",
    "uri_template",
)


def skip_slow_optional_imports(without_pyarrow_fs: bool = True) -> None:
    """Leave out optional imports that cost CPU in every worker and buy nothing here.

    ``without_pyarrow_fs``: papermill imports ``pyarrow.fs`` (and with it pyarrow and numpy, ~0.3 s)
    only for its HDFS handler. A worker started on its own leaves it out; the runner, which forks
    the workers after this, needs pyarrow for its data step and keeps it.
    """
    if "jsonschema" not in sys.modules:
        for name in _UNUSED_FORMAT_CHECKERS:
            sys.modules.setdefault(name, None)
    if without_pyarrow_fs and "papermill" not in sys.modules:
        sys.modules.setdefault("pyarrow.fs", None)


@functools.lru_cache(maxsize=1)
def warm_up() -> None:
    """Import papermill and nbformat and export an empty notebook once (templates compiled,
    validators built), so that the first chapter does not pay for it. Once per process: a worker
    forked from a runner that has done it finds it done."""
    import nbformat
    import papermill  # noqa: F401

    from .export import _exporter

    _exporter().from_notebook_node(nbformat.v4.new_notebook())


def prepare_fork() -> None:
    """In the runner, before it forks its workers: what every worker needs, loaded once for all."""
    skip_slow_optional_imports(without_pyarrow_fs=False)
    warm_up()


def serve_forked(stdin_fd: int, result_fd: int, log_fd: int, kernel_name: str, cwd: str, env: dict, warm: bool) -> None:
    """The child side of a worker forked from the runner (see :class:`.pool.Worker`); never returns.

    It becomes what ``python -m veiligheidsanalyse.report.worker --serve`` would be: a session of
    its own, stdin the job pipe, stdout/stderr its log, the worker's folder and environment, and
    none of the runner's other file descriptors (another worker's pipe held open here would hide
    that worker's end from the runner; the run lock must not outlive the runner).
    """
    code = 1
    try:
        import fcntl
        import signal

        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # above 0-2 first (a runner started without stdin may have got one of them from a pipe)
        stdin_fd, result_fd, log_fd = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (stdin_fd, result_fd, log_fd))
        os.dup2(stdin_fd, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.closerange(3, result_fd)
        os.closerange(result_fd + 1, os.sysconf("SC_OPEN_MAX"))
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        code = serve(result_fd, kernel_name, cwd, warm)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a forked worker exits with a code, never back into the runner's code
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)  # not the runner's exit handlers: this process is a worker


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    skip_slow_optional_imports()
    if argv and argv[0] == "--serve":
        import argparse

        parser = argparse.ArgumentParser(prog="veiligheidsanalyse.report.worker")
        parser.add_argument("--serve", type=int, required=True, metavar="RESULT_FD")
        parser.add_argument("--kernel", default="veiligheidsanalyse")
        parser.add_argument("--cwd", default=os.getcwd())
        parser.add_argument("--cold", action="store_true", help="no warm kernel before the first job")
        args = parser.parse_args(argv)
        return serve(args.serve, args.kernel, args.cwd, warm=not args.cold)
    job = ChapterJob.from_json(Path(argv[0]).read_text(encoding="utf-8"))
    result, _ = run_job(job)
    _write_result(result, job.result_file)
    return 0 if result.ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    raise SystemExit(main())
