"""Maps on the chapter pages (veiligheidsanalyse.chapters.kaarten, Chapter.map).

The real boundaries and counts are test material in ``../shared/data/real`` (outside the
repository); the tests that need them are skipped without it. Until the run's data carry
boundaries, the demo Dataset is given real ones (``boundaries`` set on the instance).
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import shared_real_data
from test_csv_units import unit_problems
from veiligheidsanalyse.chapters import kaarten
from veiligheidsanalyse.chapters import page as chapter_module
from veiligheidsanalyse.chapters.page import Chapter
from veiligheidsanalyse.maps import Gebied, Polygon, read_boundaries
from veiligheidsanalyse.maps.choropleth import MAX_BYTES, check_codes, map_values
from veiligheidsanalyse.stats import compare
from veiligheidsanalyse.stats.smallarea import SUPPRESSED, TOTAL_ROW

REAL = shared_real_data()
needs_real = pytest.mark.skipif(REAL is None, reason="real extracts in ../shared not present")
SVG = "{http://www.w3.org/2000/svg}"


def _kaart(name: str) -> Path:
    return REAL / "cbs-wijkbuurtkaart" / name


@pytest.fixture(scope="module")
def wijken() -> list[Gebied]:
    if REAL is None:
        pytest.skip("real extracts in ../shared not present")
    return read_boundaries(_kaart("drenthe_wijken_2023_rd.geojson"), gemeentecode="GM1701", niveau="wijk")


@pytest.fixture(scope="module")
def gemeenten() -> list[Gebied]:
    if REAL is None:
        pytest.skip("real extracts in ../shared not present")
    return read_boundaries(_kaart("nl_gemeenten_2023_rd.geojson"), niveau="gemeente")


@pytest.fixture
def with_boundaries(demo_dataset, wijken, gemeenten, monkeypatch):
    """The demo Dataset with real boundaries (wijken of Westerveld, all gemeenten)."""
    by_level = {"wijk": wijken, "gemeente": gemeenten, "buurt": []}
    monkeypatch.setattr(demo_dataset, "boundaries", lambda niveau: by_level[niveau], raising=False)
    monkeypatch.setattr(type(demo_dataset), "boundary_year", property(lambda self: 2023), raising=False)
    return demo_dataset


def _square(code: str, x: float, naam: str | None = None) -> Gebied:
    ring = ((x, 500_000.0), (x + 1000, 500_000.0), (x + 1000, 501_000.0), (x, 501_000.0), (x, 500_000.0))
    return Gebied(
        code=code, naam=naam or code, gemeentecode="GM9999", niveau="wijk", polygons=(Polygon(ring),), jaar=2024
    )


class FakeData:
    """What the map glue reads from a Dataset: series, gemeente, status, boundaries."""

    def __init__(
        self,
        counts: pd.DataFrame,
        inhabitants: dict,
        areas: list[Gebied],
        indicator="misdrijven_buurt",
        gemeente="GM9999",
        naam="Proefgemeente",
    ):
        self.gemeente, self.gemeente_naam = gemeente, naam
        self._series = {
            indicator: counts,
            "inwoners_kwb": pd.DataFrame(
                {
                    "regio_code": list(inhabitants),
                    "regio_naam": list(inhabitants),
                    "jaar": 2024,
                    "waarde": list(inhabitants.values()),
                }
            ),
        }
        self._areas = areas
        self.status = SimpleNamespace(sources={})

    def series(self, indicator_id, *args, **kwargs):
        return self._series.get(indicator_id, pd.DataFrame(columns=["regio_code", "regio_naam", "jaar", "waarde"]))

    def boundaries(self, niveau):
        return self._areas if niveau == "wijk" else []


def _svg_checks(svg: str, year: int) -> ET.Element:
    assert len(svg.encode("utf-8")) <= MAX_BYTES
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text and len(root.find(f"{SVG}desc").text) > 40
    assert f"Bron: Kadaster / CBS {year}" in svg
    assert "<script" not in svg.lower() and "foreignObject" not in svg
    assert not re.search(r'(?:href|src)="(?!#)', svg)
    assert not re.search(r"url\((?!#)", svg)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", svg)  # only the SVG namespace
    return root


# ---------------------------------------------------------------------------- Westerveld, real numbers


@needs_real
def test_real_westerveld_wijk_map_sums_to_the_gemeente_total(wijken):
    """Real 47018NED 2023 (45 buurten, 365 misdrijven) added up to the 18 wijken of the real wijk map."""
    counts = pd.read_csv(REAL / "politie-47018NED-buurt" / "westerveld_buurten_2023_totaal_misdrijven.csv")
    pops = pd.read_csv(REAL / "cbs-kwb-85984NED-2024" / "Population85984_2024.csv")
    buurten = counts.merge(pops, left_on="WijkenEnBuurten", right_on="nhood_id", how="left")
    buurten["wijk"] = "WK" + buurten["WijkenEnBuurten"].str.strip().str[2:8]
    yearly = pd.DataFrame(
        {
            "regio_code": buurten["WijkenEnBuurten"].str.strip(),
            "regio_naam": "",
            "jaar": 2023,
            "waarde": buurten["GeregistreerdeMisdrijven_1"],
        }
    )
    inhabitants = buurten.groupby("wijk")["population"].sum().to_dict()
    ds = FakeData(yearly, inhabitants, wijken, gemeente="GM1701", naam="Westerveld")
    kaart = kaarten.wijk_map(ds, "misdrijven_buurt", wijken, pool=1)
    table = kaart.table
    areas, total = table[table["rol"] != TOTAL_ROW], table[table["rol"] == TOTAL_ROW].iloc[0]
    assert len(areas) == 18 and check_codes(wijken, areas["regio_code"]) == ([], [])
    assert areas["aantal"].sum() == total["aantal"] == 365
    assert kaart.data["aantal_misdrijven"].iloc[:-1].sum() == kaart.data["aantal_misdrijven"].iloc[-1] == 365
    _svg_checks(kaart.draw(None, kaart.alt), 2023)


@needs_real
def test_demo_wijk_maps_sum_to_the_gemeente_row_of_the_buurt_table(with_boundaries):
    ds = with_boundaries
    for indicator_id in kaarten.MAP_INDICATORS:
        kaart = kaarten.wijk_map(ds, indicator_id, ds.boundaries("wijk"))
        assert kaart is not None, indicator_id
        table = kaart.table
        period = [int(y) for y in table["periode"].iloc[0].split("-")]
        assert period[1] - period[0] + 1 == kaarten.POOL_YEARS
        series = ds.series(indicator_id)
        gemeente = series[(series["regio_code"] == "GM1701") & series["jaar"].between(*period)]["waarde"].sum()
        areas = table[table["rol"] != TOTAL_ROW]
        assert areas["aantal"].sum() == table.iloc[-1]["aantal"] == gemeente
        assert (table["jaren"] == kaarten.POOL_YEARS).all()
        # hatched unless significant after Holm over the wijken of this map (the report's one standard)
        tested = areas[areas["p_waarde"].notna()]
        significant = (tested["p_waarde_gecorrigeerd"] <= 0.05) & (tested["p_waarde"] < 0.05)
        assert list(tested["vergelijking"].isin(["hoger", "lager"])) == list(significant)
        assert set(tested["vergelijking"]) <= {"hoger", "lager", "gelijk"}
        assert "gecorrigeerd (Holm)" in kaart.caption
        assert not re.search(r"\b1 wijken\b", kaart.alt)
        svg = kaart.draw("DEMO", kaart.alt)
        root = _svg_checks(svg, 2023)
        assert "DEMO" in "".join(root.itertext())


@needs_real
def test_location_map_is_the_gemeente_among_its_provincie(with_boundaries):
    ds = with_boundaries
    kaart = kaarten.location_map(ds, ds.boundaries("gemeente"))
    assert set(kaart.data["regio_code"]) == set(ds.config.vergelijking.provincie.gemeenten)
    assert list(kaart.data.loc[kaart.data["rol"] == "gemeente", "regio_code"]) == ["GM1701"]
    svg = kaart.draw(None, kaart.alt)
    _svg_checks(svg, 2023)
    assert "Westerveld" in svg and "Drenthe" in svg
    # its basisteam (the config's regio group) in the middle blue, named in title, caption, alt text and legend
    team = set(ds.config.vergelijking.regio.gemeenten) - {"GM1701"}
    assert set(kaart.data.loc[kaart.data["rol"] == "basisteam", "regio_code"]) == team
    assert kaart.caption.endswith("; middenblauw: de andere gemeenten van basisteam Zuidwest-Drenthe.")
    assert "middenblauw" in kaart.alt and "en basisteam Zuidwest-Drenthe</title>" in svg
    assert "andere gemeenten van basisteam Zuidwest-Drenthe" in svg
    fills = {m.group(2): m.group(1) for m in re.finditer(r'fill="([^"]+)"><title>([^<]+)</title>', svg)}
    names = dict(zip(kaart.data["regio_code"], kaart.data["regio_naam"]))
    assert {fills[names[c]] for c in team} == {"#9ecae1"} and fills["Westerveld"] == "#3182bd"


def test_a_basisteam_across_the_provincie_border_is_drawn_whole():
    squares = [_square(f"GM000{i}", 1500.0 * i, f"Gemeente {i}") for i in range(1, 6)]
    prov = SimpleNamespace(code="PV99", naam="Drenthe", gemeenten=("GM0001", "GM0002", "GM0003"))
    team = SimpleNamespace(code="BT1", naam="Basisteam Grens", gemeenten=("GM0001", "GM0002", "GM0005"))
    ds = _location_ds(prov, team)
    ds.gemeente_naam, ds.boundary_year = "Gemeente 1", 2024
    ds.series = lambda *a, **k: pd.DataFrame(columns=["regio_code", "jaar", "waarde"])
    ds.region_name = lambda code: code
    ds.status = SimpleNamespace(sources={})
    kaart = kaarten.location_map(ds, squares)
    assert list(kaart.data["rol"]) == ["gemeente", "basisteam", "provincie", "basisteam"]  # GM0004: outside both
    assert kaart.caption == (
        "Ligging van Gemeente 1 in de provincie Drenthe; middenblauw: de andere gemeenten van basisteam Grens."
    )


# ---------------------------------------------------------------------------- small cells


def test_no_suppressed_count_in_the_svg_or_the_csv(monkeypatch, tmp_path):
    """A sensitive kind: counts below the threshold (and what gives them away) never reach the map or its CSV."""
    areas = [_square(f"WK9999{i:02d}", 1500.0 * i, f"Wijk {chr(65 + i)}") for i in range(6)]
    per_year = {0: [40, 41, 39], 1: [1, 1, 1], 2: [20, 22, 21], 3: [0, 1, 0], 4: [30, 31, 29], 5: [9, 8, 7]}
    rows = [
        {"regio_code": a.code, "regio_naam": a.naam, "jaar": 2021 + j, "waarde": per_year[i][j]}
        for i, a in enumerate(areas)
        for j in range(3)
    ]
    inhabitants = {a.code: 800.0 + 100 * i for i, a in enumerate(areas)}
    ds = FakeData(pd.DataFrame(rows), inhabitants, areas)
    real = kaarten.get_indicator
    monkeypatch.setattr(kaarten, "get_indicator", lambda i: dataclasses.replace(real(i), sensitive=True))
    kaart = kaarten.wijk_map(ds, "misdrijven_buurt", areas, threshold=5)
    table = kaart.table
    hidden = table[table["afgeschermd"]]
    assert set(hidden["regio_code"]) >= {"WK999901", "WK999903"}  # 3 and 1 in three years
    assert hidden[["aantal", "per_1000", "ondergrens", "bovengrens", "p_waarde", "per_1000_eb"]].isna().all().all()
    assert set(hidden["vergelijking"]) == {SUPPRESSED}
    svg = kaart.draw(None, kaart.alt)
    for code in hidden["regio_code"]:
        name = table.loc[table["regio_code"] == code, "regio_naam"].iloc[0]
        assert f"{name}: aantal afgeschermd" in svg
        assert not re.search(rf"{name}: \d", svg)
    # the CSV as the chapter writes it
    ch = _chapter(ds, tmp_path)
    ch.map(kaart.draw, kaart.name, kaart.caption, kaart.alt, kaart.data, sources=[])
    csv = pd.read_csv(next((tmp_path / "csv").glob("*.csv")), sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    shown = csv.set_index("regio_code")
    for code in hidden["regio_code"]:
        row = shown.loc[code]
        assert row["aantal_misdrijven_weergave"] in ("<5", "x")
        assert pd.isna(row["aantal_misdrijven"]) and pd.isna(row["per_1000_inwoners_per_jaar"])
    assert not unit_problems(tmp_path / "csv")[0]


def test_too_few_inhabitants_is_grey_without_a_rate():
    areas = [_square("WK999900", 0), _square("WK999901", 2000)]
    rows = [{"regio_code": a.code, "jaar": y, "waarde": 10} for a in areas for y in (2022, 2023, 2024)]
    ds = FakeData(pd.DataFrame(rows), {"WK999900": 2000.0, "WK999901": 50.0}, areas)
    kaart = kaarten.wijk_map(ds, "misdrijven_buurt", areas)
    small = kaart.table.set_index("regio_code").loc["WK999901"]
    assert small["vergelijking"] == "te weinig inwoners" and np.isnan(small["per_1000"])
    assert kaart.table.iloc[-1]["aantal"] == 60  # still counted for the gemeente
    assert "te weinig inwoners" in kaart.draw(None, kaart.alt)


def test_below_the_indicators_min_count_not_coloured_and_said_in_legend_and_csv(tmp_path):
    """As the Kernen table: a wijk with fewer cases than min_count (10) over the pooled years is not compared;
    on the map it has no class colour but the light grey of 'te weinig gevallen', in the CSV its rate."""
    areas = [_square(f"WK9999{i:02d}", 1500.0 * i, f"Wijk {chr(65 + i)}") for i in range(4)]
    per_year = {0: [40, 41, 39], 1: [2, 3, 3], 2: [20, 22, 21], 3: [30, 31, 29]}  # Wijk B: 8 in three years
    rows = [
        {"regio_code": a.code, "jaar": 2022 + j, "waarde": per_year[i][j]}
        for i, a in enumerate(areas)
        for j in range(3)
    ]
    ds = FakeData(pd.DataFrame(rows), {a.code: 1000.0 for a in areas}, areas)
    kaart = kaarten.wijk_map(ds, "misdrijven_buurt", areas)
    few = kaart.table.set_index("regio_code").loc["WK999901"]
    assert few["vergelijking"] == "te weinig gevallen" and np.isnan(few["p_waarde"]) and few["per_1000"] > 0
    assert map_values(kaart.table)["WK999901"].no_value == "te weinig gevallen"
    svg = kaart.draw(None, kaart.alt)
    fills = {m.group(2): m.group(1) for m in re.finditer(r'fill="([^"]+)"><title>(WK\d+):', svg)}
    assert fills["WK999901"] == "#e6e6e6" and "#e6e6e6" not in [fills[f"WK99990{i}"] for i in (0, 2, 3)]
    assert "te weinig gevallen om te vergelijken" in svg  # legend and hover text
    assert "Lichtgrijs: minder dan 10 misdrijven" in kaart.caption and "te weinig gevallen" in kaart.alt
    assert list(kaart.data.loc[kaart.data["regio_code"] == "WK999901", "vergelijking"]) == ["te weinig gevallen"]


def test_the_inhabitant_threshold_is_the_configs(tmp_path, page):
    areas = [_square("WK999900", 0), _square("WK999901", 2000)]
    rows = [{"regio_code": a.code, "jaar": y, "waarde": 12} for a in areas for y in (2022, 2023, 2024)]
    ds = FakeData(pd.DataFrame(rows), {"WK999900": 2000.0, "WK999901": 150.0}, areas)
    ch = _chapter(ds, tmp_path)
    assert kaarten.show_wijk_maps(ch, ["misdrijven_buurt"])[0].table.iloc[1]["vergelijking"] != "te weinig inwoners"
    ch.config.onthulling_min_inwoners = 200
    shown = kaarten.show_wijk_maps(ch, ["misdrijven_buurt"])[0]
    assert shown.table.iloc[1]["vergelijking"] == "te weinig inwoners" and "minder dan 200 inwoners" in shown.caption


# ---------------------------------------------------------------------------- on the page


def _chapter(ds, folder: Path) -> Chapter:
    config = getattr(ds, "config", None) or SimpleNamespace(gemeente=ds.gemeente, onthulling_drempel=5)
    status = (
        ds.status
        if hasattr(ds.status, "mark")
        else SimpleNamespace(sources={}, mark=lambda ids: None, describe=lambda ids: "", banners=lambda ids=None: [])
    )
    return Chapter(
        id="03_kernen",
        config=config,
        data=ds,
        run_dir=folder,
        findings_dir=folder / "f",
        store_dir=folder,
        data_status=status,
    )


@pytest.fixture
def page(monkeypatch):
    blocks: list[str] = []
    monkeypatch.setattr(chapter_module, "html_block", blocks.append)
    return blocks


def test_without_boundaries_one_sentence_and_no_map(demo_dataset, monkeypatch, tmp_path, page):
    monkeypatch.setattr(demo_dataset, "boundaries", lambda niveau: [], raising=False)
    ch = _chapter(demo_dataset, tmp_path)
    assert kaarten.show_wijk_maps(ch) == []
    assert kaarten.show_location_map(ch) is None
    assert len(page) == 2 and all('class="va-missing"' in b and "<svg" not in b for b in page)
    for block in page:
        text = re.sub(r"<[^>]+>", "", block)
        assert text.count(". ") == 0 and text.endswith(".")  # one sentence
    assert not (tmp_path / "csv").exists()


PDOK_500 = "ophalen mislukt: wijken van GM9999: de server gaf een foutmelding (HTTP 500)"


@pytest.mark.parametrize(
    "soort, reden, beleid, niveau, expected",
    [
        (
            "ontbreekt",
            PDOK_500,
            "fresh",
            "wijk",
            "Er is geen kaart: de grenzen van de wijken (CBS/Kadaster wijk- en "
            "buurtkaart) konden niet bij PDOK worden opgehaald (de server gaf een foutmelding (HTTP 500)), "
            "en er is geen "
            "eerder opgehaalde kopie.",
        ),
        ("ontbreekt", PDOK_500, "require-fresh", "wijk", "alleen vers opgehaalde gegevens."),
        ("ontbreekt", "geen gegevens", "cache", "wijk", "geen eerder opgehaalde kopie van de grenzen van de wijken"),
        ("ontbreekt", "geen gegevens", "demo", "gemeente", "de demogegevens hebben geen grenzen van de gemeenten"),
        (
            "demo",
            None,
            "demo",
            "buurt",
            "Er is geen kaart: de demogrenzen in de gegevens hebben geen buurten van Proefgemeente.",
        ),
        (
            "actueel",
            None,
            "fresh",
            "gemeente",
            "de CBS/Kadaster wijk- en buurtkaart 2024 in de gegevens heeft geen grens van Proefgemeente.",
        ),
        (
            None,
            None,
            "fresh",
            "wijk",
            "de grenzen van de wijken (CBS/Kadaster wijk- en buurtkaart) ontbreken in de gebruikte gegevens.",
        ),
    ],
)
def test_the_sentence_instead_of_a_map_gives_the_reason_from_the_data_status(soort, reden, beleid, niveau, expected):
    ds = FakeData(pd.DataFrame(columns=["regio_code", "jaar", "waarde"]), {}, [])
    ds.config = SimpleNamespace(data=SimpleNamespace(beleid=beleid))
    ds.boundary_year = 2024
    if soort is not None:
        ds.status.sources["wijkbuurtkaart"] = SimpleNamespace(
            naam="Kadaster / CBS, wijk- en buurtkaart", soort=soort, reden=reden
        )
    sentence = kaarten.no_map_sentence(ds, niveau)
    assert expected in sentence and sentence.endswith(".") and sentence.count(". ") == 0
    assert not re.search(r"beleid|fresh|data\.|/cache|\.ya?ml|GM9999", sentence)  # reader text: no keys or paths


def test_a_dataset_without_the_boundaries_method_shows_no_map(tmp_path, page):
    ds = FakeData(pd.DataFrame(columns=["regio_code", "jaar", "waarde"]), {}, [])
    del FakeData.boundaries  # as before the data step knows boundaries
    try:
        kaarten.show_wijk_maps(_chapter(ds, tmp_path))
    finally:
        FakeData.boundaries = lambda self, niveau: self._areas if niveau == "wijk" else []
    assert len(page) == 1 and "geen kaart" in page[0]


@needs_real
def test_maps_on_the_page_carry_caption_attribution_status_and_csv(with_boundaries, tmp_path, page):
    ch = _chapter(with_boundaries, tmp_path)
    shown = kaarten.show_wijk_maps(ch)
    kaarten.show_location_map(ch)
    assert len(shown) == len(kaarten.MAP_INDICATORS)
    maps = [b for b in page if "<svg" in b]
    assert len(maps) == len(shown) + 1
    for number, block in enumerate(maps, start=1):
        assert f'<span class="va-fignum">Kaart {number}.</span>' in block
        assert "Bron: Kadaster / CBS 2023." in block
        assert "DEMO" in block.split("<figcaption>")[1]  # caption: the data status with its mark
        svg = re.search(r"<svg.*?</svg>", block, re.DOTALL).group(0)
        assert "DEMO" in "".join(ET.fromstring(svg).itertext())  # the image itself
        assert re.search(r'href="csv/03_kernen__[a-z_]+\.csv"', block)
    files = sorted((tmp_path / "csv").glob("*.csv"))
    assert len(files) == len(maps)
    for path in files:
        df = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
        assert df["gegevensstatus"].str.startswith("DEMO").all()
    assert not unit_problems(tmp_path / "csv")[0]


def test_the_runs_own_boundaries_give_a_wijk_map_that_adds_up(demo_dataset):
    """With the boundaries of the run's store (the demo wijk- en buurtkaart): every wijk with numbers has a
    boundary, and the map's CSV adds up to the gemeente row of the buurt table over the same years."""
    areas = kaarten.boundaries(demo_dataset, "wijk")
    if not areas:
        pytest.skip("this store has no boundaries")
    kaart = kaarten.wijk_map(demo_dataset, "misdrijven_buurt", [a for a in areas if a.gemeentecode == "GM1701"])
    data = kaart.data
    first, last = (int(y) for y in data["periode"].iloc[0].split("-"))
    series = demo_dataset.series("misdrijven_buurt")
    gemeente = series[(series["regio_code"] == "GM1701") & series["jaar"].between(first, last)]["waarde"].sum()
    assert data["aantal_misdrijven"].iloc[:-1].sum() == data["aantal_misdrijven"].iloc[-1] == gemeente
    assert check_codes(areas, data["regio_code"].iloc[:-1])[0] == []
    assert kaarten.boundary_sources(demo_dataset) == [demo_dataset.boundary_source]
    _svg_checks(kaart.draw("DEMO", kaart.alt), demo_dataset.boundary_year)


