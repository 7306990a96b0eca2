"""Fault injection, processes: the runner killed (SIGKILL) during fetch, execution and export, and
the disk full while a snapshot or a report is written.

One throw-away project (two chapters, ``make_project_copy``) with the data policy ``fresh``
against the fake CBS/politie server, and a first good report (``latest``). Then, per fault:

1. record what is published: where ``latest`` points, every byte of that run folder, every visible
   snapshot in the cache (hidden ``.tmp-*`` folders of an interrupted write are ignored, as
   ``list_snapshots`` ignores them) and ``outputs/index.html``;
2. inject the fault;
3. check that nothing published changed: ``latest`` still points at the same run, its files are
   byte-for-byte the same, no snapshot appeared, disappeared or changed, no half snapshot is
   visible;
4. run again: the next run succeeds (exit 0, every chapter ok, ``latest`` moves to it), so a dead
   run leaves no lock, temporary folder or half-written file that gets in the way.

How the kill finds its moment (polled every 10 ms; the test fails rather than kill at the wrong
moment):

- *during fetch*: the fake server serves the new version of table 47013NED as a slow trickle; the
  kill comes once part of the body has been sent, while the rest is still arriving.
- *during execution*: a chapter's executed notebook exists in the new run folder (papermill writes
  it when the kernel starts executing) and no chapter page has been written yet.
- *during export*: the worker has started exporting ``00_gebied`` (it writes the kernel record,
  ``argv0``, into the executed notebook just before converting it, ~1-2 s) and the page
  ``00_gebied.html`` does not exist yet. Here the whole process tree is killed at once (runner,
  workers, kernels: a power cut, or ``systemctl kill``), because killing the runner alone does not
  stop a worker that is exporting.

The runs that need the fake server are started as ``python -c <runner>`` (``report.runner.run``
with the server's endpoint: the command line has no option for another OData address); the others
use the real command ``python -m veiligheidsanalyse.cli run``.

Disk full: ``OSError(ENOSPC)`` injected into the snapshot writer and into the runner's writes of
``index.html``, ``manifest.json`` and a chapter page (half the bytes are written first, as a real
full disk does), and, where ``mount -t tmpfs`` works (root), a real small file system: a
library-level snapshot write, and a whole report written to an output folder that fills up.
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from conftest import make_project_copy, process_alive
from fake_odata import FakeOdataServer, demo_tables, gemeente_table, tree_state
from veiligheidsanalyse.report.incremental import RUN_ID
from veiligheidsanalyse.report.pool import descendants
from veiligheidsanalyse.sources import snapshots as snapshots_module
from veiligheidsanalyse.sources.snapshots import list_snapshots

pytestmark = [pytest.mark.fault("process"), pytest.mark.slow]  # a dozen runs killed or filled up: make test-all, CI

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["00_gebied", "99_methode"]
TID = "47013NED"

RUNNER = textwrap.dedent("""
    import sys
    from veiligheidsanalyse.report.runner import RunOptions, run
    from veiligheidsanalyse.sources.odata import OdataEndpoint
    config, url, *flags = sys.argv[1:]
    endpoint = OdataEndpoint.at(url, retries=0, timeout=(5, 30), total_timeout=600)
    result = run(config, RunOptions(endpoint=endpoint, progress=False, force="--force" in flags))
    print(result.message, file=sys.stdout if result.exit_code == 0 else sys.stderr)
    raise SystemExit(result.exit_code)
""")


# ---------------------------------------------------------------------------------- processes


def kill_pids(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def reap(pids: list[int], grace: float) -> list[int]:
    """Wait up to ``grace`` seconds for processes to end; kill (by pid) those that do not.
    Returns the pids that were still alive after the grace period."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(process_alive(p) for p in pids):
        time.sleep(0.05)
    lingering = [p for p in pids if process_alive(p)]
    kill_pids(lingering)
    return lingering


