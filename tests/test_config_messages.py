"""Configuration errors are Dutch sentences that name the line of the file, the key, the value found
and what was expected: ``ongeldige configuratie: westerveld.yaml, regel 31: data.beleid: verwacht een
van fresh, require-fresh, cache, demo; gevonden 7``.

Realistic mistakes are written into a copy of config/westerveld.yaml (comments and all, so the lines
are the real ones) and go through ``veiligheidsanalyse validate``; the expected line is computed from
the text, never hard-coded. A catalogue of mutations reaches every ``raise`` of a configuration error
in config.py and checks that none of the messages is English.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import pickle
import re
import sys
import traceback
from pathlib import Path

import pytest
import yaml

from veiligheidsanalyse import cli, config_schema, config_yaml
from veiligheidsanalyse import config as config_module
from veiligheidsanalyse.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]
WESTERVELD = (ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``veiligheidsanalyse <argv>`` in this process (as test_faults_inputs_cli.py): (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def line_of(text: str, needle: str, after: str | None = None, occurrence: int = 1) -> int:
    """The 1-based number of the line with ``needle`` (the ``occurrence``-th, after the line with ``after``)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) + 1 if after else 0
    found = [i for i in range(start, len(lines)) if needle in lines[i]]
    return found[occurrence - 1] + 1


def replace_line(text: str, needle: str, new: str | None, after: str | None = None, occurrence: int = 1) -> str:
    """The text with that line replaced by ``new`` (None: removed)."""
    lines = text.splitlines(keepends=True)
    i = line_of(text, needle, after, occurrence) - 1
    if new is None:
        del lines[i]
    else:
        lines[i] = new + "\n"
    return "".join(lines)


# ------------------------------------------------------------------------ realistic mistakes


def _policy_seven(text):
    bad = replace_line(text, "  beleid: fresh", "  beleid: 7             # fresh | require-fresh | cache | demo")
    return (
        bad,
        line_of(bad, "  beleid: 7"),
        "data.beleid",
        ["verwacht een van fresh, require-fresh, cache, demo", "gevonden 7"],
    )


def _typo_key(text):
    bad = text.replace("  max_leeftijd_dagen: 120", "  max_leeftyd_dagen: 120")
    return (
        bad,
        line_of(bad, "max_leeftyd_dagen"),
        "data.max_leeftyd_dagen",
        [
            "onbekende sleutel",
            "bedoeld: max_leeftijd_dagen?",
            "hier toegestaan: beleid, cache, demo, max_leeftijd_dagen",
        ],
    )


def _code_at_position_2(text):
    # The peers list is the third 'gemeenten: [' of the file; its third code (index 2) loses its zeros.
    peers_line = line_of(text, "gemeenten: [", after="  peers:")
    lines = text.splitlines(keepends=True)
    codes = lines[peers_line - 1].split("[", 1)[1].split("]")[0].split(", ")
    lines[peers_line - 1] = lines[peers_line - 1].replace(codes[2], "GM85")
    return (
        "".join(lines),
        peers_line,
        "vergelijking.peers.gemeenten[2]",
        ["verwacht een CBS-gemeentecode zoals GM1701", "gevonden 'GM85'"],
    )


def _weight_nan(text):
    bad = replace_line(text, "    niveau:", "    niveau: .nan", after="  gewichten:")
    return (
        bad,
        line_of(bad, "    niveau: .nan"),
        "prioriteiten.gewichten.niveau",
        ["verwacht een eindig getal van minstens 0", "gevonden .nan (geen getal)"],
    )


def _group_without_name(text):
    bad = replace_line(text, "    naam:", None, after="  regio:")
    # A missing key: the line of its nearest enclosing key, the group 'regio'.
    return bad, line_of(bad, "  regio:"), "vergelijking.regio.naam", ["ontbreekt", "verwacht de naam van de groep"]


