"""One run per configuration: an flock in the output folder; a second run exits 4; no stale locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from veiligheidsanalyse.errors import EXIT_LOCKED
from veiligheidsanalyse.report.lock import LockHeld, RunLock, lock_path
from veiligheidsanalyse.report.runner import RunOptions, run

pytestmark = pytest.mark.fault("concurrency")  # the lock itself: exclusive, never stale, exit 4

HOLD = """
import sys, time
from pathlib import Path
from veiligheidsanalyse.report.lock import RunLock
lock = RunLock(Path(sys.argv[1]), {"config": "test"}).acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))  # a live holder until the test kills it (or a bound, if it does not)
"""


def hold(path: Path, seconds: float = 60) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_lock_is_exclusive_and_says_who_holds_it(tmp_path: Path):
    path = lock_path(tmp_path / "outputs", "westerveld")
    assert path == tmp_path / "outputs" / ".locks" / "westerveld.lock"
    with RunLock(path, {"config": "westerveld.yaml"}):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["config"] == "westerveld.yaml"
        with pytest.raises(LockHeld) as err:
            RunLock(path).acquire()
        assert str(os.getpid()) in str(err.value) and "loopt al een run" in str(err.value)
    with RunLock(path):  # released: free again
        pass


def test_a_dead_holder_never_blocks(tmp_path: Path):
    path = lock_path(tmp_path, "westerveld")
    proc = hold(path)
    with pytest.raises(LockHeld):
        RunLock(path).acquire()
    os.kill(proc.pid, signal.SIGKILL)  # a crash: no chance to clean up
    proc.wait()
    with RunLock(path) as lock:  # the operating system released it with the process
        assert lock.fd is not None


def test_second_run_of_the_same_config_exits_4(tmp_path: Path, demo_config: Path):
    outputs = Path(yaml.safe_load(demo_config.read_text(encoding="utf-8"))["uitvoer"])
    proc = hold(lock_path(outputs, demo_config.stem))
    try:
        result = run(demo_config, RunOptions(progress=False))
        assert result.exit_code == EXIT_LOCKED == 4
        assert f"proces {proc.pid}" in result.message
        cli = subprocess.run(
            [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(demo_config), "--quiet"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert cli.returncode == 4 and "loopt al een run" in cli.stderr
        assert not any(p.name != ".locks" for p in outputs.iterdir())  # nothing else was touched
    finally:
        proc.kill()
        proc.wait()
