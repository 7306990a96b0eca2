"""The wijk- en buurtkaart as a data source: fetched from a fake PDOK server, kept as a snapshot,
resolved by the data policy like an optional table, written into the store and read by Dataset."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ROOT, shared_real_data
from fake_odata import dead_address
from fake_pdok import FakePdokServer, demo_features
from veiligheidsanalyse.sources.boundaries import (
    NEWEST_BOUNDARY_YEAR,
    SOURCE_ID,
    STORE_FILE,
    BoundaryRequest,
    boundary_year_of,
    resolve_boundaries,
    stated_buurtindeling,
    write_store_boundaries,
)
from veiligheidsanalyse.sources.snapshots import Snapshot, list_snapshots, write_snapshot

DEMO = ROOT / "data" / "demo"
WESTERVELD = "GM1701"
REQUEST = BoundaryRequest(2024, (WESTERVELD,), ("GM1701", "GM1690", "GM0119"))
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def demo_snapshot() -> Snapshot:
    return list_snapshots(DEMO, SOURCE_ID)[-1]


@pytest.fixture
def pdok():
    with FakePdokServer(demo_features(DEMO)) as server:
        yield server


def fetch(cache: Path, url: str, policy: str = "fresh", **kwargs):
    return resolve_boundaries(policy, REQUEST, cache, DEMO, url=url, now=NOW, **kwargs)


# ------------------------------------------------------------------------------------ fetching


def test_a_good_fetch_becomes_a_snapshot_with_provenance(tmp_path: Path, pdok: FakePdokServer):
    resolved = fetch(tmp_path, pdok.url)
    assert resolved.origin == "fresh" and resolved.kind == "actueel" and not resolved.required
    snap = resolved.snapshot
    snap.verify()
    prov = snap.provenance
    assert prov["url"] == f"{pdok.url}/cbs/wijken-en-buurten-2024/ogc/v1"
    assert prov["retrieved_at"].startswith("2026-12-01T12:00") and prov["jaar"] == 2024
    assert prov["attributie"] == "Kadaster / CBS 2024" and prov["demo"] is False
    assert prov["request"] == REQUEST.key()
    assert snap.metadata["niveaus"] == {"gemeente": 3, "wijk": 18, "buurt": 18}
    rows = snap.rows()
    assert all("aantalInwoners" not in r["properties"] for r in rows)  # only what the maps read
    assert {r["properties"]["wijkcode"] for r in rows if r["properties"]["niveau"] == "wijk"} == {
        f"WK1701{i:02d}" for i in range(18)
    }
    # paged through 'next' (5 a page: 18 wijken take 4 pages), asked in RD New for the gemeente only
    wijk_pages = [p for p in pdok.requests if "/collections/wijken/" in p]
    assert len(wijk_pages) == 4
    assert all("gemeentecode=GM1701" in p and "EPSG%2F0%2F28992" in p for p in wijk_pages)
    # the demo copy stays the fallback if this one cannot be read at run time
    assert [a.origin for a in resolved.alternatives] == ["demo"]


def test_an_unchanged_server_keeps_the_same_snapshot(tmp_path: Path, pdok: FakePdokServer):
    first = fetch(tmp_path, pdok.url).snapshot
    second = resolve_boundaries(
        "fresh", REQUEST, tmp_path, DEMO, url=pdok.url, now=datetime(2026, 12, 2, tzinfo=UTC)
    ).snapshot
    assert second.path == first.path and len(list_snapshots(tmp_path, SOURCE_ID)) == 1


def test_wijken_failing_while_gemeenten_succeed_keeps_the_last_good_copy(tmp_path: Path, pdok: FakePdokServer):
    good = fetch(tmp_path, pdok.url).snapshot
    pdok.fail("wijken", "status")
    resolved = resolve_boundaries("fresh", REQUEST, tmp_path, DEMO, url=pdok.url, now=datetime(2026, 12, 3, tzinfo=UTC))
    assert resolved.origin == "cached" and resolved.snapshot.path == good.path and resolved.stale
    assert "wijken van GM1701" in resolved.reason and "HTTP 500" in resolved.reason
    assert resolved.reason.startswith("ophalen mislukt")
    assert [s.path for s in list_snapshots(tmp_path, SOURCE_ID)] == [good.path]  # no half snapshot


@pytest.mark.parametrize("fault", ["invalid_json", "no_features", "bad_geometry", "geometry_list"])
def test_a_broken_response_never_replaces_a_good_snapshot(tmp_path: Path, pdok: FakePdokServer, fault: str):
    good = fetch(tmp_path, pdok.url).snapshot
    pdok.fail("buurten", fault)
    resolved = resolve_boundaries("fresh", REQUEST, tmp_path, DEMO, url=pdok.url, now=datetime(2026, 12, 3, tzinfo=UTC))
    assert resolved.origin == "cached" and resolved.snapshot.path == good.path
    assert [s.path for s in list_snapshots(tmp_path, SOURCE_ID)] == [good.path]
    assert not [p for p in (tmp_path / SOURCE_ID).iterdir() if p.name.startswith(".tmp")]


def test_offline_falls_back_to_the_cache_then_to_demo_with_the_reason(tmp_path: Path, pdok: FakePdokServer):
    empty = tmp_path / "leeg"
    down = f"http://{dead_address()}"
    demo = fetch(empty, down)
    assert demo.origin == "demo" and demo.kind == "demo"
    assert demo.reason == (
        "ophalen mislukt: wijken van GM1701: de server was niet bereikbaar, en er is geen eerder opgehaalde kopie"
    )

    good = fetch(tmp_path, pdok.url).snapshot
    cached = fetch(tmp_path, down)
    assert cached.origin == "cached" and cached.snapshot.path == good.path
    assert "niet bereikbaar" in cached.reason and cached.stale

    # a run that already knows the network is down does not try again
    known = resolve_boundaries("fresh", REQUEST, tmp_path, DEMO, url=pdok.url, now=NOW, offline="verbinding geweigerd")
    assert known.origin == "cached"


def test_require_fresh_never_falls_back_and_never_fails_the_run(tmp_path: Path, pdok: FakePdokServer):
    fetch(tmp_path, pdok.url)
    resolved = fetch(tmp_path, f"http://{dead_address()}", policy="require-fresh")
    assert resolved.origin == "missing" and resolved.snapshot is None and "niet bereikbaar" in resolved.reason


def test_cache_and_demo_policies(tmp_path: Path, pdok: FakePdokServer):
    assert fetch(tmp_path, pdok.url, policy="cache").origin == "demo"  # never fetched: demo
    assert fetch(tmp_path, pdok.url, policy="demo").origin == "demo"
    pdok.requests.clear()
    good = fetch(tmp_path, pdok.url).snapshot
    pdok.requests.clear()
    cached = fetch(tmp_path, pdok.url, policy="cache")
    assert cached.origin == "cached" and cached.snapshot.path == good.path and not cached.stale
    assert pdok.requests == []  # no network under 'cache'
    old = resolve_boundaries("cache", REQUEST, tmp_path, DEMO, now=datetime(2027, 3, 1, tzinfo=UTC))
    assert old.stale and "ouder dan 31 dagen" in old.reason


def test_a_copy_for_another_year_or_gemeente_is_not_used(tmp_path: Path, pdok: FakePdokServer):
    fetch(tmp_path, pdok.url)
    other = BoundaryRequest(2024, ("GM1690",), ("GM1690",))
    assert resolve_boundaries("cache", other, tmp_path, DEMO, now=NOW).origin == "demo"
    later = BoundaryRequest(2025, (WESTERVELD,), ())
    assert resolve_boundaries("cache", later, tmp_path, DEMO, now=NOW).origin == "demo"


# ------------------------------------------------------------------------------------ the store


def test_the_store_gets_the_run_areas_simplified(tmp_path: Path, pdok: FakePdokServer):
    resolved = fetch(tmp_path / "cache", pdok.url)
    store = tmp_path / "store"
    store.mkdir()
    choice = write_store_boundaries(store, resolved, REQUEST)
    assert choice == {"origin": "fresh", "snapshot": str(resolved.snapshot.path), "rejected": None}
    data = json.loads((store / STORE_FILE).read_text(encoding="utf-8"))
    assert data["jaar"] == 2024 and data["attributie"] == "Kadaster / CBS 2024" and data["bron"] == SOURCE_ID
    levels = [f["properties"]["niveau"] for f in data["features"]]
    assert levels.count("wijk") == 18 and levels.count("buurt") == 18 and levels.count("gemeente") == 3


def test_an_unreadable_snapshot_falls_back_to_the_next_one(tmp_path: Path, pdok: FakePdokServer):
    resolved = fetch(tmp_path / "cache", pdok.url)
    (resolved.snapshot.path / "data.json.gz").write_bytes(b"kapot")
    store = tmp_path / "store"
    store.mkdir()
    choice = write_store_boundaries(store, resolved, REQUEST)
    assert choice["origin"] == "demo" and "onleesbaar" in choice["rejected"]
    assert (store / STORE_FILE).is_file()


def test_dataset_reads_the_boundaries_of_a_demo_run(demo_store: Path, demo_dataset):
    assert (demo_store / STORE_FILE).is_file()
    wijken = demo_dataset.boundaries("wijk")
    assert sorted(w.code for w in wijken) == [f"WK1701{i:02d}" for i in range(18)]
    assert demo_dataset.boundaries("buurt") == []  # the demo buurten are invented: no boundaries
    gemeenten = {g.code for g in demo_dataset.boundaries("gemeente")}
    assert WESTERVELD in gemeenten and "GM1690" in gemeenten
    assert demo_dataset.boundary_year == 2023
    source = demo_dataset.boundary_source
    assert demo_dataset.status.sources[source].soort == "demo"
    assert demo_dataset.status.mark([source]) == "DEMO"
    assert source not in demo_dataset.status.tables  # boundaries never make a report more or less demo
    with pytest.raises(ValueError, match="onbekend niveau"):
        demo_dataset.boundaries("kern")


def test_a_dataset_without_boundaries_has_none(tmp_path: Path, demo_store: Path):
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.dataset import load

    store = tmp_path / "store"
    shutil.copytree(demo_store, store)
    (store / STORE_FILE).unlink()
    dataset = load(store, load_config(ROOT / "config" / "westerveld.yaml"))
    assert dataset.boundaries("wijk") == [] and dataset.boundary_year is None


def test_the_store_cache_key_covers_the_boundaries(tmp_path: Path):
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.build import (
        boundary_request,
        resolve_run_boundaries,
        resolve_tables,
        store_cache_key,
    )

    config = load_config(ROOT / "config" / "westerveld.yaml")
    resolution = resolve_tables(config, ROOT, "demo")
    request = boundary_request(config, resolution)
    assert request.gemeenten == (WESTERVELD,) and "GM1690" in request.omgeving
    boundaries = resolve_run_boundaries(config, ROOT, "demo", request)
    key = store_cache_key(config, ROOT, "Westerveld", resolution, False, boundaries)
    assert key == store_cache_key(config, ROOT, "Westerveld", resolution, False, boundaries)
    assert key != store_cache_key(config, ROOT, "Westerveld", resolution, False, None)
    other = Snapshot(tmp_path / SOURCE_ID / "20261201T120000Z")
    shutil.copytree(boundaries.snapshot.path, other.path)
    provenance = json.loads((other.path / "provenance.json").read_text(encoding="utf-8"))
    provenance["sha256"]["data.json.gz"] = "0" * 64
    (other.path / "provenance.json").write_text(json.dumps(provenance), encoding="utf-8")
    changed = dataclasses.replace(boundaries, snapshot=other)
    assert store_cache_key(config, ROOT, "Westerveld", resolution, False, changed) != key


# ------------------------------------------------------------------------------------ the demo boundaries


def test_demo_boundaries_of_westerveld_match_the_wijken_of_the_demo_kerncijfers():
    from veiligheidsanalyse.store.prepare import demo_snapshots

    rows = demo_snapshot().rows()
    wijken = {
        r["properties"]["statcode"]
        for r in rows
        if r["properties"]["niveau"] == "wijk" and r["properties"]["gemeentecode"] == WESTERVELD
    }
    assert wijken == {f"WK1701{i:02d}" for i in range(18)}
    kwb = demo_snapshots(DEMO)["85984NED"].metadata["dimensions"]["WijkenEnBuurten"]
    demo_wijken = {str(m["Key"]).strip() for m in kwb if str(m["Key"]).strip().startswith("WK1701")}
    assert wijken == demo_wijken
    all_demo_wijken = {str(m["Key"]).strip() for m in kwb if str(m["Key"]).strip().startswith("WK")}
    assert {r["properties"]["statcode"] for r in rows if r["properties"]["niveau"] == "wijk"} == all_demo_wijken


def test_demo_boundaries_are_small_and_marked_as_demo():
    snap = demo_snapshot()
    snap.verify()
    size = sum(p.stat().st_size for p in snap.path.iterdir())
    assert size < 300_000
    prov = snap.provenance
    assert prov["demo"] is True and prov["jaar"] == 2023 and prov["attributie"] == "Kadaster / CBS 2023"
    assert snap.metadata["niveaus"]["gemeente"] == 342


@pytest.mark.skipif(shared_real_data() is None, reason="real extracts in ../shared not present")
def test_committed_demo_boundaries_equal_the_generator(tmp_path: Path):
    from veiligheidsanalyse.maps.demo_grenzen import main

    assert main([str(shared_real_data()), str(tmp_path)]) == 0
    fresh = tmp_path / SOURCE_ID / "demo"
    committed = DEMO / SOURCE_ID / "demo"
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.iterdir())
    for path in fresh.iterdir():
        assert path.read_bytes() == (committed / path.name).read_bytes(), path.name


def test_an_unchanged_rerun_takes_store_and_boundaries_from_the_cache_without_pandas(tmp_path: Path):
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from veiligheidsanalyse.config import load_config\n"
        "from veiligheidsanalyse.store.build import DataOptions, prepare_run_data\n"
        f"root, tmp = Path({str(ROOT)!r}), Path({str(tmp_path)!r})\n"
        "config = load_config(root / 'config' / 'westerveld.yaml')\n"
        "work = tmp / sys.argv[1]\n"
        "data = prepare_run_data(config, root, DataOptions(policy='demo'), work, cache_dir=tmp / 'stores')\n"
        "print(data.from_cache, 'pandas' in sys.modules, (work / 'grenzen.geojson').is_file(),\n"
        "      data.prepared.status.sources['wijkbuurtkaart'].soort)\n"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, name], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
        )
        for name in ("eerste", "tweede")
    ]
    assert [o.returncode for o in outputs] == [0, 0], outputs[0].stderr + outputs[1].stderr
    assert outputs[0].stdout.split() == ["False", "True", "True", "demo"]
    assert outputs[1].stdout.split() == ["True", "False", "True", "demo"]


# ------------------------------------------------------------------------------------ real shapes

REAL = shared_real_data()


def _pdok_shaped(path: Path, niveau: str) -> list[dict]:
    """Features of a real wijk- en buurtkaart file under PDOK's property names."""
    names = {
        "gemeente": ("gemeentecode", "gemeentenaam"),
        "wijk": ("wijkcode", "wijknaam"),
        "buurt": ("buurtcode", "buurtnaam"),
    }[niveau]
    out = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        code = props["statcode"]
        shaped = {
            names[0]: code,
            names[1]: props["statnaam"],
            "gemeentecode": props.get("gemeentecode", code),
            "aantalInwoners": -99999997,
        }
        out.append({"type": "Feature", "geometry": feature["geometry"], "properties": shaped})
    return out


