"""Execute chapter notebooks with papermill and export their pages, in a process of their own.

Two ways to run:

``python -m veiligheidsanalyse.report.worker job.json``
    one chapter, then exit (for tools and debugging).

``python -m veiligheidsanalyse.report.worker --serve RESULT_FD``
    a persistent worker (the runner forks its workers instead, see :func:`serve_forked`, after it
    has imported papermill and nbconvert once for all of them): it imports them once, starts a
    kernel *before* it gets a job (a "warm" kernel that already imports pandas, matplotlib, scipy
    and the package), then reads job files from stdin, one per line, and writes one JSON line per
    finished chapter to file descriptor RESULT_FD. Every chapter still gets a fresh kernel of its
    own; only its start-up is moved out of the critical path. A line ``<job file>\\twarm`` asks the
    worker to start the next kernel as soon as this chapter's kernel is done (while the page is
    exported), ``<job file>\\tcold`` not to.

While a chapter runs, the worker's stdout/stderr go to that chapter's log file. The runner kills a
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
from pathlib import Path

from . import forkserver
from .processes import kill_group

# Imported in a warm kernel before its chapter arrives: only what *every* chapter imports anyway
# (open_chapter: pandas; reading the store: pyarrow.parquet), so that no CPU is spent on imports a
# chapter does not need (on a busy machine every second of CPU counts).
WARM_IMPORTS = ("veiligheidsanalyse.notebook", "pyarrow.parquet")

_MODULES_EXPRESSION = (
    "__import__('json').dumps({n: getattr(m, '__file__', None) for n, m in list(__import__('sys').modules.items()) "
    "if n == 'veiligheidsanalyse' or n.startswith('veiligheidsanalyse.')})"
)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------- kernels

def _proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime (+ waited-for children) of a process, from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _proc_peak_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


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


@functools.lru_cache(maxsize=1)
def ready_client_class() -> type:
    """jupyter_client's asynchronous client, without the 0.2 s of silence it waits for when ready.

    nbclient (under papermill) starts its own client on our kernel and calls ``wait_for_ready``:
    a kernel_info reply on the shell channel, then one IOPub message to know IOPub is connected
    (a cell's output published before that would be lost), then a wait until IOPub has been silent
    for 0.2 s. That last wait only throws away earlier messages, which nbclient ignores anyway (it
    takes only messages whose parent is its own request); it made every chapter's worker and kernel
    sit idle for 0.2 s. This client keeps the first two steps and drains what has arrived without
    waiting.
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyKernelClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)  # the reply's status: IOPub is connected
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if deadline is not None and time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
            while await self.iopub_channel.msg_ready():  # what has arrived so far, without waiting for more
                await self.iopub_channel.get_msg(timeout=0)

    return ReadyKernelClient


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
        self.km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                                     ip=os.path.join(_ipc_dir(), f"k{uuid.uuid4().hex[:10]}"))
        self.km.client_factory = ready_client_class()  # the client papermill's nbclient gets
        if forkserver.enabled() and os.environ.get(forkserver.ENV_SOCKET):
            # forked from the run's template process, which has the libraries imported already
            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = forkserver.provisioner_class()(
                kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec, parent=self.km)
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
            except Exception:  # queue.Empty on time-out
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
            except Exception:
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
        except Exception:
            return None
        finally:
            client.stop_channels()

    def usage(self) -> dict:
        out = {}
        if self.pid:
            cpu = _proc_cpu_seconds(self.pid)
            rss = _proc_peak_rss_kb(self.pid)
            if cpu is not None:
                out["kernel_cpu_seconds"] = round(cpu, 3)
            if rss is not None:
                out["kernel_max_rss_kb"] = rss
        return out

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        self.release_client(timeout=0)
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:
            pass
        _LIVE_KERNELS.discard(self)


def module_hashes(files: dict[str, str] | None) -> dict[str, str] | None:
    """Module files (inside the package) -> sha256, keyed by their path relative to the package."""
    if files is None:
        return None
    from ..hashing import package_dir, sha256_or_none as sha256_file

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

