"""Maps: boundaries, simplification and self-contained SVG (veiligheidsanalyse.maps).

The real boundaries and counts are test material in ``../shared/data/real`` (outside the
repository; see its PROVENANCE.md files); the tests that need them are skipped without it.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from itertools import pairwise

import pandas as pd
import pytest

from conftest import shared_real_data
from veiligheidsanalyse.maps import Gebied, Polygon, area_of, douglas_peucker, read_boundaries, simplify_areas
from veiligheidsanalyse.maps.choropleth import (
    MAX_BYTES,
    MapValue,
    check_codes,
    choropleth_svg,
    describe_map,
    location_svg,
    map_values,
)
from veiligheidsanalyse.maps.classes import class_breaks, class_labels, palette
from veiligheidsanalyse.stats.smallarea import small_area_table

REAL = shared_real_data()
needs_real = pytest.mark.skipif(REAL is None, reason="real extracts in ../shared not present")
SVG_NS = "http://www.w3.org/2000/svg"
DRENTHE = [
    "GM0106",
    "GM0109",
    "GM0114",
    "GM0118",
    "GM0119",
    "GM1680",
    "GM1681",
    "GM1690",
    "GM1699",
    "GM1701",
    "GM1730",
    "GM1731",
]


def _kaart(name: str):
    return REAL / "cbs-wijkbuurtkaart" / name


@pytest.fixture(scope="module")
def westerveld_buurten() -> list[Gebied]:
    if REAL is None:
        pytest.skip("real extracts in ../shared not present")
    return read_boundaries(
        _kaart("drenthe_buurten_2024_aa-en-hunze_westerveld_midden-drenthe_rd.geojson"),
        gemeentecode="GM1701",
        niveau="buurt",
    )


@pytest.fixture(scope="module")
def drenthe_gemeenten() -> list[Gebied]:
    if REAL is None:
        pytest.skip("real extracts in ../shared not present")
    return read_boundaries(_kaart("nl_gemeenten_2023_rd.geojson"), codes=DRENTHE)


@pytest.fixture(scope="module")
def westerveld_counts(westerveld_buurten) -> pd.DataFrame:
    """Real 47018NED Totaal misdrijven 2023 per buurt, with KWB 2024 inhabitants and the map's names."""
    counts = pd.read_csv(REAL / "politie-47018NED-buurt" / "westerveld_buurten_2023_totaal_misdrijven.csv")
    pops = pd.read_csv(REAL / "cbs-kwb-85984NED-2024" / "Population85984_2024.csv")
    merged = counts.merge(pops, left_on="WijkenEnBuurten", right_on="nhood_id", how="left")
    names = {b.code: b.naam for b in westerveld_buurten}
    return pd.DataFrame(
        {
            "regio_code": merged["WijkenEnBuurten"],
            "regio_naam": merged["WijkenEnBuurten"].map(names),
            "aantal": merged["GeregistreerdeMisdrijven_1"],
            "inwoners": merged["population"],
        }
    )


# --------------------------------------------------------------------------- boundaries


@needs_real
def test_westerveld_buurten_match_the_47018ned_codes(westerveld_buurten):
    """The 2024 boundaries carry exactly the 45 BU1701 codes of politie 47018NED (indeling 2024)."""
    keys = pd.read_csv(REAL / "politie-47018NED-buurt" / "WijkenEnBuurten.csv")["Key"].str.strip()
    politie = set(keys[keys.str.startswith("BU1701")])
    counts = pd.read_csv(REAL / "politie-47018NED-buurt" / "westerveld_buurten_2023_totaal_misdrijven.csv")
    assert len(politie) == 45
    assert {b.code for b in westerveld_buurten} == politie == set(counts["WijkenEnBuurten"].str.strip())
    assert check_codes(westerveld_buurten, counts["WijkenEnBuurten"].str.strip()) == ([], [])
    assert all(b.gemeentecode == "GM1701" and b.niveau == "buurt" and b.jaar == 2024 for b in westerveld_buurten)