def _real_metadata(table: str) -> dict:
    """A real table's metadata as a snapshot keeps it (TableInfos, DataProperties), from its CSV extract."""
    import csv

    def rows(name: str) -> list[dict]:
        with open(REAL / table / name, encoding="utf-8-sig") as fh:
            return list(csv.DictReader(fh))

    return {"TableInfos": rows("TableInfos.csv")[0], "DataProperties": rows("DataProperties.csv"), "dimensions": {}}


@pytest.mark.skipif(REAL is None, reason="real extracts in ../shared not present")
def test_the_real_politie_and_kerncijfers_tables_state_the_buurtindeling_of_2024(tmp_path: Path):
    """47018NED: 'Wijken en buurten (indeling 2024)' for every year (so also for Westerveld 2023), while its
    GeoDetail MapYear says 2019; 85984NED: 'Kerncijfers wijken en buurten 2024' (and 'Bedrijfsindeling 2008'
    in a measure's description, which is not the region's)."""
    politie = _real_metadata("politie-47018NED-buurt")
    geo = next(p for p in politie["DataProperties"] if p["Type"] == "GeoDetail")
    assert geo["MapYear"] == "2019" and stated_buurtindeling(politie) == 2024
    geo["Description"] = ""  # without the region's description, the TableInfos text says it
    assert stated_buurtindeling(politie) == 2024
    kerncijfers = _real_metadata("cbs-kwb-85984NED-2024")
    assert "indeling 2008" in json.dumps(kerncijfers["DataProperties"]) and stated_buurtindeling(kerncijfers) == 2024
    snapshots = {
        "47018NED": _snapshot(tmp_path, "47018NED", _real_metadata("politie-47018NED-buurt")),
        "85984NED": _snapshot(tmp_path, "85984NED", kerncijfers),
    }
    year = boundary_year_of(snapshots)
    assert (year.jaar, year.tabellen, year.afwijkend) == (2024, ("47018NED", "85984NED"), ())
    assert year.text() == "buurtindeling 2024 van Politie 47018NED en CBS 85984NED"


