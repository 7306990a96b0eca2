"""Shared fixtures: the project folder, a demo-data config, the real extracts in ../shared (if present)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CLOSED_PORT = "http://127.0.0.1:9"  # the discard port: nothing listens there, a connection is refused


def shared_real_data() -> Path | None:
    """Real CBS/politie extracts used as known answers; test material outside the repository."""
    env = os.environ.get("VA_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "data" / "real")
    for path in candidates:
        if path.is_dir():
            return path
    return None


def wait_until(condition, timeout: float, what: str):
    """Poll ``condition()`` until it is true and return its value; fail naming ``what`` after ``timeout``
    seconds. The timeout only bounds a test that would otherwise hang: nothing is asserted about time."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what}")
        time.sleep(0.01)
    return value


def process_alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def work_dir(tmp_path_factory) -> Path:
    """Runs into a temporary output folder (outside the project) keep their internal material in the
    project's work folder; during the tests that is a temporary one (inherited by subprocesses)."""
    from veiligheidsanalyse.paths import WORK_DIR_ENV

    path = tmp_path_factory.mktemp("werkmap")
    os.environ[WORK_DIR_ENV] = str(path)
    # Tables and boundaries never from the internet in tests: a closed local port unless a test starts
    # its own fake CBS/politie or PDOK server and points there (tests/fake_odata.py, tests/fake_pdok.py).
    # Forced, not a default: a VA_ODATA_URL or VA_PDOK_URL exported by a developer must not send the
    # tests to the real hosts or a mirror.
    os.environ["VA_ODATA_URL"] = CLOSED_PORT
    os.environ["VA_PDOK_URL"] = CLOSED_PORT
    return path


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    """The Westerveld config with the demo data policy, written to a temporary file."""
    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["data"]["demo"] = str(ROOT / "data" / "demo")
    data["uitvoer"] = str(tmp_path / "outputs")
    if data.get("invoer", {}).get("map"):
        data["invoer"]["map"] = str(ROOT / data["invoer"]["map"])
    path = tmp_path / "westerveld-demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_project_copy(tmp_path: Path, chapters: list[str] | None = None) -> Path:
    """A throw-away project folder (notebooks, config, demo data) for runs that change notebooks."""
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if chapters is None or nb.stem in chapters:
            shutil.copy(nb, project / "notebooks" / nb.name)
    shutil.copytree(ROOT / "config", project / "config")
    (project / "data").mkdir()
    os.symlink(ROOT / "data" / "demo", project / "data" / "demo")
    if (ROOT / "data" / "inputs").exists():
        os.symlink(ROOT / "data" / "inputs", project / "data" / "inputs")
    return project


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """The observation store of a Westerveld run on the demo data (with the example partner inputs)."""
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.report.runner import RunOptions
    from veiligheidsanalyse.store.build import prepare_run_data

    folder = tmp_path_factory.mktemp("store") / "data"
    config = load_config(ROOT / "config" / "westerveld.yaml")
    prepare_run_data(config, ROOT, RunOptions(policy="demo"), work_dir=folder)
    return folder


@pytest.fixture(scope="session")
def demo_dataset(demo_store: Path):
    """Dataset (observations + comparison set) of the Westerveld demo store, with the report's family of
    tests as a chapter gets it (verdicts corrected for every test of the report)."""
    from veiligheidsanalyse.chapters import family
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.dataset import load

    dataset = load(demo_store, load_config(ROOT / "config" / "westerveld.yaml"))
    family.use(dataset)
    return dataset


def dataset_for(store: Path, gemeente: str):
    """The same store seen from another gemeente of the comparison set (e.g. GM1690 De Wolden)."""
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.dataset import load

    return load(store, load_config(ROOT / "config" / "westerveld.yaml", gemeente=gemeente))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, root: Path) -> Path:
    """One full report on the demo data, built once per session and shared by the tests that only read it
    (end to end, HTML pages, browser). Returns the run folder (what ``latest`` points at)."""
    tmp = tmp_path_factory.mktemp("e2e")
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["uitvoer"] = str(tmp / "outputs")
    config = tmp / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    latest = tmp / "outputs" / "westerveld" / "latest"
    assert latest.is_symlink()
    return latest.resolve()


