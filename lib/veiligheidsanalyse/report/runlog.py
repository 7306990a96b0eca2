"""What a run tells: progress lines on stderr, its own log file ``runner.log``, and whether it
failed because the disk is full."""

from __future__ import annotations

import errno
import shutil
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO


class Progress:
    """One line per event; on a terminal also a running status line."""

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None):
        self.total = total
        self.done = 0
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        with self.lock:
            print(text, file=self.stream, flush=True)

    def chapter_done(self, chapter: str, status: str, seconds: float) -> None:
        with self.lock:
            self.done += 1
            mark = "klaar" if status == "ok" else ("hergebruikt" if status == "reused" else "MISLUKT")
            if self.enabled or status not in ("ok", "reused"):
                print(f"[{self.done}/{self.total}] {chapter}: {mark} ({seconds:.1f} s)", file=self.stream, flush=True)


class RunLog:
    """The runner's own log: timestamped lines in ``runner.log``."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self.t0 = time.time()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "a", encoding="utf-8")
        except OSError:  # a full disk: the run goes on (and reports the disk), only without its log
            self._fh = None

    def __call__(self, text: str) -> None:
        if self._fh is None:
            return
        with self._lock:
            stamp = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            try:
                self._fh.write(f"{stamp} [{time.time() - self.t0:7.2f} s] {text}\n")
                self._fh.flush()
            except OSError:
                pass

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass


def disk_full(exc: BaseException, *folders: Path) -> bool:
    """Did the run fail because the disk is full? ENOSPC itself, or an error that a file cut short by
    a full disk causes elsewhere (a result file that is not valid JSON) while almost no space is left."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    for folder in folders:
        try:
            if shutil.disk_usage(folder).free < 1_000_000:
                return True
        except OSError:
            continue
    return False
