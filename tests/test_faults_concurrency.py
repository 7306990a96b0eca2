"""Fault injection, concurrency: two runs of the same configuration at once.

The runner takes an exclusive lock per configuration (``report/lock.py``: ``flock`` on
``<uitvoer>/.locks/<config>.lock``) before it does anything. A second run of the same configuration
must stop at once with exit status 4 and a message saying another run is busy (and which), create no
run folder and leave the first run alone; the first run finishes normally and publishes its report.

Black box: both runs are the real command ``python -m veiligheidsanalyse.cli run`` on a throw-away
project (one chapter, demo data). That the lock does not outlive a killed run is shown by the
process faults (``test_faults_process.py``: the run after every SIGKILL succeeds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import make_project_copy, wait_until
from veiligheidsanalyse.report.incremental import RUN_ID

pytestmark = pytest.mark.fault("concurrency")

CHAPTERS = ["99_methode"]


class Project:
    def __init__(self, root: Path):
        self.root = root
        self.config = root / "config" / "westerveld.yaml"
        self.reports = root / "outputs" / "westerveld"
        self.locks = root / "outputs" / ".locks"
        self.env = dict(os.environ, VA_PROJECT_ROOT=str(root))

    def start(self, *flags: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(self.config), "--quiet", *flags],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run_ids(self) -> set[str]:
        return {p.name for p in self.reports.iterdir() if RUN_ID.match(p.name)} if self.reports.is_dir() else set()

    def holder(self) -> dict:
        """Who holds the configuration's lock (the record the lock file holds while it is taken)."""
        for lock in sorted(self.locks.glob("*.lock")) if self.locks.is_dir() else []:
            try:
                text = lock.read_text(encoding="utf-8").strip()
                if text:
                    return json.loads(text)
            except (OSError, ValueError):
                continue
        return {}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    root = make_project_copy(tmp_path_factory.mktemp("faults-concurrency"), chapters=CHAPTERS)
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["hoofdstukken"] = CHAPTERS
    (root / "config" / "westerveld.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Project(root)


def _finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _assert_refused(code: int, out: str, err: str, holder_pid: int | None = None) -> None:
    assert code == 4, f"exit {code}\n{out}\n{err}"
    assert "er loopt al een run van deze configuratie" in err and "niet gestart" in err, err
    if holder_pid is not None:
        assert f"proces {holder_pid}" in err, err
    assert "Traceback" not in out + err


def _assert_published(project: Project, run_ids_before: set[str]) -> str:
    new = project.run_ids() - run_ids_before
    assert len(new) == 1, f"expected exactly one new run folder, found {sorted(new)}"
    run_id = new.pop()
    assert os.readlink(project.reports / "latest") == run_id
    manifest = json.loads((project.reports / run_id / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_status"] == 0 and all(c["status"] == "ok" for c in manifest["chapters"].values())
    return run_id


def test_second_run_while_the_first_is_busy_exits_4(project: Project):
    before = project.run_ids()
    first = project.start("--force")
    try:
        wait_until(
            lambda: first.poll() is not None or project.holder().get("pid") == first.pid,
            60,
            "the first run to take the lock",
        )
        assert first.poll() is None, first.communicate()
        second = project.start()
        code, out, err = _finish(second, timeout=120)
        assert first.poll() is None, "the first run was already done: the test proves nothing"
        _assert_refused(code, out, err, holder_pid=first.pid)
    finally:
        first_code, first_out, first_err = _finish(first)
    assert first_code == 0, first_out + first_err  # the first run was not disturbed
    _assert_published(project, before)
    assert project.holder() == {}  # released: the record is cleared


def test_two_runs_started_at_the_same_moment(project: Project):
    before = project.run_ids()
    a, b = project.start("--force"), project.start("--force")
    results = [_finish(a), _finish(b)]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 4], results
    _assert_refused(*next(r for r in results if r[0] == 4))
    _assert_published(project, before)
