"""Peer groups derived by a fixed rule, and a config used for another gemeente than its own."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from conftest import ROOT
from veiligheidsanalyse.config import for_other_gemeente, load_config
from veiligheidsanalyse.store import peers


def _facts(rows):
    return {code: peers.Facts(code, naam, inw, oad, 2025, 2024) for code, naam, inw, oad in rows}


POOL = _facts(
    [
        ("GM0001", "Dorp", 20_000, 300),
        ("GM0002", "Stad", 60_000, 1_200),
        *[(f"GM01{i:02d}", f"Platteland {i}", 14_000 + 1_500 * i, 250 + 20 * i) for i in range(12)],
        *[(f"GM02{i:02d}", f"Middenstad {i}", 45_000 + 4_000 * i, 1_050 + 30 * i) for i in range(12)],
        ("GM0301", "Grote stad", 200_000, 2_800),
    ]
)


def test_stedelijkheid_follows_the_cbs_classes():
    assert [peers.stedelijkheid(v)[0] for v in (3000, 2500, 2000, 1200, 700, 499)] == [1, 1, 2, 3, 4, 5]


def test_a_peer_group_never_contains_the_gemeente_and_follows_size_and_density():
    rural = peers.derive("GM0001", POOL)
    urban = peers.derive("GM0002", POOL)
    assert "GM0001" not in rural.gemeenten and "GM0002" not in urban.gemeenten
    assert peers.MIN_PEERS <= len(rural.gemeenten) <= peers.MAX_PEERS
    assert all(code.startswith("GM01") for code in rural.gemeenten)  # rural, 13.333-30.000 inhabitants
    assert all(code.startswith("GM02") for code in urban.gemeenten)  # matig stedelijk, 40.000-90.000
    for code in rural.gemeenten:
        assert 2 / 3 <= POOL[code].inwoners / 20_000 <= 3 / 2 and peers.stedelijkheid(POOL[code].oad)[0] == 5
    assert "Dorp" in rural.reden and "niet op uitkomsten" in rural.reden and "stedelijkheidsklasse 5" in rural.reden
    assert rural.regel.startswith("inwoners 0,67-1,5x")


def test_the_band_widens_step_by_step_and_says_so():
    small = {k: v for k, v in POOL.items() if k in ("GM0301", "GM0002", "GM0200", "GM0201", "GM0202", "GM0203")}
    small.update(
        _facts(
            [
                ("GM0302", "Stad B", 120_000, 2_300),
                ("GM0303", "Stad C", 95_000, 2_600),
                ("GM0304", "Stad D", 300_000, 3_500),
                ("GM0305", "Stad E", 410_000, 2_900),
            ]
        )
    )
    choice = peers.derive("GM0301", small)
    assert choice is not None and "GM0301" not in choice.gemeenten
    assert "+-1" in choice.regel or "0,5-2" in choice.regel or "0,33-3" in choice.regel  # a wider step was needed


def test_too_few_candidates_gives_no_group_rather_than_another_gemeentes():
    assert peers.derive("GM0301", {k: POOL[k] for k in ("GM0301", "GM0001")}) is None
    assert peers.derive("GM9999", POOL) is None


def test_nearest_are_kept_deterministically():
    a, b = peers.derive("GM0001", POOL), peers.derive("GM0001", dict(reversed(list(POOL.items()))))
    assert a == b


def test_facts_come_from_population_and_address_density():
    obs = pd.DataFrame(
        [
            {
                "indicator": "inwoners_kwb",
                "regio_code": "GM0001",
                "regio_naam": "Dorp",
                "jaar": 2024,
                "maand": None,
                "waarde": 19_900,
            },
            {
                "indicator": "inwoners_kwb",
                "regio_code": "GM0001",
                "regio_naam": "Dorp",
                "jaar": 2025,
                "maand": None,
                "waarde": 20_000,
            },
            {
                "indicator": "omgevingsadressendichtheid",
                "regio_code": "GM0001",
                "regio_naam": "Dorp",
                "jaar": 2024,
                "maand": None,
                "waarde": 300,
            },
            {
                "indicator": "inwoners_kwb",
                "regio_code": "GM0002",
                "regio_naam": "Stad",
                "jaar": 2025,
                "maand": None,
                "waarde": 60_000,
            },
            {
                "indicator": "inwoners_kwb",
                "regio_code": "PV22",
                "regio_naam": "Drenthe",
                "jaar": 2025,
                "maand": None,
                "waarde": 5e5,
            },
        ]
    )
    facts = peers.facts_from_observations(obs)
    assert list(facts) == ["GM0001"]  # GM0002 has no address density; provincies are no candidates
    assert facts["GM0001"].inwoners == 20_000 and facts["GM0001"].oad == 300


def test_another_gemeente_never_gets_the_files_name_statements_peers_or_inputs():
    own = load_config(ROOT / "config" / "westerveld.yaml")
    assert own.naam == "Westerveld" and own.uitspraken and not own.vergelijking.peers.afleiden
    other = load_config(ROOT / "config" / "westerveld.yaml", gemeente="GM0118")
    assert other.gemeente == "GM0118" and other.naam is None and other.uitspraken == ()
    assert other.vergelijking.peers.afleiden  # Westerveld's list is not Hoogeveen's
    assert other.vergelijking.regio is not None and "GM0118" in other.vergelijking.regio.gemeenten
    assert "vergelijking.peers" in other.dropped and "uitspraken" in other.dropped
    assert "{naam}" in str(other.invoer_map)  # Hoogeveen's own folder, not Westerveld's


def test_groups_and_input_folders_of_another_gemeente_are_left_out():
    data = {
        "gemeente": "GM1701",
        "naam": "Westerveld",
        "vergelijking": {
            "regio": {"code": "BT", "naam": "Team", "gemeenten": ["GM1701", "GM1690"]},
            "provincie": {"code": "PV22", "naam": "Drenthe", "gemeenten": ["GM1701", "GM0114"]},
            "peers": {"naam": "P", "gemeenten": ["GM1701", "GM0085"]},
        },
        "invoer": {"map": "data/inputs/westerveld", "voorbeeld": "data/inputs/voorbeeld/{naam}"},
    }
    result, dropped = for_other_gemeente(data, "GM0114")
    assert "regio" not in result["vergelijking"] and result["vergelijking"]["provincie"]["code"] == "PV22"
    assert result["vergelijking"]["peers"] == {"afleiden": True}
    assert "map" not in result["invoer"] and result["invoer"]["voorbeeld"] == "data/inputs/voorbeeld/{naam}"
    assert set(dropped) == {"naam", "vergelijking.regio", "vergelijking.peers", "invoer.map"}
    assert data["naam"] == "Westerveld" and "regio" in data["vergelijking"]  # the file's settings untouched


def test_a_configured_list_is_reported_as_derived_or_edited(demo_dataset):
    group = demo_dataset.config.vergelijking.peers
    assert group.herkomst in ("afgeleid", "bewerkt")
    derived = peers.derive(demo_dataset.gemeente, peers.facts_from_observations(demo_dataset.observations))
    if group.herkomst == "bewerkt":
        assert "bewerkt" in group.reden
    config = dataclasses.replace(
        demo_dataset.config,
        vergelijking=dataclasses.replace(
            demo_dataset.config.vergelijking, peers=dataclasses.replace(group, gemeenten=derived.gemeenten, herkomst="")
        ),
    )
    assert peers.resolve(config, demo_dataset.observations).vergelijking.peers.herkomst == "afgeleid"


@pytest.mark.parametrize("code", ["GM0118", "GM0114"])
def test_a_derived_group_is_settled_when_the_data_are_loaded(demo_store, code):
    from veiligheidsanalyse.store.dataset import load

    ds = load(demo_store, load_config(ROOT / "config" / "westerveld.yaml", gemeente=code))
    group = ds.config.vergelijking.peers
    if group is not None:  # the demo may hold too few comparable gemeenten for a big one
        assert code not in group.gemeenten and group.herkomst == "afgeleid" and group.voor == code
        assert "vaste regel" in group.reden
        assert code not in ds.group_members(group)


def test_run_for_another_gemeente_carries_nothing_of_the_files_own(tmp_path):
    """`run config/westerveld.yaml --gemeente GM0118`: Hoogeveen's report has Hoogeveen's name, no
    statement of Westerveld's plan, no Westerveld partner file and no peer list made for Westerveld."""
    import json
    import subprocess
    import sys

    import yaml

    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["uitvoer"] = str(tmp_path / "outputs")
    config = tmp_path / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "veiligheidsanalyse.cli",
            "run",
            str(config),
            "--gemeente",
            "GM0118",
            "--hoofdstuk",
            "90_synthese",
            "--hoofdstuk",
            "99_methode",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run = (tmp_path / "outputs" / "hoogeveen" / "latest").resolve()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert not any(
        key.startswith("partner:") and source.get("soort") not in ("ontbreekt",)
        for key, source in manifest["data"]["sources"].items()
    )
    synthese = (run / "90_synthese.html").read_text(encoding="utf-8")
    for statement in data["uitspraken"]:
        assert statement["uitspraak"] not in synthese
    assert "Westerveld" not in (run / "index.html").read_text(encoding="utf-8")
    methode = (run / "99_methode.html").read_text(encoding="utf-8")
    assert data["vergelijking"]["peers"]["reden"][:40] not in methode  # Westerveld's reason is not Hoogeveen's


