"""Scheduled use: exit codes, one run at a time, nothing half-published, logs, retention, the outputs
index, and the documented cron / systemd / Airflow examples."""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import make_project_copy, process_alive, wait_until
from veiligheidsanalyse.paths import intern_dir, work_root
from veiligheidsanalyse.report.outputs_index import write_outputs_index
from veiligheidsanalyse.report.pool import descendants
from veiligheidsanalyse.report.retention import prune_runs

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("meppel", "midden-drenthe", "westerveld", "zuidwest-drenthe")


# ------------------------------------------------------------------------------------ retention, index


def _fake_run(folder: Path, run_id: str, ok: bool = True, naam: str = "Westerveld", demo: bool = True) -> Path:
    run = folder / run_id
    run.mkdir(parents=True)
    (run / "index.html").write_text("<html></html>", encoding="utf-8")
    manifest = {
        "run_id": run_id,
        "gemeente_naam": naam,
        "started_at": f"2026-11-{run_id[6:8]}T06:15:00+00:00",
        "exit_status": 0 if ok else 1,
        "data": {"demo": demo},
    }
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run


def test_retention_keeps_the_newest_and_whatever_latest_points_at(tmp_path: Path):
    folder = tmp_path / "westerveld"
    ids = [f"202611{d:02d}T061500Z-00{d:02d}" for d in range(1, 7)]
    for i, run_id in enumerate(ids):
        _fake_run(folder, run_id, ok=i == 1)
    os.symlink(ids[1], folder / "latest")  # the last good report is old: newer runs failed
    young = folder / "20261130T061500Z-dead"  # a run without manifest: maybe still being written
    young.mkdir()
    old = folder / "20261001T061500Z-dead"  # a crashed run long ago
    old.mkdir()
    os.utime(old, (time.time() - 3 * 86400,) * 2)
    deleted = prune_runs(folder, keep=2)
    left = sorted(p.name for p in folder.iterdir() if p.name != "latest")
    assert left == sorted([ids[1], ids[4], ids[5], young.name])
    assert set(deleted) == {ids[0], ids[2], ids[3], old.name}
    assert (folder / "latest").resolve().name == ids[1]


def test_outputs_index_lists_regions_and_gemeenten(tmp_path: Path):
    for d in (1, 2):
        _fake_run(tmp_path / "westerveld", f"202611{d:02d}T061500Z-000{d}", ok=d == 1)
    os.symlink("20261101T061500Z-0001", tmp_path / "westerveld" / "latest")
    run = _fake_run(tmp_path / "zuidwest-drenthe", "20261102T061500Z-0002", naam="Zuidwest-Drenthe")
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(soort="regio", regio={"naam": "Zuidwest-Drenthe"})
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "logs").mkdir()
    page = write_outputs_index(tmp_path).read_text(encoding="utf-8")
    assert page.index("Regio's") < page.index("Zuidwest-Drenthe") < page.index("Gemeenten") < page.index("Westerveld")
    assert 'href="westerveld/20261101T061500Z-0001/index.html">1 november 2026' in page
    assert "onvolledig" in page and "demodata" in page and "nog geen volledig rapport" in page
    for link in re.findall(r'href="([^"#:]+)"', page):
        assert (tmp_path / link).exists(), link
    assert 'lang="nl"' in page and "http" not in page.replace("http-equiv", "")


# ------------------------------------------------------------------------------------ documented examples