@needs_real
def test_boundaries_known_areas_holes_and_multipolygons(westerveld_buurten):
    by_code = {b.code: b for b in westerveld_buurten}
    # spot areas from the extract's PROVENANCE.md (RD, km²)
    assert area_of(by_code["BU17010800"]) / 1e6 == pytest.approx(2.571, abs=0.001)  # Havelte
    assert area_of(by_code["BU17010809"]) / 1e6 == pytest.approx(26.521, abs=0.001)  # Verspreide huizen Havelte
    assert sum(area_of(b) for b in westerveld_buurten) / 1e6 == pytest.approx(283.3, abs=0.1)
    assert by_code["BU17010800"].naam == "Havelte"
    assert any(p.holes for b in westerveld_buurten for p in b.polygons)  # kernen lie in holes
    assert any(len(b.polygons) > 1 for b in westerveld_buurten)  # MultiPolygon
    assert all(ring[0] == ring[-1] for b in westerveld_buurten for ring in b.rings)


@needs_real
def test_wgs84_files_are_refused():
    with pytest.raises(ValueError, match="EPSG:28992"):
        read_boundaries(_kaart("drenthe_wijken_2023_wgs84.geojson"))


def test_pdok_property_names_and_codes_without_gemeente(tmp_path):
    square = [[[200000, 500000], [201000, 500000], [201000, 501000], [200000, 501000], [200000, 500000]]]
    feature = {
        "type": "Feature",
        "properties": {"buurtcode": "BU17010800", "buurtnaam": "Havelte"},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    (area,) = read_boundaries(path)
    assert (area.code, area.naam, area.gemeentecode, area.niveau) == ("BU17010800", "Havelte", "GM1701", "buurt")
    assert area_of(area) == pytest.approx(1e6)
    lonlat = [[[6.1, 52.7], [6.2, 52.7], [6.2, 52.8], [6.1, 52.7]]]
    feature["geometry"]["coordinates"] = lonlat
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(ValueError, match="not RD New"):
        read_boundaries(path)


# --------------------------------------------------------------------------- simplification


def test_douglas_peucker_drops_points_within_tolerance():
    line = [(0, 0), (1, 0.1), (2, -0.1), (3, 5), (4, 6), (5, 7), (6, 8.05), (7, 9)]
    assert douglas_peucker(line, 0.5) == [(0, 0), (2, -0.1), (3, 5), (7, 9)]
    assert douglas_peucker(line, 0) == line
    assert douglas_peucker(line, 100) == [(0, 0), (7, 9)]


def _edges(areas) -> Counter:
    edges = Counter()
    for area in areas:
        for ring in area.rings:
            for a, b in pairwise(ring):
                edges[(min(a, b), max(a, b))] += 1
    return edges


def _outline_length(areas) -> float:
    """Length of the edges that only one ring uses: the outline (and any gap between areas)."""
    return sum(math.dist(*edge) for edge, n in _edges(areas).items() if n == 1)


@needs_real
@pytest.mark.parametrize("tolerance", [25.0, 250.0, 2500.0])
def test_simplification_keeps_every_area_and_shared_borders(westerveld_buurten, tolerance):
    simple = simplify_areas(westerveld_buurten, tolerance)
    assert [a.code for a in simple] == [a.code for a in westerveld_buurten]
    for before, after in zip(westerveld_buurten, simple):
        assert len(after.polygons) == len(before.polygons)
        for ring in after.rings:
            assert len(set(ring)) >= 3 and ring[0] == ring[-1]
        assert area_of(after) > 0
    # both sides of a shared border got the same line: no edge used by more than two rings, and
    # the outline did not grow (a border simplified differently on each side would add to it)
    assert max(_edges(simple).values()) <= 2
    assert _outline_length(simple) <= _outline_length(westerveld_buurten) * 1.001
    points_before = sum(len(r) for a in westerveld_buurten for r in a.rings)
    points_after = sum(len(r) for a in simple for r in a.rings)
    assert points_after < points_before


def test_a_tiny_area_survives_a_huge_tolerance():
    big = Gebied(
        "BU00000001",
        "Groot",
        "GM0000",
        "buurt",
        (
            Polygon(
                ((0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)),
                (((400, 400), (410, 400), (410, 410), (400, 410), (400, 400)),),
            ),
        ),
    )
    small = Gebied(
        "BU00000002",
        "Klein",
        "GM0000",
        "buurt",
        (Polygon(((400, 400), (400, 410), (410, 410), (410, 400), (400, 400))),),
    )
    out = simplify_areas([big, small], tolerance=5000)
    assert area_of(out[1]) == pytest.approx(100)
    assert area_of(out[0]) == pytest.approx(1e6 - 100)


# --------------------------------------------------------------------------- classes


def test_class_breaks_and_dutch_labels():
    values = [0, 1, 2, 4.9, 6, 8, 12, 15.3, 18, 20, 22, 30, 37, 45, 60, 114]
    breaks = class_breaks(values, 5)
    assert breaks == sorted(set(breaks)) and 1 <= len(breaks) <= 4
    labels = class_labels([6, 15, 17.5, 35])
    assert labels == ["minder dan 6", "6 tot 15", "15 tot 17,5", "17,5 tot 35", "35 of meer"]
    assert class_breaks([3, 3, 3]) == []
    assert palette("OrRd", 5) == ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")  # ColorBrewer
    assert len(palette("Blues", 2)) == 2


# --------------------------------------------------------------------------- SVG


def _assert_self_contained(svg: str, year: int) -> ET.Element:
    size = len(svg.encode("utf-8"))
    assert size <= MAX_BYTES, size
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert "<script" not in svg.lower() and "javascript:" not in svg.lower()
    assert re.findall(r"https?://[^\s\"'<>)]+", svg) == [SVG_NS]  # only the namespace
    assert "@import" not in svg and "<image" not in svg and "<foreignObject" not in svg
    hrefs = re.findall(r'href="([^"]*)"', svg) + re.findall(r"url\(([^)]*)\)", svg)
    assert all(h.startswith("#") for h in hrefs)  # internal references only
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    assert all(h[1:] in ids for h in hrefs)
    title = root.find(f"{{{SVG_NS}}}title")
    desc = root.find(f"{{{SVG_NS}}}desc")
    assert title is not None and title.text and desc is not None and len(desc.text) > 40
    assert f"Bron: Kadaster / CBS {year}" in svg
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t for el in root.iter() for t in (el.text, el.tail) if t and t.strip()]


