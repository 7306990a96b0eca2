"""The analyst's checklist (veiligheidsanalyse.report.checklist) and ``veiligheidsanalyse validate``.

On the Westerveld demo store (example partner files): the checklist names the example files in use,
the buurten the example kernen file leaves out (Boschoord) or puts in 'Overig/buitengebied', the
Veiligheidsmonitor results without margins and the partner exports that disagree with the open data;
a check that fails is an item, not an error; ``validate`` prints the checklist without writing to the
output folder. The data account (Methode) names the same buurten, in words for readers.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from veiligheidsanalyse.chapters import kernen, methode
from veiligheidsanalyse.chapters.page import INPUTS_DIR, PartnerInputs
from veiligheidsanalyse.report import checklist
from veiligheidsanalyse.report.validate import validate_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def inputs(demo_store, demo_dataset):
    partner = demo_dataset.observations[demo_dataset.observations["status"] == "partner"]
    return PartnerInputs(demo_store / INPUTS_DIR, partner, "GM1701", demo_dataset.status.inputs_missing)


@pytest.fixture(scope="module")
def the_list(demo_store, demo_dataset):
    return checklist.from_store(demo_store, demo_dataset.config, "Test", root=ROOT)


def _section(the_list, start: str) -> list[str]:
    [title] = [t for t in the_list.sections if t.startswith(start)]
    return [" ".join([i.text, *i.details]) for i in the_list.sections[title]]


def test_unmapped_and_catch_all_buurten_are_listed(the_list, demo_dataset, inputs):
    items = _section(the_list, "Kernen en wijken")
    unmapped = [t for t in items if "niet in kernen.csv" in t]
    assert len(unmapped) == 1 and "BU17011700 Boschoord" in unmapped[0]
    pooled = [t for t in items if "verzamelgroep" in t]
    assert len(pooled) == 1 and "'Overig/buitengebied'" in pooled[0]
    # Every buurt the page shows by CBS wijk is named in the list, with the group it went to.
    ind = kernen.indeling(demo_dataset, inputs.kern_mapping)
    for _, row in ind.by_wijk.iterrows():
        assert f"{row['buurtcode']} {row['buurtnaam']}" in " ".join(items)
        assert f"→ {row['kern']}" in " ".join(items)
    assert any("I&O Research" in t and "per kern" in t for t in items)


def test_inputs_and_data_are_listed(the_list):
    partner = _section(the_list, "Partnerbestanden")
    for kind in ("kernen", "veiligheidsmonitor", "halt", "veiligheidsregio"):
        assert any(f"Voorbeeldbestand in gebruik voor '{kind}'" in t for t in partner), kind
    assert any("verhaal/03_kernen.md" in t for t in partner)  # the demo has no stories
    assert any("demodata" in t for t in _section(the_list, "Gegevens"))
    assert any("marges" in t for t in _section(the_list, "Veiligheidsmonitor"))
    assert any("Veilig Thuis" in t and "Vraag de partner na" in t for t in _section(the_list, "Partnercijfers"))
    assert any("natuurbranden" in t for t in _section(the_list, "Fysieke"))


def test_markdown_is_a_list_of_open_items(the_list):
    text = the_list.markdown()
    assert text.startswith("# Checklist voor de analist: Westerveld (GM1701)")
    assert len(re.findall(r"^- \[ \] ", text, flags=re.M)) == len(the_list.items) >= 10
    assert "## Kernen en wijken (hoofdstuk 03)" in text and "    - BU17011700 Boschoord" in text


def test_a_failing_check_is_an_item(monkeypatch, demo_store, demo_dataset):
    def broken(ds, inputs, ctx):
        raise KeyError("kolom")

    monkeypatch.setattr(
        checklist, "SECTIONS", [("Kapot", broken)] + [s for s in checklist.SECTIONS if s[0] == "Gegevens"]
    )
    result = checklist.from_store(demo_store, demo_dataset.config, "Test", root=ROOT)
    assert "kon niet worden uitgevoerd" in result.sections["Kapot"][0].text
    assert result.sections["Gegevens"]  # the other checks still ran


def test_the_data_account_names_the_buurten_by_wijk(demo_dataset, inputs):
    account = methode.data_account(demo_dataset, inputs)
    row = account[account["Bron"] == "Indeling in kernen"].iloc[0]
    assert row["Status"] == "indeling van de gemeente, aangevuld met CBS-wijken"
    assert "Boschoord" in row["Toelichting"] and "'Overig/buitengebied'" in row["Toelichting"]
    assert not re.search(r"\b(Vul|Lever|Vraag)\b", row["Toelichting"])  # a reader page: no to-do
    # Without the inputs the account is as before; without a kernen file it says CBS wijken.
    assert "Indeling in kernen" not in set(methode.data_account(demo_dataset)["Bron"])
    assert methode.kernen_account(demo_dataset, None)["Status"] == "CBS-wijken"


def test_validate_prints_the_checklist(tmp_path: Path):
    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "demo"  # demo data, so the example partner files are used (as in a demo run)
    data["uitvoer"] = str(tmp_path / "outputs")  # its own output folder: other tests may write to the project's
    config = tmp_path / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    assert validate_command(config, stream=out) == 0
    text = out.getvalue()
    assert "Checklist voor de analist: Westerveld (GM1701)" in text
    assert "BU17011700 Boschoord" in text and "Voorbeeldbestand in gebruik voor 'kernen'" in text
    assert not (tmp_path / "outputs").exists()  # validate builds its store in a temporary folder


def test_the_runner_writes_the_checklist_internally(demo_run: Path):
    from veiligheidsanalyse.paths import intern_dir

    path = intern_dir(demo_run) / checklist.FILE_NAME
    text = path.read_text(encoding="utf-8")
    assert "BU17011700 Boschoord" in text and "Overig/buitengebied" in text
    assert not list(demo_run.rglob("checklist*"))  # never in the published folder
    assert pd.read_json(path.with_suffix(".json"), typ="series")["gemeente"] == "GM1701"


def test_what_was_left_out_of_a_file_for_another_gemeente_is_listed(demo_store, demo_dataset):
    from veiligheidsanalyse.config import load_config

    own = checklist.from_store(demo_store, demo_dataset.config, "Test", root=ROOT)
    assert "Configuratie" not in [t for t, items in own.sections.items() if items]
    other = load_config(ROOT / "config" / "westerveld.yaml", gemeente="GM1690")
    listed = checklist.from_store(demo_store, other, "Test", root=ROOT).sections["Configuratie"]
    assert len(listed) == 1 and "veiligheidsanalyse init GM1690" in listed[0].text
    assert "naam" in listed[0].details and "uitspraken" in listed[0].details