@pytest.mark.skipif(REAL is None, reason="real extracts in ../shared not present")
def test_real_westerveld_boundaries_through_fetch_and_store_match_politie_47018ned(tmp_path: Path):
    """The real 2024 buurten of Westerveld, served as PDOK serves them, reach the store with exactly the
    45 buurt codes of politie 47018NED, and its 18 wijken with the codes of the demo Kerncijfers."""
    import csv

    kaart = REAL / "cbs-wijkbuurtkaart"
    features = {
        "buurten": _pdok_shaped(
            kaart / "drenthe_buurten_2024_aa-en-hunze_westerveld_midden-drenthe_rd.geojson", "buurt"
        ),
        "wijken": _pdok_shaped(kaart / "drenthe_wijken_2023_rd.geojson", "wijk"),
        "gemeenten": _pdok_shaped(kaart / "nl_gemeenten_2023_rd.geojson", "gemeente"),
    }
    with FakePdokServer(features, page_size=20) as server:
        resolved = fetch(tmp_path / "cache", server.url)
    assert resolved.origin == "fresh"
    store = tmp_path / "store"
    store.mkdir()
    write_store_boundaries(store, resolved, REQUEST)
    from veiligheidsanalyse.maps.boundaries import read_boundaries

    buurten = read_boundaries(store / STORE_FILE, niveau="buurt")
    with open(REAL / "politie-47018NED-buurt" / "WijkenEnBuurten.csv", encoding="utf-8-sig") as fh:
        keys = {row["Key"].strip() for row in csv.DictReader(fh)}
    politie = {k for k in keys if k.startswith("BU1701")}
    assert len(politie) == 45 and {b.code for b in buurten} == politie
    assert {w.code for w in read_boundaries(store / STORE_FILE, niveau="wijk")} == {f"WK1701{i:02d}" for i in range(18)}
    assert {g.code for g in read_boundaries(store / STORE_FILE, niveau="gemeente")} == set(REQUEST.key()["omgeving"])
    assert (store / STORE_FILE).stat().st_size < 150_000