def test_a_gemeente_in_another_provincie_gets_its_own_provincie_from_the_data(tmp_path):
    """`--gemeente GM0175` with Westerveld's file: Drenthe is not Ommen's provincie, so the data step
    reads CBS Gebieden in Nederland and the Dataset compares Ommen with Overijssel, never Drenthe."""
    from veiligheidsanalyse.sources.demo import GEMEENTEN
    from veiligheidsanalyse.store.build import DataOptions, fetch_requests, prepare_run_data
    from veiligheidsanalyse.store.dataset import load

    config = load_config(ROOT / "config" / "westerveld.yaml", gemeente="GM0175")
    assert config.vergelijking.provincie is None  # Westerveld's Drenthe group is left out
    assert "85755NED" in {r.table_id for r in fetch_requests(config)}
    prepare_run_data(config, ROOT, DataOptions(policy="demo"), work_dir=tmp_path / "store")
    provincie = load(tmp_path / "store", config).config.vergelijking.provincie
    assert (provincie.code, provincie.naam) == ("PV23", "Overijssel")
    assert sorted(provincie.gemeenten) == sorted(g.code for g in GEMEENTEN if g.provincie == "PV23")
    # A config that names its provincie does not fetch the table at all.
    assert "85755NED" not in {r.table_id for r in fetch_requests(load_config(ROOT / "config" / "westerveld.yaml"))}