def _duplicate_key(text):
    first = line_of(text, "  drempel:")
    lines = text.splitlines(keepends=True)
    lines.insert(first, "  drempel: 2               # added later, forgotten\n")
    bad = "".join(lines)
    return bad, first + 1, "onthulling.drempel", ["de sleutel 'drempel' staat er twee keer", f"eerst op regel {first}"]


def _theme_in_block_list(text):
    bad = replace_line(text, "    - 04_jeugd", "    - 04_jeugdzorg          # voorkomen jonge aanwas")
    return (
        bad,
        line_of(bad, "- 04_jeugdzorg"),
        "prioriteiten.themas[1]",
        ["onbekend thema '04_jeugdzorg'", "verwacht een hoofdstuk"],
    )


def _statement_expectation(text):
    # The third statement (uitspraken[2]) gets an expectation that does not exist.
    bad = replace_line(text, "    verwachting: waarde", "    verwachting: gelijk", after="uitspraken:", occurrence=3)
    return (
        bad,
        line_of(bad, "verwachting: gelijk"),
        "uitspraken[2].verwachting",
        ["verwacht een van stijging, daling, stabiel", "gevonden 'gelijk'"],
    )


def _year_in_future(text):
    bad = replace_line(text, "  tot: 20", "  tot: 2099", after="periode:")
    return bad, line_of(bad, "  tot: 2099"), "periode.tot", ["2099 is groter dan het maximum"]


def _tab_indentation(text):
    bad = replace_line(text, "  van: 2015", "\tvan: 2015", after="periode:")
    return (
        bad,
        line_of(bad, "\tvan: 2015"),
        "periode",
        ["geen geldige YAML", "een tab; verwacht inspringen met spaties"],
    )


MISTAKES = [
    _policy_seven,
    _typo_key,
    _code_at_position_2,
    _weight_nan,
    _group_without_name,
    _duplicate_key,
    _theme_in_block_list,
    _statement_expectation,
    _year_in_future,
    _tab_indentation,
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.__name__.lstrip("_") for m in MISTAKES])
def test_validate_names_line_key_value_and_expectation_in_dutch(tmp_path: Path, mistake):
    text, line, key, words = mistake(WESTERVELD)
    assert text != WESTERVELD
    path = tmp_path / "westerveld.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli(["validate", str(path)])
    assert code == 2, f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in out + err
    assert err.startswith(f"ongeldige configuratie: {path}, regel {line}: {key}: "), err
    for word in words:
        assert word in err, f"{word!r} not in: {err}"
    # The library says the same: the line as a number, the key as before.
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.line, caught.value.key) == (line, key)


def test_the_example_of_the_policy_at_its_real_line(tmp_path: Path):
    """The form of the whole message, for the mistake users make most."""
    text, line, _key, _words = _policy_seven(WESTERVELD)
    assert line == line_of(WESTERVELD, "  beleid: fresh")  # the real line of data.beleid
    path = tmp_path / "westerveld.yaml"
    path.write_text(text, encoding="utf-8")
    code, _out, err = run_cli(["validate", str(path)])
    assert code == 2
    assert err.strip() == (
        f"ongeldige configuratie: {path}, regel {line}: data.beleid: verwacht een van fresh, "
        "require-fresh, cache, demo; gevonden 7"
    )


def test_every_key_of_the_shipped_file_has_its_line():
    """Each key path has the line of its key; list items the line of the item."""
    data, lines = config_yaml.load_yaml(WESTERVELD, "westerveld.yaml")
    assert lines["data.beleid"] == line_of(WESTERVELD, "  beleid:")
    assert lines["vergelijking.peers.gemeenten[8]"] == line_of(WESTERVELD, "gemeenten: [", after="  peers:")
    assert lines["prioriteiten.themas[4]"] == line_of(WESTERVELD, "- drugsafval_bodem")
    assert lines["uitspraken[1].waarde"] == line_of(WESTERVELD, "    waarde:", after="uitspraken:", occurrence=2)
    for section in data:
        assert lines[section] == line_of(WESTERVELD, f"{section}:")  # top-level keys start their line


