"""Chapter kernels forked from a template process that has imported the heavy libraries once.

Every chapter runs in a kernel of its own, so that no state leaks from one chapter into another.
But a fresh kernel spends about two seconds of CPU importing pandas, pyarrow, matplotlib, scipy,
statsmodels and ipykernel itself: for a chapter that computes for one second, two thirds of its CPU.

So a run starts one *template* process that imports those libraries and then waits. A worker that
needs a kernel asks the template over a Unix socket; the template forks, and the child turns into an
ordinary ipykernel with the request's connection file, working folder, environment and output: a
new process with a fresh namespace, which only finds the libraries already loaded (the same idea as
the preloading ``forkserver`` of :mod:`multiprocessing`). The package's own modules are *not*
preloaded: each chapter imports them itself, so the incremental runs still see which modules a
chapter used.

Lifetimes: the template kills the kernels of a worker as soon as that worker is gone (the runner
kills a worker that exceeds the time-out), and kills all kernels and exits when the runner is gone.
The kernels run in sessions of their own, like kernels started the usual way.

Whether kernels are forked is decided by :class:`.execute.ExecutionSettings` (``VA_FORK_KERNELS=0``
switches it off; it is off outside Linux): the pool starts a template only then, and a worker forks
its kernels only when the pool has given it the template's socket (``VA_KERNEL_TEMPLATE``). A kernel
command that is not this interpreter's ipykernel, or a template that does not answer, gives a kernel
started the usual way.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import sys
import time
from pathlib import Path

from .processes import PolledProcess, alive, kill_group, proc_cpu_seconds

# Imported once in the template; every chapter kernel would import most of them. Third-party only.
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "yaml",
    "pydantic.main",
    "matplotlib",
    "matplotlib.pyplot",
    "scipy.special",
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.genmod.generalized_linear_model",
    "statsmodels.genmod.families",
    "statsmodels.stats.rates",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
)

ENV_SOCKET = "VA_KERNEL_TEMPLATE"  # path of the template's socket, for the workers
LAUNCHER = ("-m", "ipykernel_launcher")


# ---------------------------------------------------------------------------------- the template


def _peer_pid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[0]


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    """One request: a JSON line, with the kernel's output file descriptor passed along (if any)."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 2)
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    return json.loads(data.decode("utf-8")), list(fds)


def _become_kernel(request: dict, output_fd: int | None, keep_closed: list[int]) -> None:
    """In the forked child: turn into the kernel the request asks for (never returns)."""
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel waits for its own subprocesses
        for fd in keep_closed:
            try:
                os.close(fd)
            except OSError:
                pass
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        if output_fd is not None:
            os.dup2(output_fd, 1)
            os.dup2(output_fd, 2)
            os.close(output_fd)
        template_cwd = os.getcwd()
        os.chdir(request["cwd"])
        if sys.path and sys.path[0] == template_cwd:
            sys.path[0] = os.path.abspath(request["cwd"])  # as `python -m` in that folder would have it
        os.environ.clear()
        os.environ.update(request["env"])
        template_pid = os.getppid()
        os.environ["JPY_PARENT_PID"] = str(template_pid)
        import random

        random.seed()  # a fresh process would not share its random state with its siblings
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        from ipykernel import kernelapp

        # The kernel exits when the template is gone (ipykernel's parent poller; the trait's default
        # was read from the environment when the template imported ipykernel, so it is passed here).
        argv = ["-f", request["connection_file"], f"--IPKernelApp.parent_handle={template_pid}"]
        sys.argv = [sys.argv[0], *argv]
        kernelapp.launch_new_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - a forked kernel exits with a code, never into the template's loop
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - closed streams: the process exits anyway
            pass
    os._exit(code)


