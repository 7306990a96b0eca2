"""Every number says where it comes from: each table resolved on its own, and its status on the page,
in the caption, in the CSV, in the image and in the manifest.

The end-to-end test serves one real-shaped politie table (47013NED with the real Totaal misdrijven of
the basisteam Zuidwest-Drenthe, 2022-2024, from ../shared/data/real) and nothing else, as a partly
available server does."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from fake_odata import REAL_47013_YEARS as YEARS
from fake_odata import FakeOdataServer, FakeTable, demo_tables, real_47013_table, real_data_dir
from veiligheidsanalyse.errors import EXIT_DATA_UNAVAILABLE, EXIT_OK
from veiligheidsanalyse.report.runner import RunOptions, run
from veiligheidsanalyse.store.status import DataStatus, SourceStatus

REAL = real_data_dir()

# ------------------------------------------------------------------------------------ the status model


def _status(**kinds: str) -> DataStatus:
    return DataStatus(
        sources={
            k.replace("_", ":"): SourceStatus(k.replace("_", ":"), f"bron {k}", v, datum="2026-11-01T10:00:00+00:00")
            for k, v in kinds.items()
        }
    )


def test_badge_counts_sources_that_are_not_current():
    status = _status(t1="actueel", t2="demo", t3="demo", partner_halt="partner")
    assert status.badge() == ("demo", "actueel, 2 bronnen demo")
    assert status.badge(["t1"]) == ("ok", "actueel")
    assert _status(t1="demo", t2="demo").badge() == ("demo", "demodata, niet voor beleid")
    assert _status(t1="opgeslagen").badge() == ("stale", "eerder opgehaald")
    assert _status(t1="actueel", partner_halt="voorbeeld").badge() == ("demo", "actueel, 1 bron voorbeeld")


def test_marks_only_for_numbers_that_are_not_real():
    status = _status(t1="actueel", t2="demo", t3="opgeslagen", partner_halt="voorbeeld")
    assert status.mark(["t1", "t3"]) is None
    assert status.mark(["t1", "t2"]) == "DEMO"
    assert status.mark(["partner:halt", "t2"]) == "DEMO + VOORBEELD"
    assert status.describe(["t1", "t2"]) == "actueel (t1); demodata (t2)"
    assert status.describe(["t3"]) == "eerder opgehaald (t3 van 1 november 2026)"
    assert not status.demo  # the report as a whole is not a demonstration


def test_banners_name_the_sources_of_the_page_only():
    status = _status(t1="actueel", t2="demo", partner_halt="voorbeeld")
    assert status.banners(["t1"]) == []
    (demo,) = status.banners(["t1", "t2"])
    assert demo["kind"] == "demo" and "t2" in demo["text"] and "t1" not in demo["text"]
    kinds = [b["title"] for b in status.banners(None)]
    assert kinds == ["Demodata.", "Voorbeeldgegevens."]


def test_status_round_trips_through_json():
    status = _status(t1="actueel", partner_halt="voorbeeld")
    status = DataStatus(sources=status.sources, notes=("47013NED: geen gegevens voor geweld.",))
    assert DataStatus.from_json(json.loads(json.dumps(status.to_json()))) == status


def test_the_mark_is_drawn_into_the_image():
    import matplotlib.pyplot as plt
    import numpy as np

    from veiligheidsanalyse.plots import figure_png, mark_figure

    def has_mark_colour(png: bytes) -> bool:
        pixels = (plt.imread(io.BytesIO(png))[..., :3] * 255).round().astype(int)
        return bool(np.all(pixels == (0x8A, 0x45, 0x00), axis=-1).sum() > 50)

    plain, marked = plt.subplots()[0], plt.subplots()[0]
    mark_figure(marked, "DEMO")
    assert not has_mark_colour(figure_png(plain)) and has_mark_colour(figure_png(marked))


# ------------------------------------------------------------------------------------ a partial server


@pytest.fixture(scope="module")
def real_47013() -> tuple[FakeTable, dict[str, dict[int, int]]]:
    """47013NED as the server has it: 10-character padded keys, JJ00 periods, a few categories.

    Totaal misdrijven holds the real counts; the two other categories are test values."""
    folder = REAL / "politie-47013NED-gemeente" if REAL else None
    if folder is None or not folder.is_dir():
        pytest.skip("real extract politie-47013NED-gemeente not found")
    return real_47013_table(
        folder, {"1.1.1": ("Diefstal/inbraak woning", 30), "2.2.1": ("Vernieling cq. zaakbeschadiging", 12)}, pad=10
    )


def _config(tmp_path: Path, root: Path, chapters: list[str]) -> Path:
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"].update(beleid="fresh", cache=str(tmp_path / "cache"), demo=str(root / "data" / "demo"))
    data["invoer"] = {
        "map": str(tmp_path / "invoer"),
        "voorbeeld": str(root / "data" / "inputs" / "voorbeeld" / "{naam}"),
    }
    data["uitvoer"] = str(tmp_path / "outputs")
    data["hoofdstukken"] = chapters
    (tmp_path / "invoer").mkdir()
    path = tmp_path / "westerveld.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _csv(run_dir: Path, name: str) -> list[dict]:
    with open(run_dir / "csv" / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


@pytest.mark.e2e
def test_a_server_with_only_47013NED_gives_real_totals_and_marks_everything_else(tmp_path, root, real_47013):
    table, known = real_47013
    config = _config(tmp_path, root, ["01_criminaliteit", "99_methode"])
    with FakeOdataServer([table], page_size=50) as server:
        result = run(config, RunOptions(endpoint=server.endpoint(retries=0, timeout=(2, 10)), progress=False))
        assert result.exit_code == EXIT_OK, result.message

        run_dir = result.run_dir
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        sources = manifest["data"]["sources"]
        assert sources["47013NED"]["soort"] == "actueel" and sources["47013NED"]["reden"] is None
        others = {t: s for t, s in sources.items() if t != "47013NED" and not t.startswith("partner:")}
        assert others and all(s["soort"] in ("demo", "ontbreekt") for s in others.values()), others
        assert all(s["reden"] and ("foutmelding" in s["reden"] or "niet" in s["reden"]) for s in others.values())
        assert sources["03759ned"]["soort"] == "demo"
        assert "404" in manifest["data"]["snapshots"]["03759ned"]["message"]  # the technical reason is kept
        assert manifest["data"]["demo"] is False and "demo" in manifest["data"]["badge"]
        # The open data are not all demo: the example partner files are not used, and the data account
        # names the partner inputs that were not delivered.
        partner = {k: s["soort"] for k, s in sources.items() if k.startswith("partner:")}
        assert partner and set(partner.values()) == {"ontbreekt"} and "partner:halt" in partner

        # The crime totals in the published CSV are the served ones, marked with what they rest on.
        rows = _csv(run_dir, "01_criminaliteit__totaal_per_jaar.csv")
        served = {int(r["jaar"]): int(r["aantal_misdrijven"].replace(".", "")) for r in rows if r["jaar"] in YEARS}
        assert served == known["GM1701"]
        assert all(
            "actueel (47013NED)" in r["gegevensstatus"]
            and "demodata (03759ned)" in r["gegevensstatus"]
            and r["gegevensstatus"].startswith("DEMO")
            for r in rows
        )

        page = (run_dir / "01_criminaliteit.html").read_text(encoding="utf-8")
        assert "va-banner va-banner-demo" in page and "03759ned" in page  # the page says which table is demo
        assert re.search(r'va-status-demo">actueel, \d bronnen? demo', page)  # header badge
        assert '<strong class="va-mark">DEMO</strong>' in page  # captions and source lines
        images = re.findall(r'<img src="data:image/png;base64,([^"]+)"[^>]*alt="([^"]*)"', page)
        assert images and all("DEMO" in alt for _png, alt in images)
        assert all(_has_mark(base64.b64decode(png)) for png, _alt in images)  # the image itself

        methode = (run_dir / "99_methode.html").read_text(encoding="utf-8")
        assert "Gegevensverantwoording" in methode and "foutmelding" in methode
        # The indicators whose category codes the served table lacks are named, the others are used.
        notes = manifest["data"]["notes"]
        assert any("47013NED" in n and "geweld" in n for n in notes), notes
        assert not any("woninginbraak" in n for n in notes)
        assert "geen gegevens voor indicator geweld" in methode

        # A scheduled run names every table that could not be fetched, and why.
        strict = run(
            config,
            RunOptions(policy="require-fresh", endpoint=server.endpoint(retries=0, timeout=(2, 10)), progress=False),
        )
    assert strict.exit_code == EXIT_DATA_UNAVAILABLE
    assert all(t in strict.message for t in ("03759ned", "47021NED", "85146NED")) and "404" in strict.message
    assert "47013NED:" not in strict.message


def _has_mark(png: bytes) -> bool:
    import matplotlib.pyplot as plt
    import numpy as np

    pixels = (plt.imread(io.BytesIO(png))[..., :3] * 255).round().astype(int)
    return bool(np.all(pixels == (0x8A, 0x45, 0x00), axis=-1).sum() > 50)


# ------------------------------------------------------------------------------------ per table


@pytest.fixture(scope="module")
def demo_server(root: Path):
    """The demo snapshots of 47013NED and 03759ned served as a real server would."""
    tables = demo_tables(("47013NED", "03759ned"))
    with FakeOdataServer(tables, page_size=5000) as server:
        yield server


def test_a_table_that_cannot_be_fetched_falls_back_on_its_own(tmp_path, root, demo_server):
    from veiligheidsanalyse.sources.fetch import FetchRequest
    from veiligheidsanalyse.sources.policy import resolve_sources

    requests = [
        FetchRequest("47013NED", regions=("GM1701", "NL01")),
        FetchRequest("03759ned", regions=("GM1701",)),
        FetchRequest("47021NED", regions=("GM1701", "NL01")),
    ]
    res = resolve_sources(
        "fresh",
        requests,
        tmp_path / "cache",
        root / "data" / "demo",
        demo_server.endpoint(retries=0, timeout=(2, 10)),
        sleep=lambda s: None,
    )
    kinds = {t: r.kind for t, r in res.tables.items()}
    assert kinds == {"47013NED": "actueel", "03759ned": "actueel", "47021NED": "demo"}
    assert not res.demo and "404" in res.tables["47021NED"].message
    assert res.tables["47021NED"].reason.startswith("ophalen mislukt")
    assert res.tables["47021NED"].alternatives == () and res.tables["47013NED"].alternatives[-1].origin == "demo"

    # Later, with the policy 'cache': what was fetched is cached, the rest is demo again.
    res = resolve_sources("cache", requests, tmp_path / "cache", root / "data" / "demo")
    assert {t: r.kind for t, r in res.tables.items()} == {
        "47013NED": "opgeslagen",
        "03759ned": "opgeslagen",
        "47021NED": "demo",
    }


# ------------------------------------------------------------------------------------ example inputs

SENTINEL = re.compile(r"^7[1-5]\d\d$")  # every example count below is replaced by one of these
SENTINEL_NL = re.compile(r"(?<![\d.,])7\.[1-5]\d\d(?![\d,])")  # as the pages print it: 7.123


def _examples_with_sentinels(root: Path, folder: Path) -> None:
    """The example partner files with every count replaced by a recognisable number (7100-7599)."""
    import shutil

    shutil.copytree(root / "data" / "inputs" / "voorbeeld" / "westerveld", folder)
    base = {
        "halt": {None: 7100},
        "veiligheidsregio": {"totaal": 7300, "brand": 7200},
        "politie_export": {"e33": 7400, "woonoverlast": 7450},
        "veilig_thuis": {"meldingen": 7500, "adviezen": 7550},
    }
    for kind, starts in base.items():
        path = folder / f"{kind}.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(";")
        col, soort = header.index("aantal"), header.index("soort") if "soort" in header else None
        for i, line in enumerate(lines[1:], start=1):
            cells = line.split(";")
            start = starts.get(cells[soort] if soort is not None else None)
            if start is not None:
                cells[col] = str(start + i)
            lines[i] = ";".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.e2e
def test_every_example_number_is_marked_voorbeeld(tmp_path, root):
    """The offline first run: demo open data, example partner files. Wherever an example number is
    published, in a CSV or on a page, it is marked: the CSV row and the figure or table it is in
    say VOORBEELD, and the page has the banner."""
    _examples_with_sentinels(root, tmp_path / "voorbeeld" / "westerveld")
    (tmp_path / "invoer").mkdir()
    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"].update(beleid="demo", demo=str(root / "data" / "demo"))
    data["invoer"] = {"map": str(tmp_path / "invoer"), "voorbeeld": str(tmp_path / "voorbeeld" / "{naam}")}
    data["uitvoer"] = str(tmp_path / "outputs")
    config = tmp_path / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run(config, RunOptions(progress=False))
    assert result.exit_code == EXIT_OK, result.message
    run_dir = result.run_dir

    csv_hits = 0
    for path in sorted((run_dir / "csv").glob("*.csv")):
        for row in _csv(run_dir, path.name):
            # Denominators (inhabitants, person-years) come from open data: a value that looks like a
            # sentinel there (3 years x 2.408 inhabitants = 7224) is not an example number.
            if any(
                SENTINEL.match(str(v or ""))
                for k, v in row.items()
                if k != "gegevensstatus" and not any(w in k for w in ("inwoners", "persoonsjaren"))
            ):
                csv_hits += 1
                assert "VOORBEELD" in (row.get("gegevensstatus") or ""), (path.name, row)
    html_hits = 0
    for page in sorted(run_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for match in SENTINEL_NL.finditer(text):
            html_hits += 1
            assert "Voorbeeldgegevens." in text, page.name
            block = _enclosing_block(text, match.start())
            assert block is None or "VOORBEELD" in block, (page.name, match.group(), block and block[:300])
    assert csv_hits >= 20 and html_hits >= 10  # the examples are really shown, in many places


def _enclosing_block(text: str, at: int) -> str | None:
    """The figure, or the table with its source line, that holds position ``at`` (None: running text)."""
    for start_tag, end_tag in (("<figure", "</figure>"), ('<div class="va-table-wrap"', '<p class="va-download">')):
        start = text.rfind(start_tag, 0, at)
        if start != -1:
            end = text.find(end_tag, start)
            if end > at:
                return text[start:end]
    return None


# ------------------------------------------------------------------------------------ bad snapshots


def _data_config(tmp_path: Path, root: Path, policy: str):
    from veiligheidsanalyse.config import load_config

    data = yaml.safe_load((root / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"].update(beleid=policy, cache=str(tmp_path / "cache"), demo=str(root / "data" / "demo"))
    data["invoer"] = {"map": str(tmp_path / "invoer")}
    (tmp_path / "invoer").mkdir(exist_ok=True)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def test_a_table_whose_structure_changed_keeps_the_previous_snapshot_and_says_so(tmp_path, root, demo_server):
    from veiligheidsanalyse.store.build import prepare_run_data

    config = _data_config(tmp_path, root, "fresh")
    endpoint = demo_server.endpoint(retries=0, timeout=(2, 10))
    first = prepare_run_data(config, root, RunOptions(endpoint=endpoint), work_dir=tmp_path / "s1").prepared
    assert first.status.sources["47013NED"].soort == "actueel"
    good = first.status.sources["47013NED"].snapshot

    table = demo_server.table("47013NED")
    before = (dict(table.table_infos), [dict(p) for p in table.data_properties], [dict(r) for r in table.rows])
    table.set_modified("2026-12-01T02:00:00")
    table.rename_measure("GeregistreerdeMisdrijven_1", "Misdrijven_9", title="Misdrijven")
    try:
        second = prepare_run_data(config, root, RunOptions(endpoint=endpoint), work_dir=tmp_path / "s2").prepared
    finally:
        table.table_infos, table.data_properties, table.rows = before
    source = second.status.sources["47013NED"]
    assert source.soort == "opgeslagen" and source.snapshot == good
    assert "opbouw van de tabel" in source.reden and "Niet actueel." in [b["title"] for b in second.status.banners()]


def test_a_cached_snapshot_that_fails_to_normalise_is_passed_over(tmp_path, root):
    """A snapshot cached by an older version (before downloads were checked) that the code cannot read:
    the run takes the previous snapshot and says why; never an internal error."""
    from veiligheidsanalyse.sources.snapshots import Snapshot, write_snapshot
    from veiligheidsanalyse.store.build import prepare_run_data

    demo = Snapshot(root / "data" / "demo" / "47013NED" / "demo")
    provenance = {"retrieved_at": "2026-11-20T10:00:00+00:00", "table_modified": "2026-11-01T02:00:00"}
    old = write_snapshot(
        tmp_path / "cache", "47013NED", demo.rows(), demo.metadata, provenance, snapshot_id="20261120T100000Z"
    )
    broken = json.loads(json.dumps(demo.metadata))
    broken["DataProperties"] = [p for p in broken["DataProperties"] if p.get("Key") != "GeregistreerdeMisdrijven_1"]
    write_snapshot(
        tmp_path / "cache",
        "47013NED",
        demo.rows(),
        broken,
        dict(provenance, retrieved_at="2026-11-27T10:00:00+00:00"),
        snapshot_id="20261127T100000Z",
    )

    config = _data_config(tmp_path, root, "cache")
    data = prepare_run_data(config, root, RunOptions(), work_dir=tmp_path / "store")
    source = data.prepared.status.sources["47013NED"]
    assert source.soort == "opgeslagen" and source.snapshot == f"47013NED/{old.snapshot_id}"
    assert "niet te verwerken" in source.reden and "20261127T100000Z" in source.reden
    assert any("47013NED" in n and "niet te verwerken" in n for n in data.prepared.status.notes)
    assert data.prepared.snapshots["47013NED"].snapshot_id == old.snapshot_id


def test_the_period_shown_is_the_period_in_the_data():
    from veiligheidsanalyse.store.prepare import period_text

    assert (
        period_text({"jaren": [2015, 2016, 2018], "maand": None}, (2015, 2019))
        == "2015-2018 (geen gegevens over 2017, 2019)"
    )
    assert (
        period_text({"jaren": [2022, 2023, 2024], "maand": "2025-03"})
        == "2022-2024; maandcijfers tot en met maart 2025"
    )
    status = DataStatus(
        sources={
            "t1": SourceStatus("t1", "t1", "actueel", laatste_jaar=2024),
            "partner:halt": SourceStatus("partner:halt", "h", "partner", laatste_jaar=2025),
        }
    )
    assert status.period(2015, 2025) == "2015-2024 (2025 nog niet beschikbaar)"
    assert status.period(2015, 2024) == "2015-2024"


def test_offline_is_known_once_for_a_run_of_several_gemeenten(tmp_path, root, monkeypatch):
    """The network is down: the first gemeente's fetch finds out with one connection attempt, the
    others of the same run ask nothing more, and every table falls back to its demo snapshot."""
    import socket

    import urllib3

    from veiligheidsanalyse.sources.odata import OdataEndpoint
    from veiligheidsanalyse.store.build import Network, prepare_run_data

    attempts = []
    real = urllib3.util.connection.create_connection

    def counting(address, *args, **kwargs):
        attempts.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    with socket.socket() as sock:  # a port nothing listens on: every connection is refused
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = _data_config(tmp_path, root, "fresh")
    network = Network()
    for code in ("GM1701", "GM1690"):
        data = prepare_run_data(
            config.for_gemeente(code),
            root,
            RunOptions(endpoint=OdataEndpoint.at(closed)),
            work_dir=tmp_path / code,
            network=network,
        )
        tables = data.prepared.status.tables
        assert {s.soort for s in tables.values()} <= {"demo", "ontbreekt"} and tables["47013NED"].soort == "demo"
        assert "niet bereikbaar" in tables["47013NED"].reden
    assert len(attempts) == 1 and network.offline is not None
