"""The provincie of each gemeente from CBS "Gebieden in Nederland": measures found by their group."""

from __future__ import annotations

import pytest

from veiligheidsanalyse.sources.odata import SchemaError
from veiligheidsanalyse.sources.regions import provincies_from_gebieden
from veiligheidsanalyse.sources.snapshots import write_snapshot


def _snapshot(tmp_path, group_title="Provincies", code_key="Code_28", naam_key="Naam_29"):
    # The real table has a group per division with renumbered keys (2024: Code_28 / Naam_29 for the provincie).
    props = [
        {"ID": 0, "Key": "RegioS", "Title": "Regio's", "Type": "GeoDimension"},
        {"ID": 1, "Key": "", "Title": "Gemeenten", "Type": "TopicGroup"},
        {"ID": 2, "Key": "Code_1", "Title": "Code", "Type": "Topic", "ParentID": 1},
        {"ID": 3, "Key": "Naam_2", "Title": "Naam", "Type": "Topic", "ParentID": 1},
        {"ID": 40, "Key": "", "Title": group_title, "Type": "TopicGroup"},
        {"ID": 41, "Key": code_key, "Title": "Code", "Type": "Topic", "ParentID": 40},
        {"ID": 42, "Key": naam_key, "Title": "Naam", "Type": "Topic", "ParentID": 40},
    ]
    rows = [
        {
            "ID": 0,
            "RegioS": "GM1701  ",
            "Code_1": "GM1701    ",
            "Naam_2": "Westerveld  ",
            code_key: "PV22      ",
            naam_key: "Drenthe      ",
        },
        {
            "ID": 1,
            "RegioS": "GM0363  ",
            "Code_1": "GM0363    ",
            "Naam_2": "Amsterdam  ",
            code_key: "PV27      ",
            naam_key: "Noord-Holland  ",
        },
    ]
    metadata = {
        "TableInfos": {"Identifier": "85755NED", "Title": "Gebieden in Nederland 2024"},
        "DataProperties": props,
        "dimensions": {},
    }
    return write_snapshot(tmp_path, "85755NED", rows, metadata, {"catalog": "CBS"}, snapshot_id="s1")


def test_provincie_by_its_group_whatever_the_keys(tmp_path):
    assert provincies_from_gebieden(_snapshot(tmp_path)) == {
        "GM1701": ("PV22", "Drenthe"),
        "GM0363": ("PV27", "Noord-Holland"),
    }


def test_a_table_without_the_provincie_group_names_what_is_missing(tmp_path):
    with pytest.raises(SchemaError, match="Provincies"):
        provincies_from_gebieden(_snapshot(tmp_path, group_title="Landsdelen"))
