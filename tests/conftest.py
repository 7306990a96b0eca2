"""Shared fixtures: the project folder, a demo-data config, the real extracts in ../shared (if present)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def shared_real_data() -> Path | None:
    """Real CBS/politie extracts used as known answers; test material outside the repository."""
    env = os.environ.get("VA_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "data" / "real")
    for path in candidates:
        if path.is_dir():
            return path
    return None


@pytest.fixture(scope="session", autouse=True)
def work_dir(tmp_path_factory) -> Path:
    """Runs into a temporary output folder (outside the project) keep their internal material in the
    project's work folder; during the tests that is a temporary one (inherited by subprocesses)."""
    from veiligheidsanalyse.paths import WORK_DIR_ENV

    path = tmp_path_factory.mktemp("werkmap")
    os.environ[WORK_DIR_ENV] = str(path)
    # Boundaries (wijk- en buurtkaart) never from the internet in tests: a closed local port unless a
    # test starts its own fake PDOK server (tests/test_boundaries_source.py). Forced, not a default: a
    # VA_PDOK_URL exported by a developer must not send the tests to the real PDOK or a mirror.
    os.environ["VA_PDOK_URL"] = "http://127.0.0.1:9"
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
    from veiligheidsanalyse.store.build import prepare_run_data
    from veiligheidsanalyse.report.runner import RunOptions

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
    result = subprocess.run([sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet"],
                            cwd=root, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    latest = tmp / "outputs" / "westerveld" / "latest"
    assert latest.is_symlink()
    return latest.resolve()


# ------------------------------------------------------------------------------------------
# Fault-injection suite (``make faults`` = ``pytest -m fault``): which tests inject which kind
# of fault, and one summary line with how many of each kind were tried and held.
#
# New fault tests carry ``pytest.mark.fault("<kind>")`` themselves (tests/test_faults_*.py).
# Older tests that already inject faults are marked here by file and name, so they count too.

FAULT_KINDS = {  # kind -> (singular, plural) for the summary line
    "bad input": ("bad input", "bad inputs"),
    "network": ("network fault", "network faults"),
    "process": ("process fault", "process faults"),
    "concurrency": ("concurrency", "concurrency"),
    "disclosure": ("disclosure", "disclosure"),
}

# (file name, test function name prefix) -> kind; the first match wins.
_EXISTING_FAULT_TESTS = [
    ("test_inputs_malformed.py", "test_malformed_input_gives_clear_error", "bad input"),
    ("test_inputs_malformed.py", "test_every_problem_is_listed_at_once", "bad input"),
    ("test_inputs_malformed.py", "test_missing_folder_is_one_clear_error", "bad input"),
    ("test_config.py", "test_invalid_values_name_the_key", "bad input"),
    ("test_config.py", "test_yaml_syntax_error_names_line", "bad input"),
    ("test_config.py", "test_missing_file", "bad input"),
    ("test_config.py", "test_cli_exits_2_naming_the_key_without_traceback", "bad input"),
    ("test_runner_inputs.py", "test_invalid_partner_file_stops_before_any_kernel", "bad input"),
    # a process killed mid-download and a full disk / an interrupt while writing: process faults
    ("test_fetch_faults.py", "test_process_killed_mid_download", "process"),
    ("test_fetch_faults.py", "test_exception_while_writing_leaves_cache_unchanged", "process"),
    ("test_fetch_faults.py", "test_exception_during_download_leaves_cache_unchanged", "process"),
    ("test_fetch_faults.py", "test_", "network"),
    ("test_odata_faults.py", "test_", "network"),
    ("test_fetch_policy.py", "test_fresh_offline", "network"),
    ("test_fetch_policy.py", "test_fresh_server_error_on_one_table", "network"),
    ("test_fetch_policy.py", "test_fresh_schema_change_falls_back", "network"),
    ("test_fetch_policy.py", "test_require_fresh_offline_raises_even_with_a_cache", "network"),
    ("test_lock.py", "test_", "concurrency"),  # the lock itself: exclusive, never stale, exit 4
]

_FAULT_KIND_BY_NODEID = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    kinds: dict[str, str | None] = {}
    for item in items:
        marker = item.get_closest_marker("fault")
        if marker is None:
            path = Path(str(item.fspath)).name
            name = getattr(item, "originalname", None) or item.name
            for file_name, prefix, kind in _EXISTING_FAULT_TESTS:
                if path == file_name and name.startswith(prefix):
                    item.add_marker(pytest.mark.fault(kind))
                    marker = item.get_closest_marker("fault")
                    break
        if marker is not None:
            kinds[item.nodeid] = marker.args[0] if marker.args else None
    config.stash[_FAULT_KIND_BY_NODEID] = kinds


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """``fault injection: 84 bad inputs, 31 network faults, ... — all held`` (tests that ran, by kind)."""
    kinds = config.stash.get(_FAULT_KIND_BY_NODEID, {})
    if not kinds:
        return
    outcome: dict[str, str] = {}  # nodeid -> passed | failed | xfailed | skipped (the worst phase wins)
    rank = {"passed": 0, "skipped": 1, "xfailed": 2, "failed": 3}
    for key, reports in terminalreporter.stats.items():
        state = {"passed": "passed", "failed": "failed", "error": "failed", "xpassed": "failed",
                 "xfailed": "xfailed", "skipped": "skipped"}.get(key)
        if state is None:
            continue
        for report in reports:
            nodeid = getattr(report, "nodeid", None)
            if nodeid not in kinds:
                continue
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
    terminalreporter.write_line(f"fault injection: {', '.join(parts)} — {verdict}",
                                red=bool(problems), yellow=bool(gaps) and not problems,
                                green=not problems and not gaps)
