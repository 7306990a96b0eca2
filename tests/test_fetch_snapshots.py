"""fetch_tables end to end: fake server -> cbsodata -> snapshot with provenance; re-fetch rules."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_odata import FakeOdataServer, buurt_table, gemeente_table, tree_state
from veiligheidsanalyse.sources.fetch import FetchRequest, build_filter, covers, fetch_tables
from veiligheidsanalyse.sources.snapshots import list_snapshots, snapshot_age_days
from veiligheidsanalyse.sources.tables import table_spec

NOW = datetime(2026, 11, 27, 18, 15, tzinfo=UTC)
GEMEENTEN = FetchRequest("47013NED", regions=("GM1701", "NL01", "PV22"), measures=("Geregistreerde misdrijven",))
BUURTEN = FetchRequest("47018NED", gemeente="GM1701", measures=("GeregistreerdeMisdrijven_1",))


@pytest.fixture
def server():
    with FakeOdataServer([gemeente_table(), buurt_table()], page_size=5) as srv:
        yield srv


def test_fetch_writes_one_snapshot_per_table_with_provenance(server, tmp_path):
    report = fetch_tables([GEMEENTEN, BUURTEN], tmp_path, server.endpoint(), now=NOW)
    assert report.ok and set(report.downloaded) == {"47013NED", "47018NED"}

    snap = report.outcomes["47013NED"].snapshot
    assert snap.snapshot_id == "20261127T181500Z" and list_snapshots(tmp_path, "47013NED") == [snap]
    snap.verify()
    rows = snap.rows()
    assert {r["RegioS"] for r in rows} == {"GM1701  ", "NL01    ", "PV22    "}  # raw padded keys
    assert len(rows) == 2 * 3 * 3
    prov = snap.provenance
    assert prov["table_modified"] == "2025-01-15T02:00:00"
    assert prov["retrieved_at"] == "2026-11-27T18:15:00+00:00"
    assert prov["catalog"] == "Politie" and prov["host"] == "dataderden.cbs.nl"
    assert prov["filters"] == "RegioS eq 'GM1701  ' or RegioS eq 'NL01    ' or RegioS eq 'PV22    '"
    assert prov["select"] is None and prov["row_count"] == 18
    assert prov["url"].startswith(server.base_url + "/dataderden.cbs.nl/ODataFeed/odata/47013NED/UntypedDataSet?")
    assert prov["request"]["regions"] == ["GM1701", "NL01", "PV22"]
    assert prov["client"].startswith("cbsodata ")
    assert set(prov["sha256"]) == {"data.json.gz", "metadata.json"}
    assert snapshot_age_days(snap, NOW) == 0

    meta = snap.metadata
    assert meta["TableInfos"]["Identifier"] == "47013NED"
    assert [p["Key"] for p in meta["DataProperties"]][:3] == ["SoortMisdrijf", "RegioS", "Perioden"]
    assert set(meta["dimensions"]) == {"SoortMisdrijf", "RegioS", "Perioden"}
    assert len(meta["dimensions"]["RegioS"]) == 6  # the whole code list, paged


def test_buurten_request_keeps_the_gemeente_its_wijken_and_buurten(server, tmp_path):
    report = fetch_tables([BUURTEN], tmp_path, server.endpoint(), now=NOW)
    rows = report.outcomes["47018NED"].snapshot.rows()
    codes = {r["WijkenEnBuurten"] for r in rows}
    assert codes == {"GM1701    ", "WK170100  ", "BU17010000", "BU17010003", "WK170108  ", "BU17010800"}
    filters = report.outcomes["47018NED"].snapshot.provenance["filters"]
    assert filters == (
        "startswith(WijkenEnBuurten,'GM1701') or startswith(WijkenEnBuurten,'WK1701') "
        "or startswith(WijkenEnBuurten,'BU1701')"
    )


def test_select_measures_and_extra_filters(server, tmp_path):
    request = FetchRequest(
        "47013NED",
        regions=("GM1701", "GM1690"),
        filters={"Perioden": ("2023JJ00",), "SoortMisdrijf": ("0.0.0",)},
        measures=("Aangiften",),
        select_measures=True,
    )
    snap = fetch_tables([request], tmp_path, server.endpoint(), now=NOW).outcomes["47013NED"].snapshot
    rows = snap.rows()
    assert len(rows) == 2
    assert set(rows[0]) == {"ID", "SoortMisdrijf", "RegioS", "Perioden", "Aangiften_2"}
    assert snap.provenance["select"] == ["ID", "SoortMisdrijf", "RegioS", "Perioden", "Aangiften_2"]
    assert snap.provenance["filters"] == (
        "(RegioS eq 'GM1690  ' or RegioS eq 'GM1701  ') and (Perioden eq '2023JJ00') and (SoortMisdrijf eq '0.0.0 ')"
    )


def test_unchanged_modified_date_downloads_nothing(server, tmp_path):
    fetch_tables([GEMEENTEN, BUURTEN], tmp_path, server.endpoint(), now=NOW)
    before = tree_state(tmp_path)
    server.log.clear()
    later = datetime(2026, 12, 1, tzinfo=UTC)
    report = fetch_tables([GEMEENTEN, BUURTEN], tmp_path, server.endpoint(), now=later)
    assert set(report.unchanged) == {"47013NED", "47018NED"} and not report.downloaded
    assert tree_state(tmp_path) == before
    # only TableInfos was asked, once per table
    assert sorted((r.table_id, r.entity_set) for r in server.log) == [
        ("47013NED", "TableInfos"),
        ("47018NED", "TableInfos"),
    ]
    assert report.outcomes["47013NED"].snapshot.snapshot_id == "20261127T181500Z"


def test_changed_modified_date_makes_a_new_snapshot(server, tmp_path):
    fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=NOW)
    server.table("47013NED").set_modified("2025-02-15T02:00:00")
    report = fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=datetime(2026, 12, 2, tzinfo=UTC))
    assert set(report.downloaded) == {"47013NED"}
    snaps = list_snapshots(tmp_path, "47013NED")
    assert len(snaps) == 2 and snaps[-1].provenance["table_modified"] == "2025-02-15T02:00:00"
    assert snaps[0].provenance["table_modified"] == "2025-01-15T02:00:00"  # the old one is kept


def test_same_second_gets_its_own_snapshot_id(server, tmp_path):
    fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=NOW)
    server.table("47013NED").set_modified("2025-02-15T02:00:00")
    fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=NOW)
    assert [s.snapshot_id for s in list_snapshots(tmp_path, "47013NED")] == ["20261127T181500Z", "20261127T181500Z-01"]


def test_other_regions_are_fetched_again_but_a_subset_is_not(server, tmp_path):
    fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=NOW)
    subset = FetchRequest("47013NED", regions=("GM1701",))
    assert set(fetch_tables([subset], tmp_path, server.endpoint(), now=NOW).unchanged) == {"47013NED"}
    other = FetchRequest("47013NED", regions=("GM1701", "GM1690"))
    report = fetch_tables([other], tmp_path, server.endpoint(), now=datetime(2026, 11, 28, tzinfo=UTC))
    assert set(report.downloaded) == {"47013NED"}
    assert len(list_snapshots(tmp_path, "47013NED")) == 2


def test_missing_region_code_is_a_warning_none_found_an_error(server, tmp_path):
    request = FetchRequest("47013NED", regions=("GM1701", "GM9999"))
    outcome = fetch_tables([request], tmp_path, server.endpoint(), now=NOW).outcomes["47013NED"]
    assert outcome.status == "downloaded"
    assert outcome.warnings == [
        "Tabel 47013NED: regiocode GM9999 staat niet in de tabel (dimensie RegioS); "
        "die gemeente heeft geen gegevens uit deze tabel."
    ]
    outcome = fetch_tables(
        [FetchRequest("47013NED", regions=("GM9998",))], tmp_path / "other", server.endpoint()
    ).outcomes["47013NED"]
    assert outcome.status == "failed" and "GM9998" in str(outcome.error) and "RegioS" in str(outcome.error)
    outcome = fetch_tables(
        [FetchRequest("47018NED", gemeente="GM0363")], tmp_path / "other", server.endpoint()
    ).outcomes["47018NED"]
    assert outcome.status == "failed" and "GM0363" in str(outcome.error)
    assert tree_state(tmp_path / "other") is None


def test_warnings_are_dutch_sentences_naming_table_and_code(server, tmp_path):
    """Every warning on a TableOutcome is one complete Dutch sentence naming the table and the code
    or field; an unchanged table repeats the code warnings of its snapshot (each run's fetch says them)."""
    request = FetchRequest(
        "47013NED", regions=("GM1701", "GM9999", "GM9998", "PV99"), filters={"Perioden": ("2023JJ00", "2031JJ00")}
    )
    outcome = fetch_tables([request], tmp_path, server.endpoint(), now=NOW).outcomes["47013NED"]
    expected = [
        "Tabel 47013NED: regiocodes GM9998, GM9999, PV99 staan niet in de tabel (dimensie RegioS); "
        "die regio's hebben geen gegevens uit deze tabel.",
        "Tabel 47013NED: code 2031JJ00 staat niet in de dimensie Perioden van de tabel; "
        "voor die code zijn er geen gegevens uit deze tabel.",
    ]
    assert outcome.status == "downloaded" and outcome.warnings == expected
    again = fetch_tables([request], tmp_path, server.endpoint(), now=NOW).outcomes["47013NED"]
    assert again.status == "unchanged" and again.warnings == expected

    # A code the table lists but has no rows for: the selection is empty.
    server.table("47013NED").dimensions["RegioS"].append({"Key": "GM9990  ", "Title": "Leeg", "Description": None})
    empty = fetch_tables(
        [FetchRequest("47013NED", regions=("GM9990",))], tmp_path / "empty", server.endpoint(), now=NOW
    ).outcomes["47013NED"]
    (warning,) = empty.warnings
    assert warning.startswith(
        "Tabel 47013NED: geen enkele rij voldoet aan de selectie op RegioS (RegioS eq 'GM9990  ')"
    )
    assert warning.endswith("; de tabel levert voor deze selectie geen gegevens.")

    # A damaged cached snapshot: named, with the file, and fetched again.
    snap = outcome.snapshot
    (snap.path / "data.json.gz").write_bytes(b"kapot")
    server.table("47013NED").set_modified("2025-02-15T02:00:00")
    later = datetime(2026, 11, 28, tzinfo=UTC)
    damaged = fetch_tables([request], tmp_path, server.endpoint(), now=later).outcomes["47013NED"]
    assert damaged.status == "downloaded"
    assert damaged.warnings[0] == (
        f"Tabel 47013NED: opgeslagen snapshot {snap.snapshot_id} is beschadigd (bestand "
        "data.json.gz klopt niet met de controlesom in provenance.json); de tabel wordt "
        "opnieuw opgehaald."
    )
    for each in [*expected, warning, *damaged.warnings]:
        assert each.startswith("Tabel 47013NED: ") and each.endswith(".")


def test_a_snapshot_with_unreadable_provenance_is_passed_over(server, tmp_path):
    first = fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=NOW).outcomes["47013NED"].snapshot
    broken = tmp_path / "47013NED" / "20261128T000000Z"
    broken.mkdir()
    (broken / "provenance.json").write_text("{niet json", encoding="utf-8")
    outcome = fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=NOW).outcomes["47013NED"]
    assert outcome.status == "unchanged" and outcome.snapshot.path == first.path


