"""`veiligheidsanalyse init GMxxxx`: a valid configuration for any Drenthe gemeente from the demo data,
with a peer group by the rule that never contains the gemeente itself."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from veiligheidsanalyse import cli
from veiligheidsanalyse.config import load_config

DRENTHE = [
    "GM1680",
    "GM0106",
    "GM1681",
    "GM0109",
    "GM1690",
    "GM0114",
    "GM0118",
    "GM0119",
    "GM1731",
    "GM1699",
    "GM1730",
    "GM1701",
]


def _init(code: str, out: Path, *extra: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = cli.main(["init", code, "--uit", str(out), "--beleid", "demo", *extra])
    return status, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("init")
    out = {}
    for code in DRENTHE:
        path = folder / f"{code}.yaml"
        status, stdout, stderr = _init(code, path)
        assert status == 0, stderr
        assert code in stdout
        out[code] = path
    return out


def test_every_drenthe_gemeente_gets_a_valid_config_with_its_own_peers(written):
    for code, path in written.items():
        config = load_config(path)
        assert config.gemeente == code and config.naam
        peers = config.vergelijking.peers
        assert peers is not None and peers.gemeenten, f"{code}: no peer group"
        assert code not in peers.gemeenten and peers.voor == code and peers.regel
        assert "vaste regel" in peers.reden and config.naam in peers.reden
        assert config.vergelijking.provincie is not None and code in config.vergelijking.provincie.gemeenten


def test_peer_groups_follow_size(written):
    """Hoogeveen (about 57,000 inhabitants) gets larger gemeenten than Westerveld (about 20,000)."""
    hoogeveen, westerveld = (load_config(written[code]).vergelijking.peers for code in ("GM0118", "GM1701"))
    assert set(hoogeveen.gemeenten) != set(westerveld.gemeenten)
    hoogeveen, westerveld = hoogeveen.reden, westerveld.reden
    low_h = int(hoogeveen.split("gemeenten met ")[1].split(" tot")[0].replace(".", ""))
    low_w = int(westerveld.split("gemeenten met ")[1].split(" tot")[0].replace(".", ""))
    assert low_h > 2 * low_w


def test_an_existing_file_is_not_overwritten(written):
    path = written["GM1701"]
    before = path.read_text(encoding="utf-8")
    status, _out, err = _init("GM1701", path)
    assert status == 2 and "bestaat al" in err and path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("code, words", [("GM17", "GM gevolgd door vier cijfers"), ("GM9999", "GM9999")])
def test_bad_codes_are_refused(tmp_path, code, words):
    status, _out, err = _init(code, tmp_path / "x.yaml")
    assert status == 2 and words in err and not (tmp_path / "x.yaml").exists()


def test_the_provincie_comes_from_cbs_gebieden_for_any_gemeente(tmp_path):
    # Ommen (Overijssel) is in no configuration of this project: its provincie group is read from
    # CBS Gebieden in Nederland, with every gemeente that table puts in the same provincie.
    from veiligheidsanalyse.sources.demo import GEMEENTEN

    status, _out, err = _init("GM0175", tmp_path / "ommen.yaml")
    assert status == 0, err
    provincie = load_config(tmp_path / "ommen.yaml").vergelijking.provincie
    assert provincie.code == "PV23" and provincie.naam == "Overijssel"
    assert sorted(provincie.gemeenten) == sorted(g.code for g in GEMEENTEN if g.provincie == "PV23")
    assert "85755NED (Gebieden in Nederland 2024) (demogegevens)" in (tmp_path / "ommen.yaml").read_text(
        encoding="utf-8"
    )