# ---------------------------------------------------------------------------- the review of the maps (issue 20)


def _wijken_data(per_year: dict[str, list[int]], inhabitants: dict[str, float], years=(2022, 2023, 2024)):
    codes = list(dict.fromkeys(list(inhabitants) + list(per_year)))
    areas = [_square(code, 1500.0 * i, f"Wijk {chr(65 + i)}") for i, code in enumerate(codes)]
    rows = [
        {"regio_code": code, "regio_naam": code, "jaar": year, "waarde": counts[j]}
        for code, counts in per_year.items()
        for j, year in enumerate(years)
    ]
    return FakeData(pd.DataFrame(rows), inhabitants, areas), areas


# 7 wijken of 1.000 inwoners: one clearly high, one clearly low, one high only before the correction
_PER_YEAR = {
    "WK999900": [30, 32, 31],
    "WK999901": [4, 3, 4],
    "WK999902": [10, 11, 9],
    "WK999903": [12, 10, 11],
    "WK999904": [9, 10, 11],
    "WK999905": [18, 17, 18],
    "WK999906": [10, 9, 10],
}


def test_a_mismatched_wijk_code_is_unknown_hatched_and_said_and_the_others_keep_their_verdicts():
    """One wijk code spelled differently in the politie table (WK999999) and the Kerncijfers (WK999906):
    before, every flag became "onbekend" and the map drew every wijk unhatched, i.e. as significant."""
    per_year = {**{c: v for c, v in _PER_YEAR.items() if c != "WK999906"}, "WK999999": _PER_YEAR["WK999906"]}
    inhabitants = dict.fromkeys(_PER_YEAR, 1000.0)
    ds, areas = _wijken_data(per_year, inhabitants)
    kaart = kaarten.wijk_map(ds, "misdrijven_buurt", areas)
    table = kaart.table.set_index("regio_code")
    assert table.loc["WK999906", "vergelijking"] == table.loc["WK999999", "vergelijking"] == "onbekend"
    assert table.loc["WK999900", "vergelijking"] == "hoger" and table.loc["WK999901", "vergelijking"] == "lager"
    total = kaart.table.iloc[-1]
    assert total["regio_naam"] == "Som van de wijken met bekend aantal en inwoners"
    assert total["aantal"] == sum(sum(v) for c, v in per_year.items() if c != "WK999999")
    # caption, alt text and CSV say which wijken are unknown
    assert "onbekend aantal of onbekende inwoners" in kaart.caption and "(WK999906, Wijk H)" in kaart.caption
    assert "2 wijken hebben een onbekend aantal of onbekende inwoners" in kaart.alt
    csv = kaart.data.set_index("regio_code")
    assert csv.loc["WK999906", "vergelijking"] == csv.loc["WK999999", "vergelijking"] == "onbekend"
    assert "met bekend aantal en inwoners" in csv.iloc[-1]["regio_naam"]
    # nothing unknown or not significant is drawn without hatching
    values = map_values(kaart.table)
    for code, value in values.items():
        assert value.hatched == (table.loc[code, "vergelijking"] not in ("hoger", "lager")), code
    svg = kaart.draw(None, kaart.alt)
    coloured_unhatched = [c for c, v in values.items() if np.isfinite(v.value) and not v.hatched]
    assert sorted(coloured_unhatched) == ["WK999900", "WK999901"]
    _svg_checks(svg, 2024)