# ------------------------------------------------------------------------------------ the fetch command


def _config_in(tmp_path: Path, name: str) -> Path:
    """A shipped configuration with its cache and outputs in ``tmp_path``."""
    import yaml

    data = yaml.safe_load((ROOT / "config" / name).read_text(encoding="utf-8"))
    data["data"]["cache"] = str(tmp_path / "cache")
    data["uitvoer"] = str(tmp_path / "outputs")
    config = tmp_path / name
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config


@pytest.mark.e2e
def test_the_fetch_command_fetches_the_boundaries_and_never_fails_for_them(tmp_path: Path, monkeypatch, capsys):
    from fake_odata import FakeOdataServer, demo_tables
    from veiligheidsanalyse.report.fetch_command import fetch_command

    config = _config_in(tmp_path, "westerveld.yaml")
    with FakeOdataServer(demo_tables(), page_size=2000) as odata, FakePdokServer(demo_features(DEMO)) as pdok:
        monkeypatch.setenv("VA_PDOK_URL", pdok.url)
        endpoint = odata.endpoint(retries=1, timeout=(10, 60), total_timeout=120)
        fetch_command(config, endpoint=endpoint)
        out = capsys.readouterr()
        assert "GM1701 wijkbuurtkaart: opgehaald, snapshot" in out.out
        assert len(list_snapshots(tmp_path / "cache", SOURCE_ID)) == 1
        asked = len(pdok.requests)
        assert asked > 0
        # a second fetch keeps the copy younger than data.max_leeftijd_dagen, as a run does: PDOK is not asked
        pdok.fail("wijken", "status")
        fetch_command(config, endpoint=endpoint)
        out = capsys.readouterr()
        assert len(pdok.requests) == asked
        assert "GM1701 wijkbuurtkaart: eerder opgehaald op " in out.out
        assert "(minder dan 120 dagen geleden): niet opnieuw gedownload, snapshot" in out.out
        # fresh data asked for (require-fresh): downloaded again; a failure is said, the copy stays
        _set_policy(config, "require-fresh")
        fetch_command(config, endpoint=endpoint)
        out = capsys.readouterr()
        assert len(pdok.requests) > asked
        assert "GM1701 wijkbuurtkaart: MISLUKT — wijken van GM1701: de server gaf een foutmelding (HTTP 500)" in out.err
        assert len(list_snapshots(tmp_path / "cache", SOURCE_ID)) == 1


