"""What a run tells: progress lines on stderr, its own log file ``runner.log``, whether it failed
because the disk is full, and its outcome: exit status and message (:class:`RunResult`)."""

from __future__ import annotations

import errno
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import EXIT_CHAPTER_FAILED, EXIT_INVALID, EXIT_OK
from ..paths import intern_dir

if TYPE_CHECKING:
    from .plan import Target


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
            stamp = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
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


@dataclass
class RunResult:
    exit_code: int
    run_dir: Path | None = None  # the (first) gemeente's run folder
    chapters: dict[str, dict] = field(default_factory=dict)
    message: str = ""
    run_dirs: dict[str, Path] = field(default_factory=dict)  # report folder name -> run folder
    log_file: Path | None = None


def outcome(reports: list[Target], several: bool, blocked: list[str], executed_count: int) -> RunResult:
    """The run's exit status and message."""

    def name(t: Target, ch: str) -> str:
        return f"{t.folder.name}/{ch}" if several else ch

    results = {name(t, ch): r.record() for t in reports for ch, r in t.results.items()}
    run_dirs = {t.folder.name: t.run_dir for t in reports}
    first = reports[0].run_dir
    incomplete = [t for t in reports if not t.ok]
    if blocked and not incomplete:
        return RunResult(
            EXIT_INVALID,
            run_dir=first,
            chapters=results,
            run_dirs=run_dirs,
            message="De hoofdstukken zijn gelukt, maar niet gepubliceerd: " + "; ".join(blocked),
        )
    if not incomplete:
        message = "Rapport klaar: " + ", ".join(str(t.run_dir / "index.html") for t in reports)
        reused = sum(1 for t in reports for r in t.results.values() if r.reused_from)
        if reused:
            message += f" ({executed_count} hoofdstuk(ken) uitgevoerd, {reused} hergebruikt)"
        return RunResult(EXIT_OK, run_dir=first, chapters=results, message=message, run_dirs=run_dirs)
    failed = [name(t, ch) for t in incomplete for ch, r in t.results.items() if not r.ok]
    message = (
        ("Niet gepubliceerd: " + "; ".join(blocked) + ". " if blocked else "")
        + f"{len(failed)} hoofdstuk(ken) mislukt: {', '.join(failed)}; 'latest' is niet bijgewerkt"
        + (f" voor {', '.join(t.folder.name for t in incomplete)}" if several else "")
        + f". Zie {incomplete[0].run_dir / 'index.html'} en de logboeken in "
        + f"{intern_dir(incomplete[0].run_dir) / 'logs'}"
    )
    return RunResult(EXIT_CHAPTER_FAILED, run_dir=first, chapters=results, message=message, run_dirs=run_dirs)
