"""Fetch -> snapshot -> report against the fake CBS/politie server; offline fallback and require-fresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fake_odata import FakeOdataServer, dead_address, demo_tables
from veiligheidsanalyse.sources.odata import OdataEndpoint
from veiligheidsanalyse.report.runner import EXIT_DATA_UNAVAILABLE, EXIT_OK, RunOptions, run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(root: Path):
    tables = demo_tables()
    with FakeOdataServer(tables, page_size=2000) as srv:
        yield srv


def _config(tmp_path: Path, root: Path, chapters: list[str]) -> Path:
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "fresh"
    data["data"]["cache"] = str(tmp_path / "cache")
    data["uitvoer"] = str(tmp_path / "outputs")
    data["hoofdstukken"] = chapters
    path = tmp_path / "westerveld.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _cache_state(cache: Path) -> dict[str, bytes]:
    return {str(p.relative_to(cache)): p.read_bytes() for p in sorted(cache.rglob("*")) if p.is_file()}


def test_fetch_then_report_then_offline_fallback(tmp_path: Path, root: Path, server):
    config = _config(tmp_path, root, ["00_gebied", "01_criminaliteit"])
    endpoint = server.endpoint(retries=0, timeout=(2, 10))
    first = run(config, RunOptions(endpoint=endpoint, progress=False))
    assert first.exit_code == EXIT_OK, first.message
    manifest = json.loads((first.run_dir / "manifest.json").read_text(encoding="utf-8"))
    origins = {t: s["origin"] for t, s in manifest["data"]["snapshots"].items()}
    assert set(origins.values()) == {"fresh"} and "47013NED" in origins
    assert manifest["data"]["demo"] is False
    page = (first.run_dir / "01_criminaliteit.html").read_text(encoding="utf-8")
    assert "va-banner va-banner-demo" not in page and "va-banner va-banner-stale" not in page
    cache = tmp_path / "cache"
    snapshots = sorted(p.parent.parent.name for p in cache.rglob("provenance.json"))
    assert set(snapshots) >= {"47013NED", "03759ned"}

    # The network goes down: 'fresh' falls back to the cache with a banner, the cache is unchanged.
    before = _cache_state(cache)
    offline_endpoint = OdataEndpoint.at("http://" + dead_address(), retries=0, timeout=(1, 2))
    offline = run(config, RunOptions(endpoint=offline_endpoint, progress=False))
    assert offline.exit_code == EXIT_OK, offline.message
    page = (offline.run_dir / "01_criminaliteit.html").read_text(encoding="utf-8")
    assert "va-banner va-banner-stale" in page and "mislukt" in page
    assert _cache_state(cache) == before

    # A scheduled run must not silently use old data.
    strict = run(config, RunOptions(policy="require-fresh", endpoint=offline_endpoint, progress=False))
    assert strict.exit_code == EXIT_DATA_UNAVAILABLE
    assert "47013NED" in strict.message
    assert _cache_state(cache) == before

    # Back online with nothing changed on the server: no new download.
    again = run(config, RunOptions(endpoint=endpoint, progress=False))
    assert again.exit_code == EXIT_OK
    assert _cache_state(cache) == before


def test_fetch_command_fetches_every_gemeente_of_a_config(tmp_path: Path, root: Path, server, capsys):
    from veiligheidsanalyse.report.fetch_command import fetch_command

    data = yaml.safe_load((root / "config" / "zuidwest-drenthe.yaml").read_text(encoding="utf-8"))
    data["data"]["cache"] = str(tmp_path / "cache")
    config = tmp_path / "zwd.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code = fetch_command(config, endpoint=server.endpoint(retries=0, timeout=(5, 60)))
    out = capsys.readouterr()
    assert code == 0, out.err  # 47022NED is optional and not served: reported, not fatal
    for gemeente in ("GM0119", "GM1731", "GM1701"):
        assert f"{gemeente} 47018NED: opgehaald" in out.out
    buurten = sorted((tmp_path / "cache" / "47018NED").iterdir())
    assert len(buurten) == 3  # one snapshot with the own buurten of each gemeente
