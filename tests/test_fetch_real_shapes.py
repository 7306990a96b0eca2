"""Real table shapes and known answers: fake-server tables built at test time from the real extracts in
../shared/data/real (never copied into the repository), fetched through cbsodata into snapshots."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fake_odata import FakeOdataServer, FakeTable, real_47013_table, real_data_dir
from veiligheidsanalyse.sources.fetch import FetchRequest, fetch_tables
from veiligheidsanalyse.sources.tables import POLITIE_HOST

REAL = real_data_dir()
pytestmark = pytest.mark.skipif(REAL is None, reason="real extracts not found (set VA_SHARED_DATA)")
NOW = datetime(2026, 11, 27, 18, 15, tzinfo=UTC)
INT_FIELDS = {"ID", "Position", "ParentID", "MapYear", "Decimals"}


def read_csv(path: Path) -> list[dict]:
    """Rows of a saved cbsodata/OData CSV, keys and values verbatim (padding kept); empty -> None,
    the integer fields of OData metadata back to int."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        clean = {}
        for k, v in row.items():
            if v == "":
                v = None
            elif k in INT_FIELDS:
                v = int(v)
            clean[k] = v
        out.append(clean)
    return out


@pytest.fixture(scope="module")
def buurt_47018():
    folder = REAL / "politie-47018NED-buurt"
    if not folder.is_dir():
        pytest.skip("politie-47018NED-buurt missing")
    rows = []
    for r in read_csv(folder / "westerveld_buurten_2023_totaal_misdrijven.csv"):
        r["Gemeentenaam_2"] = r["Gemeentenaam_2"] or ""  # blank when the value is 0, as in the source
        r["SoortRegio_3"] = r["SoortRegio_3"] or ""
        rows.append(r)  # GeregistreerdeMisdrijven_1 stays a string: UntypedDataSet
    # A few rows of a neighbouring gemeente that the filter must leave out.
    rows += [
        {
            "ID": 1 + i,
            "SoortMisdrijf": "0.0.0 ",
            "WijkenEnBuurten": code,
            "Perioden": "2023JJ00",
            "GeregistreerdeMisdrijven_1": "999",
            "Gemeentenaam_2": "Aa en Hunze",
            "SoortRegio_3": "Buurt   ",
        }
        for i, code in enumerate(["BU16800000", "BU16800001", "GM1680    "])
    ]
    dims = {name: read_csv(folder / f"{name}.csv") for name in ("SoortMisdrijf", "WijkenEnBuurten", "Perioden")}
    (info,) = read_csv(folder / "TableInfos.csv")
    return FakeTable("47018NED", POLITIE_HOST, info, read_csv(folder / "DataProperties.csv"), dims, rows)


def test_47018NED_westerveld_buurten_known_answers(buurt_47018, tmp_path):
    with FakeOdataServer([buurt_47018], page_size=5000) as server:
        request = FetchRequest(
            "47018NED",
            gemeente="GM1701",
            measures=("Geregistreerde misdrijven",),
            filters={"Perioden": ("2023JJ00",), "SoortMisdrijf": ("0.0.0",)},
        )
        report = fetch_tables([request], tmp_path, server.endpoint(timeout=(5, 60)), now=NOW)
        assert report.ok, report.outcomes["47018NED"].error
        assert len(server.requests_for("47018NED", "WijkenEnBuurten")) == 4  # 18,313 codes in pages of 5,000

    snap = report.outcomes["47018NED"].snapshot
    rows = snap.rows()
    assert len(rows) == 45 and all(r["WijkenEnBuurten"].startswith("BU1701") for r in rows)
    values = {r["WijkenEnBuurten"]: int(r["GeregistreerdeMisdrijven_1"]) for r in rows}
    assert sum(values.values()) == 365
    assert values["BU17010800"] == 54  # Havelte
    assert values["BU17010300"] == 38  # Dwingeloo
    assert values["BU17011100"] == 36  # Vledder
    assert values["BU17010000"] == 31  # Diever
    assert values["BU17010809"] == 23 and values["BU17010900"] == 18
    assert {r["SoortMisdrijf"] for r in rows} == {"0.0.0 "}  # padded keys as served
    assert rows[0]["Gemeentenaam_2"] == "Westerveld                    "

    meta, prov = snap.metadata, snap.provenance
    assert prov["table_modified"] == "2024-08-15T02:00:00" and prov["row_count"] == 45
    assert prov["table_title"] == "Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers"
    codes = [c["Key"] for c in meta["dimensions"]["WijkenEnBuurten"]]
    assert len(codes) == 18313 and "GM1701    " in codes
    assert len([c for c in codes if c.startswith("WK1701")]) == 18
    assert len(meta["dimensions"]["SoortMisdrijf"]) == 59


@pytest.fixture(scope="module")
def gemeente_47013():
    folder = REAL / "politie-47013NED-gemeente"
    if not folder.is_dir():
        pytest.skip("politie-47013NED-gemeente missing")
    return real_47013_table(folder)[0]


def test_47013NED_westerveld_and_nl_known_answers(gemeente_47013, tmp_path):
    with FakeOdataServer([gemeente_47013], page_size=4) as server:
        request = FetchRequest("47013NED", regions=("GM1701", "NL01"), measures=("GeregistreerdeMisdrijven_1",))
        report = fetch_tables([request], tmp_path, server.endpoint(timeout=(5, 60)), now=NOW)
    rows = report.outcomes["47013NED"].snapshot.rows()
    got = {(r["RegioS"].strip(), r["Perioden"]): r["GeregistreerdeMisdrijven_1"] for r in rows}
    assert got == {
        ("GM1701", "2022JJ00"): "317",
        ("GM1701", "2023JJ00"): "366",
        ("GM1701", "2024JJ00"): "376",
        ("NL01", "2022JJ00"): "800027",
        ("NL01", "2023JJ00"): "805590",
        ("NL01", "2024JJ00"): "805559",
    }
    assert {r["Aangiften_2"] for r in rows} == {"."}


def test_47013NED_basisteam(gemeente_47013, tmp_path):
    basisteam = ("GM1701", "GM1690", "GM0118", "GM0119", "GM1731")
    with FakeOdataServer([gemeente_47013]) as server:
        request = FetchRequest(
            "47013NED",
            regions=basisteam,
            filters={"Perioden": ("2023JJ00",)},
            measures=("GeregistreerdeMisdrijven_1",),
            select_measures=True,
        )
        report = fetch_tables([request], tmp_path, server.endpoint(timeout=(5, 60)), now=NOW)
    rows = report.outcomes["47013NED"].snapshot.rows()
    got = {r["RegioS"].strip(): int(r["GeregistreerdeMisdrijven_1"]) for r in rows}
    assert got == {"GM1701": 366, "GM1690": 467, "GM0118": 2243, "GM0119": 1234, "GM1731": 736}
