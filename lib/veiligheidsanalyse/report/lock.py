"""One run of a configuration at a time: an exclusive ``flock`` on a lock file in the output folder.

``outputs/.locks/<config>.lock`` is locked with ``fcntl.flock(LOCK_EX | LOCK_NB)`` for the whole
run. A second run of the same configuration finds it locked and stops at once with exit status 4,
naming the run that holds it (process id, host, start time, from the file's contents).

A lock can never go stale: the operating system releases an flock when the process that holds it
ends, however it ends (crash, ``kill -9``, reboot), so a dead run never blocks the next one. The
descriptor is not inherited by workers and kernels (Python opens files close-on-exec), so a kernel
left behind cannot hold it either. The file itself stays; its contents are only information.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

from ..errors import EXIT_LOCKED, VeiligheidsanalyseError


class LockHeld(VeiligheidsanalyseError, RuntimeError):
    """Another run of the same configuration is busy."""

    exit_code = EXIT_LOCKED

    def __init__(self, path: Path, holder: dict):
        self.path = path
        self.holder = holder
        who = ""
        if holder.get("pid"):
            who = f" (proces {holder['pid']}"
            if holder.get("host"):
                who += f" op {holder['host']}"
            if holder.get("started_at"):
                who += f", gestart {holder['started_at']}"
            who += ")"
        super().__init__(
            f"er loopt al een run van deze configuratie{who}; deze run is niet gestart. "
            f"Probeer het later opnieuw (slot: {path})."
        )


def lock_path(output_root: Path, config_name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", config_name).strip("-") or "config"
    return output_root / ".locks" / f"{safe}.lock"


class RunLock:
    """``with RunLock(path, info):`` holds the lock for the block; raises :class:`LockHeld` if busy."""

    def __init__(self, path: Path, info: dict | None = None):
        self.path = Path(path)
        self.info = dict(info or {})
        self.fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        except OSError:
            # A file system without flock (some network shares): run without the lock rather than never.
            os.close(fd)
            self.fd = None
            return self
        self.fd = fd
        record = dict(
            self.info,
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        )
        try:  # information only (who holds it): a full disk must not stop the run here
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"), 0)
        except OSError:
            pass
        return self

    def release(self) -> None:
        if self.fd is not None:
            try:
                try:
                    os.ftruncate(self.fd, 0)
                except OSError:
                    pass
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> bool:
        self.release()
        return False


def _read(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        return json.loads(data) if data else {}
    except (OSError, ValueError):
        return {}