@needs_real
def test_westerveld_buurt_map_is_small_self_contained_and_sums_to_the_gemeente(westerveld_buurten, westerveld_counts):
    table = small_area_table(westerveld_counts, gemeente_code="GM1701", gemeente_naam="Westerveld")
    # the map's CSV: its buurten are the map's areas and add up to the gemeente's 365 (47018NED 2023)
    areas, total = table[table["rol"] == "gebied"], table[table["rol"] == "Totaal"].iloc[0]
    assert check_codes(westerveld_buurten, areas["regio_code"]) == ([], [])
    assert areas["aantal"].sum() == total["aantal"] == 365
    description = describe_map(
        table, subject="geregistreerde misdrijven", area_plural="buurten", gemeente="Westerveld", period="2023"
    )
    svg = choropleth_svg(
        westerveld_buurten,
        map_values(table),
        title="Geregistreerde misdrijven per buurt, 2023",
        description=description,
        boundary_year=2024,
        data_source="politie (47018NED)",
        legend_title="Misdrijven per 1.000 inwoners per jaar",
    )
    root = _assert_self_contained(svg, 2024)
    assert "Kaart van de 45 buurten van Westerveld" in root.find(f"{{{SVG_NS}}}desc").text
    # colour + hatching: every coloured buurt that is not significantly higher or lower is hatched
    coloured = areas["per_1000"].notna()
    assert svg.count("<use ") == 45 + (coloured & ~areas["vergelijking"].isin(["hoger", "lager"])).sum()
    assert "niet significant verschillend van de rest van de gemeente" in svg and "te weinig inwoners" in svg
    eb_description = describe_map(
        table,
        subject="geregistreerde misdrijven",
        area_plural="buurten",
        gemeente="Westerveld",
        period="2023",
        value="per_1000_eb",
    )
    smoothed = choropleth_svg(
        westerveld_buurten,
        map_values(table, "per_1000_eb"),
        title="Gestabiliseerd",
        description=eb_description,
        boundary_year=2024,
        legend_title="per 1.000 (EB)",
    )
    _assert_self_contained(smoothed, 2024)
    assert "gestabiliseerd (Empirical Bayes)" in eb_description
    legend_line = ">niet significant verschillend van de rest</text>"  # the hatching in the legend
    assert legend_line in svg and legend_line not in smoothed
    assert svg.count("<use ") > smoothed.count("<use ") == 45  # smoothed rates are not hatched