def test_a_mapping_made_in_code_has_no_line():
    with pytest.raises(ConfigError) as caught:
        parse_config({"gemeente": "1701"}, source="(code)")
    assert caught.value.line is None and "regel" not in str(caught.value)
    assert str(caught.value) == "(code): gemeente: verwacht een CBS-gemeentecode zoals GM1701; gevonden '1701'"


def test_a_gemeente_from_the_command_line_names_no_line_of_the_file(tmp_path: Path):
    path = tmp_path / "westerveld.yaml"
    path.write_text(WESTERVELD, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, gemeente="GM17")
    assert caught.value.key == "gemeente" and caught.value.line is None


def test_the_error_survives_pickling():
    error = ConfigError("westerveld.yaml", "data.beleid", "verwacht een van fresh; gevonden 7", 31)
    again = pickle.loads(pickle.dumps(error))
    assert (again.source, again.key, again.message, again.line) == (
        "westerveld.yaml",
        "data.beleid",
        "verwacht een van fresh; gevonden 7",
        31,
    )
    assert str(again) == str(error) == "westerveld.yaml, regel 31: data.beleid: verwacht een van fresh; gevonden 7"


# ------------------------------------------------------------------------ every raise site, no English

SHIPPED = yaml.safe_load(WESTERVELD)
MULTI = {
    "gemeenten": [{"code": "GM0119", "naam": "Meppel"}, "GM1731", {"code": "GM1701", "naam": "Westerveld"}],
    "regio_rapport": {"code": "ZWD", "naam": "Zuidwest-Drenthe"},
    "periode": {"van": 2015, "tot": 2022},
    "data": {"beleid": "demo"},
}
DROP = object()
ENGLISH = re.compile(
    r"\b(expected|found|unknown|missing|must|below|above|allowed|needs?|twice|only|line|column|"
    r"file|not|is after|cannot|empty|mapping)\b",
    re.IGNORECASE,
)


def _edit(*changes):
    """Set (or with DROP remove) keys given as paths like ``vergelijking.peers.gemeenten[2]``."""

    def change(data):
        for path, value in changes:
            parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
            node = data
            for part in parts[:-1]:
                node = node[part]
            if value is DROP:
                node.pop(parts[-1])
            elif isinstance(node, list) and parts[-1] == len(node):
                node.append(value)
            else:
                node[parts[-1]] = value
        return data

    return change


