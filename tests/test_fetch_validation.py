"""A bad download never poisons the cache, and a partial one is used for what it has.

A download is checked against what normalisation structurally needs before it becomes a snapshot;
one that fails is kept aside under ``<table>/rejected/`` with the reason, the previous snapshot
stays current and ``fetch`` exits 3 naming table and field. Missing category codes are not
structural: the indicators that need them get no data and a note.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from fake_odata import (
    BASISTEAM_CODES,
    FakeOdataServer,
    FakeTable,
    demo_tables,
    gemeente_table,
    real_47013_table,
    real_data_dir,
)
from veiligheidsanalyse.indicators import catalogue, for_table
from veiligheidsanalyse.report.fetch_command import fetch_command
from veiligheidsanalyse.sources.fetch import FetchRequest, RejectedDownload, fetch_tables, newest_usable
from veiligheidsanalyse.sources.odata import SchemaError
from veiligheidsanalyse.sources.snapshots import (
    REASON_FILE,
    latest_snapshot,
    list_rejected,
    list_snapshots,
    write_snapshot,
)
from veiligheidsanalyse.sources.structure import check_structure, structural_problems
from veiligheidsanalyse.sources.tables import TABLES
from veiligheidsanalyse.store.normalise import NormaliseError, normalise_snapshot, normalise_snapshot_with_notes

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
NOW = datetime(2026, 11, 27, 18, 15, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GEMEENTEN = FetchRequest("47013NED", regions=("GM1701", "NL01"))  # no measures named: as a run asks


def drop_measure(table: FakeTable, key: str) -> None:
    table.data_properties = [p for p in table.data_properties if p["Key"] != key]
    table.rows = [{k: v for k, v in r.items() if k != key} for r in table.rows]


def _westerveld_config(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["cache"] = str(tmp_path / "cache")
    config = tmp_path / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config


def _copy_snapshot(root: Path, snap, snapshot_id: str, without: str | None = None):
    """A copy of ``snap`` under a later id, as an older version of the project might have cached it
    (optionally without a measure the catalogue needs)."""
    meta, rows = snap.metadata, snap.rows()
    if without:
        meta["DataProperties"] = [p for p in meta["DataProperties"] if p["Key"] != without]
        rows = [{k: v for k, v in r.items() if k != without} for r in rows]
    provenance = {k: v for k, v in snap.provenance.items() if k not in ("sha256", "row_count")}
    return write_snapshot(root, snap.table_id, rows, meta, provenance, snapshot_id=snapshot_id)


# --------------------------------------------------------------------------------------------
# (a) a served table lacking a needed measure


def test_download_lacking_a_measure_is_kept_aside_and_the_previous_snapshot_stays(tmp_path):
    root = tmp_path / "cache"
    with FakeOdataServer([gemeente_table()], page_size=50) as server:
        first = fetch_tables([GEMEENTEN], root, server.endpoint(), now=NOW)
        assert first.ok
        good = first.outcomes["47013NED"].snapshot
        table = server.table("47013NED")
        drop_measure(table, "Internetaangiften_3")
        table.set_modified("2025-02-15T02:00:00")
        report = fetch_tables([GEMEENTEN], root, server.endpoint(), now=LATER)

    outcome = report.outcomes["47013NED"]
    assert outcome.status == "failed" and outcome.snapshot is None and not report.ok
    error = outcome.error
    assert isinstance(error, RejectedDownload) and isinstance(error, SchemaError)
    assert error.field == "Internetaangiften_3" and error.table_id == "47013NED"
    assert "47013NED" in str(error) and "Internetaangiften_3" in str(error) and "afgekeurd" in str(error)

    # The previous snapshot stays current; the rejected download is not a snapshot.
    assert [s.snapshot_id for s in list_snapshots(root, "47013NED")] == [good.snapshot_id]
    assert latest_snapshot(root, "47013NED").path == good.path
    (kept,) = list_rejected(root, "47013NED")
    assert kept == error.rejected_path and kept.parent.name == "rejected"
    assert {p.name for p in kept.iterdir()} == {"data.json.gz", "metadata.json", "provenance.json", REASON_FILE}
    reason = (kept / REASON_FILE).read_text(encoding="utf-8")
    assert "tabel 47013NED, veld Internetaangiften_3" in reason and "meetwaarde" in reason
    provenance = json.loads((kept / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["rejected"] is True and provenance["table_modified"] == "2025-02-15T02:00:00"


def test_fetch_command_exits_3_naming_table_and_field(tmp_path, capsys):
    config = _westerveld_config(tmp_path)
    tables = demo_tables()
    cache = tmp_path / "cache"
    with FakeOdataServer(tables, page_size=2000) as server:
        endpoint = server.endpoint(retries=0, timeout=(5, 60))
        assert fetch_command(config, endpoint=endpoint) == 0, capsys.readouterr().err
        capsys.readouterr()
        before = list_snapshots(cache, "47013NED")
        table = server.table("47013NED")
        drop_measure(table, "Internetaangiften_3")
        table.set_modified("2031-01-01T02:00:00")
        code = fetch_command(config, endpoint=endpoint)
    out = capsys.readouterr()
    assert code == 3, out.err
    (line,) = [x for x in out.err.splitlines() if "47013NED" in x and not x.startswith("    LET OP: ")]
    assert "MISLUKT" in line and "afgekeurd" in line and "veld Internetaangiften_3" in line
    assert f"snapshot {before[-1].snapshot_id} blijft in gebruik" in line
    assert list_snapshots(cache, "47013NED") == before
    assert len(list_rejected(cache, "47013NED")) == 1
    assert "03759ned: ongewijzigd" in out.out  # the other tables are still fine


def test_fetch_command_names_the_snapshot_a_run_falls_back_to(tmp_path, capsys):
    """After a rejected download, the snapshot named as "blijft in gebruik" is the one a run uses:
    newer cached snapshots that are damaged or lack what normalisation needs are passed over."""
    config = _westerveld_config(tmp_path)
    cache = tmp_path / "cache"
    tables = demo_tables()
    with FakeOdataServer(tables, page_size=2000) as server:
        endpoint = server.endpoint(retries=0, timeout=(5, 60))
        assert fetch_command(config, endpoint=endpoint) == 0, capsys.readouterr().err
        first = capsys.readouterr()
        (good,) = list_snapshots(cache, "47013NED")
        bad = _copy_snapshot(cache, good, f"{good.snapshot_id}-01", without="Internetaangiften_3")
        damaged = _copy_snapshot(cache, good, f"{good.snapshot_id}-02")
        (damaged.path / "data.json.gz").write_bytes(b"kapot")
        table = server.table("47013NED")
        drop_measure(table, "Internetaangiften_3")
        table.set_modified("2031-01-01T02:00:00")
        code = fetch_command(config, endpoint=endpoint)
    out = capsys.readouterr()
    assert code == 3, out.err

    # The fetch output is Dutch and shows the warnings (PV22 is not in the demo 47013NED).
    assert f"GM1701 47013NED: opgehaald, snapshot {good.snapshot_id}" in first.out
    assert (
        "    LET OP: Tabel 47013NED: regiocode PV22 staat niet in de tabel (dimensie RegioS); die provincie "
        "heeft geen gegevens uit deze tabel."
    ) in first.out.splitlines()

    (line,) = [x for x in out.err.splitlines() if "MISLUKT" in x and "47013NED" in x]
    assert "afgekeurd" in line and "veld Internetaangiften_3" in line
    assert line.endswith(f"snapshot {good.snapshot_id} blijft in gebruik")
    assert bad.snapshot_id not in line and damaged.snapshot_id not in line
    warnings = [x for x in out.err.splitlines() if x.startswith("    LET OP: Tabel 47013NED: ")]
    assert any(f"snapshot {damaged.snapshot_id} is beschadigd" in w and "data.json.gz" in w for w in warnings)

    # The same rule as the run: it passes over the bad snapshot (it fails to normalise) and the
    # damaged one (it fails verify()), and normalises the good one.
    with pytest.raises(NormaliseError, match="Internetaangiften_3"):
        normalise_snapshot(bad)
    assert len(normalise_snapshot(good))
    request = FetchRequest("47013NED", regions=tuple(good.provenance["request"]["regions"]))
    assert newest_usable(cache, "47013NED", request.key()).path == good.path


def test_newest_usable_is_none_without_a_good_snapshot(tmp_path):
    root = tmp_path / "cache"
    with FakeOdataServer([gemeente_table()], page_size=50) as server:
        good = fetch_tables([GEMEENTEN], root, server.endpoint(), now=NOW).outcomes["47013NED"].snapshot
    assert newest_usable(root, "47013NED", GEMEENTEN.key()).path == good.path
    _copy_snapshot(root, good, f"{good.snapshot_id}-01", without="GeregistreerdeMisdrijven_1")
    assert newest_usable(root, "47013NED", GEMEENTEN.key()).path == good.path
    other = FetchRequest("47013NED", regions=("GM0118",))  # not covered by any snapshot
    assert newest_usable(root, "47013NED", other.key()) is None
    (good.path / "metadata.json").write_text("{}", encoding="utf-8")  # damaged: verify() fails
    assert newest_usable(root, "47013NED", GEMEENTEN.key()) is None


def test_a_snapshot_cached_before_the_check_is_not_taken_as_current(tmp_path):
    """A snapshot written before this check (same table version on the server) that lacks a needed
    measure is not "unchanged": the table is downloaded and checked again."""
    root = tmp_path / "cache"
    with FakeOdataServer([gemeente_table()], page_size=50) as server:
        table = server.table("47013NED")
        meta = {
            "TableInfos": table.table_infos,
            "DataProperties": [p for p in table.data_properties if p["Key"] != "Internetaangiften_3"],
            "dimensions": table.dimensions,
        }
        old = write_snapshot(
            root,
            "47013NED",
            [],
            meta,
            {"table_modified": table.table_infos["Modified"], "request": GEMEENTEN.key()},
            snapshot_id="20260101T000000Z",
        )
        report = fetch_tables([GEMEENTEN], root, server.endpoint(), now=NOW)
    outcome = report.outcomes["47013NED"]
    assert outcome.status == "downloaded" and outcome.snapshot.path != old.path
    assert any("20260101T000000Z" in w and "onbruikbaar" in w for w in outcome.warnings)


# --------------------------------------------------------------------------------------------
# What is structural and what is not


def _demo_metadata(table_id: str) -> dict:
    return json.loads((DEMO / table_id / "demo" / "metadata.json").read_text(encoding="utf-8"))


def test_demo_tables_have_no_structural_problems():
    for table_id in TABLES:
        if (DEMO / table_id / "demo").exists():
            assert structural_problems(table_id, _demo_metadata(table_id)) == [], table_id


def test_structural_problems_name_table_and_field():
    meta = _demo_metadata("47013NED")
    meta["dimensions"]["SoortMisdrijf"] = [
        m for m in meta["dimensions"]["SoortMisdrijf"] if m["Key"].strip() == "0.0.0"
    ]
    assert structural_problems("47013NED", meta) == []  # missing categories are not structural

    names = json.loads(json.dumps(meta))
    names["dimensions"]["RegioS"] = [{"Key": m["Title"], "Title": m["Title"]} for m in names["dimensions"]["RegioS"]]
    (problem,) = check_structure("47013NED", names)
    assert problem.field == "RegioS" and problem.message.startswith("tabel 47013NED, veld RegioS: geen regiocode")

    periods = json.loads(json.dumps(meta))
    periods["dimensions"]["Perioden"] = [{"Key": "2024", "Title": "2024"}]
    assert [p.field for p in check_structure("47013NED", periods)] == ["Perioden"]

    measure = json.loads(json.dumps(meta))
    measure["DataProperties"] = [p for p in measure["DataProperties"] if p["Key"] != "GeregistreerdeMisdrijven_1"]
    (text,) = structural_problems("47013NED", measure)
    assert text.startswith("tabel 47013NED, veld GeregistreerdeMisdrijven_1: meetwaarde ontbreekt")
    assert "misdrijven_totaal" in text

    dimension = json.loads(json.dumps(meta))
    dimension["DataProperties"] = [p for p in dimension["DataProperties"] if p["Key"] != "SoortMisdrijf"]
    assert [p.field for p in check_structure("47013NED", dimension)] == ["SoortMisdrijf"]

    rows = [{"ID": 0, "RegioS": "GM1701  ", "Perioden": "2024JJ00", "GeregistreerdeMisdrijven_1": "1"}]
    assert [p.field for p in check_structure("47013NED", meta, rows=rows)] == ["SoortMisdrijf"]


# --------------------------------------------------------------------------------------------
# Missing category codes: no data for the indicators that need them, the rest is used


def _politie_snapshot(
    tmp_path: Path,
    soorten: dict[str, str],
    values: dict[str, str | None],
    measures=("GeregistreerdeMisdrijven_1", "Aangiften_2", "Internetaangiften_3"),
):
    """A 47013NED snapshot for GM1701, 2024, with the given SoortMisdrijf codes and values."""
    props = [
        {"Key": "SoortMisdrijf", "Type": "Dimension"},
        {"Key": "RegioS", "Type": "GeoDimension"},
        {"Key": "Perioden", "Type": "TimeDimension"},
    ]
    props += [
        {"Key": m, "Title": m, "Type": "Topic"}
        for m in ("GeregistreerdeMisdrijven_1", "Aangiften_2", "Internetaangiften_3")
    ]
    metadata = {
        "TableInfos": {"Title": "Geregistreerde misdrijven en aangiften", "Modified": "2026-01-01T00:00:00"},
        "DataProperties": props,
        "dimensions": {
            "SoortMisdrijf": [{"Key": k.ljust(6), "Title": t} for k, t in soorten.items()],
            "RegioS": [{"Key": "GM1701  ", "Title": "Westerveld"}],
            "Perioden": [{"Key": "2024JJ00", "Title": "2024", "Status": "Definitief"}],
        },
    }
    rows = []
    for i, code in enumerate(soorten):
        row = {"ID": i, "SoortMisdrijf": code.ljust(6), "RegioS": "GM1701  ", "Perioden": "2024JJ00"}
        for m in measures:
            value = values.get(code)
            row[m] = "." if value is None else value
        rows.append(row)
    return write_snapshot(tmp_path, "47013NED", rows, metadata, {"url": "test"}, snapshot_id="t1")


def _values(frame) -> dict[str, float]:
    return dict(zip(frame["indicator"], frame["waarde"]))


def test_a_group_with_a_missing_sub_code_gets_no_data_and_a_note(tmp_path):
    soorten = {
        "0.0.0": "Totaal misdrijven",
        "1.4.2": "Moord, doodslag",
        "1.4.4": "Bedreiging",
        "1.4.5": "Mishandeling",
        "1.1.1": "Diefstal/inbraak woning",
        "9.9.9": "Nieuwe soort",
    }
    snap = _politie_snapshot(
        tmp_path, soorten, {"0.0.0": "400", "1.4.2": "1", "1.4.4": "10", "1.4.5": "20", "1.1.1": "7", "9.9.9": "3"}
    )
    frame, notes = normalise_snapshot_with_notes(snap)
    values = _values(frame)
    assert values["misdrijven_totaal"] == 400 and values["woninginbraak"] == 7
    assert "geweld" not in values  # 1.4.3 is missing: no partial sum that looks complete
    (geweld,) = [n for n in notes if "indicator geweld " in n]
    assert geweld == (
        "Tabel 47013NED: geen gegevens voor indicator geweld (Geweldsmisdrijven): SoortMisdrijf heeft geen code 1.4.3."
    )
    unknown = [n for n in notes if "niet kent" in n]
    assert unknown == [
        "Tabel 47013NED: SoortMisdrijf heeft 1 code die het project niet kent "
        "(9.9.9 Nieuwe soort); die wordt niet gebruikt."
    ]
    assert normalise_snapshot(snap).attrs["notes"] == notes


def test_the_tables_own_total_code_is_preferred_to_the_sum(tmp_path):
    """With ``source.total`` the table's own total is used when it has it, so a suppressed (".") or
    missing sub-code does not cost the whole group; without it, the sub-codes are summed."""
    geweld = catalogue()["geweld"]
    with_total = dataclasses.replace(geweld, source={**geweld.source, "total": {"SoortMisdrijf": "1.4 Geweld"}})
    soorten = {
        "0.0.0": "Totaal misdrijven",
        "1.4": "1.4 Geweld",
        "1.4.2": "Moord, doodslag",
        "1.4.3": "Openlijk geweld (persoon)",
        "1.4.4": "Bedreiging",
        "1.4.5": "Mishandeling",
    }
    values = {"0.0.0": "400", "1.4": "33", "1.4.2": None, "1.4.3": "2", "1.4.4": "10", "1.4.5": "20"}
    snap = _politie_snapshot(tmp_path / "a", soorten, values)
    assert _values(normalise_snapshot_with_notes(snap, [with_total])[0]) == {"geweld": 33}
    summed = normalise_snapshot_with_notes(snap, [geweld])[0]
    assert summed["waarde"].isna().all() and list(summed["status"]) == ["onbekend"]  # "." makes the sum unknown

    without_total = {k: v for k, v in soorten.items() if k != "1.4"}
    snap = _politie_snapshot(tmp_path / "b", without_total, {**values, "1.4.2": "1"})
    assert _values(normalise_snapshot_with_notes(snap, [with_total])[0]) == {"geweld": 33.0}


def test_a_measure_not_in_the_rows_is_a_note_not_a_crash(tmp_path):
    snap = _politie_snapshot(
        tmp_path, {"0.0.0": "Totaal misdrijven"}, {"0.0.0": "5"}, measures=("GeregistreerdeMisdrijven_1",)
    )
    frame, notes = normalise_snapshot_with_notes(snap)
    assert _values(frame) == {"misdrijven_totaal": 5}
    assert any("indicator internetaangiften" in n and "Internetaangiften_3" in n for n in notes)


def test_a_structural_problem_is_still_a_normalise_error(tmp_path):
    snap = _politie_snapshot(tmp_path, {"0.0.0": "Totaal misdrijven"}, {"0.0.0": "5"})
    meta = snap.metadata
    meta["DataProperties"] = [p for p in meta["DataProperties"] if p["Key"] != "GeregistreerdeMisdrijven_1"]
    bad = write_snapshot(tmp_path / "bad", "47013NED", snap.rows(), meta, {"url": "test"}, snapshot_id="t2")
    with pytest.raises(NormaliseError, match=r"^tabel 47013NED, veld GeregistreerdeMisdrijven_1: "):
        normalise_snapshot_with_notes(bad)


# --------------------------------------------------------------------------------------------
# (b) a served 47013NED with only the total category (real shape and values)

REAL = real_data_dir()


@pytest.mark.skipif(
    REAL is None or not (REAL / "politie-47013NED-gemeente").is_dir(),
    reason="real extracts not found (../shared/data/real or VA_SHARED_DATA)",
)
def test_only_the_total_category_gives_the_real_totals_and_names_the_rest(tmp_path):
    table, _known = real_47013_table(REAL / "politie-47013NED-gemeente")
    with FakeOdataServer([table], page_size=7) as server:
        request = FetchRequest("47013NED", regions=tuple(BASISTEAM_CODES.values()))
        report = fetch_tables([request], tmp_path, server.endpoint(timeout=(5, 60)), now=NOW)
    outcome = report.outcomes["47013NED"]
    assert outcome.status == "downloaded", outcome.error  # not structural: a snapshot, not rejected
    assert list_rejected(tmp_path, "47013NED") == []

    frame, notes = normalise_snapshot_with_notes(outcome.snapshot)
    totals = frame[frame["indicator"] == "misdrijven_totaal"]
    got = {(r.regio_code, int(r.jaar)): r.waarde for r in totals.itertuples()}
    assert got[("GM1701", 2022)] == 317 and got[("GM1701", 2023)] == 366 and got[("GM1701", 2024)] == 376
    assert [got[("GM0118", y)] for y in (2022, 2023, 2024)] == [2250, 2243, 2322]  # Hoogeveen
    assert got[("NL01", 2023)] == 805590
    assert set(frame["indicator"]) == {"misdrijven_totaal", "internetaangiften"}

    without = {i.id for i in for_table("47013NED")} - {"misdrijven_totaal", "internetaangiften"}
    assert len(notes) == len(without)  # one note per indicator without data; no unknown codes
    for indicator_id in without:
        (note,) = [n for n in notes if f"indicator {indicator_id} (" in n]
        assert note.startswith("Tabel 47013NED: geen gegevens voor indicator")
        assert "SoortMisdrijf heeft geen code" in note
    assert any("woninginbraak" in n and "1.1.1" in n for n in notes)
    assert any("geweld" in n and "1.4.2, 1.4.3, 1.4.4, 1.4.5" in n for n in notes)
