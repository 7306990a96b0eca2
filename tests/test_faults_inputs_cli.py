"""Fault injection, bad inputs, through the real commands: every malformed partner file of
``test_inputs_malformed.MALFORMED`` and a catalogue of malformed run configurations.

Each case goes through ``veiligheidsanalyse validate CONFIG`` or ``veiligheidsanalyse run CONFIG``
in-process (``veiligheidsanalyse.cli.main``; a subprocess per case would take minutes) and must end in

- exit status 2,
- a message on stderr that names the problem: for a partner file the line
  ``<file>:<row>:<column>: ...`` with the expected words, for a configuration the offending key,
- no traceback,
- every input file (config and partner files) byte-for-byte unchanged, with the same mtime,
- nothing published: no run folder in the output folder.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import yaml

from test_inputs_malformed import MALFORMED, Case, write_case
from veiligheidsanalyse import cli

pytestmark = pytest.mark.fault("bad input")

ROOT = Path(__file__).resolve().parents[1]

# Cases that a run configuration cannot express, and why (the library test still covers them).
NOT_THROUGH_A_CONFIG = {
    "required_input_missing": "a run configuration has no 'verplicht' list (invoer: map, bestanden, tabbladen)",
}
CLI_CASES = [c for c in MALFORMED if c.id not in NOT_THROUGH_A_CONFIG]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``veiligheidsanalyse <argv>`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse rejects an option
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def file_state(*folders_or_files: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime (ns) of every file: equal states mean nothing was modified or touched."""
    state = {}
    for base in folders_or_files:
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []
        for p in paths:
            state[str(p)] = (p.read_bytes(), p.stat().st_mtime_ns)
    return state


def run_folders(output_root: Path) -> list[Path]:
    """Dated run folders (``<gemeente>/<run_id>``) under an output folder."""
    if not output_root.is_dir():
        return []
    return [
        run
        for folder in output_root.iterdir()
        if folder.is_dir() and not folder.name.startswith(".")
        for run in folder.iterdir()
        if run.is_dir() and run.name[:8].isdigit()
    ]


def base_config(tmp_path: Path, known: bool = True) -> dict:
    """The Westerveld configuration on the demo data, with its own (empty) cache and output folder.

    ``known=False``: no local snapshots at all, so the run knows no gemeente names (as the library
    test's ``known_gemeenten=None``)."""
    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"
    data["data"]["cache"] = str(tmp_path / "cache")
    data["data"]["demo"] = str(ROOT / "data" / "demo") if known else str(tmp_path / "geen-demo")
    data["uitvoer"] = str(tmp_path / "outputs")
    return data