# ------------------------------------------------------------------------------------------
# Fault-injection suite (``make faults`` = ``pytest -m fault``): which tests inject which kind
# of fault, and one summary line with how many of each kind were tried and held.
#
# Each fault test declares its kind with ``pytest.mark.fault("<kind>")`` (on the test, or as the
# module's ``pytestmark``; the closest marker counts); the kinds are those below.

FAULT_KINDS = {  # kind -> (singular, plural) for the summary line
    "bad input": ("bad input", "bad inputs"),
    "network": ("network fault", "network faults"),
    "process": ("process fault", "process faults"),
    "concurrency": ("concurrency", "concurrency"),
    "disclosure": ("disclosure", "disclosure"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        note_fault_kind(item)


def note_fault_kind(item) -> None:
    """A fault test's reports carry its kind (also from xdist workers); an unlisted kind is a mistake."""
    marker = item.get_closest_marker("fault")
    if marker is None:
        return
    kind = marker.args[0] if marker.args else None
    if kind not in FAULT_KINDS:
        raise pytest.UsageError(f"{item.nodeid}: fault kind {kind!r} is none of {sorted(FAULT_KINDS)}")
    item.user_properties.append(("fault", kind))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """``fault injection: 84 bad inputs, 31 network faults, ... — all held`` (tests that ran, by kind)."""
    kinds: dict[str, str] = {}  # nodeid -> fault kind, from the reports of the fault tests that ran
    outcome: dict[str, str] = {}  # nodeid -> passed | failed | xfailed | skipped (the worst phase wins)
    rank = {"passed": 0, "skipped": 1, "xfailed": 2, "failed": 3}
    for key, reports in terminalreporter.stats.items():
        state = {
            "passed": "passed",
            "failed": "failed",
            "error": "failed",
            "xpassed": "failed",
            "xfailed": "xfailed",
            "skipped": "skipped",
        }.get(key)
        if state is None:
            continue
        for report in reports:
            kind = dict(getattr(report, "user_properties", ())).get("fault")
            if kind is None:
                continue
            nodeid = report.nodeid
            kinds[nodeid] = kind
            if key == "passed" and getattr(report, "when", "call") != "call":
                continue
            if nodeid not in outcome or rank[state] > rank[outcome[nodeid]]:
                outcome[nodeid] = state
    if not outcome:
        return
    parts, problems, gaps, skipped = [], 0, 0, 0
    for kind, (one, many) in FAULT_KINDS.items():
        states = [s for nid, s in outcome.items() if kinds.get(nid) == kind]
        if not states:
            continue
        held = states.count("passed")
        failed = states.count("failed")
        xfailed = states.count("xfailed")
        skip = states.count("skipped")
        text = f"{held} {one if held == 1 else many}"
        extra = []
        if failed:
            extra.append(f"{failed} FAILED")
        if xfailed:
            extra.append(f"{xfailed} known gap{'s' if xfailed != 1 else ''}, xfail")
        if skip:
            extra.append(f"{skip} skipped")
        if extra:
            text += " (and " + ", ".join(extra) + ")" if not failed else " (" + ", ".join(extra) + ")"
        parts.append(text)
        problems += failed
        gaps += xfailed
        skipped += skip
    if problems:
        verdict = f"{problems} DID NOT HOLD"
    elif gaps:
        verdict = f"all held except {gaps} known gap{'s' if gaps != 1 else ''} (xfail, see docs/betrouwbaarheid.md)"
    else:
        verdict = "all held"
    terminalreporter.write_line(
        f"fault injection: {', '.join(parts)} — {verdict}",
        red=bool(problems),
        yellow=bool(gaps) and not problems,
        green=not problems and not gaps,
    )
