"""Small process helpers shared by the executors, the workers and the kernel template."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def kill_group(pid: int | None) -> None:
    """SIGKILL the process group led by ``pid`` (a worker or kernel in a session of its own), or the
    process alone when it leads no group (yet). Gone already: nothing to do."""
    if pid is None:
        return
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except OSError:
            pass


def alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class PolledProcess:
    """Enough of :class:`subprocess.Popen` for a process that was started by ``fork``, not by Popen:
    a subclass says how to ``poll`` it; ``wait`` polls every 5 ms (a forked process is gone within
    milliseconds of being killed, and its waiter should not sleep longer than that)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.005)
        return self.returncode  # type: ignore[return-value]


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime (+ waited-for children) of a process, from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def proc_peak_rss_kb(pid: int) -> int | None:
    """The peak resident memory of a process, from /proc/<pid>/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class RedirectOutput:
    """Point this process's stdout/stderr (and so papermill's and nbclient's chatter) at a file."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> RedirectOutput:
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = (os.dup(1), os.dup(2))
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(self.fd, 1)
        os.dup2(self.fd, 2)
        return self

    def __exit__(self, *exc) -> bool:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in (*self.saved, self.fd):
            os.close(fd)
        return False