def test_the_csv_has_both_p_values_and_the_hatching_follows_the_corrected_one(tmp_path):
    ds, areas = _wijken_data(_PER_YEAR, dict.fromkeys(_PER_YEAR, 1000.0))
    kaart = kaarten.wijk_map(ds, "misdrijven_buurt", areas)
    data = kaart.data.iloc[:-1]
    assert {"p_waarde", "p_waarde_gecorrigeerd"} <= set(kaart.data.columns)
    assert data["p_waarde_gecorrigeerd"].notna().all()
    significant = (data["p_waarde_gecorrigeerd"] <= 0.05) & (data["p_waarde"] < 0.05)
    # the case that matters: significant before the correction only, so hatched
    only_raw = (data["p_waarde"] < 0.05) & ~significant
    assert only_raw.any() and significant.any()
    values = map_values(kaart.table)
    assert [values[c].hatched for c in data["regio_code"]] == list(~significant)
    assert list(data["vergelijking"].isin(["hoger", "lager"])) == list(significant)
    # the same test as the Kernen table: each wijk against the rest, Holm over the wijken of the map
    total = kaart.table.iloc[-1]
    results = [
        compare.compare_with_region(c, p, total["aantal"], total["persoonsjaren"])
        for c, p in zip(kaart.table["aantal"].iloc[:-1], kaart.table["persoonsjaren"].iloc[:-1])
    ]
    assert data["p_waarde"].to_numpy() == pytest.approx([float(r.p_value) for r in results])
    assert "niet gecorrigeerd" in kaart.caption and "rest van de gemeente" in kaart.caption
    assert "gecorrigeerde p-waarde" in kaart.caption and "Gemeente:" not in kaart.alt
    ch = _chapter(ds, tmp_path)
    ch.map(kaart.draw, kaart.name, kaart.caption, kaart.alt, kaart.data, sources=[])
    assert not unit_problems(tmp_path / "csv")[0]


