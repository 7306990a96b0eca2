"""What the demo snapshot covers (every Drenthe gemeente with wijken and buurten, a comparison pool in
every provincie) and that adding to it leaves the numbers of the first demo's gemeenten as they were."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from veiligheidsanalyse.sources.demo import (
    DRENTHE,
    FIRST_DEMO,
    FIRST_DEMO_MONTHLY,
    GEMEENTEN,
    PROVINCIES,
    WIJKEN,
    _stedelijkheid,
)
from veiligheidsanalyse.store.prepare import demo_snapshots

DRENTHE_CODES = {g.code for g in GEMEENTEN if g.provincie == DRENTHE}
FIRST_CODES = {g.code for g in FIRST_DEMO}

# Fingerprints (row count, sha256) of the rows the first demo made, as generated before gemeenten were
# added: Nederland, the provincies PV21-PV23, the 18 gemeenten of FIRST_DEMO (their yearly rows; monthly
# rows of the basisteam), and Westerveld's wijken and buurten. The buurten of De Wolden, Hoogeveen,
# Meppel and Midden-Drenthe are left out: they follow the CBS wijken now.
FIRST_DEMO_FINGERPRINTS = {
    "03759ned": (1848, "34b85d8d3835ea29129eacff0a2521e62c2e5897e5f5e5564b053c927de507eb"),
    "47013NED": (8136, "7757e39cce91054b5aa05f0a6e177b0b9c67f526caa11897733785543d45dfe2"),
    "47018NED": (4543, "d8641aaaa6995011e52eb50cfc57a55381251f03ca72deada05a1593e7e79610"),
    "47021NED": (1881, "b85f8185d68d9be2bfa2bf5ed8af27e478e7a1775f5ab00df2abebf4a3d644fc"),
    "47024NED": (2596, "ccfc4148a4ee5eb6421f2c65225dd142efd92a5ae61f5aaffee64ff555ee7dbe"),
    "83648NED": (1400, "8e143b438ad10856e42e17ca378f7af2ef5a6f6a5dbea4ecccd92f77dbd33e16"),
    "85146NED": (18, "49953f87e2261e3362e75c26eba1fd6d4e40197aa350308a8231082d94a3b828"),
    "85361NED": (228, "04a93f574dd5cda736f86312dd1242562e1b796e9ebf62279073370311cfa2c9"),
    "85984NED": (73, "2ba96db0f1e75285ead1ae57c1ba87b49517bfa19203e00af87c306c900182ca"),
}
NEW_FIELDS = {"ID", "MateVanStedelijkheid_117"}  # row ids move where rows were replaced; a column was added


@pytest.fixture(scope="module")
def snaps(root: Path):
    return demo_snapshots(root / "data" / "demo")


def _region(row: dict) -> str:
    return str(row.get("RegioS") or row.get("WijkenEnBuurten")).strip()


def _first_demo_row(table_id: str, row: dict) -> bool:
    region = _region(row)
    if "MM" in row.get("Perioden", "") and region not in {"NL01"} | FIRST_DEMO_MONTHLY:
        return False
    if table_id in ("47018NED", "47024NED") and region.startswith("GM"):
        return region in FIRST_DEMO_MONTHLY  # the gemeenten that had buurt figures
    if region in ("NL01", "NL00", "PV21", "PV22", "PV23") or region in FIRST_CODES:
        return True
    return region[:2] in ("WK", "BU") and region[2:6] == "1701"


@pytest.mark.parametrize("table_id", sorted(FIRST_DEMO_FINGERPRINTS))
def test_the_first_demo_numbers_stay_as_they_were(snaps, table_id):
    rows = [
        {k: v for k, v in r.items() if k not in NEW_FIELDS}
        for r in snaps[table_id].rows()
        if _first_demo_row(table_id, r)
    ]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert (len(rows), digest) == FIRST_DEMO_FINGERPRINTS[table_id], (
        f"{table_id}: numbers of the first demo's gemeenten changed; draw added numbers from their own "
        "stream (demo._stream), never from the shared one"
    )


def _kwb(snaps) -> tuple[dict[str, dict], dict[str, str]]:
    snap = snaps["85984NED"]
    rows = {_region(r): r for r in snap.rows()}
    titles = {m["Key"].strip(): m["Title"] for m in snap.metadata["dimensions"]["WijkenEnBuurten"]}
    return rows, titles


def test_every_drenthe_gemeente_has_its_cbs_wijken_and_nested_buurten(snaps):
    rows, titles = _kwb(snaps)
    assert len(DRENTHE_CODES) == 12 and set(WIJKEN) == DRENTHE_CODES
    for code in DRENTHE_CODES:
        digits = code[2:]
        wijken = {k for k in rows if k.startswith(f"WK{digits}")}
        assert wijken == {f"WK{digits}{nr}" for nr, *_rest in WIJKEN[code]}, code
        assert {titles[f"WK{digits}{nr}"] for nr, *_rest in WIJKEN[code]} == {t for _nr, t, *_rest in WIJKEN[code]}
        buurten = [k for k in rows if k.startswith(f"BU{digits}")]
        assert all(re.fullmatch(r"BU\d{8}", b) and f"WK{b[2:8]}" in wijken for b in buurten), code
        assert all(any(b[2:8] == w[2:] for b in buurten) for w in wijken), code  # no wijk without buurten

        def inwoners(key: str) -> int:
            return int(rows[key]["AantalInwoners_5"])

        # Buurten are rounded to fives (as CBS does): their sum is the gemeente's within that rounding.
        assert abs(sum(inwoners(b) for b in buurten) - inwoners(code)) <= 2.5 * len(buurten), code
        assert abs(sum(inwoners(w) for w in wijken) - inwoners(code)) <= len(wijken), code
        for table_id in ("47018NED", "47024NED"):
            keys = {m["Key"].strip() for m in snaps[table_id].metadata["dimensions"]["WijkenEnBuurten"]}
            assert set(buurten) | wijken | {code} <= keys, (table_id, code)
    # Westerveld: the 18 villages of the CBS wijkindeling, wijk 10 is Wapserveen.
    assert titles["WK170100"] == "Wijk 00 Diever" and titles["WK170110"] == "Wijk 10 Wapserveen"
    assert titles["WK170117"] == "Wijk 17 Boschoord" and titles["BU17010809"] == "Verspreide huizen Havelte"


def test_buurt_counts_add_up_to_the_gemeente(snaps):
    for table_id, measure, kind in (
        ("47018NED", "GeregistreerdeMisdrijven_1", "SoortMisdrijf"),
        ("47024NED", "GeregistreerdeOverlast_1", "Overlast"),
    ):
        sums: dict[tuple, int] = defaultdict(int)
        totals = {}
        for r in snaps[table_id].rows():
            region, key = _region(r), (r[kind], r["Perioden"])
            if region.startswith("BU"):
                sums[("GM" + region[2:6],) + key] += int(r[measure])
            elif region.startswith("GM"):
                totals[(region,) + key] = int(r[measure])
        assert {k[0] for k in totals} == DRENTHE_CODES
        assert sums == totals, table_id


def test_a_comparison_pool_in_every_provincie(snaps):
    rows, _titles = _kwb(snaps)
    outside = {g.code: g for g in GEMEENTEN if g.provincie != DRENTHE}
    assert len(outside) >= 60 and {g.provincie for g in outside.values()} == set(PROVINCIES) - {DRENTHE}
    sizes = [g.inwoners_2025 for g in outside.values()]
    assert min(sizes) < 15_000 and max(sizes) > 200_000
    for table_id in ("03759ned", "47013NED", "47021NED", "83648NED", "85361NED"):
        regions = {_region(r) for r in snaps[table_id].rows()}
        assert set(outside) <= regions, table_id
    pop = {
        _region(r): float(r["BevolkingOp1Januari_1"])
        for r in snaps["03759ned"].rows()
        if r["Leeftijd"] == "10000" and r["Perioden"] == "2025JJ00"
    }
    assert all(pop[code] <= pop[prov] for code, prov in ((g.code, g.provincie) for g in GEMEENTEN))
    for g in GEMEENTEN:  # gemeente rows of the Kerncijfers: land area, address density and its class
        row = rows[g.code]
        oad = int(row["Omgevingsadressendichtheid_118"])
        assert int(row["OppervlakteLand_113"]) > 0 and int(row["MateVanStedelijkheid_117"]) == _stedelijkheid(oad)
        if g.inwoners_2025 > 150_000:
            assert oad >= 1000, g.naam  # large cities are stedelijk
        density = g.inwoners_2025 / (g.land_ha / 100)
        if density < 150:
            assert oad < 1000, g.naam  # thinly populated gemeenten are at most weinig stedelijk


def test_the_pool_gives_each_drenthe_gemeente_enough_comparable_ones():
    """At least six other gemeenten of the same stedelijkheidsklasse with 2/3 to 3/2 the inhabitants."""
    for g in GEMEENTEN:
        if g.provincie != DRENTHE:
            continue
        alike = [
            o
            for o in GEMEENTEN
            if o.code != g.code
            and _stedelijkheid(o.oad) == _stedelijkheid(g.oad)
            and 2 / 3 <= o.inwoners_2025 / g.inwoners_2025 <= 3 / 2
        ]
        assert len(alike) >= 6, g.naam


def test_regio_titles_as_cbs_writes_them(snaps):
    titles = {m["Key"].strip(): m["Title"] for m in snaps["47013NED"].metadata["dimensions"]["RegioS"]}
    assert titles["GM0014"] == "Groningen (gemeente)" and titles["GM0344"] == "Utrecht (gemeente)"
    assert titles["GM1701"] == "Westerveld" and titles["GM0687"] == "Middelburg (Z.)"
