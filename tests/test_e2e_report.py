"""End to end on the demo snapshot: every chapter runs, the pages have no code and no error, the
demo banner is on every page; a failing chapter leaves 'latest' alone and exits non-zero."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import make_project_copy
from veiligheidsanalyse.paths import intern_dir

pytestmark = pytest.mark.e2e


def chapters(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_every_chapter_has_a_page(demo_run: Path, root: Path):
    assert (demo_run / "index.html").exists()
    for chapter in chapters(root):
        assert (demo_run / f"{chapter}.html").exists(), chapter
        assert (intern_dir(demo_run) / "notebooks" / f"{chapter}.ipynb").exists(), chapter
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_status"] == 0
    assert set(manifest["chapters"]) == set(chapters(root))
    assert all(c["status"] == "ok" for c in manifest["chapters"].values())
    assert manifest["data"]["demo"] is True
    assert {s["origin"] for s in manifest["data"]["snapshots"].values()} == {"demo"}


def test_pages_show_no_code_no_errors_and_the_demo_banner(demo_run: Path, root: Path):
    for page in ["index"] + chapters(root):
        html = (demo_run / f"{page}.html").read_text(encoding="utf-8")
        assert 'class="va-banner va-banner-demo"' in html, page
        assert "jp-InputArea" not in html and "jp-InputPrompt" not in html, page
        assert "import veiligheidsanalyse" not in html and "open_chapter(" not in html, page
        assert "papermill-error" not in html and "Traceback" not in html, page
        assert 'lang="nl"' in html
        # self-contained: no scripts or stylesheets from elsewhere
        assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html), page


def test_every_chapter_is_linked_from_the_index(demo_run: Path, root: Path):
    html = (demo_run / "index.html").read_text(encoding="utf-8")
    for chapter in chapters(root):
        assert f'href="{chapter}.html"' in html, chapter


def test_executed_notebook_records_the_project_kernel(demo_run: Path):
    nb = json.loads((intern_dir(demo_run) / "notebooks" / "00_gebied.ipynb").read_text(encoding="utf-8"))
    kernel = nb["metadata"]["veiligheidsanalyse"]["kernel"]
    assert kernel["name"] == "veiligheidsanalyse"
    assert Path(kernel["argv0"]).resolve() == Path(sys.executable).resolve()


def test_failing_chapter_keeps_latest_and_exits_nonzero(tmp_path: Path, root: Path):
    project = make_project_copy(tmp_path, chapters=["00_gebied"])
    env = dict(os.environ, VA_PROJECT_ROOT=str(project))
    config = project / "config" / "westerveld.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    def run():
        return subprocess.run(
            [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(config), "--quiet"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    latest = project / "outputs" / "westerveld" / "latest"
    good = latest.resolve()

    # Break the chapter: a cell that raises.
    nb_path = project / "notebooks" / "00_gebied.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"].insert(
        3,
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "id": "kapot",
            "source": "raise RuntimeError('kapot voor de test')",
        },
    )
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    second = run()
    assert second.returncode == 1
    assert "latest" in second.stderr and "00_gebied" in second.stderr
    assert latest.resolve() == good  # the last good report stays published
    failed_runs = [p for p in latest.parent.iterdir() if p.is_dir() and not p.is_symlink() and p != good]
    assert len(failed_runs) == 1
    page = (failed_runs[0] / "00_gebied.html").read_text(encoding="utf-8")
    assert "va-banner-failed" in page and "gestopt door een fout" in page
    assert "kapot voor de test" not in page and "RuntimeError" not in page  # the exception stays in the log
    manifest = json.loads((failed_runs[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_status"] == 1 and manifest["chapters"]["00_gebied"]["status"] == "failed"