class _Kernels:
    """The template's bookkeeping: which worker asked for which kernel, watched through pidfds.

    A pidfd refers to one process for good, so a kernel that has exited (and whose pid the system
    may give to another process) is never signalled by mistake.
    """

    def __init__(self):
        self.owners: dict[int, int | None] = {}  # worker pid -> its pidfd (None: no pidfds here)
        self.kernels: dict[int, list[tuple[int, int | None]]] = {}  # worker pid -> [(kernel pid, pidfd)]

    @staticmethod
    def _pidfd(pid: int) -> int | None:
        try:
            return os.pidfd_open(pid)
        except (AttributeError, OSError):
            return None

    def add(self, owner: int, kernel: int) -> None:
        if owner not in self.owners:
            self.owners[owner] = self._pidfd(owner)
        self.kernels.setdefault(owner, []).append((kernel, self._pidfd(kernel)))
        self.prune()

    def fds(self) -> list[int]:
        return [fd for fd in self.owners.values() if fd is not None] + [
            fd for ks in self.kernels.values() for _, fd in ks if fd is not None
        ]

    def watched(self) -> dict[int, int]:
        """pidfd -> worker pid, for select()."""
        return {fd: owner for owner, fd in self.owners.items() if fd is not None}

    def prune(self) -> None:
        """Forget kernels that have exited; their pidfds are readable."""
        for kernels in self.kernels.values():
            keep = []
            for pid, fd in kernels:
                if fd is not None and select.select([fd], [], [], 0)[0]:
                    os.close(fd)
                else:
                    keep.append((pid, fd))
            kernels[:] = keep

    def forget(self, owner: int) -> None:
        """The worker is gone: kill its kernels."""
        self.prune()
        for pid, fd in self.kernels.pop(owner, []):
            kill_group(pid)  # still alive (pruned otherwise), so the pid is still its own
            if fd is not None:
                os.close(fd)
        fd = self.owners.pop(owner, None)
        if fd is not None:
            os.close(fd)

    def gone_owners(self) -> list[int]:
        """Workers without a pidfd that have exited (fallback without pidfd_open)."""
        return [owner for owner, fd in self.owners.items() if fd is None and not alive(owner)]


def serve(listen_fd: int, parent_pid: int) -> int:
    """The template's loop: preload, then fork a kernel per request until the runner is gone."""
    listener = socket.socket(fileno=listen_fd)
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - an optional library missing: the kernels import what they need themselves
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped by the system
    book = _Kernels()
    while True:
        if os.getppid() != parent_pid:  # the runner is gone: so are its kernels
            for owner in list(book.owners):
                book.forget(owner)
            return 0
        watched = book.watched()
        ready, _, _ = select.select([listener, *watched], [], [], 0.5)
        for owner in book.gone_owners():
            book.forget(owner)
        for fd in ready:
            if fd is not listener:
                book.forget(watched[fd])
                continue
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                fds: list[int] = []
                try:
                    conn.settimeout(10)
                    request, fds = _receive(conn)
                    owner = _peer_pid(conn)
                    pid = os.fork()
                    if pid == 0:
                        closed = [listener.fileno(), conn.fileno(), *book.fds()] + fds[1:]
                        _become_kernel(request, fds[0] if fds else None, closed)
                    book.add(owner, pid)
                    conn.sendall(json.dumps({"pid": pid}).encode("utf-8") + b"\n")
                except Exception as exc:  # noqa: BLE001 - this request fails; the template goes on
                    try:
                        conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode("utf-8") + b"\n")
                    except OSError:
                        pass
                finally:
                    for fd_ in fds:
                        try:
                            os.close(fd_)
                        except OSError:
                            pass


# ---------------------------------------------------------------------------------- the runner side