def _set_policy(config: Path, beleid: str) -> None:
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["data"]["beleid"] = beleid
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_footer_lines_of_the_boundaries_say_demo_or_when_they_were_fetched():
    from veiligheidsanalyse.store.build import source_labels
    from veiligheidsanalyse.store.status import DataStatus, SourceStatus

    def label(**kwargs) -> str:
        source = SourceStatus(id=SOURCE_ID, naam="Kadaster / CBS 2024, wijk- en buurtkaart", **kwargs)
        return source_labels({}, DataStatus(sources={SOURCE_ID: source}))[SOURCE_ID]

    assert "DEMODATA" in label(soort="demo")
    assert (
        label(soort="actueel", datum="2026-12-01T12:00:00+00:00")
        == "Kadaster / CBS 2024, wijk- en buurtkaart; opgehaald 1 december 2026"
    )
    assert label(soort="opgeslagen", datum="2026-11-02T12:00:00+00:00").endswith(
        "opgehaald 2 november 2026 (eerder opgehaald)"
    )
    assert label(soort="ontbreekt") == "Kadaster / CBS 2024, wijk- en buurtkaart: ontbreekt"


def test_water_features_of_the_kaart_are_left_out(tmp_path: Path):
    features = demo_features(DEMO)
    land = next(f for f in features["gemeenten"] if f["properties"]["gemeentecode"] == WESTERVELD)
    features["gemeenten"].append(
        {"type": "Feature", "geometry": land["geometry"], "properties": dict(land["properties"], water="JA")}
    )
    with FakePdokServer(features) as server:
        snap = fetch(tmp_path, server.url).snapshot
    codes = [r["properties"]["gemeentecode"] for r in snap.rows() if r["properties"]["niveau"] == "gemeente"]
    assert sorted(codes) == sorted(REQUEST.key()["omgeving"])  # one feature per gemeente: the land


def test_two_gemeenten_fetched_in_the_same_second_get_two_snapshots(tmp_path: Path, pdok: FakePdokServer):
    first = fetch(tmp_path, pdok.url).snapshot
    other = BoundaryRequest(2024, ("GM1690",), ("GM1690",))
    second = resolve_boundaries("fresh", other, tmp_path, DEMO, url=pdok.url, now=NOW).snapshot
    assert first.path != second.path and second.snapshot_id == first.snapshot_id + "-01"
    assert [s.path for s in list_snapshots(tmp_path, SOURCE_ID)] == [first.path, second.path]
    assert resolve_boundaries("cache", REQUEST, tmp_path, DEMO, now=NOW).snapshot.path == first.path


# ------------------------------------------------------------------------------------ review of issue 20


def test_repeated_unchanged_fetches_of_two_gemeenten_leave_one_snapshot_each(tmp_path: Path, pdok: FakePdokServer):
    from veiligheidsanalyse.sources.boundaries import fetch_boundaries

    other = BoundaryRequest(2024, ("GM1690",), ("GM1690", "GM1701"))
    kept = {}
    for day in (1, 2, 3):
        when = datetime(2026, 12, day, 12, 0, tzinfo=UTC)
        for request in (REQUEST, other):
            snap = fetch_boundaries(request, tmp_path, url=pdok.url, now=when)
            assert kept.setdefault(request.gemeenten, snap.path) == snap.path  # the same copy every time
    assert len(list_snapshots(tmp_path, SOURCE_ID)) == 2


