"""Two small process helpers shared by the runner's pool, the workers and the kernel template."""

from __future__ import annotations

import os
import signal


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