def test_request_validation():
    with pytest.raises(ValueError, match="gemeente"):
        FetchRequest("47018NED", regions=("GM1701",)).key()
    with pytest.raises(ValueError, match="region codes"):
        FetchRequest("47013NED").key()
    with pytest.raises(ValueError, match="sequence of codes"):
        FetchRequest("47013NED", regions="GM1701").key()
    with pytest.raises(ValueError, match="one request per table"):
        fetch_tables([GEMEENTEN, GEMEENTEN], "/nonexistent")


def test_covers():
    have = GEMEENTEN.key()
    assert covers(have, FetchRequest("47013NED", regions=("NL01",)).key())
    assert not covers(have, FetchRequest("47013NED", regions=("GM0118",)).key())
    assert covers(None, have)  # snapshot written by another tool: whole table
    narrowed = FetchRequest("47013NED", regions=("GM1701",), filters={"Perioden": ("2023JJ00",)}).key()
    assert covers(have, narrowed) and not covers(narrowed, FetchRequest("47013NED", regions=("GM1701",)).key())


def test_build_filter_escapes_quotes():
    spec = table_spec("47013NED")
    lists = {"RegioS": [{"Key": "GM'1  "}]}
    assert build_filter("47013NED", spec, FetchRequest("47013NED", regions=("GM'1",)), lists) == "RegioS eq 'GM''1  '"