def test_a_changed_download_of_one_gemeente_gets_a_new_snapshot_of_that_gemeente_only(tmp_path: Path):
    from veiligheidsanalyse.sources.boundaries import fetch_boundaries

    features = demo_features(DEMO)
    other = BoundaryRequest(2024, ("GM1690",), ("GM1690",))
    with FakePdokServer(features) as server:
        first = fetch_boundaries(REQUEST, tmp_path, url=server.url, now=NOW)
        fetch_boundaries(other, tmp_path, url=server.url, now=NOW)
        wijk = next(f for f in features["wijken"] if f["properties"].get("gemeentecode") == WESTERVELD)
        wijk["properties"]["wijknaam"] = "Nieuwe naam"
        second = fetch_boundaries(REQUEST, tmp_path, url=server.url, now=datetime(2026, 12, 2, tzinfo=UTC))
        fetch_boundaries(other, tmp_path, url=server.url, now=datetime(2026, 12, 2, tzinfo=UTC))
    assert second.path != first.path and len(list_snapshots(tmp_path, SOURCE_ID)) == 3


def test_a_fresh_run_reuses_a_recent_copy_of_the_same_request_without_downloading(tmp_path: Path, pdok: FakePdokServer):
    from veiligheidsanalyse.store.status import KIND_WORDS

    good = fetch(tmp_path, pdok.url, reuse_recent=True).snapshot  # nothing cached yet: downloaded
    assert len(pdok.requests) > 0
    pdok.requests.clear()
    later = datetime(2026, 12, 20, tzinfo=UTC)
    reused = resolve_boundaries(
        "fresh", REQUEST, tmp_path, DEMO, url=pdok.url, now=later, max_age_days=31, reuse_recent=True
    )
    assert pdok.requests == []
    assert reused.origin == "cached" and reused.snapshot.path == good.path
    assert not reused.stale and reused.reason is None  # no 'niet actueel' banner for a recent copy
    assert KIND_WORDS[reused.kind] == "eerder opgehaald" and reused.retrieved_at == NOW
    assert "eerder opgehaald op 1 december 2026" in reused.message
    assert [a.origin for a in reused.alternatives] == ["demo"]
    # older than the policy allows: downloaded again (unchanged: the same snapshot, now fresh)
    old = resolve_boundaries(
        "fresh",
        REQUEST,
        tmp_path,
        DEMO,
        url=pdok.url,
        now=datetime(2027, 2, 1, tzinfo=UTC),
        max_age_days=31,
        reuse_recent=True,
    )
    assert old.origin == "fresh" and len(pdok.requests) > 0
    # a copy that lacks outlines of the surroundings is not enough
    pdok.requests.clear()
    wider = BoundaryRequest(2024, (WESTERVELD,), ("GM1701", "GM1690", "GM0119", "GM1680"))
    assert (
        resolve_boundaries("fresh", wider, tmp_path, DEMO, url=pdok.url, now=later, reuse_recent=True).origin == "fresh"
    )
    assert pdok.requests


def test_the_data_step_reuses_recent_boundaries(tmp_path: Path, monkeypatch):
    import yaml

    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.build import resolve_run_boundaries

    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"].update(cache=str(tmp_path / "cache"), demo=str(DEMO), max_leeftijd_dagen=30)
    path = tmp_path / "westerveld.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    request = REQUEST
    with FakePdokServer(demo_features(DEMO)) as server:
        monkeypatch.setenv("VA_PDOK_URL", server.url)
        first = resolve_run_boundaries(config, ROOT, "fresh", request)
        server.requests.clear()
        second = resolve_run_boundaries(config, ROOT, "fresh", request)
        assert server.requests == []
    assert first.origin == "fresh" and second.origin == "cached" and second.snapshot.path == first.snapshot.path


def test_the_store_code_covers_the_code_that_builds_the_store_boundaries():
    from veiligheidsanalyse.store.cache import store_code_files

    files = set(store_code_files())
    assert {"maps/boundaries.py", "maps/simplify.py", "sources/boundaries.py"} <= files
    assert "store/build.py" in files and "chapters/kaarten.py" not in files


def test_the_tests_never_reach_the_real_pdok():
    import os

    assert os.environ["VA_PDOK_URL"] == "http://127.0.0.1:9"  # forced by conftest, whatever was exported


def test_the_boundary_source_id_and_store_file_are_defined_once():
    from veiligheidsanalyse.sources import boundaries
    from veiligheidsanalyse.store import dataset as data
    from veiligheidsanalyse.store import status

    assert data.BOUNDARY_SOURCE is boundaries.SOURCE_ID and data.BOUNDARIES_FILE is boundaries.STORE_FILE
    assert status.MAP_SOURCES == {boundaries.SOURCE_ID}
    for module in (data, status):
        text = Path(module.__file__).read_text(encoding="utf-8")
        assert '"wijkbuurtkaart"' not in text and '"grenzen.geojson"' not in text