def test_cron_line_runs_a_shipped_config_strictly():
    lines = [
        line
        for line in (ROOT / "docs" / "scheduling" / "crontab").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    minute, hour, dom, month, dow, command = fields
    assert re.fullmatch(r"\d+", minute) and re.fullmatch(r"\d+", hour) and dom == month == "*"
    assert re.fullmatch(r"[0-7](-[0-7])?", dow)
    config = re.search(r"veiligheidsanalyse run (config/\S+\.yaml)", command).group(1)
    assert (ROOT / config).exists() and "--require-fresh" in command


def test_systemd_units_parse_and_run_the_config_of_the_instance():
    service = configparser.ConfigParser(interpolation=None, strict=True)
    service.optionxform = str
    service.read(ROOT / "docs" / "scheduling" / "veiligheidsanalyse@.service", encoding="utf-8")
    exec_start = service["Service"]["ExecStart"]
    assert "veiligheidsanalyse run config/%i.yaml" in exec_start and "--require-fresh" in exec_start
    assert service["Service"]["Type"] == "oneshot" and service["Service"]["SuccessExitStatus"] == "4"
    timer = configparser.ConfigParser(interpolation=None, strict=True)
    timer.optionxform = str
    timer.read(ROOT / "docs" / "scheduling" / "veiligheidsanalyse@.timer", encoding="utf-8")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and (getattr(n.func, "id", None) == name or getattr(n.func, "attr", None) == name)
    ]


def test_airflow_dag_parses_and_passes_the_notebooks_parameters():
    """Airflow is not installed here: parse the DAG file and check the operator calls' arguments."""
    source = (ROOT / "docs" / "scheduling" / "airflow_dag.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    constants = {
        t.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name) and isinstance(node.value, ast.Constant)
    }
    imports = {a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for a in node.names}
    assert "PapermillOperator" in imports and "DAG" in imports

    dag = _calls(tree, "DAG")
    assert len(dag) == 1
    dag_kw = {k.arg: k.value for k in dag[0].keywords}
    assert ast.literal_eval(dag_kw["max_active_runs"]) == 1 and ast.literal_eval(dag_kw["catchup"]) is False

    (papermill,) = _calls(tree, "PapermillOperator")
    kw = {k.arg: k.value for k in papermill.keywords}
    assert {"task_id", "input_nb", "output_nb", "parameters", "kernel_name"} <= set(kw)
    assert ast.literal_eval(kw["kernel_name"]) == "veiligheidsanalyse"
    notebook = ROOT / constants["NOTEBOOK"]
    assert notebook.exists() and "NOTEBOOK" in ast.unparse(kw["input_nb"])
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    declared = {t.id for node in ast.parse("".join(cell["source"])).body for t in node.targets}
    passed = {ast.literal_eval(k) for k in kw["parameters"].keys}
    assert passed == declared  # gemeente, config, run_dir, store: nothing missing, nothing unknown
    assert (ROOT / constants["CONFIG"]).exists()
    assert constants["LATEST_STORE"].endswith(".intern/westerveld/latest/data")

    (bash,) = _calls(tree, "BashOperator")
    bash_kw = {k.arg: k.value for k in bash.keywords}
    assert "--require-fresh" in ast.unparse(bash_kw["bash_command"])
    assert ast.literal_eval(bash_kw["skip_on_exit_code"]) == 4
    assert compile(source, "airflow_dag.py", "exec")


