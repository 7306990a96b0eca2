"""The demo boundaries snapshot (``data/demo/wijkbuurtkaart/demo/``), derived from real boundaries.

The demo data cover the 12 Drenthe gemeenten with their real wijken of 2023 (and invented
buurten, which have no real boundaries) and gemeenten across the Netherlands; so the demo
boundaries are the Drenthe wijken 2023 and the outlines of every gemeente of 2023 from the
CBS/Kadaster wijk- en buurtkaart (generalised; see the PROVENANCE.md of the source folder),
simplified for print so that the committed snapshot stays small. The same input gives the same
bytes (a test regenerates it and compares)::

    python -m veiligheidsanalyse.maps.demo_grenzen <folder with cbs-wijkbuurtkaart> data/demo
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from .boundaries import read_boundaries
from .simplify import simplify_areas

SOURCE_FOLDER = "cbs-wijkbuurtkaart"
WIJKEN_FILE = "drenthe_wijken_2023_rd.geojson"
GEMEENTEN_FILE = "nl_gemeenten_2023_rd.geojson"
YEAR = 2023
WIJK_TOLERANCE_M = 10.0  # a fifth of a pixel of a 1000 px drawing of a gemeente of about 50 km
GEMEENTE_TOLERANCE_M = 50.0  # a sixth of a pixel of a 1000 px drawing of a provincie of about 300 km


def source_folder(folder: Path) -> Path:
    """The folder with the wijk- en buurtkaart files: ``folder`` itself or one below it."""
    folder = Path(folder)
    for candidate in (
        folder,
        folder / SOURCE_FOLDER,
        folder / "data" / "real" / SOURCE_FOLDER,
        folder / "real" / SOURCE_FOLDER,
    ):
        if (candidate / WIJKEN_FILE).is_file() and (candidate / GEMEENTEN_FILE).is_file():
            return candidate
    raise FileNotFoundError(f"{folder}: geen {WIJKEN_FILE} en {GEMEENTEN_FILE} gevonden (ook niet in {SOURCE_FOLDER}/)")


def demo_features(folder: Path) -> list[dict]:
    """Features of the demo snapshot: Drenthe wijken, then every gemeente, each level simplified."""
    from ..sources.boundaries import trimmed_feature
    from .boundaries import feature_of

    source = source_folder(folder)
    wijken = simplify_areas(read_boundaries(source / WIJKEN_FILE, niveau="wijk"), WIJK_TOLERANCE_M)
    gemeenten = simplify_areas(read_boundaries(source / GEMEENTEN_FILE, niveau="gemeente"), GEMEENTE_TOLERANCE_M)
    areas = sorted(wijken, key=lambda a: a.code) + sorted(gemeenten, key=lambda a: a.code)
    return [trimmed_feature(feature_of(area), area.niveau, YEAR) for area in areas]


def write_demo_boundaries(folder: Path, demo_root: Path) -> Path:
    """(Re)write ``<demo_root>/wijkbuurtkaart/demo/`` from the files in ``folder``; returns its path."""
    from ..sources.boundaries import SOURCE_ID, attribution
    from ..sources.snapshots import write_snapshot

    features = demo_features(folder)
    wijken = sorted({f["properties"]["gemeentecode"] for f in features if f["properties"]["niveau"] == "wijk"})
    gemeenten = sorted(f["properties"]["statcode"] for f in features if f["properties"]["niveau"] == "gemeente")
    levels = {n: sum(1 for f in features if f["properties"]["niveau"] == n) for n in ("gemeente", "wijk", "buurt")}
    metadata = {"jaar": YEAR, "crs": "EPSG:28992", "niveaus": levels}
    provenance = {
        "url": None,
        "catalog": "demo",
        "demo": True,
        "jaar": YEAR,
        "attributie": attribution(YEAR),
        "bron": f"CBS/Kadaster wijk- en buurtkaart {YEAR}, gegeneraliseerd (cartomap/nl); wijken van Drenthe en "
        f"alle gemeenten, vereenvoudigd (Douglas-Peucker, {WIJK_TOLERANCE_M:g} m en "
        f"{GEMEENTE_TOLERANCE_M:g} m); geen buurten (de demobuurten zijn verzonnen)",
        "request": {"jaar": YEAR, "gemeenten": wijken, "omgeving": gemeenten},
    }
    target = Path(demo_root) / SOURCE_ID / "demo"
    with tempfile.TemporaryDirectory() as tmp:
        written = write_snapshot(Path(tmp), SOURCE_ID, features, metadata, provenance, snapshot_id="demo")
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(written.path, target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(
            "gebruik: python -m veiligheidsanalyse.maps.demo_grenzen <map met cbs-wijkbuurtkaart> <demomap>",
            file=sys.stderr,
        )
        return 2
    try:
        path = write_demo_boundaries(Path(args[0]), Path(args[1]))
    except (FileNotFoundError, ValueError) as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    print(f"demogrenzen geschreven: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