class Template:
    """The template process of a run (started by the worker pool, stopped with it)."""

    def __init__(self, python: str, env: dict, cwd: str, log_file: Path, socket_dir: str):
        import subprocess

        self.path = os.path.join(socket_dir, "template")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.listener.bind(self.path)  # bound before any worker starts: a request waits, never fails
            self.listener.listen(64)
            self._log = open(log_file, "ab")
            self.proc = subprocess.Popen(
                [python, "-m", "veiligheidsanalyse.report.forkserver", str(self.listener.fileno()), str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                pass_fds=(self.listener.fileno(),),
                start_new_session=True,
            )
        except OSError:
            self.listener.close()
            raise

    def cpu_seconds(self) -> float | None:
        return proc_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        kill_group(self.proc.pid)
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - the template is killed; a slow exit changes nothing
            pass
        for close in (self.listener.close, self._log.close, lambda: os.unlink(self.path)):
            try:
                close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------- the worker side


class ForkedProcess(PolledProcess):
    """Enough of :class:`subprocess.Popen` for jupyter_client, for a kernel that is not our child."""

    def poll(self) -> int | None:
        if self.returncode is None and not alive(self.pid):
            self.returncode = -signal.SIGKILL if getattr(self, "_killed", False) else 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if signum == signal.SIGKILL:
            self._killed = True
        try:
            os.killpg(self.pid, signum)  # the kernel's session: itself and what it started
        except OSError:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def is_ipykernel_command(cmd: list[str]) -> bool:
    """``<this interpreter> -m ipykernel_launcher -f <file>``: what the template can fork."""
    return (
        len(cmd) == 5
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
        and tuple(cmd[1:3]) == LAUNCHER
        and cmd[3] == "-f"
    )


def request_kernel(
    path: str, connection_file: str, cwd: str, env: dict, output_fd: int | None, timeout: float = 120
) -> int:
    """Ask the template for a kernel; its process id. OSError when the template cannot give one."""
    request = json.dumps({"connection_file": connection_file, "cwd": cwd, "env": env}).encode("utf-8") + b"\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)  # the template answers once its imports are done
        conn.connect(path)
        socket.send_fds(conn, [request], [output_fd] if output_fd is not None else [])
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                raise OSError("the kernel template closed the connection")
            answer += chunk
    reply = json.loads(answer.decode("utf-8"))
    if "pid" not in reply:
        raise OSError(f"the kernel template could not fork a kernel: {reply.get('error')}")
    return int(reply["pid"])


def provisioner_class():
    """A jupyter_client provisioner that forks kernels from the template (imported lazily)."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkedProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            path = os.environ.get(ENV_SOCKET)
            if not path or not is_ipykernel_command(list(cmd)):
                return await super().launch_kernel(cmd, **kwargs)
            output = kwargs.get("stdout")
            output_fd = output.fileno() if hasattr(output, "fileno") else output if isinstance(output, int) else None
            cwd = str(kwargs.get("cwd") or os.getcwd())
            env = dict(kwargs.get("env") or os.environ)
            try:
                pid = request_kernel(path, cmd[4], cwd, env, output_fd)
            except (OSError, ValueError) as exc:
                print(f"kernel template: {exc}; kernel started the usual way", file=sys.stderr, flush=True)
                return await super().launch_kernel(cmd, **kwargs)
            self.process = ForkedProcess(pid)
            self.pid = pid
            self.pgid = pid  # the child's own session (until it has called setsid(), signals go to it alone)
            self.cwd = cwd
            self.forked = True
            return self.connection_info

        async def _gone(self) -> None:
            """Wait in 5 ms steps until the forked kernel has exited (at most 5 s)."""
            import asyncio

            deadline = time.monotonic() + 5
            while getattr(self, "forked", False) and self.process and await self.poll() is None:
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(0.005)

        # A killed forked kernel is gone within milliseconds; jupyter_client looks again only every
        # 100 ms, and the worker's next chapter waits for that. So kill and wait return once it is gone.
        async def kill(self, restart: bool = False) -> None:
            await super().kill(restart=restart)
            await self._gone()

        async def wait(self):
            await self._gone()
            return await super().wait()

    return ForkedProvisioner


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return serve(int(argv[0]), int(argv[1]))


if __name__ == "__main__":
    raise SystemExit(main())
