"""Every number in a published CSV says its unit: by its column name, or by the column ``eenheid``."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from veiligheidsanalyse.chapters.page import UNIT_COLUMN, csv_name, names_unit

# A number as the CSVs write it (decimal comma), or a suppressed count ("<5").
NUMBER = re.compile(r"^[<>≤≥]?\s?-?\d+(?:\.\d{3})*(?:,\d+)?(?:e-?\d+)?$")
MACHINE_NAME = re.compile(r"[a-z][a-z0-9_]*")


def unit_problems(folder: Path) -> tuple[list[str], int]:
    """Columns of the CSVs in ``folder`` that hold numbers without a unit, or whose name is not a
    machine name; and how many numeric columns were checked."""
    problems, checked = [], 0
    for path in sorted(folder.glob("*.csv")):
        text = path.read_bytes().decode("utf-8-sig")  # UTF-8, or this raises
        header, *rows = list(csv.reader(text.splitlines(), delimiter=";"))
        problems += [
            f"{path.name}: kolomnaam {name!r} is geen machinenaam"
            for name in header
            if not MACHINE_NAME.fullmatch(name)
        ]
        unit = header.index(UNIT_COLUMN) if UNIT_COLUMN in header else None
        for i, name in enumerate(header):
            numeric = [r for r in rows if i < len(r) and NUMBER.match(r[i].strip())]
            if not numeric or name == UNIT_COLUMN:
                continue
            checked += 1
            if names_unit(name):
                continue
            if unit is not None and all(r[unit].strip() for r in numeric):
                continue
            problems.append(f"{path.name}: kolom {name!r} ({numeric[0][i]}) zegt niet in welke eenheid")
    return problems, checked


def test_every_numeric_column_of_the_demo_report_names_its_unit(demo_run: Path):
    problems, checked = unit_problems(demo_run / "csv")
    assert not problems, "\n".join(problems)
    assert checked > 100


def test_long_csvs_give_the_unit_per_row(demo_run: Path):
    """Trend and survey CSVs: one layout for every indicator, the unit in words on every row."""
    trend = pd.read_csv(
        demo_run / "csv" / "01_criminaliteit__woninginbraak_trend.csv", sep=";", decimal=",", encoding="utf-8-sig"
    )
    assert set(trend[UNIT_COLUMN]) == {"per 1.000 woningen"}
    survey = pd.read_csv(
        demo_run / "csv" / "02_overlast_beleving__veiligheidsmonitor.csv", sep=";", encoding="utf-8-sig", dtype=str
    )
    assert {"rapportcijfer", "procent"} <= set(survey[UNIT_COLUMN])


def test_the_regional_report_names_its_units(tmp_path_factory, root: Path):
    from veiligheidsanalyse.chapters import regio
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.notebook import open_region
    from veiligheidsanalyse.report.runner import RunOptions
    from veiligheidsanalyse.store.build import prepare_run_data

    folder = tmp_path_factory.mktemp("regio_eenheden")
    config_path = root / "config" / "zuidwest-drenthe.yaml"
    config = load_config(config_path)
    stores = {}
    for code in config.targets():
        prepare_run_data(config.for_gemeente(code), root, RunOptions(policy="demo"), work_dir=folder / code)
        stores[code] = str(folder / code)
    region = open_region(config=str(config_path), stores=json.dumps(stores), run_dir=str(folder / "run"))
    regio.show(region, regio.analyse(region))
    problems, checked = unit_problems(folder / "run" / "csv")
    assert not problems, "\n".join(problems)
    assert checked > 20


@pytest.mark.parametrize(
    "header, name",
    [
        ("Per 1.000 inwoners", "per_1000_inwoners"),
        ("Aandeel (%)", "aandeel_procent"),
        ("95%-interval", "interval_95"),
        ("Ondergrens 95%", "ondergrens_95"),
        ("Adressen per km²", "adressen_per_km2"),
        ("Cijfers t/m", "cijfers_tot_en_met"),
        ("aantal_misdrijven", "aantal_misdrijven"),
        ("Tov één", "tov_een"),
    ],
)
def test_csv_names_are_snake_case(header, name):
    assert csv_name(header) == name


@pytest.mark.parametrize(
    "name, says",
    [
        ("aantal_misdrijven", True),
        ("per_1000_inwoners_per_jaar", True),
        ("aandeel_procent", True),
        ("p_waarde_gecorrigeerd", True),
        ("jaar", True),
        ("adressen_per_km2", True),
        ("index_2015_is_100", True),
        ("cijfer", False),
        ("noemer", False),
        ("inwoners", False),
        ("westerveld", False),
        ("p", False),
    ],
)
def test_which_names_say_their_unit(name, says):
    assert names_unit(name) is says