@pytest.mark.e2e
def test_the_fetch_command_does_not_try_pdok_again_after_it_failed(tmp_path: Path, monkeypatch, capsys):
    from fake_odata import FakeOdataServer, demo_tables
    from veiligheidsanalyse.report.fetch_command import fetch_command

    config = _config_in(tmp_path, "zuidwest-drenthe.yaml")
    with FakeOdataServer(demo_tables(), page_size=2000) as odata, FakePdokServer(demo_features(DEMO)) as pdok:
        monkeypatch.setenv("VA_PDOK_URL", pdok.url)
        pdok.fail("wijken", "status")
        fetch_command(config, endpoint=odata.endpoint(retries=1, timeout=(10, 60), total_timeout=120))
        err = capsys.readouterr().err
        asked = {p.split("gemeentecode=")[1].split("&")[0] for p in pdok.requests if "gemeentecode=" in p}
    assert "GM0119 wijkbuurtkaart: MISLUKT — wijken van GM0119: de server gaf een foutmelding (HTTP 500)" in err
    assert asked == {"GM0119"}  # the other gemeenten were not tried
    for code in ("GM1731", "GM1701"):
        assert f"{code} wijkbuurtkaart: MISLUKT — niet geprobeerd: PDOK faalde al (GM0119: " in err
    assert list_snapshots(tmp_path / "cache", SOURCE_ID) == []


def test_a_run_does_not_try_pdok_again_for_the_next_gemeente_after_it_failed(tmp_path: Path, monkeypatch):
    import yaml

    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.build import Network, resolve_run_boundaries

    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"].update(cache=str(tmp_path / "cache"), demo=str(DEMO))
    path = tmp_path / "westerveld.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    network = Network()
    with FakePdokServer(demo_features(DEMO)) as server:
        server.fail("wijken", "status")
        monkeypatch.setenv("VA_PDOK_URL", server.url)
        first = resolve_run_boundaries(config, ROOT, "fresh", REQUEST, network)
        asked = len(server.requests)
        other = BoundaryRequest(2024, ("GM1690",), ("GM1690",))
        second = resolve_run_boundaries(config, ROOT, "fresh", other, network)
        assert len(server.requests) == asked > 0  # the second gemeente asked nothing
    assert first.origin == "demo" and "HTTP 500" in first.reason and network.pdok_failed is not None
    assert second.origin == "demo" and "PDOK faalde eerder in deze run" in second.reason


def test_recent_boundaries_reused_make_no_stale_badge():
    from veiligheidsanalyse.store.status import DataStatus, SourceStatus

    table = SourceStatus(id="47013NED", naam="Politie 47013NED", soort="actueel", datum="2026-12-01T12:00:00+00:00")
    kaart = SourceStatus(
        id=SOURCE_ID,
        naam="Kadaster / CBS 2024, wijk- en buurtkaart",
        soort="opgeslagen",
        datum="2026-11-20T12:00:00+00:00",
    )
    status = DataStatus(sources={"47013NED": table, SOURCE_ID: kaart})
    assert status.badge() == ("ok", "actueel, 1 bron eerder opgehaald") and not status.stale
    failed = dataclasses.replace(kaart, reden="ophalen mislukt: de server was niet bereikbaar", verouderd=True)
    assert DataStatus(sources={"47013NED": table, SOURCE_ID: failed}).badge()[0] == "stale"


# ------------------------------------------------------------------------------------ the year of the buurtindeling


def _snapshot(root: Path, table_id: str, metadata: dict) -> Snapshot:
    return write_snapshot(root, table_id, [], metadata, {"demo": False})


def _stating(root: Path, table_id: str, region_description: str = "", title: str = "") -> Snapshot:
    """A wijk- en buurt table whose region dimension has ``region_description`` (and a MapYear of 2019
    that nothing may read)."""
    geo = {
        "Type": "GeoDetail",
        "Key": "WijkenEnBuurten",
        "Title": "Wijken en buurten",
        "Description": region_description,
        "MapYear": 2019,
    }
    return _snapshot(root, table_id, {"TableInfos": {"Title": title or table_id}, "DataProperties": [geo]})


def _westerveld():
    from veiligheidsanalyse.config import load_config

    return load_config(ROOT / "config" / "westerveld.yaml")


def test_a_table_stating_indeling_2023_makes_the_run_ask_pdok_for_2023(tmp_path: Path):
    from veiligheidsanalyse.store.build import boundary_request_from, boundary_status

    snapshots = {"47018NED": _stating(tmp_path, "47018NED", "Wijken en buurten (indeling 2023)")}
    request = boundary_request_from(_westerveld(), snapshots)
    assert request.jaar == 2023 and request.gemeenten == (WESTERVELD,)
    with FakePdokServer(demo_features(DEMO), jaar=2023) as pdok:  # it answers 404 for any other year
        resolved = resolve_boundaries("fresh", request, tmp_path / "cache", DEMO, url=pdok.url, now=NOW)
    assert resolved.origin == "fresh" and resolved.snapshot.provenance["jaar"] == 2023
    assert pdok.requests and all(p.startswith("/cbs/wijken-en-buurten-2023/") for p in pdok.requests)
    status, entry = boundary_status(resolved, None, snapshots)
    assert status.naam == "Kadaster / CBS 2023, wijk- en buurtkaart (buurtindeling 2023 van Politie 47018NED)"
    assert entry["jaar"] == 2023 and entry["attributie"] == "Kadaster / CBS 2023"