def run_job(job: dict, kernel: Kernel | None = None, warm_next=None) -> tuple[dict, Kernel | None]:
    """Execute one chapter and export its page. Returns the result and the next (warm) kernel, if any.

    ``kernel``: a kernel started for this chapter (papermill starts one when None). ``warm_next``:
    a callable that starts the next chapter's kernel; called as soon as this one is done.
    """
    import resource

    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .export import notebook_body

    started = time.time()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict = {"chapter": job["chapter"], "status": "ok", "error": None}
    output_nb = Path(job["output_notebook"])
    executed_nb = None  # the executed notebook as papermill returns it (None after a failure: read the file)
    if kernel is not None and kernel.cwd != job["cwd"]:
        kernel.shutdown()
        kernel = None
    if kernel is not None:
        result["kernel_warm_seconds"] = round(started - kernel.started, 3)  # started this long before its job
        kernel.release_client()
        result["kernel_wait_seconds"] = round(time.time() - started, 3)  # for its warm imports to finish
    try:
        if kernel is None:
            kernel = Kernel(job["kernel_name"], job["cwd"], warm=False)
        extra = {"km": kernel.km}
        executed_nb = pm.execute_notebook(
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
            **extra,
        )
    except PapermillExecutionError as exc:
        result.update(status="failed", error=f"{exc.ename}: {exc.evalue} (cel {exc.exec_count})")
    except Exception as exc:  # kernel died, could not start, ... : still try to export what exists
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    result["execution_seconds"] = round(time.time() - started, 3)

    next_kernel = None
    if kernel is not None:
        modules = kernel.package_modules() if result["status"] == "ok" else None
        result["modules"] = module_hashes(modules)
        result.update(kernel.usage())
        kernel.shutdown()
    if "kernel_cpu_seconds" not in result:  # no /proc: the kernel has been reaped by now
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["kernel_cpu_seconds"] = round(children.ru_utime + children.ru_stime
                                             - children_before.ru_utime - children_before.ru_stime, 3)
        result["kernel_max_rss_kb"] = int(children.ru_maxrss)
    if warm_next is not None:
        try:
            next_kernel = warm_next()  # starts (and imports) while this page is exported
        except Exception:
            traceback.print_exc()

    export_started = time.time()
    findings: dict = {}
    try:
        if executed_nb is not None or output_nb.exists():
            nb = executed_nb if executed_nb is not None else nbformat.read(output_nb, as_version=4)
            # Record which kernel and interpreter ran the chapter (the kernel name alone can lie).
            nb.metadata.setdefault("veiligheidsanalyse", {})["kernel"] = {
                "name": job["kernel_name"], "argv0": job["kernel_python"]}
            nbformat.write(nb, output_nb)
            body = notebook_body(nb)
        else:
            body = "<p>Het hoofdstuk kon niet worden uitgevoerd; er is geen uitvoer.</p>"
        findings_path = Path(job["findings_file"])
        findings = json.loads(findings_path.read_text(encoding="utf-8")) if findings_path.exists() else {}
        if job.get("body_file"):
            body_path = Path(job["body_file"])
            body_path.parent.mkdir(parents=True, exist_ok=True)
            body_path.write_text(body, encoding="utf-8")
        html_text = render_chapter_page(job, body, findings, result)
        target = Path(job["output_html"])
        tmp = target.with_suffix(".html.tmp")
        tmp.write_text(html_text, encoding="utf-8")
        if not _runner_alive():  # the runner was killed meanwhile: publish nothing into its dead run
            tmp.unlink(missing_ok=True)
            raise SystemExit(1)
        tmp.replace(target)
        result["html_bytes"] = len(html_text.encode("utf-8"))
    except Exception as exc:
        result.update(status="failed", error=f"export: {type(exc).__name__}: {exc}")
        traceback.print_exc()
    result["export_seconds"] = round(time.time() - export_started, 3)
    result["findings"] = findings
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    result["worker_cpu_seconds"] = round(cpu_after.ru_utime + cpu_after.ru_stime
                                         - cpu_before.ru_utime - cpu_before.ru_stime, 3)
    return result, next_kernel


