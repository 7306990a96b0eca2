"""A damaged cached snapshot is a data problem with a name, in validate as in run: never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from veiligheidsanalyse import cli

pytestmark = pytest.mark.fault("bad input")

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(args))
    return status, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("damage", ["metadata.json missing", "data cut short", "provenance.json missing"])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_damaged_copy_is_named_and_passed_over(tmp_path: Path, damage: str, command: str):
    cache = tmp_path / "cache"
    copy = cache / "47013NED" / "20261101T000000Z"
    shutil.copytree(ROOT / "data" / "demo" / "47013NED" / "demo", copy)
    if damage == "metadata.json missing":
        (copy / "metadata.json").unlink()
    elif damage == "data cut short":
        raw = (copy / "data.json.gz").read_bytes()
        (copy / "data.json.gz").write_bytes(raw[: len(raw) // 3])
    else:
        (copy / "provenance.json").unlink()
    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"].update(beleid="cache", cache=str(cache))
    data["uitvoer"] = str(tmp_path / "outputs")
    data["hoofdstukken"] = ["00_gebied"]
    config = tmp_path / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    status, text = _cli(command, str(config), *(["--quiet"] if command == "run" else []))
    assert "Traceback" not in text and status in (0, 3), text
    if command == "run":
        assert status == 0  # the table falls back to its demo snapshot, marked as such on the pages
        manifest = json.loads(next((tmp_path / "outputs" / "westerveld").glob("*/manifest.json")).read_text("utf-8"))
        text = json.dumps(manifest["data"]["sources"]["47013NED"], ensure_ascii=False)
        assert '"demo"' in text
    if damage != "provenance.json missing":  # without provenance it is no snapshot: simply not there
        assert "beschadigd" in text, text
