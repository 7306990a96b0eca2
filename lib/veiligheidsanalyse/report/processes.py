"""Small process helpers shared by the runner's pool, the workers and the kernel template."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def linux_switch(env_name: str) -> bool:
    """A Linux-only speed-up (fork, pidfds), on unless the environment variable says ``0``."""
    return sys.platform.startswith("linux") and os.environ.get(env_name, "1") != "0"


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
