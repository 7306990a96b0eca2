"""The execution seam: one setting chooses the executor, and both executors make the same pages.

``snel`` forks workers and kernels; ``eenvoudig`` runs papermill per chapter in a process pool with
public APIs only. The pages they make differ only in the run's id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from veiligheidsanalyse.report.execute import ExecutionSettings
from veiligheidsanalyse.report.export import Banner, ChapterLink
from veiligheidsanalyse.report.jobs import ChapterJob, ChapterResult, PageShell

ROOT = Path(__file__).resolve().parents[1]


def test_the_config_key_names_one_of_the_two_executors(tmp_path):
    from veiligheidsanalyse.config import ConfigError, load_config

    text = (ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8")
    assert load_config(ROOT / "config" / "westerveld.yaml").uitvoerder == "snel"  # the default
    for value in ("eenvoudig", "vlug"):
        path = tmp_path / f"{value}.yaml"
        path.write_text(text.replace("uitvoering:\n", f"uitvoering:\n  uitvoerder: {value}\n", 1), encoding="utf-8")
        if value == "vlug":
            with pytest.raises(ConfigError, match="uitvoering.uitvoerder: verwacht snel .* of eenvoudig .*'vlug'"):
                load_config(path)
        else:
            assert load_config(path).uitvoerder == "eenvoudig"


def test_the_executor_is_the_flag_s_else_the_config_s():
    assert ExecutionSettings.decide("snel", environ={}).uitvoerder == "snel"
    assert ExecutionSettings.decide("snel", "eenvoudig", environ={}).uitvoerder == "eenvoudig"
    assert ExecutionSettings.decide("eenvoudig", None, environ={}).uitvoerder == "eenvoudig"
    with pytest.raises(ValueError, match="onbekende uitvoerder 'vlug'"):
        ExecutionSettings.decide("vlug", environ={})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is a Linux-only speed-up")
def test_the_environment_switches_the_fast_executor_s_tricks_off_one_by_one():
    fast = ExecutionSettings.decide("snel", environ={})
    assert fast.fork_kernels and fast.fork_workers and fast.warm_kernels
    assert fast.default_workers() == (os.cpu_count() or 1) + 1
    assert not ExecutionSettings.decide("snel", environ={"VA_FORK_KERNELS": "0"}).fork_kernels
    assert not ExecutionSettings.decide("snel", environ={"VA_FORK_WORKERS": "0"}).fork_workers
    assert not ExecutionSettings.decide("snel", environ={"VA_WARM_KERNELS": "0"}).warm_kernels
    plain = ExecutionSettings.decide("eenvoudig", environ={})
    assert not (plain.fork_kernels or plain.fork_workers or plain.warm_kernels)
    assert plain.default_workers() == (os.cpu_count() or 1)


def test_jobs_and_results_come_back_from_json_as_they_were(tmp_path):
    shell = PageShell(
        chapters=(ChapterLink("00_gebied", "00_gebied.html", "Gebied", "Het gebied"),),
        gemeente_naam="Westerveld",
        periode="2015–2024",
        run_date="01-02-2025",
        data_label="demo",
        data_kind="demo",
        run_id="20250201T000000Z-abcd",
        version="0.1.0",
        git="",
        banners=(Banner("demo", "Demodata", "Niet echt."),),
        source_status={"47013NED": {"status": "demo"}},
        default_sources=("CBS",),
        method_file="99_methode.html",
    )
    paths = {
        name: tmp_path / name
        for name in (
            "input_notebook",
            "output_notebook",
            "output_html",
            "body_file",
            "findings_file",
            "log_file",
            "job_file",
            "result_file",
            "cwd",
        )
    }
    job = ChapterJob(
        report="westerveld",
        chapter="00_gebied",
        title="Het gebied",
        kernel_name="k",
        kernel_python=sys.executable,
        parameters={"gemeente": "GM1701"},
        cell_timeout=600,
        timeout=660,
        expected_seconds=3.5,
        key="a",
        static_key="b",
        page=shell,
        source_labels={"47013NED": "CBS"},
        **paths,
    )
    assert ChapterJob.from_json(job.to_json()) == job
    result = ChapterResult(
        chapter="00_gebied",
        status="ok",
        seconds=1.5,
        timeline_seconds=(0.1, 1.6),
        modules={"chapters/gebied.py": "ff"},
        kernel_max_rss_kb=1000,
    )
    assert ChapterResult.from_json(result.to_json()) == result
    assert json.loads(result.to_json())["timeline_seconds"] == [0.1, 1.6]


@pytest.mark.e2e
def test_both_executors_make_the_same_pages(tmp_path):
    """The demo, one gemeente, two chapters (one with figures): the pages of both executors are the
    same byte for byte but for the run's id; so are the bodies and the findings."""
    from conftest import make_project_copy

    chapters = ["00_gebied", "04_jeugd"]
    outputs = {}
    for uitvoerder in ("snel", "eenvoudig"):
        root = make_project_copy(tmp_path / uitvoerder, chapters=chapters)
        env = dict(os.environ, VA_PROJECT_ROOT=str(root))
        flags = [f"--hoofdstuk={ch}" for ch in chapters]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "veiligheidsanalyse.cli",
                "run",
                "config/westerveld.yaml",
                "--quiet",
                "--policy",
                "demo",
                "--uitvoerder",
                uitvoerder,
                *flags,
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        run_dir = next((root / "outputs" / "westerveld").glob("2*"))
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["performance"]["uitvoerder"] == uitvoerder
        intern = next((root / "outputs" / ".intern" / "westerveld").glob("2*"))
        files = {
            f"{ch}.html": (run_dir / f"{ch}.html").read_bytes().replace(run_dir.name.encode(), b"RUN")
            for ch in chapters
        }
        files.update({f"bodies/{p.name}": p.read_bytes() for p in (intern / "bodies").glob("*.html")})
        files.update({f"findings/{p.name}": p.read_bytes() for p in (intern / "findings").glob("*.json")})
        outputs[uitvoerder] = files
    assert sorted(outputs["snel"]) == sorted(outputs["eenvoudig"]) and len(outputs["snel"]) == 3 * len(chapters)
    assert b"<img" in outputs["snel"]["04_jeugd.html"]
    different = [name for name in outputs["snel"] if outputs["snel"][name] != outputs["eenvoudig"][name]]
    assert not different, f"the executors made different pages: {different}"


PACKAGE = ROOT / "lib" / "veiligheidsanalyse"
EXECUTION_MODULES = (
    "runner",
    "plan",
    "execute",
    "jobs",
    "pages",
    "publish",
    "runlog",
    "pool",
    "worker",
    "forkserver",
    "processes",
)


def test_the_forking_switches_are_read_in_one_place():
    readers = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        for name in ("VA_FORK_KERNELS", "VA_FORK_WORKERS", "VA_WARM_KERNELS")
        if f'"{name}"' in p.read_text(encoding="utf-8")
    )
    assert set(readers) == {"report/execute.py"}, readers


def test_the_runner_orchestrates_in_short_functions():
    import ast

    assert len((PACKAGE / "report" / "runner.py").read_text(encoding="utf-8").splitlines()) < 300
    long = []
    for name in EXECUTION_MODULES:
        path = PACKAGE / "report" / f"{name}.py"
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                body_start = node.body[0].end_lineno if ast.get_docstring(node) else node.lineno
                if not lines[body_start].strip().startswith("# Long:"):
                    long.append(f"{path.name}: {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, "functions over 60 lines without a '# Long:' reason: " + ", ".join(long)