# (id, base (a mapping that is dumped to YAML) or the file's text/bytes, change)
W, M = SHIPPED, MULTI
NAN = float("nan")
CASES = [
    ("section_not_a_mapping", W, _edit(("periode", "2015-2025"))),
    ("unknown_key", W, _edit(("data.bron", "cbs"))),
    ("year_as_text", W, _edit(("periode.van", "2015"))),
    ("below_minimum", W, _edit(("onthulling.drempel", 0))),
    ("above_maximum", W, _edit(("periode.tot", 2099))),
    ("gemeente_code", W, _edit(("vergelijking.peers.gemeenten[2]", "GM85"))),
    ("peers_derive_not_boolean", W, _edit(("vergelijking.peers.afleiden", "ja"))),
    ("peers_rule_not_text", W, _edit(("vergelijking.peers.regel", 5))),
    ("group_without_name", W, _edit(("vergelijking.regio.naam", DROP))),
    ("group_members_not_a_list", W, _edit(("vergelijking.regio.gemeenten", "GM1701"))),
    ("group_member_twice", W, _edit(("vergelijking.peers.gemeenten[2]", "GM1690"))),
    ("folder_not_text", W, _edit(("data.cache", 5))),
    ("folder_climbs_out", W, _edit(("uitvoer", "../../elders"))),
    ("weight_nan", W, _edit(("prioriteiten.gewichten.niveau", NAN))),
    ("theme_unknown", W, _edit(("prioriteiten.themas[1]", "04_jeugdzorg"))),
    ("statements_not_a_list", W, _edit(("uitspraken", "geen"))),
    ("statement_without_indicator", W, _edit(("uitspraken[0].indicator", DROP))),
    ("statement_source_not_text", W, _edit(("uitspraken[0].bron", 2023))),
    ("statement_indicator_unknown", W, _edit(("uitspraken[0].indicator", "leefbaarheid"))),
    ("statement_expectation_unknown", W, _edit(("uitspraken[0].verwachting", "gelijk"))),
    ("statement_years_reversed", W, _edit(("uitspraken[0].van", 2023))),
    ("statement_value_missing", W, _edit(("uitspraken[0].waarde", DROP))),
    ("gemeenten_not_a_list", W, _edit(("gemeenten", "GM1701"))),
    ("gemeenten_entry_without_code", M, _edit(("gemeenten[0]", {"naam": "Meppel"}))),
    ("gemeenten_entry_name_not_text", M, _edit(("gemeenten[0].naam", 5))),
    ("gemeenten_twice", M, _edit(("gemeenten[3]", "GM1731"))),
    ("regional_report_without_list", W, _edit(("regio_rapport", {"naam": "Regio"}))),
    ("regional_report_code", M, _edit(("regio_rapport.code", "zuid west"))),
    ("regional_report_name_empty", M, _edit(("regio_rapport.naam", ""))),
    ("regional_themes_not_a_mapping", M, _edit(("regio_rapport.themas", ["drugshandel"]))),
    ("regional_theme_not_a_list", M, _edit(("regio_rapport.themas", {"Ondermijning": "drugshandel"}))),
    ("regional_indicator_unknown", M, _edit(("regio_rapport.themas", {"Ondermijning": ["drugshandel", "drugs"]}))),
    ("regional_indicator_not_a_count", M, _edit(("regio_rapport.themas", {"Beleving": ["vm_veiligheid_cijfer"]}))),
    ("empty_configuration", "# alleen uitleg, geen sleutels\n", None),
    ("gemeente_missing", W, _edit(("gemeente", DROP))),
    ("name_in_a_config_for_several", M, _edit(("naam", "Zuidwest-Drenthe"))),
    ("period_reversed", W, _edit(("periode.van", 2024), ("periode.tot", 2016), ("periode.vorige_analyse", DROP))),
    ("period_one_year", W, _edit(("periode.van", 2020), ("periode.tot", 2020), ("periode.vorige_analyse", DROP))),
    ("nederland_other", W, _edit(("vergelijking.nederland", "NL02"))),
    ("provincie_code", W, _edit(("vergelijking.provincie.code", "Drenthe"))),
    ("chapters_not_a_list", W, _edit(("hoofdstukken", "alle"))),
    ("chapter_unknown", W, _edit(("hoofdstukken", ["01_criminaliteit", "07_bestaat_niet"]))),
    ("policy_unknown", W, _edit(("data.beleid", 7))),
    ("input_files_not_a_mapping", W, _edit(("invoer.bestanden", ["halt.csv"]))),
    ("examples_folder_not_text", W, _edit(("invoer.voorbeeld", 5))),
    ("examples_switch_not_boolean", W, _edit(("invoer.voorbeeld_gebruiken", "ja"))),
    ("priority_themes_not_a_list", W, _edit(("prioriteiten.themas", "ondermijning"))),
    ("name_not_text", W, _edit(("naam", ["Westerveld"]))),
    ("file_too_big", "gemeente: GM1701\n# " + "x" * 300_000 + "\n", None),
    ("file_missing", "MISSING", None),
    ("file_is_a_folder", "FOLDER", None),
    ("file_not_utf8", "gemeente: GM1701\nnaam: Westerveld \xe9\xe9n\n".encode("latin-1"), None),
    ("file_a_list", "- gemeente: GM1701\n", None),
    ("yaml_alias", "gemeente: GM1701\na: &a [x, x]\nb: [*a, *a]\n", None),
    ("yaml_key_a_list", "gemeente: GM1701\n? [a, b]\n: x\n", None),
    ("yaml_duplicate_key", "gemeente: GM1701\nonthulling:\n  drempel: 5\n  drempel: 2\n", None),
    ("yaml_control_character", "gemeente: GM1701\nnaam: West\x07erveld\n", None),
    ("yaml_syntax", "gemeente: GM1701\nperiode: {van: 2015, tot: 2025\n", None),
    ("yaml_tab", "gemeente: GM1701\nperiode:\n\tvan: 2015\n", None),
    ("yaml_too_deep", "gemeente: GM1701\nnaam: " + "[" * 20_000 + "]" * 20_000 + "\n", None),
    ("input_kind_unknown", W, _edit(("invoer.bestanden", {"onzin": "x.csv"}))),
    ("previous_analysis_outside_the_period", W, _edit(("periode.vorige_analyse", 2030))),
    ("peers_neither_a_list_nor_derived", W, _edit(("vergelijking.peers.gemeenten", DROP))),
    ("statement_year_without_data", W, _edit(("uitspraken[0].tot", 2099))),
    ("gemeenten_entry_not_a_code", M, _edit(("gemeenten[1]", 1731))),
    ("folder_empty", W, _edit(("data.cache", " "))),
    ("group_members_empty", W, _edit(("vergelijking.regio.gemeenten", []))),
    ("parallel_out_of_range", W, _edit(("uitvoering.parallel", 100))),
    ("regional_themes_empty", M, _edit(("regio_rapport.themas", {}))),
    ("value_left_empty", W, _edit(("prioriteiten.aantal", None))),
    ("list_item_empty", M, _edit(("regio_rapport.themas", {"Ondermijning": ["drugshandel", None]}))),
    ("theme_name_a_number", M, _edit(("regio_rapport.themas", {2024: ["drugshandel"]}))),
    ("number_too_long", "gemeente: GM1701\nonthulling:\n  drempel: " + "9" * 5000 + "\n", None),
]
# No line: the file as a whole, or a top-level key that is not in the file.
WITHOUT_LINE = {
    "empty_configuration",
    "gemeente_missing",
    "file_too_big",
    "file_missing",
    "file_is_a_folder",
    "yaml_too_deep",
}