def kill_when(proc: subprocess.Popen, condition, what: str, timeout: float = 180, tree: bool = False) -> list[int]:
    """SIGKILL the runner (``tree``: the runner and every process below it, at once) as soon as
    ``condition()`` holds. Returns the runner's descendants as they were at that moment."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            kill_pids([proc.pid, *descendants(proc.pid)])  # leave nothing running behind
            proc.wait(timeout=30)
            pytest.fail(f"no sign of {what} within {timeout} s")
        time.sleep(0.01)
    family = descendants(proc.pid)
    if tree:
        os.kill(proc.pid, signal.SIGSTOP)  # freeze the runner so that it starts nothing new meanwhile
        family = descendants(proc.pid)
        kill_pids([proc.pid, *family])
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return family


# ---------------------------------------------------------------------------------- the project


class Project:
    def __init__(self, root: Path, server: FakeOdataServer, tmpfs: bool):
        self.root = root
        self.server = server
        self.tmpfs = tmpfs  # outputs/ is a small file system of its own
        self.config = root / "config" / "westerveld.yaml"
        self.outputs = root / "outputs"
        self.cache = root / "data" / "cache"
        self.reports = self.outputs / "westerveld"
        self.env = dict(os.environ, VA_PROJECT_ROOT=str(root))
        self.logs = root.parent / "logs"
        self.logs.mkdir(exist_ok=True)
        self.n = 0

    # -- running
    def command(self, *flags: str, via: str = "runner") -> list[str]:
        if via == "runner":
            return [sys.executable, "-c", RUNNER, str(self.config), self.server.base_url, *flags]
        return [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(self.config), "--quiet", *flags]

    def start(self, *flags: str, via: str = "runner") -> subprocess.Popen:
        self.n += 1
        with open(self.logs / f"run-{self.n}.out", "w") as out:  # the child keeps its own descriptor
            return subprocess.Popen(
                self.command(*flags, via=via), cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def run(self, *flags: str, via: str = "runner", timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*flags, via=via), cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    # -- what is published
    def run_ids(self) -> set[str]:
        return {p.name for p in self.reports.iterdir() if RUN_ID.match(p.name)} if self.reports.is_dir() else set()

    def new_run(self, before: set[str]) -> Path | None:
        new = sorted(self.run_ids() - before)
        return self.reports / new[-1] if new else None

    def executed_notebooks(self, run: Path) -> list[Path]:
        """The run's executed notebooks, wherever the runner keeps them (``<run>/intern/notebooks``
        today; possibly a folder outside the published run folder, named after the run)."""
        return [p for p in self.outputs.rglob("*.ipynb") if run.name in p.parts]

    def latest(self) -> str:
        return os.readlink(self.reports / "latest")

    def visible_cache(self) -> dict:
        """Every visible snapshot (id and bytes); hidden temporary folders of broken writes left out."""
        state = tree_state(self.cache) or {}
        return {k: v for k, v in state.items() if not any(part.startswith(".") for part in Path(k).parts)}

    def state(self) -> dict:
        return {
            "latest": self.latest(),
            "report": tree_state(self.reports / self.latest()),
            "cache": self.visible_cache(),
            "index": (self.outputs / "index.html").read_bytes(),
        }

    # -- the guarantees
    def assert_intact(self, before: dict, index_unchanged: bool = True) -> None:
        assert self.latest() == before["latest"], "'latest' moved to a run that did not finish"
        assert tree_state(self.reports / before["latest"]) == before["report"], "the published report changed"
        assert self.visible_cache() == before["cache"], "the snapshot cache changed"
        for table_dir in (p for p in self.cache.iterdir() if p.is_dir()):
            visible = [p for p in table_dir.iterdir() if not p.name.startswith(".")]
            assert len(visible) == len(list_snapshots(self.cache, table_dir.name)), f"half snapshot in {table_dir}"
            for snap in list_snapshots(self.cache, table_dir.name):
                snap.verify()
        if index_unchanged:
            assert (self.outputs / "index.html").read_bytes() == before["index"]

    def assert_next_run_succeeds(self, before: dict) -> Path:
        result = self.run()
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        latest = self.latest()
        assert latest != before["latest"]
        run_dir = self.reports / latest
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["exit_status"] == 0
        assert set(manifest["chapters"]) == set(CHAPTERS)
        assert all(c["status"] == "ok" for c in manifest["chapters"].values())
        for chapter in CHAPTERS:
            assert (run_dir / f"{chapter}.html").is_file()
        assert self.visible_cache() == before["cache"]  # the server did not change: nothing downloaded
        index = (self.outputs / "index.html").read_text(encoding="utf-8")
        assert f"westerveld/{latest}/index.html" in index
        return run_dir


def _mount_tmpfs(path: Path, size: str) -> bool:
    """Mount a small tmpfs (root only); False when that is not possible here."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], capture_output=True, text=True
    )
    return result.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture(scope="module")