def test_scheduling_doc_names_every_exit_status():
    doc = (ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")
    for code in range(5):
        assert re.search(rf"^\| {code} \|", doc, flags=re.M), code
    for example in ("crontab", "veiligheidsanalyse@.service", "veiligheidsanalyse@.timer", "airflow_dag.py"):
        assert f"scheduling/{example}" in doc


# ------------------------------------------------------------------------------------ exit codes


def _cli(*args: str, cwd: Path, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "veiligheidsanalyse.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_exit_2_for_config_or_chapter_mistakes(tmp_path: Path, demo_config: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gemeente: GM1701\nuitvoering: {bewaar_runs: 0}\n", encoding="utf-8")
    result = _cli("run", str(bad), cwd=ROOT)
    assert result.returncode == 2 and "uitvoering.bewaar_runs" in result.stderr
    result = _cli("run", str(demo_config), "--hoofdstuk", "42_bestaat_niet", "--quiet", cwd=ROOT)
    assert result.returncode == 2 and "42_bestaat_niet" in result.stderr


def test_exit_3_when_the_policy_cannot_be_met(tmp_path: Path, demo_config: Path):
    data = yaml.safe_load(demo_config.read_text(encoding="utf-8"))
    data["data"]["cache"] = str(tmp_path / "leeg")  # nothing fetched yet
    demo_config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with socket.socket() as sock:  # a port nothing listens on: every request is refused
        sock.bind(("127.0.0.1", 0))
        offline = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = _cli("run", str(demo_config), "--require-fresh", "--odata-url", offline, "--quiet", cwd=ROOT)
    assert result.returncode == 3 and "niet beschikbaar" in result.stderr
    assert "47013NED" in result.stderr and "03759ned" in result.stderr  # every table, and why
    assert "niet bereikbaar" in result.stderr
    outputs = Path(data["uitvoer"])
    assert not any(p.is_dir() and not p.name.startswith(".") and p.name != "logs" for p in outputs.iterdir())
    log = next((work_root(outputs) / "logs").glob("*/*/runner.log")).read_text(encoding="utf-8")
    assert "niet beschikbaar" in log or "unavailable" in log


# ------------------------------------------------------------------------------------ runs of a region


@pytest.fixture(scope="module")
def region_first_run(tmp_path_factory) -> Path:
    """A project with chapter 00 and the regional notebook; config/zuidwest-drenthe.yaml on demo data,
    keeping 2 runs; one complete first run. Only read: a test that runs again takes a copy."""
    project = make_project_copy(tmp_path_factory.mktemp("planning"), chapters=["00_gebied"])
    (project / "notebooks" / "regio").mkdir()
    (project / "notebooks" / "regio" / "regio.ipynb").write_bytes(
        (ROOT / "notebooks" / "regio" / "regio.ipynb").read_bytes()
    )
    config = project / "config" / "zuidwest-drenthe.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["uitvoering"]["bewaar_runs"] = 2
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = dict(os.environ, VA_PROJECT_ROOT=str(project))
    first = _cli("run", str(config), "--quiet", cwd=project, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    return project


@pytest.fixture
def region_project(region_first_run: Path, tmp_path: Path) -> tuple[Path, Path, dict]:
    """A copy of the project after its first run, for a test that runs again or changes a notebook (so the
    order of the tests does not matter)."""
    project = tmp_path / "project"
    shutil.copytree(region_first_run, project, symlinks=True)
    return project, project / "config" / "zuidwest-drenthe.yaml", dict(os.environ, VA_PROJECT_ROOT=str(project))


def _latest(project: Path) -> dict[str, str]:
    return {t: os.readlink(project / "outputs" / t / "latest") for t in TARGETS}


@pytest.mark.e2e
def test_logs_of_the_runner_and_per_run(region_first_run):
    project = region_first_run
    logs = sorted((project / "outputs" / "logs" / "zuidwest-drenthe").glob("*/runner.log"))
    assert logs
    text = logs[-1].read_text(encoding="utf-8")
    assert "gepubliceerd" in text and "exit-status 0" in text
    for target in TARGETS:
        run = (project / "outputs" / target / "latest").resolve()
        assert (intern_dir(run) / "logs" / "runner.log").read_text(encoding="utf-8").count("exit-status") == 1


@pytest.mark.e2e
def test_concurrent_second_run_is_refused(region_project):
    project, config, env = region_project
    first = subprocess.Popen(
        [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet", "--force"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = project / "outputs" / ".locks" / "zuidwest-drenthe.lock"
    try:
        wait_until(
            lambda: lock.exists() and str(first.pid) in lock.read_text(encoding="utf-8"),
            120,
            "the first run to take the lock",
        )
        second = _cli("run", str(config), "--quiet", cwd=project, env=env)
        assert second.returncode == 4, second.stderr
        assert f"proces {first.pid}" in second.stderr and "niet gestart" in second.stderr
        assert first.poll() is None  # refused at once, not after waiting for the first run to end
    finally:
        out, err = first.communicate(timeout=900)
    assert first.returncode == 0, out + err


@pytest.mark.e2e
def test_failing_chapter_keeps_that_reports_latest(region_project):
    project, config, env = region_project
    before = _latest(project)
    nb_path = project / "notebooks" / "00_gebied.ipynb"
    original = nb_path.read_text(encoding="utf-8")
    nb = json.loads(original)
    nb["cells"].insert(
        3,
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "id": "kapot",
            "source": "if gemeente == 'GM1731':\n    raise RuntimeError('kapot in Midden-Drenthe')",
        },
    )
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    try:
        result = _cli("run", str(config), "--quiet", cwd=project, env=env)
    finally:
        nb_path.write_text(original, encoding="utf-8")
    assert result.returncode == 1
    assert "midden-drenthe/00_gebied" in result.stderr and "latest" in result.stderr
    after = _latest(project)
    assert after["midden-drenthe"] == before["midden-drenthe"]  # the last good report stays published
    for target in ("meppel", "westerveld", "zuidwest-drenthe"):  # complete reports of this run are published
        assert after[target] != before[target]
    failed = project / "outputs" / "midden-drenthe" / after["meppel"]
    manifest = json.loads((failed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_status"] == 1 and manifest["chapters"]["00_gebied"]["status"] == "failed"
    page = (failed / "00_gebied.html").read_text(encoding="utf-8")
    assert "gestopt door een fout" in page and "kapot in Midden-Drenthe" not in page  # the exception stays in the log


@pytest.mark.e2e
def test_run_killed_half_way_leaves_every_latest_as_it_was(region_project):
    project, config, env = region_project
    before = _latest(project)
    overview = (project / "outputs" / "index.html").read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet", "--force"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def finished_chapters() -> bool | list[Path]:  # results of this run's chapters (True: the run ended)
        return proc.poll() is not None or [
            p
            for t in TARGETS
            for p in (project / "outputs" / ".intern" / t).glob("*/jobs/*.result.json")
            if p.parents[1].name not in before.values()
        ]

    done = wait_until(finished_chapters, 300, "chapters of the second run to finish")
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGSTOP)  # frozen, so that it starts nothing new while its workers are listed
    workers = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner is killed (its workers live in sessions of their own)
    proc.wait()
    dead = {project / "outputs" / p.parents[2].name / p.parents[1].name for p in done}  # the run folders
    pages = {p for run in dead for p in run.glob("*.html")}
    # the workers notice their runner is gone, kill their kernels and stop
    wait_until(lambda: not any(process_alive(pid) for pid in workers), 120, "the killed runner's workers to stop")
    assert {p for run in dead for p in run.glob("*.html")} == pages  # nothing written into the dead run
    assert _latest(project) == before
    assert (project / "outputs" / "index.html").read_bytes() == overview
    # The next scheduled run is not blocked by the dead one and publishes normally.
    again = _cli("run", str(config), "--quiet", cwd=project, env=env)
    assert again.returncode == 0, again.stderr
    assert all(v != before[k] for k, v in _latest(project).items())


@pytest.mark.e2e
def test_retention_after_several_runs(region_project):
    project, config, env = region_project
    for _ in range(2):  # three runs in all; nothing changed: quick runs
        result = _cli("run", str(config), "--quiet", cwd=project, env=env)
        assert result.returncode == 0, result.stderr
    for target in TARGETS:
        folder = project / "outputs" / target
        complete = [p for p in folder.iterdir() if (p / "manifest.json").exists() and not p.is_symlink()]
        assert len(complete) == 2, (target, complete)  # bewaar_runs: 2 (latest is the newest)
        assert (folder / "latest").resolve() in complete
    logs = list((project / "outputs" / "logs" / "zuidwest-drenthe").iterdir())
    assert len(logs) == 2