def test_a_demo_copy_of_gebieden_never_gives_a_real_run_its_provincie(tmp_path):
    """A real run whose 85755NED falls back to the demo copy (which knows only some gemeenten of each
    provincie) gets no provincie group, and the data account says why."""
    from veiligheidsanalyse.store.build import DataOptions, prepare_run_data
    from veiligheidsanalyse.store.dataset import derived_provincie, read_store

    config = load_config(ROOT / "config" / "westerveld.yaml", gemeente="GM0175")
    # policy "cache" with an empty cache: every table falls back to its demo copy, in a run that is not a demo run
    config = dataclasses.replace(config, data=dataclasses.replace(config.data, cache=tmp_path / "leeg"))
    prepare_run_data(config, ROOT, DataOptions(policy="cache"), work_dir=tmp_path / "store")
    assert derived_provincie(tmp_path / "store") is None
    _, status = read_store(tmp_path / "store")
    assert any("85755NED" in note and "provincie ontbreekt" in note for note in status.notes)


def test_a_provincie_named_like_the_gemeente_gets_its_own_name(tmp_path):
    from veiligheidsanalyse.store.build import DataOptions, prepare_run_data
    from veiligheidsanalyse.store.dataset import load

    config = load_config(ROOT / "config" / "westerveld.yaml", gemeente="GM0014")  # Groningen in Groningen
    prepare_run_data(config, ROOT, DataOptions(policy="demo"), work_dir=tmp_path / "store")
    provincie = load(tmp_path / "store", config).config.vergelijking.provincie
    assert provincie is not None and provincie.code == "PV20" and provincie.naam == "provincie Groningen"