def _write(tmp_path: Path, case_id: str, base, change) -> Path:
    path = tmp_path / f"{case_id}.yaml"
    if base == "MISSING":
        return path
    if base == "FOLDER":
        path.mkdir()
    elif isinstance(base, bytes):
        path.write_bytes(base)
    elif isinstance(base, str):
        path.write_text(base, encoding="utf-8")
    else:
        path.write_text(
            yaml.safe_dump(change(copy.deepcopy(base)), allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return path


MODULES = (config_module, config_yaml, config_schema)
RAISERS = ("ConfigError", "_YamlRefused", "schema_error")


def _raise_sites() -> dict[tuple[str, int], str]:
    """(module file, line) -> source of every ``raise ConfigError(...)``, ``raise _YamlRefused(...)`` and
    ``raise fout(...)`` (a check of the schema) in the configuration modules."""
    sites = {}
    for module in MODULES:
        source = Path(module.__file__).read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", None) in RAISERS
            ):
                sites[(module.__file__, node.lineno)] = lines[node.lineno - 1].strip()
    return sites


def _sites_of(exc: BaseException) -> set[tuple[str, int]]:
    """The raise sites an error came from (the loader's refusal behind a ConfigError too)."""
    files = {module.__file__ for module in MODULES}
    sites = set()
    for error in (exc, exc.__context__):
        if error is None:
            continue
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename in files]
        if frames:
            sites.add((frames[-1].filename, frames[-1].lineno))
    return sites