REGION_KEYS = ["NL01", "PV22", "GM1701", "GM1690", "GM0118", "RE01"]


@pytest.fixture(scope="module")
def shared_server():
    with FakeOdataServer([gemeente_table()], page_size=7) as srv:
        yield srv


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    regions=st.sets(st.sampled_from(REGION_KEYS), min_size=1),
    periods=st.one_of(st.none(), st.sets(st.sampled_from(["2022JJ00", "2023JJ00", "2023MM01"]), min_size=1)),
)
def test_fetched_rows_are_exactly_the_requested_ones(shared_server, regions, periods):
    request = FetchRequest("47013NED", regions=tuple(regions), filters={"Perioden": tuple(periods)} if periods else {})
    with tempfile.TemporaryDirectory() as tmp:
        snap = fetch_tables([request], tmp, shared_server.endpoint(), now=NOW).outcomes["47013NED"].snapshot
        rows = snap.rows()
    expected = [
        r
        for r in shared_server.table("47013NED").rows
        if r["RegioS"].strip() in regions and (periods is None or r["Perioden"] in periods)
    ]
    assert sorted(r["ID"] for r in rows) == sorted(r["ID"] for r in expected)
    assert rows == sorted(expected, key=lambda r: r["ID"])  # raw rows, unchanged