def render_chapter_page(job: dict, body: str, findings: dict, result: dict) -> str:
    """The chapter's page: its body in the report's page shell (also used for reused chapters)."""
    from .export import Banner, ChapterLink, PageContext, render_page

    page_data = job["page"]
    banners, data_kind, data_label = _page_status(page_data, findings.get("sources", []))
    if result.get("status") != "ok":
        banners.insert(0, Banner("failed", "Dit hoofdstuk is niet volledig uitgevoerd.",
                                 "De plek waar het misging staat hieronder; wat er misging staat in het logboek van "
                                 "de run. De cijfers op deze pagina zijn onvolledig."))
    sources = [job["source_labels"][t] for t in findings.get("sources", []) if t in job["source_labels"]]
    page = PageContext(
        title=page_data["title"], current=job["chapter"],
        chapters=[ChapterLink(**c) for c in page_data["chapters"]],
        gemeente_naam=page_data["gemeente_naam"], periode=page_data["periode"], run_date=page_data["run_date"],
        data_label=data_label, data_kind=data_kind, run_id=page_data["run_id"], version=page_data["version"],
        git=page_data.get("git", ""), banners=banners, sources=sources or page_data["default_sources"],
        method_file=page_data["method_file"],
    )
    return render_page(body, page)


def _page_status(page_data: dict, source_ids: list[str]) -> tuple[list, str, str]:
    """Banners and header badge of a chapter page from the data status of the sources it shows."""
    from ..store.status import DataStatus
    from .export import Banner

    if "source_status" not in page_data or not source_ids:
        return ([Banner(**b) for b in page_data["banners"]], page_data.get("data_kind", ""),
                page_data["data_label"])
    status = DataStatus.from_json({"sources": page_data["source_status"]})
    kind, label = status.badge(source_ids)
    return [Banner(**b) for b in status.banners(source_ids)], kind, label


# ---------------------------------------------------------------------------------- serving

class _Redirect:
    """Point this process's stdout/stderr (and so papermill's and nbclient's chatter) at a file."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = (os.dup(1), os.dup(2))
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(self.fd, 1)
        os.dup2(self.fd, 2)
        return self

    def __exit__(self, *exc):
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in (*self.saved, self.fd):
            os.close(fd)
        return False


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
    except Exception:
        traceback.print_exc()
    print(f"worker {os.getpid()} klaar in {time.time() - t0:.2f} s", flush=True)
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                break
            job_file, _, mode = line.partition("\t")
            job = json.loads(Path(job_file).read_text(encoding="utf-8"))
            log_path = Path(job["log_file"]) if job.get("log_file") else None
            warm_next = (lambda: Kernel(kernel_name, cwd, warm=True)) if mode == "warm" else None
            try:
                if log_path is not None:
                    with _Redirect(log_path):
                        result, kernel = run_job(job, kernel, warm_next)
                else:
                    result, kernel = run_job(job, kernel, warm_next)
            except Exception as exc:  # never leave the runner without an answer
                traceback.print_exc()
                result = {"chapter": job.get("chapter"), "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                kernel = None
            result["worker_pid"] = os.getpid()
            _write_json(Path(job["result_file"]), result)
            out.write(json.dumps({"chapter": job.get("chapter"), "result_file": job["result_file"]}) + "\n")
    finally:
        if kernel is not None:
            kernel.shutdown()
    return 0


# Optional imports of jsonschema's format checkers (nbformat validates with it). The notebook schema
# uses none of these formats; importing them costs ~0.15 s of CPU per process, rfc3987_syntax alone
# ~1.3 s (it builds a Lark grammar on import). Marked absent, jsonschema skips those checkers.
_UNUSED_FORMAT_CHECKERS = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator", "isoduration",
                           "fqdn", "webcolors", "uri_template")


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


def serve_forked(stdin_fd: int, result_fd: int, log_fd: int, kernel_name: str, cwd: str, env: dict,
                 warm: bool) -> None:
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
    except BaseException:
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
    job_path = Path(argv[0])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    result, _ = run_job(job)
    _write_json(Path(job["result_file"]), result)
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    raise SystemExit(main())