def test_every_raise_site_speaks_dutch_and_names_the_line(tmp_path: Path, monkeypatch):
    sites = _raise_sites()
    assert len(sites) > 30  # sanity: the catalogue below is about all of them
    reached: dict[tuple[str, int], str] = {}
    case_id = ""
    original_schema_error = config_schema.schema_error

    def recording_schema_error(*args, **kwargs):  # the schema's checks run inside pydantic: record where they raise
        caller = sys._getframe(1)
        reached.setdefault((caller.f_code.co_filename, caller.f_lineno), case_id)
        return original_schema_error(*args, **kwargs)

    monkeypatch.setattr(config_schema, "schema_error", recording_schema_error)
    kinds: set[str] = set()  # pydantic's error types, each turned into Dutch by _message
    original_message = config_schema._message

    def recording_message(error):
        kinds.add(error["type"])
        return original_message(error)

    monkeypatch.setattr(config_schema, "_message", recording_message)
    problems = []
    for case_id, base, change in CASES:
        path = _write(tmp_path, case_id, base, change)
        try:
            load_config(path)
        except ConfigError as exc:
            for site in _sites_of(exc):
                reached.setdefault(site, case_id)
            words = ENGLISH.findall(f"{exc.key} {exc.message}")
            if words:
                problems.append(f"{case_id}: English {words}: {exc}")
            if "een andere waarde" in exc.message:
                problems.append(f"{case_id}: a key without a declared description: {exc}")
            if not str(exc).startswith(f"{path}") or f": {exc.key}: {exc.message}" not in str(exc):
                problems.append(f"{case_id}: message form: {exc}")
            if case_id in WITHOUT_LINE:
                if exc.line is not None:
                    problems.append(f"{case_id}: a line where none is meaningful: {exc}")
            else:
                n_lines = len(path.read_bytes().splitlines())
                if not (isinstance(exc.line, int) and 1 <= exc.line <= n_lines + 1):
                    problems.append(f"{case_id}: no line (or outside the file, {n_lines} lines): {exc}")
                elif f"{path}, regel {exc.line}: " not in str(exc):
                    problems.append(f"{case_id}: 'regel {exc.line}' not in: {exc}")
        else:
            problems.append(f"{case_id}: accepted")
    assert not problems, "\n".join(problems)
    translated = {
        "configuratie",
        "missing",
        "greater_than_equal",
        "less_than_equal",
        "too_short",
        "literal_error",
        "string_pattern_mismatch",
        "string_type",
        "int_type",
        "bool_type",
        "finite_number",
        "list_type",
    }
    assert translated <= kinds, f"error types no case reaches: {translated - kinds}"
    missed = {site: text for site, text in sites.items() if site not in reached}
    assert not missed, "raise sites no case reaches:\n" + "\n".join(
        f"{Path(file).name}:{line}: {text}" for (file, line), text in missed.items()
    )


def _expected_line(text: str, key: str) -> int | None:
    """An independent reading of the line: follow the key path through PyYAML's own node tree as far
    as the file has it; the line of the last key (or list item) found."""
    node, line = yaml.compose(text), None
    for index, name in re.findall(r"\[(\d+)\]|([^.\[\]]+)", key):
        if index:
            if not isinstance(node, yaml.SequenceNode) or int(index) >= len(node.value):
                break
            node = node.value[int(index)]
            line = node.start_mark.line + 1
        else:
            match = [(k, v) for k, v in node.value if k.value == name] if isinstance(node, yaml.MappingNode) else []
            if not match:
                break
            key_node, node = match[0]
            line = key_node.start_mark.line + 1
    return line


def test_the_mistakes_of_the_catalogue_name_the_line_of_their_key(tmp_path: Path):
    """The line named is the line of the key (or list item), or of its nearest enclosing key when the
    key is missing: checked against PyYAML's own node tree of the written file."""
    checked = 0
    for case_id, base, change in CASES:
        if not isinstance(base, dict) or case_id in WITHOUT_LINE:
            continue
        path = _write(tmp_path, case_id, base, change)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        expected = _expected_line(path.read_text(encoding="utf-8"), caught.value.key)
        assert expected is not None and caught.value.line == expected, f"{case_id}: {caught.value}"
        checked += 1
    assert checked > 40