def test_a_year_missing_inside_the_pooled_window_gives_the_note_not_an_error(tmp_path, page):
    codes = list(_PER_YEAR)[:4]
    ds, areas = _wijken_data({c: _PER_YEAR[c] for c in codes}, dict.fromkeys(codes, 1000.0), years=(2021, 2022, 2024))
    with pytest.raises(kaarten.NoMap, match="2023"):
        kaarten.wijk_map(ds, "misdrijven_buurt", areas)
    ch = _chapter(ds, tmp_path)
    assert kaarten.show_wijk_maps(ch, ["misdrijven_buurt"]) == []
    assert len(page) == 1 and 'class="va-missing"' in page[0] and "<svg" not in page[0]
    text = re.sub(r"<[^>]+>", "", page[0])
    assert "2023" in text and "ontbreken" in text and text.count(". ") == 0 and text.endswith(".")


def _location_ds(provincie, regio=None):
    def members(group):
        return list(group.gemeenten)

    return SimpleNamespace(
        gemeente="GM0001",
        config=SimpleNamespace(vergelijking=SimpleNamespace(provincie=provincie, regio=regio)),
        group_members=members,
    )


def test_the_location_map_names_what_it_draws():
    squares = [_square(f"GM000{i}", 1500.0 * i) for i in range(1, 5)]
    prov = SimpleNamespace(code="PV99", naam="Drenthe", gemeenten=("GM0001", "GM0002", "GM0003", "GM0004"))
    team = SimpleNamespace(code="BT1", naam="Basisteam Zuidwest", gemeenten=("GM0001", "GM0002"))
    assert kaarten.drawn_region(_location_ds(prov), squares)[0] == "de provincie Drenthe"
    assert kaarten.drawn_region(_location_ds(prov), squares[:3])[0] == "de provincie Drenthe (3 van de 4 gemeenten)"
    assert kaarten.drawn_region(_location_ds(None, team), squares[:2])[0] == "basisteam Zuidwest"
    where = kaarten.drawn_region(_location_ds(None, team), squares)[0]
    assert where == "een uitsnede van 4 gemeenten" and "Nederland" not in where


