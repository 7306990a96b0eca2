"""Data policy per run: fresh (fall back with a banner), require-fresh, cache (max age), demo."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fake_odata import FakeOdataServer, buurt_table, dead_address, gemeente_table, tree_state
from veiligheidsanalyse.sources.fetch import FetchRequest, fetch_tables
from veiligheidsanalyse.sources.odata import OdataEndpoint
from veiligheidsanalyse.sources.policy import DataUnavailable, resolve_sources

NOW = datetime(2026, 11, 27, 18, 15, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
GEMEENTEN = FetchRequest("47013NED", regions=("GM1701", "NL01"))
BUURTEN = FetchRequest("47018NED", gemeente="GM1701")
OPTIONAL = FetchRequest("47022NED", gemeente="GM1701")  # TableSpec.required is False; not on the server
OFFLINE = OdataEndpoint.at("http://" + dead_address(), retries=1, backoff=0.01, timeout=(0.3, 0.3))


def no_sleep(seconds):
    pass


@pytest.fixture
def server():
    with FakeOdataServer([gemeente_table(), buurt_table()], page_size=50) as srv:
        yield srv


@pytest.fixture
def roots(tmp_path, server):
    """(cache, demo) roots; the cache holds both tables retrieved at NOW."""
    cache, demo = tmp_path / "cache", tmp_path / "demo"
    assert fetch_tables([GEMEENTEN, BUURTEN], cache, server.endpoint(), now=NOW).ok
    server.log.clear()
    return cache, demo


def resolve(policy, requests, roots, endpoint, now=LATER, max_age_days=31):
    cache, demo = roots
    return resolve_sources(policy, requests, cache, demo, endpoint, max_age_days=max_age_days, now=now, sleep=no_sleep)


def test_fresh_online(server, tmp_path):
    res = resolve("fresh", [GEMEENTEN, BUURTEN], (tmp_path / "c", tmp_path / "d"), server.endpoint())
    assert {t: r.origin for t, r in res.tables.items()} == {"47013NED": "fresh", "47018NED": "fresh"}
    assert all(r.reason is None for r in res.tables.values()) and not res.stale and not res.demo
    assert res.tables["47013NED"].retrieved_at == LATER
    assert set(res.snapshots) == {"47013NED", "47018NED"}


def test_fresh_unchanged_table_counts_as_fresh(server, roots):
    res = resolve("fresh", [GEMEENTEN], roots, server.endpoint())
    assert res.tables["47013NED"].origin == "fresh" and res.fetch_report.unchanged
    assert res.tables["47013NED"].retrieved_at == NOW and res.tables["47013NED"].reason is None


@pytest.mark.fault("network")
def test_fresh_offline_falls_back_to_cache_with_the_reason(roots):
    before = tree_state(roots[0])
    res = resolve("fresh", [GEMEENTEN, BUURTEN], roots, OFFLINE)
    assert {r.origin for r in res.tables.values()} == {"cached"}
    assert res.stale and not res.demo
    assert all(r.reason == "ophalen mislukt: de server was niet bereikbaar" for r in res.tables.values())
    assert res.tables["47013NED"].retrieved_at == NOW
    assert "connection" in res.tables["47013NED"].message  # technical reason kept for the manifest
    assert tree_state(roots[0]) == before


@pytest.mark.fault("network")
def test_fresh_server_error_on_one_table(server, roots):
    server.table("47013NED").set_modified("2025-02-15T02:00:00")
    server.table("47018NED").set_modified("2025-02-15T02:00:00")
    server.fail("status", status=503, table_id="47018NED")
    res = resolve("fresh", [GEMEENTEN, BUURTEN], roots, server.endpoint())
    assert res.tables["47013NED"].origin == "fresh" and res.tables["47018NED"].origin == "cached"
    assert res.stale and "foutmelding" in res.tables["47018NED"].reason
    assert res.tables["47013NED"].reason is None


@pytest.mark.fault("network")
def test_fresh_schema_change_falls_back(server, roots):
    server.table("47013NED").set_modified("2025-02-15T02:00:00")
    server.table("47013NED").drop_dimension("Perioden")
    res = resolve("fresh", [GEMEENTEN], roots, server.endpoint())
    assert res.tables["47013NED"].origin == "cached" and "opbouw van de tabel" in res.tables["47013NED"].reason


@pytest.mark.fault("network")
def test_fresh_offline_without_cache_or_demo_names_every_table_without_data(tmp_path):
    with pytest.raises(DataUnavailable) as err:
        resolve("fresh", [GEMEENTEN, OPTIONAL], (tmp_path / "c", tmp_path / "d"), OFFLINE)
    assert set(err.value.tables) == {"47013NED", "47022NED"} and "47013NED" in str(err.value)
    assert "niet bereikbaar" in err.value.tables["47013NED"]  # why, in Dutch
    assert tree_state(tmp_path / "c") is None


def test_optional_table_is_reported_missing(server, roots):
    res = resolve("fresh", [GEMEENTEN, OPTIONAL], roots, server.endpoint())
    assert res.missing == ["47022NED"] and res.tables["47022NED"].origin == "missing"
    assert "404" in res.tables["47022NED"].message


@pytest.mark.fault("network")
def test_require_fresh_offline_raises_even_with_a_cache(roots):
    with pytest.raises(DataUnavailable) as err:
        resolve("require-fresh", [GEMEENTEN, BUURTEN], roots, OFFLINE)
    assert set(err.value.tables) == {"47013NED", "47018NED"}


def test_require_fresh_online(server, roots):
    res = resolve("require-fresh", [GEMEENTEN, BUURTEN, OPTIONAL], roots, server.endpoint())
    assert res.tables["47013NED"].origin == "fresh" and res.missing == ["47022NED"] and not res.stale


def test_cache_uses_no_network(server, roots):
    res = resolve("cache", [GEMEENTEN, BUURTEN], roots, server.endpoint())
    assert server.log == []
    assert {r.origin for r in res.tables.values()} == {"cached"} and not res.stale
    assert all(r.reason is None for r in res.tables.values())


def test_cache_older_than_max_age_says_so(roots):
    res = resolve("cache", [GEMEENTEN, BUURTEN], roots, None, now=NOW + timedelta(days=40), max_age_days=31)
    assert res.stale and all(r.reason == "ouder dan 31 dagen" for r in res.tables.values())
    assert "40 dagen oud" in res.tables["47013NED"].message


def test_cache_missing_or_other_regions(roots):
    other = FetchRequest("47013NED", regions=("GM0118",))
    with pytest.raises(DataUnavailable, match="47013NED"):
        resolve("cache", [other], roots, None)
    res = resolve("cache", [GEMEENTEN, OPTIONAL], roots, None)
    assert res.missing == ["47022NED"]


def test_cache_skips_a_damaged_snapshot(server, roots):
    server.table("47013NED").set_modified("2025-02-15T02:00:00")
    fetch_tables([GEMEENTEN], roots[0], server.endpoint(), now=LATER)
    newest = sorted((roots[0] / "47013NED").iterdir())[-1]
    (newest / "data.json.gz").write_bytes(b"broken")
    res = resolve("cache", [GEMEENTEN], roots, None)
    assert res.tables["47013NED"].snapshot.snapshot_id == "20261127T181500Z"
    # The damaged copy is set aside with its reason, so that no later run trips over it.
    aside = list((roots[0] / "47013NED" / "rejected").iterdir())
    assert [p.name for p in aside] == [newest.name] and not newest.exists()
    assert (aside[0] / "reden.txt").read_text(encoding="utf-8").startswith("beschadigd")


def test_a_damaged_cache_is_named_as_damaged_not_as_missing(roots):
    """The only cached copy is damaged: the demo is used, and the reason says the copy is damaged."""
    from veiligheidsanalyse.sources.demo import generate

    generate(roots[1])
    only = next(p for p in (roots[0] / "47013NED").iterdir() if p.name != "rejected")
    (only / "data.json.gz").write_bytes(b"broken")
    res = resolve("cache", [GEMEENTEN], roots, None)
    table = res.tables["47013NED"]
    assert table.origin == "demo" and "beschadigd" in table.reason and "geen eerder opgehaalde" not in table.reason


def test_demo(server, roots):
    cache, demo = roots
    fetch_tables([GEMEENTEN, BUURTEN], demo, server.endpoint(), now=NOW)  # same format as the cache
    server.log.clear()
    res = resolve("demo", [GEMEENTEN, BUURTEN], roots, server.endpoint())
    assert res.demo and not res.stale and server.log == []
    assert {r.origin for r in res.tables.values()} == {"demo"}
    assert all(str(r.snapshot.path).startswith(str(demo)) for r in res.tables.values())
    assert all(r.kind == "demo" and r.reason is None for r in res.tables.values())
    with pytest.raises(DataUnavailable):
        resolve("demo", [GEMEENTEN], (cache, cache.parent / "nodemo"), None)


def test_manifest_records(roots):
    res = resolve("cache", [GEMEENTEN], roots, None)
    (record,) = res.manifest()
    assert record["snapshot"] == "47013NED/20261127T181500Z" and record["origin"] == "cached"
    assert record["table_modified"] == "2025-01-15T02:00:00" and set(record["sha256"]) == {
        "data.json.gz",
        "metadata.json",
    }


def test_unknown_policy(tmp_path):
    with pytest.raises(ValueError, match="fresh, require-fresh, cache, demo"):
        resolve_sources("latest", [GEMEENTEN], tmp_path, tmp_path)


def test_a_run_on_local_snapshots_does_not_import_the_http_client():
    """requests, urllib3 and cbsodata cost ~0.3 s of CPU to import: only a download needs them."""
    root = Path(__file__).resolve().parents[1]
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from veiligheidsanalyse.config import load_config\n"
        "from veiligheidsanalyse.store.build import resolve_tables\n"
        f"root = Path({str(root)!r})\n"
        "resolution = resolve_tables(load_config(root / 'config' / 'westerveld.yaml'), root, 'demo')\n"
        "assert resolution.demo and resolution.snapshots, resolution\n"
        "print(','.join(m for m in ('requests', 'urllib3', 'cbsodata') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_copy_without_the_national_rows_is_still_used_and_refreshed_when_online(server, roots):
    # A cache from before the rows of all gemeenten were asked for: real data for the gemeente, kept
    # in use offline (never replaced by demo data), and a fresh run downloads the wider selection.
    national = FetchRequest("47018NED", gemeente="GM1701", all_gemeente_rows=True)
    offline = resolve("cache", [national], roots, OFFLINE)
    assert offline.tables["47018NED"].origin == "cached"
    assert "all_gemeente_rows" not in offline.tables["47018NED"].snapshot.provenance["request"]
    online = resolve("fresh", [national], roots, server.endpoint())
    assert online.tables["47018NED"].origin == "fresh" and online.fetch_report.downloaded
    assert online.tables["47018NED"].snapshot.provenance["request"]["all_gemeente_rows"] is True
    [*_, data_request] = server.requests_for("47018NED", "UntypedDataSet")
    assert "startswith(WijkenEnBuurten,'GM')" in data_request.query["$filter"]


def test_a_copy_without_a_derived_groups_gemeenten_is_real_data_not_demo(server, roots):
    # The derived peer group changed since the last fetch (GM0118 is new in it) and the network is
    # down: the cached copy still holds the gemeente's own rows, so it is used, saying what it lacks.
    wider = FetchRequest("47013NED", regions=("GM1701", "NL01", "GM0118"), derived_regions=("GM0118",))
    res = resolve("cache", [wider], roots, OFFLINE)
    table = res.tables["47013NED"]
    assert table.origin == "cached" and "zonder alle gemeenten" in table.reason
    # A region the configuration itself names is not optional: without it there is no usable copy.
    named = FetchRequest("47013NED", regions=("GM1701", "NL01", "GM0118"))
    with pytest.raises(DataUnavailable):
        resolve("cache", [named], roots, OFFLINE)
    # Online, the wider selection is downloaded.
    fresh = resolve("fresh", [wider], roots, server.endpoint())
    assert fresh.tables["47013NED"].origin == "fresh" and fresh.fetch_report.downloaded