def write_config(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ partner files


def test_every_input_kind_has_malformed_cases():
    """Each kind of partner file (one template each), the Excel variants and the stories are covered."""
    kinds = {p.stem for p in (ROOT / "data" / "inputs" / "templates").glob("*.csv")}
    assert kinds >= {
        "halt",
        "kernen",
        "politie_export",
        "vakantieparken",
        "veilig_thuis",
        "veiligheidsmonitor",
        "veiligheidsregio",
    }
    covered = {Path(name).stem for c in CLI_CASES for name in c.files}
    assert kinds <= covered, f"no malformed case for {sorted(kinds - covered)}"
    assert any(name.endswith(".xlsx") for c in CLI_CASES for name in c.files)
    assert any(name.startswith("verhaal/") for c in CLI_CASES for name in c.files)
    assert len(CLI_CASES) >= 40


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_validate_command_rejects_malformed_partner_file(tmp_path: Path, case: Case):
    folder = tmp_path / "inputs"
    write_case(folder, case)
    data = base_config(tmp_path, known=case.known)
    gemeente, naam = case.gemeente
    data["gemeente"], data["naam"] = gemeente, naam
    invoer = {"map": str(folder)}
    if case.config.get("files"):
        invoer["bestanden"] = dict(case.config["files"])
    if case.config.get("sheets"):
        invoer["tabbladen"] = dict(case.config["sheets"])
    data["invoer"] = invoer
    config = write_config(tmp_path / "westerveld.yaml", data)
    before = file_state(folder, config)

    code, out, err = run_cli(["validate", str(config)])

    assert code == 2, f"exit {code} for {case.id}\n{out}\n{err}"
    assert "Traceback" not in out + err
    assert file_state(folder, config) == before, "an input file was modified or touched"
    assert not run_folders(tmp_path / "outputs")
    if case.id == "invalid_gemeente_code":  # through a config this is the config's gemeente key
        assert "ongeldige configuratie" in err and "gemeente" in err and "GM1701" in err
        return
    lines = [line for line in err.splitlines() if case.file in line]
    assert lines, f"no line names {case.file}:\n{err}"
    if case.row is not None:
        lines = [line for line in lines if f":{case.row}:" in line]
        assert lines, f"no line names {case.file} row {case.row}:\n{err}"
    if case.column is not None:
        lines = [line for line in lines if f":{case.column}" in line]
        assert lines, f"no line names {case.file} column {case.column}:\n{err}"
    assert any(case.text.casefold() in line.casefold() for line in lines), f"{case.text!r} not in\n{err}"
    assert "fout(en)" in err  # the closing line: the run will not start


def test_run_command_rejects_a_malformed_partner_file_before_anything_runs(tmp_path: Path):
    """``run`` refuses the same file (exit 2) without starting a chapter; nothing is published."""
    case = next(c for c in MALFORMED if c.id == "halt_unknown_group")
    folder = tmp_path / "inputs"
    write_case(folder, case)
    data = base_config(tmp_path)
    data["invoer"] = {"map": str(folder)}
    data["hoofdstukken"] = ["00_gebied"]
    config = write_config(tmp_path / "westerveld.yaml", data)
    before = file_state(folder, config)
    code, out, err = run_cli(["run", str(config), "--quiet"])
    assert code == 2, out + err
    assert "halt.csv:2:delictgroep" in err and "Traceback" not in out + err
    assert file_state(folder, config) == before
    assert not run_folders(tmp_path / "outputs")


# ------------------------------------------------------------------------------ configurations


def _set(path: str, value):
    """A change to the config: set a dotted key (creating mappings on the way)."""

    def change(d: dict) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d.setdefault(p, {})
        d[last] = value

    return change


def _drop(path: str):
    def change(d: dict) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d[p]
        d.pop(last)

    return change


# (id, change of the parsed config or the file's raw text, words the message must contain)
CONFIG_CASES = [
    ("unknown_top_key", _set("kleur", "blauw"), ["kleur", "onbekende sleutel"]),
    ("unknown_nested_key", _set("periode.tot_en_met", 2024), ["periode.tot_en_met"]),
    ("unknown_data_key", _set("data.bron", "cbs"), ["data.bron"]),
    ("unknown_invoer_key", _set("invoer.verplicht", ["halt"]), ["invoer.verplicht"]),
    ("unknown_uitvoering_key", _set("uitvoering.snel", True), ["uitvoering.snel"]),
    ("gemeente_without_prefix", _set("gemeente", "1701"), ["gemeente", "GM1701"]),
    ("gemeente_too_long", _set("gemeente", "GM17011"), ["gemeente"]),
    ("gemeente_as_number", _set("gemeente", 1701), ["gemeente"]),
    ("gemeente_missing", _drop("gemeente"), ["gemeente", "ontbreekt"]),
    ("period_reversed", _set("periode", {"van": 2024, "tot": 2016}), ["periode", "ligt na"]),
    ("period_one_year", _set("periode", {"van": 2020, "tot": 2020}), ["periode"]),
    ("period_in_future", _set("periode.tot", 2030), ["periode.tot"]),
    ("period_as_text", _set("periode.van", "2015"), ["periode.van"]),
    ("period_too_early", _set("periode.van", 1999), ["periode.van"]),
    ("period_not_a_mapping", _set("periode", "2015-2025"), ["periode"]),
    ("unknown_policy", _set("data.beleid", "vers"), ["data.beleid", "vers"]),
    ("max_age_text", _set("data.max_leeftijd_dagen", "veel"), ["data.max_leeftijd_dagen"]),
    ("unknown_chapter", _set("hoofdstukken", ["01_criminaliteit", "07_bestaat_niet"]), ["hoofdstukken[1]"]),
    ("chapters_not_a_list", _set("hoofdstukken", "alle"), ["hoofdstukken"]),
    ("chapters_empty", _set("hoofdstukken", []), ["hoofdstukken"]),
    ("provincie_code_is_a_name", _set("vergelijking.provincie.code", "Drenthe"), ["vergelijking.provincie.code"]),
    (
        "provincie_member_is_a_name",
        _set("vergelijking.provincie.gemeenten", ["GM1701", "Meppel"]),
        ["vergelijking.provincie.gemeenten[1]"],
    ),
    (
        "peers_duplicate_member",
        _set("vergelijking.peers.gemeenten", ["GM1701", "GM1690", "GM1690"]),
        ["vergelijking.peers.gemeenten[2]", "twee keer", "GM1690"],
    ),
    ("regio_without_name", _drop("vergelijking.regio.naam"), ["vergelijking.regio.naam", "ontbreekt"]),
    ("nederland_other_code", _set("vergelijking.nederland", "NL02"), ["vergelijking.nederland"]),
    ("threshold_zero", _set("onthulling.drempel", 0), ["onthulling.drempel"]),
    ("threshold_text", _set("onthulling.drempel", "vijf"), ["onthulling.drempel"]),
    ("threshold_huge", _set("onthulling.drempel", 100000), ["onthulling.drempel"]),
    ("parallel_text", _set("uitvoering.parallel", "veel"), ["uitvoering.parallel"]),
    ("timeout_too_short", _set("uitvoering.timeout_per_hoofdstuk", 1), ["uitvoering.timeout_per_hoofdstuk"]),
    ("keep_zero_runs", _set("uitvoering.bewaar_runs", 0), ["uitvoering.bewaar_runs"]),
    ("invoer_files_not_a_mapping", _set("invoer.bestanden", ["halt.csv"]), ["invoer.bestanden"]),
    (
        "statement_unknown_indicator",
        _set("uitspraken", [{"uitspraak": "x", "indicator": "bestaat_niet", "verwachting": "stijging", "bron": "IVP"}]),
        ["uitspraken[0].indicator", "bestaat_niet"],
    ),
    (
        "statement_without_value",
        _set(
            "uitspraken",
            [{"uitspraak": "x", "indicator": "vm_leefbaarheid_cijfer", "verwachting": "waarde", "bron": "IVP"}],
        ),
        ["uitspraken[0].waarde"],
    ),
    ("negative_weight", _set("prioriteiten.gewichten.ontwikkeling", -1), ["prioriteiten.gewichten.ontwikkeling"]),
    ("name_not_text", _set("naam", ["Westerveld"]), ["naam"]),
    ("output_outside_project", _set("uitvoer", "../../../tmp/x"), ["uitvoer", "buiten het project"]),
    ("output_a_list", _set("uitvoer", ["a", "b"]), ["uitvoer", "mapnaam"]),
    ("cache_a_number", _set("data.cache", 5), ["data.cache", "mapnaam"]),
    ("inputs_climbing_out", _set("invoer.map", "data/../../elders/{naam}"), ["invoer.map", "buiten het project"]),
    (
        "weight_nan",
        _set("prioriteiten.gewichten.niveau", float("nan")),
        ["prioriteiten.gewichten.niveau", "eindig getal", ".nan"],
    ),
    ("weight_infinite", _set("prioriteiten.gewichten.beleving", float("inf")), ["prioriteiten.gewichten.beleving"]),
    ("minimum_score_text", _set("prioriteiten.minimum_score", "hoog"), ["prioriteiten.minimum_score", "'hoog'"]),
    (
        "unknown_theme",
        _set("prioriteiten.themas", ["04_jeugd", "bestaat_niet"]),
        ["prioriteiten.themas[1]", "bestaat_niet"],
    ),
    (
        "statement_years_reversed",
        _set(
            "uitspraken",
            [{"uitspraak": "x", "indicator": "woninginbraak", "verwachting": "daling", "van": 2022, "tot": 2018}],
        ),
        ["uitspraken[0].van", "2022", "2018"],
    ),
    (
        "statement_year_in_future",
        _set("uitspraken", [{"uitspraak": "x", "indicator": "woninginbraak", "verwachting": "daling", "tot": 2031}]),
        ["uitspraken[0].tot", "2031"],
    ),
    (
        "statement_value_nan",
        _set(
            "uitspraken",
            [
                {
                    "uitspraak": "x",
                    "indicator": "vm_leefbaarheid_cijfer",
                    "verwachting": "waarde",
                    "waarde": float("nan"),
                }
            ],
        ),
        ["uitspraken[0].waarde", "eindig getal"],
    ),
    # YAML keeps the last of two equal keys: a second 'onthulling' would silently lower the threshold.
    (
        "duplicate_section",
        "gemeente: GM1701\nonthulling:\n  drempel: 5\nonthulling:\n  drempel: 2\n",
        ["regel 4", "'onthulling' staat er twee keer", "regel 2"],
    ),
    (
        "yaml_aliases",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ngemeente: GM1701\n",
        ["ankers en verwijzingen"],
    ),
    ("huge_file", "gemeente: GM1701\n" + "# " + "x" * 300_000 + "\n", ["hoogstens", "bytes"]),
    ("not_a_mapping", "- gemeente: GM1701\n", ["verwacht een blok met sleutels"]),
    ("yaml_syntax_error", "gemeente: GM1701\nperiode: {van: 2015, tot\n", ["geen geldige YAML", "regel 3"]),
    ("yaml_tab_indentation", "gemeente: GM1701\nperiode:\n\tvan: 2015\n", ["geen geldige YAML", "regel 3", "tab"]),
    ("empty_file", "", ["lege configuratie"]),
    ("not_utf8", "gemeente: GM1701\nnaam: Westerveld \xe9\xe9n\n".encode("latin-1"), ["geen UTF-8", "regel 2"]),
    ("binary_file", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ["(bestand)"]),
]


def _write_case_config(tmp_path: Path, change) -> Path:
    path = tmp_path / "westerveld.yaml"
    if isinstance(change, bytes):
        path.write_bytes(change)
    elif isinstance(change, str):
        path.write_text(change, encoding="utf-8")
    else:
        data = base_config(tmp_path)
        change(data)
        write_config(path, data)
    return path


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case_id,change,words", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_malformed_config_exits_2_naming_the_key(tmp_path: Path, case_id, change, words, command):
    config = _write_case_config(tmp_path, change)
    before = file_state(config)
    code, out, err = run_cli([command, str(config)] + (["--quiet"] if command == "run" else []))
    assert code == 2, f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in out + err
    assert err.startswith("ongeldige configuratie: ") and str(config) in err, err
    for word in words:
        assert word in err, f"{word!r} not in: {err}"
    assert file_state(config) == before
    assert not (tmp_path / "outputs").exists(), "a rejected configuration must not create any output"


# Checked against the data (the region list): the run keeps its log of why it stopped, but publishes nothing.
DATA_CONFIG_CASES = [
    # A name that is not the code's would publish one gemeente's figures under another's name and folder.
    ("name_of_another_gemeente", _set("naam", "De Wolden"), ["naam", "'De Wolden'", "GM1701", "'Westerveld'"]),
    ("name_typo", _set("naam", "Westervelt"), ["naam", "'Westervelt'", "'Westerveld'"]),
    # Without partner files too: the name decides the report's title and folder.
    (
        "name_without_partner_folder",
        lambda d: (_set("naam", "De Wolden")(d), _drop("invoer")(d)),
        ["naam", "'De Wolden'", "GM1701", "'Westerveld'"],
    ),
]


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case_id,change,words", DATA_CONFIG_CASES, ids=[c[0] for c in DATA_CONFIG_CASES])
def test_config_that_contradicts_the_data_exits_2_and_publishes_nothing(
    tmp_path: Path, case_id, change, words, command
):
    config = _write_case_config(tmp_path, change)
    code, out, err = run_cli([command, str(config)] + (["--quiet"] if command == "run" else []))
    assert code == 2, f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in out + err and "ongeldige configuratie: " in err
    for word in words:
        assert word in err, f"{word!r} not in: {err}"
    published = (
        [p for p in (tmp_path / "outputs").glob("*") if p.name not in ("logs", ".locks")]
        if (tmp_path / "outputs").exists()
        else []
    )
    assert published == [], published


def test_missing_config_file(tmp_path: Path):
    code, out, err = run_cli(["run", str(tmp_path / "bestaat-niet.yaml"), "--quiet"])
    assert code == 2 and "bestand niet gevonden" in err and "Traceback" not in out + err


# Options on the command line are input too.
OPTION_CASES = [
    ("gemeente_option_bad_code", ["--gemeente", "1690"], ["gemeente"]),
    ("chapter_option_unknown", ["--hoofdstuk", "07_bestaat_niet"], ["onbekend hoofdstuk", "07_bestaat_niet"]),
    ("policy_option_unknown", ["--policy", "vers"], ["--policy", "vers"]),
]


@pytest.mark.parametrize("case_id,options,words", OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_bad_command_line_option_exits_2(tmp_path: Path, case_id, options, words):
    data = base_config(tmp_path)
    config = write_config(tmp_path / "westerveld.yaml", data)
    before = file_state(config)
    code, out, err = run_cli(["run", str(config), "--quiet", *options])
    assert code == 2, f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in out + err
    for word in words:
        assert word in err, f"{word!r} not in: {err}"
    assert file_state(config) == before
    assert not run_folders(tmp_path / "outputs")


@pytest.mark.parametrize("command", ["run", "validate"])
def test_config_path_that_is_a_folder_exits_2(tmp_path: Path, command):
    folder = tmp_path / "westerveld.yaml"
    folder.mkdir()
    try:
        code, out, err = run_cli([command, str(folder)])
    except OSError as exc:  # the gap: an uncaught exception is a traceback for the user
        pytest.fail(f"uncaught {type(exc).__name__}: {exc}")
    assert code == 2 and "ongeldige configuratie" in err and "Traceback" not in out + err