def server():

    tables = demo_tables()
    with FakeOdataServer(tables, page_size=2000) as srv:
        yield srv


@pytest.fixture(scope="module")
def project(tmp_path_factory, server):
    tmp = tmp_path_factory.mktemp("faults-process")
    root = make_project_copy(tmp, chapters=CHAPTERS)
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "fresh"  # cache: data/cache and uitvoer: outputs, inside the project copy
    data["hoofdstukken"] = CHAPTERS
    (root / "config" / "westerveld.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (root / "outputs").mkdir()
    mounted = _mount_tmpfs(root / "outputs", "256m")
    proj = Project(root, server, tmpfs=mounted)
    proj.sources_before = _sources_state()
    try:
        first = proj.run()
        assert first.returncode == 0, first.stdout + first.stderr
        assert {s.parent.name for s in proj.cache.glob("*/*")} >= {TID, "03759ned"}
        yield proj
    finally:
        if mounted:
            _umount(root / "outputs")


def _sources_state() -> str:
    """One digest of every byte (and mtime) of the demo data and the partner files the runs read
    (the project copy links them from the repository)."""
    import hashlib

    digest = hashlib.sha256()
    for folder in (ROOT / "data" / "demo", ROOT / "data" / "inputs"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path).encode() + path.read_bytes() + str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


@pytest.fixture
def server_unchanged(server):
    """Whatever a test does to the fake server is undone afterwards."""
    modified = {tid: t.table_infos["Modified"] for (_, tid), t in server.tables.items()}
    yield server
    server.clear_faults()
    server.hooks.clear()
    for (_, tid), t in server.tables.items():
        t.set_modified(modified[tid])


# ---------------------------------------------------------------------------------- SIGKILL


def test_runner_killed_during_fetch(project, server_unchanged):
    server = server_unchanged
    before = project.state()
    runs_before = project.run_ids()
    cached_version = server.table(TID).table_infos["Modified"]
    server.table(TID).set_modified("2027-01-01T02:00:00")  # a new version to download...
    server.fail("trickle", table_id=TID, match="UntypedDataSet", chunk=512, interval=0.05)  # ...slowly
    seen = len(server.requests_for(TID, "UntypedDataSet"))

    def downloading() -> bool:  # part of the new version's body has been sent, the rest is still coming
        return any(0 < r.body_sent < r.body_size for r in server.requests_for(TID, "UntypedDataSet")[seen:])

    proc = project.start()
    family = kill_when(proc, downloading, f"the download of {TID}")
    reap(family, grace=10)
    assert project.run_ids() == runs_before  # killed before any run folder was made
    project.assert_intact(before)
    # Next run: the server is healthy again and has the version that is already cached.
    server.clear_faults()
    server.table(TID).set_modified(cached_version)
    project.assert_next_run_succeeds(before)


def test_runner_killed_during_execution(project):
    before = project.state()
    runs_before = project.run_ids()

    def executing() -> bool:
        run = project.new_run(runs_before)
        return run is not None and bool(project.executed_notebooks(run)) and not any(run.glob("*.html"))

    proc = project.start("--policy", "cache", "--force", via="cli")
    family = kill_when(proc, executing, "a chapter executing")
    killed = project.new_run(runs_before)
    # The runner's workers (and their kernels) are left behind; let them end on their own (bounded),
    # then see what they did meanwhile.
    reap(family, grace=120)
    ORPHAN_PAGES["execution"] = sorted(p.name for p in killed.glob("*.html"))
    assert not (killed / "manifest.json").exists() and not (killed / "index.html").exists()
    project.assert_intact(before)
    project.assert_next_run_succeeds(before)
    # The dead run's folder is not listed on the outputs page (it has no manifest) and never 'latest'.
    assert killed.name not in (project.outputs / "index.html").read_text(encoding="utf-8")


def test_everything_killed_during_export(project):
    before = project.state()

    def exporting(runs_before) -> bool:
        run = project.new_run(runs_before)
        if run is None:
            return False
        notebooks = [p for p in project.executed_notebooks(run) if p.name == "00_gebied.ipynb"]
        try:
            started = bool(notebooks) and '"argv0"' in notebooks[0].read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return started and not (run / "00_gebied.html").exists()

    # The export of a small page takes a fraction of a second: a kill may come just after it. Then
    # the scenario did not happen and is tried again (a later page's export was under way instead).
    for _attempt in range(3):
        runs_before = project.run_ids()
        proc = project.start("--policy", "cache", "--force", via="cli")
        family = kill_when(
            proc, lambda runs_before=runs_before: exporting(runs_before), "the export of 00_gebied", tree=True
        )
        reap(family, grace=5)
        killed = project.new_run(runs_before)
        if not (killed / "00_gebied.html").exists():
            break
    else:
        pytest.fail("three times the kill came only after the export of 00_gebied")
    assert not (killed / "manifest.json").exists() and not (killed / "index.html").exists()
    project.assert_intact(before)
    project.assert_next_run_succeeds(before)


ORPHAN_PAGES: dict[str, list[str]] = {}


def test_workers_stop_when_the_runner_is_killed(project):
    if "execution" not in ORPHAN_PAGES:
        pytest.skip("needs test_runner_killed_during_execution first")
    assert ORPHAN_PAGES["execution"] == [], (
        f"chapter pages {ORPHAN_PAGES['execution']} were written into the dead run after the runner was killed"
    )


# ---------------------------------------------------------------------------------- disk full


def _enospc(path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_disk_full_while_writing_a_snapshot(project, server_unchanged, monkeypatch):
    """The runner (in this process) downloads a new version of 47013NED and cannot write it."""
    from veiligheidsanalyse.report.runner import RunOptions, run

    server = server_unchanged
    before = project.state()
    runs_before = project.run_ids()
    cached_version = server.table(TID).table_infos["Modified"]
    server.table(TID).set_modified("2027-01-01T02:00:00")
    real_write = snapshots_module._write_file

    hit = []

    def disk_full(path, data):
        if path.name == snapshots_module.DATA_FILE:
            hit.append(path)
            with open(path, "wb") as fh:  # what a full disk leaves: part of the file
                fh.write(data[: len(data) // 2])
            raise _enospc(path)
        real_write(path, data)

    monkeypatch.setattr(snapshots_module, "_write_file", disk_full)
    monkeypatch.setenv("VA_PROJECT_ROOT", str(project.root))
    result = run(project.config, RunOptions(endpoint=server.endpoint(retries=0, timeout=(5, 30)), progress=False))
    monkeypatch.undo()
    assert hit and hit[0].parent.parent.name == TID, "the new snapshot was never written"
    assert result.exit_code != 0
    assert "No space left on device" in result.message and "'latest' is niet bijgewerkt" in result.message
    assert project.run_ids() == runs_before
    assert not [p for p in (project.cache / TID).iterdir() if p.name.startswith(".tmp-")], "temporary folder left"
    project.assert_intact(before)
    server.table(TID).set_modified(cached_version)
    project.assert_next_run_succeeds(before)


def test_disk_full_snapshot_on_a_real_small_file_system(tmp_path):
    """A real ENOSPC: the cache on a 1 MB tmpfs, filled up before a new version is written."""
    from veiligheidsanalyse.sources.fetch import FetchRequest, fetch_tables

    fs = tmp_path / "fs"
    fs.mkdir()
    if not _mount_tmpfs(fs, "1m"):
        pytest.skip("mount -t tmpfs is not possible here; the injected ENOSPC tests cover this")
    try:
        cache = fs / "cache"
        request = FetchRequest(TID, regions=("GM1701", "NL01"))
        with FakeOdataServer([gemeente_table()], page_size=5) as server:
            assert fetch_tables([request], cache, server.endpoint()).ok
            before = tree_state(cache)
            ballast = _fill(fs, leave=0)
            server.table(TID).set_modified("2025-02-15T02:00:00")
            with pytest.raises(OSError) as err:
                fetch_tables([request], cache, server.endpoint())
            assert err.value.errno == errno.ENOSPC
            assert tree_state(cache) == before  # not even a hidden temporary folder
            ballast.unlink()
            report = fetch_tables([request], cache, server.endpoint())
            assert set(report.downloaded) == {TID} and len(list_snapshots(cache, TID)) == 2
    finally:
        _umount(fs)


@pytest.mark.parametrize("target", ["00_gebied.html", "index.html.tmp", "manifest.json.tmp"])
def test_disk_full_while_writing_the_report(project, server_unchanged, monkeypatch, target):
    """The runner (in this process) writes half of a page or the manifest, then the disk is full.
    (00_gebied.html: a reused chapter's page, which the runner renders itself.)"""
    from veiligheidsanalyse.report.runner import RunOptions, run

    before = project.state()
    runs_before = project.run_ids()
    real_write_text = pathlib.Path.write_text
    hit = []

    def write_text(self, text, *args, **kwargs):
        if self.name == target and project.reports in self.parents:
            hit.append(self)
            real_write_text(self, text[: len(text) // 2], *args, **kwargs)
            raise _enospc(self)
        return real_write_text(self, text, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    monkeypatch.setenv("VA_PROJECT_ROOT", str(project.root))
    result = run(
        project.config, RunOptions(endpoint=server_unchanged.endpoint(retries=0, timeout=(5, 30)), progress=False)
    )
    monkeypatch.undo()
    assert hit, f"the runner never wrote {target}"
    assert result.exit_code != 0 and "No space left on device" in result.message, result.message
    assert "'latest' is niet bijgewerkt" in result.message
    failed = project.new_run(runs_before)
    assert failed is not None and not (failed / "manifest.json").exists()
    project.assert_intact(before)
    project.assert_next_run_succeeds(before)


def _fill(folder: Path, leave: int) -> Path:
    """A ballast file that leaves about ``leave`` bytes free on the file system of ``folder``
    (``leave=0``: until the file system refuses more)."""
    ballast = folder / ".ballast"
    stat = os.statvfs(folder)
    remaining = max(0, stat.f_bavail * stat.f_frsize - leave) if leave else float("inf")
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        while remaining > 0:
            chunk = int(min(remaining, 1 << 16))
            os.write(fd, b"\0" * chunk)
            remaining -= chunk
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return ballast


def test_disk_full_while_a_whole_report_is_written(project):
    """A real ENOSPC in the workers and the runner: outputs/ on a tmpfs with 150 kB left."""
    if not project.tmpfs:
        pytest.skip("mount -t tmpfs is not possible here; the injected ENOSPC tests cover this")
    before = project.state()
    ballast = _fill(project.outputs, leave=150_000)
    try:
        result = project.run("--policy", "cache", "--force", via="cli")
    finally:
        ballast.unlink()
    # Where the space runs out differs from run to run (a notebook, a page, a findings file, the log):
    # the run fails; whether its message is clear is test_completely_full_disk_gives_a_clear_message.
    assert result.returncode != 0, result.stdout + result.stderr
    project.assert_intact(before, index_unchanged=False)  # the outputs page may list the run as incomplete
    project.assert_next_run_succeeds(before)


FULL_DISK: dict[str, subprocess.CompletedProcess] = {}


def test_completely_full_disk_keeps_everything_intact(project):
    """Not one byte free: the run cannot even record who holds the lock; nothing published changes."""
    if not project.tmpfs:
        pytest.skip("mount -t tmpfs is not possible here")
    before = project.state()
    runs_before = project.run_ids()
    ballast = _fill(project.outputs, leave=0)
    try:
        result = project.run("--policy", "cache", "--force", via="cli")
    finally:
        ballast.unlink()
    FULL_DISK["result"] = result
    assert result.returncode != 0
    assert project.run_ids() == runs_before
    project.assert_intact(before)
    project.assert_next_run_succeeds(before)


def test_completely_full_disk_gives_a_clear_message(project):
    if "result" not in FULL_DISK:
        pytest.skip("needs test_completely_full_disk_keeps_everything_intact first")
    result = FULL_DISK["result"]
    assert "Traceback" not in result.stderr, result.stderr
    assert "No space left on device" in result.stderr


def test_demo_data_and_partner_files_were_never_touched(project):
    """Through every kill and full disk above: the inputs of the runs are byte-for-byte the same."""
    assert _sources_state() == project.sources_before