@needs_real
def test_suppressed_counts_never_reach_the_svg(westerveld_buurten, westerveld_counts):
    table = small_area_table(
        westerveld_counts, gemeente_code="GM1701", gemeente_naam="Westerveld", sensitive=True, threshold=5
    )
    hidden = table[table["afgeschermd"] & (table["rol"] == "gebied")]
    assert len(hidden) >= 2

    def draw(counts: pd.DataFrame) -> str:
        t = small_area_table(counts, gemeente_code="GM1701", gemeente_naam="Westerveld", sensitive=True, threshold=5)
        return choropleth_svg(
            westerveld_buurten,
            map_values(t),
            title="Zeden per buurt",
            description=describe_map(t, subject="zedenmisdrijven", area_plural="buurten", gemeente="Westerveld"),
            boundary_year=2024,
            legend_title="per 1.000 inwoners",
            mark="DEMO",
        )

    svg = draw(westerveld_counts)
    root = _assert_self_contained(svg, 2024)
    names = set(hidden["regio_naam"])
    for tooltip in (t for t in _texts(root) if t.split(":")[0] in names):
        assert "afgeschermd" in tooltip and not re.search(r"\d", tooltip)
    assert "DEMO" in svg
    # another split of the hidden counts with the same total gives the very same SVG: it cannot
    # reveal them
    counts = westerveld_counts["aantal"]
    primary = westerveld_counts["regio_code"].isin(hidden["regio_code"]) & counts.between(1, 4)
    giver = counts[primary & (counts >= 2)].index[0]  # both stay "<5": 2..4 -> 1..3 and 1..3 -> 2..4
    taker = counts[primary & (counts <= 3)].index.difference([giver])[0]
    moved = westerveld_counts.copy()
    moved.loc[giver, "aantal"] -= 1
    moved.loc[taker, "aantal"] += 1
    assert draw(moved) == svg


@needs_real
def test_drenthe_gemeenten_maps(drenthe_gemeenten):
    assert {g.code for g in drenthe_gemeenten} == set(DRENTHE)
    labels = {g.code: g.naam for g in drenthe_gemeenten}
    svg = location_svg(
        drenthe_gemeenten,
        "GM1701",
        title="Westerveld in Drenthe",
        description="Kaart van de twaalf gemeenten van Drenthe; Westerveld ligt in het zuidwesten.",
        boundary_year=2023,
        labels=labels,
    )
    root = _assert_self_contained(svg, 2023)
    assert "Westerveld" in _texts(root) and "Meppel" in _texts(root)
    values = {
        g.code: MapValue(g.code, value=10.0 + i, hatched=i % 2 == 0, tooltip=g.naam)
        for i, g in enumerate(drenthe_gemeenten)
    }
    svg = choropleth_svg(
        drenthe_gemeenten,
        values,
        title="Misdrijven per gemeente",
        description="Kaart van de twaalf gemeenten van Drenthe met een verzonnen waarde per gemeente.",
        boundary_year=2023,
        legend_title="per 1.000 inwoners",
        labels=labels,
    )
    _assert_self_contained(svg, 2023)