def test_when_tables_disagree_the_politie_buurt_table_the_maps_draw_decides_and_the_status_says_so(tmp_path: Path):
    snapshots = {
        "85984NED": _stating(tmp_path, "85984NED", title="Kerncijfers wijken en buurten 2024"),
        "47024NED": _stating(tmp_path, "47024NED", "Wijken en buurten (indeling 2024)"),
        "47018NED": _stating(tmp_path, "47018NED", "Wijken en buurten (indeling 2023)"),
        "47013NED": _stating(tmp_path, "47013NED", "Gemeenten (indeling 2019)"),
    }  # no buurten: not asked
    year = boundary_year_of(snapshots)
    assert (year.jaar, year.tabellen, year.afwijkend) == (2023, ("47018NED",), (("47024NED", 2024), ("85984NED", 2024)))
    assert year.text() == (
        "buurtindeling 2023 van Politie 47018NED, waarop de kaarten tekenen (Politie 47024NED "
        "volgt die van 2024; CBS 85984NED volgt die van 2024)"
    )
    # without the politie buurt table, the first buurt table in TABLES that states a year decides
    del snapshots["47018NED"]
    snapshots["47022NED"] = _stating(tmp_path, "47022NED", "Wijken en buurten (indeling 2022)")
    year = boundary_year_of(snapshots)
    assert (year.jaar, year.tabellen) == (2022, ("47022NED",))
    assert year.text() == (
        "buurtindeling 2022 van Politie 47022NED (Politie 47024NED volgt die van 2024; CBS 85984NED volgt die van 2024)"
    )


def test_tables_that_state_no_buurtindeling_get_the_newest_year_pdok_serves_with_a_note(tmp_path: Path):
    from veiligheidsanalyse.store.build import boundary_request_from, boundary_status

    snapshots = {"47018NED": _stating(tmp_path, "47018NED", "Wijken en buurten")}  # only the MapYear 2019
    assert boundary_year_of(snapshots).tabellen == () and boundary_year_of({}).jaar == NEWEST_BOUNDARY_YEAR
    request = boundary_request_from(_westerveld(), snapshots)
    assert request.jaar == NEWEST_BOUNDARY_YEAR == 2024
    resolved = resolve_boundaries("demo", request, tmp_path / "cache", DEMO, now=NOW)
    status, _entry = boundary_status(resolved, None, snapshots)
    assert status.naam == (
        "Kadaster / CBS 2023, wijk- en buurtkaart (buurtindeling 2024, de nieuwste bij PDOK: de "
        "tabellen met wijken en buurten noemen geen buurtindeling; deze kaart is die van 2023)"
    )


def test_the_data_status_of_a_demo_run_names_the_buurtindeling_and_its_source(demo_dataset):
    """The demo Kerncijfers are 'Kerncijfers wijken en buurten 2024'; the demo boundaries are those of 2023."""
    naam = demo_dataset.status.sources[SOURCE_ID].naam
    assert naam == (
        "Kadaster / CBS 2023, wijk- en buurtkaart (buurtindeling 2024 van CBS 85984NED; deze kaart is die van 2023)"
    )


def test_an_unreadable_metadata_file_states_no_year(tmp_path: Path):
    snap = _stating(tmp_path, "47018NED", "Wijken en buurten (indeling 2023)")
    (snap.path / "metadata.json").write_text("{", encoding="utf-8")
    assert boundary_year_of({"47018NED": snap}).tabellen == ()


@pytest.mark.e2e
def test_the_fetch_command_asks_pdok_for_the_year_the_politie_buurt_table_states(tmp_path: Path, monkeypatch, capsys):
    """As a run: the year comes from the newest copies of the buurt tables, not only the national facts."""
    from fake_odata import FakeOdataServer, demo_tables
    from veiligheidsanalyse.report.fetch_command import fetch_command

    tables = demo_tables()
    politie = next(t for t in tables if t.table_id == "47018NED")
    geo = next(p for p in politie.data_properties if p["Type"] == "GeoDetail")
    geo["Description"] = "Wijken en buurten (indeling 2023)"
    config = _config_in(tmp_path, "westerveld.yaml")
    with FakeOdataServer(tables, page_size=2000) as odata, FakePdokServer(demo_features(DEMO), jaar=2023) as pdok:
        monkeypatch.setenv("VA_PDOK_URL", pdok.url)
        fetch_command(config, endpoint=odata.endpoint(retries=1, timeout=(10, 60), total_timeout=120))
    assert "GM1701 wijkbuurtkaart: opgehaald, snapshot" in capsys.readouterr().out
    assert pdok.requests and all(p.startswith("/cbs/wijken-en-buurten-2023/") for p in pdok.requests)
    assert [s.provenance["jaar"] for s in list_snapshots(tmp_path / "cache", SOURCE_ID)] == [2023]