# ---------------------------------------------------------------------------- the regional report


@pytest.fixture(scope="module")
def demo_region(tmp_path_factory, root):
    """The regional report of config/zuidwest-drenthe.yaml on the demo data, each gemeente from its own store."""
    import json

    from veiligheidsanalyse.chapters import regio
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.notebook import open_region
    from veiligheidsanalyse.report.runner import RunOptions
    from veiligheidsanalyse.store.build import prepare_run_data

    folder = tmp_path_factory.mktemp("regiokaart")
    config_path = root / "config" / "zuidwest-drenthe.yaml"
    config = load_config(config_path)
    stores = {}
    for code in config.targets():
        prepare_run_data(config.for_gemeente(code), root, RunOptions(policy="demo"), work_dir=folder / code)
        stores[code] = str(folder / code)
    region = open_region(config=str(config_path), stores=json.dumps(stores), run_dir=str(folder / "run"))
    return region, regio.analyse(region), folder / "run"


def test_the_regional_map_marks_each_gemeente_as_the_regional_comparison_does(demo_region, page):
    region, result, run = demo_region
    shown = kaarten.show_region_maps(region, result)
    comparisons = {c.indicator.id: c for theme in result.themes for c in theme.comparisons}
    assert len(shown) == len(comparisons) > 0
    for kaart in shown:
        comp = comparisons[kaart.name.removeprefix("regio_").removesuffix("_kaart")]
        verdict = {r.code: r.vs_regio for r in comp.rows if r.rol == "gemeente"}
        data = kaart.data.set_index("regio_code")
        assert set(data.index) == set(region.report.gemeenten)
        for code, words in verdict.items():  # the map's class is the table's verdict, word for word
            assert data.loc[code, "vergelijking_met_rest_van_regio"] == words
            expected = (
                "significant hoger"
                if words.startswith("significant hoger")
                else "significant lager"
                if words.startswith("significant lager")
                else "niet significant"
                if words.startswith(("niet significant", "aanwijzing"))
                else "niet vergeleken"
            )
            assert data.loc[code, "kaartklasse"].startswith(expected)
        svg = kaart.draw("DEMO", kaart.alt)
        _svg_checks(svg, region.datasets["GM1701"].boundary_year)
        assert all(region.names[c] in kaart.alt for c in region.report.gemeenten)
    maps = [b for b in page if "<svg" in b]
    assert len(maps) == len(shown) and all("Bron: Kadaster / CBS" in b for b in maps)
    assert not unit_problems(run / "csv")[0]
    record = region.ch.findings_dir / f"{region.ch.id}.json"
    assert "wijkbuurtkaart" in record.read_text(encoding="utf-8")  # the page's sources saved again, with the maps


def test_region_marking_reads_the_verdicts_of_the_regional_report():
    area = "de rest van Zuidwest-Drenthe"
    assert kaarten.region_marking(f"significant hoger dan {area}") == 0
    assert kaarten.region_marking(f"significant lager dan {area}") == 1
    assert kaarten.region_marking(f"niet significant verschillend van {area}") == 2
    assert kaarten.region_marking(f"aanwijzing: hoger dan {area} (niet na correctie)") == 2
    for words in ("te weinig gevallen om te vergelijken", "onbekend", "niet vergeleken (regio onvolledig)", ""):
        assert kaarten.region_marking(words) == 3
