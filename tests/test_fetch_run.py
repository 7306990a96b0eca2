"""Fetch -> snapshot -> report against the fake CBS/politie server; offline fallback and require-fresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fake_odata import FakeOdataServer, dead_address, demo_tables
from fake_pdok import FakePdokServer, demo_features
from veiligheidsanalyse.errors import EXIT_DATA_UNAVAILABLE, EXIT_OK
from veiligheidsanalyse.report.runner import RunOptions, run
from veiligheidsanalyse.sources.odata import OdataEndpoint

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(root: Path):
    tables = demo_tables()
    with FakeOdataServer(tables, page_size=2000) as srv:
        yield srv


@pytest.fixture(scope="module", autouse=True)
def pdok(root: Path):
    """The boundaries of the maps from a fake PDOK server too, so that a fresh run is fresh throughout."""
    import os

    with FakePdokServer(demo_features(root / "data" / "demo")) as srv:
        before = os.environ.get("VA_PDOK_URL")
        os.environ["VA_PDOK_URL"] = srv.url
        yield srv
        if before is None:
            os.environ.pop("VA_PDOK_URL", None)
        else:
            os.environ["VA_PDOK_URL"] = before


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


def _derived_config(tmp_path: Path, root: Path, gemeente: str) -> Path:
    """A config without a peer list: the group is derived at run time from the national facts."""
    data = {
        "gemeente": gemeente,
        "periode": {"van": 2015, "tot": 2025},
        "data": {"beleid": "fresh", "cache": str(tmp_path / "cache"), "demo": str(root / "data" / "demo")},
        "uitvoer": str(tmp_path / "outputs"),
        "hoofdstukken": ["00_gebied"],
    }
    path = tmp_path / f"{gemeente}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _expected_peers(root: Path, gemeente: str) -> tuple[str, ...]:
    from veiligheidsanalyse.sources.snapshots import Snapshot
    from veiligheidsanalyse.store import peers
    from veiligheidsanalyse.store.normalise import normalise_snapshot

    kwb = normalise_snapshot(Snapshot(root / "data" / "demo" / "85984NED" / "demo"))
    return peers.derive(gemeente, peers.facts_from_observations(kwb)).gemeenten


def _request_of(cache: Path, table_id: str) -> dict:
    [provenance] = sorted((cache / table_id).glob("*/provenance.json"))
    return json.loads(provenance.read_text(encoding="utf-8"))["request"]


def test_a_derived_peer_group_is_fetched_from_the_national_facts(tmp_path: Path, root: Path, server):
    # Only the gemeente is named; the server knows 85 gemeenten. The run asks the gemeente rows of
    # the whole country first, derives the group, then asks the other tables for exactly that group.
    expected = _expected_peers(root, "GM0118")
    assert len(expected) >= 6
    result = run(
        _derived_config(tmp_path, root, "GM0118"),
        RunOptions(endpoint=server.endpoint(retries=0, timeout=(5, 60)), progress=False),
    )
    assert result.exit_code == EXIT_OK, result.message
    cache = tmp_path / "cache"
    kwb = _request_of(cache, "85984NED")
    assert kwb["gemeente"] == "GM0118" and kwb["all_gemeente_rows"] is True
    regions = set(_request_of(cache, "47013NED")["regions"])
    assert set(expected) <= regions
    # No provincie in the config: CBS Gebieden in Nederland says Drenthe; its gemeenten are asked for.
    assert _request_of(cache, "85755NED")["all_gemeente_rows"] is True
    assert {"PV22", "GM1701", "GM0106", "GM0114"} <= regions
    page = (result.run_dir / "00_gebied.html").read_text(encoding="utf-8")
    assert "Afgeleid volgens een vaste regel" in page and "Roermond" in page
    assert "Provincie: Drenthe" in page


def test_the_fetch_command_fetches_the_derived_group(tmp_path: Path, root: Path, server, capsys):
    from veiligheidsanalyse.report.fetch_command import fetch_command

    code = fetch_command(
        _derived_config(tmp_path, root, "GM0114"), endpoint=server.endpoint(retries=0, timeout=(5, 60))
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "GM0114 85984NED: opgehaald" in out.out and "GM0114 47013NED: opgehaald" in out.out
    assert set(_expected_peers(root, "GM0114")) <= set(_request_of(tmp_path / "cache", "47013NED")["regions"])