@needs_real
def test_all_gemeenten_of_the_netherlands_fit_in_100_kb():
    gemeenten = read_boundaries(_kaart("nl_gemeenten_2023_rd.geojson"))
    assert len(gemeenten) == 342
    svg = location_svg(
        gemeenten,
        "GM1701",
        title="Westerveld in Nederland",
        description="Kaart van de 342 gemeenten van Nederland (indeling 2023) met Westerveld donker.",
        boundary_year=2023,
    )
    _assert_self_contained(svg, 2023)
    coarse = simplify_areas(gemeenten, 5000)
    assert [g.code for g in coarse] == [g.code for g in gemeenten]
    assert all(area_of(g) > 0 and len(set(g.polygons[0].exterior)) >= 3 for g in coarse)


def test_two_maps_on_one_page_have_distinct_ids():
    square = Gebied(
        "GM0001",
        "A",
        "GM0001",
        "gemeente",
        (Polygon(((0, 300000), (1000, 300000), (1000, 301000), (0, 301000), (0, 300000))),),
    )
    one = location_svg([square], "GM0001", title="Kaart een", description="d" * 50, boundary_year=2023)
    two = location_svg([square], "GM0001", title="Kaart twee", description="d" * 50, boundary_year=2023)
    assert not set(re.findall(r'id="([^"]+)"', one)) & set(re.findall(r'id="([^"]+)"', two))


def test_names_are_escaped_and_areas_without_a_value_say_so():
    square = Gebied(
        "BU00010000",
        'Dorp <& "oost">',
        "GM0001",
        "buurt",
        (Polygon(((0, 300000), (1000, 300000), (1000, 301000), (0, 301000), (0, 300000))),),
    )
    svg = choropleth_svg(
        [square],
        {},
        title="T & t",
        description="Een kaart zonder cijfers " * 3,
        boundary_year=2024,
        legend_title="x",
        labels={"BU00010000": square.naam},
    )
    root = ET.fromstring(svg)
    assert square.naam in _texts(root)
    assert "geen gegevens" in svg


def test_only_a_significant_area_is_drawn_without_hatching():
    """Unknown ("onbekend") is hatched like "gelijk": by the legend, no hatching means significant."""
    table = small_area_table(
        pd.DataFrame({"regio_code": ["BU1"], "regio_naam": ["Alleen"], "aantal": [12], "inwoners": [900]}),
        gemeente_code="GM0001",
        gemeente_naam="T",
        min_inhabitants=0,
    )
    assert table["vergelijking"].iloc[0] == "onbekend" and math.isfinite(table["per_1000"].iloc[0])
    value = map_values(table)["BU1"]
    assert value.hatched and math.isfinite(value.value)
    assert "niet vergeleken (onbekend)" in value.tooltip
    table = small_area_table(
        pd.DataFrame(
            {
                "regio_code": ["BU1", "BU2", "BU3"],
                "regio_naam": ["A", "B", "C"],
                "aantal": [60, 3, 20],
                "inwoners": [1000, 1000, 1000],
            }
        ),
        gemeente_code="GM0001",
        gemeente_naam="T",
        min_inhabitants=0,
        correction="holm",
    )
    values = map_values(table)
    for row in table.iloc[:-1].itertuples():
        assert values[row.regio_code].hatched == (row.vergelijking not in ("hoger", "lager"))
    assert not values["BU1"].hatched and not values["BU2"].hatched


def test_the_maps_package_is_geometry_only_no_drawing_code_no_numpy():
    """The data step reads boundaries through ``veiligheidsanalyse.maps``: that must not load the drawing
    code or, with it, numpy (callers that draw import ``maps.choropleth`` explicitly)."""
    import subprocess
    import sys

    code = (
        "import sys, veiligheidsanalyse.maps, veiligheidsanalyse.sources.boundaries; "
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'veiligheidsanalyse.maps.choropleth') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
