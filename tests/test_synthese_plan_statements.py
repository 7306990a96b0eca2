"""The previous plan's statements are not judged against themselves, and are judged twice: on the
data up to the year of the plan and on what happened since.

Each test builds its own partner files (a Veiligheidsmonitor export, a veiligheidsregio export)
and reads them the way a run does (load_inputs, the detail tables in the store), on top of the
demo open data.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from veiligheidsanalyse import analysis
from veiligheidsanalyse import observations as obs
from veiligheidsanalyse.chapters import synthese
from veiligheidsanalyse.chapters.page import PartnerInputs
from veiligheidsanalyse.sources.inputs import InputsConfig, load_inputs
from veiligheidsanalyse.sources.inputs.templates import IVP_TEXT_NOTE
from veiligheidsanalyse.stats import compare, verdicts
from veiligheidsanalyse.stats.signals import Judged, adjust_p
from veiligheidsanalyse.store.build import write_partner_inputs
from veiligheidsanalyse.store.dataset import Dataset

IVP = "IVP Westerveld 2023-2027, hoofdstuk 5"
INDEPENDENT = "export I&O Research, 12-03-2024"


def _nl(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def partner_run(demo_dataset, folder: Path, files: dict[str, str], uitspraken) -> tuple[Dataset, pd.DataFrame]:
    """The demo open data with these partner files instead of any others, and the partner notes as a
    chapter reads them from the store."""
    source = folder / "invoer"
    source.mkdir(parents=True)
    for name, text in files.items():
        (source / name).write_text(text, encoding="utf-8")
    inputs = load_inputs(InputsConfig(source), "GM1701", "Westerveld")
    store_inputs = folder / "store" / "inputs"
    write_partner_inputs(store_inputs, inputs)
    open_data = demo_dataset.observations[demo_dataset.observations["status"] != "partner"]
    observations = obs.conform(pd.concat([obs.conform(open_data), inputs.observations], ignore_index=True))
    config = dataclasses.replace(demo_dataset.config, uitspraken=tuple(uitspraken))
    ds = Dataset(observations, config, demo_dataset.status)
    return ds, synthese.partner_notes(PartnerInputs(store_inputs, inputs.observations, "GM1701"))


def vm_file(rows: list[tuple[str, int, float, str]]) -> str:
    lines = ["indicator;editie;gebied;waarde;ondergrens;bovengrens;n;bron_opmerking"]
    lines += [f"{ind};{year};Westerveld;{_nl(value)};;;;{note}" for ind, year, value, note in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "note, bron, cites",
    [
        (IVP_TEXT_NOTE + ": 'een 8,0 als gemiddeld rapportcijfer' (niet uit een brontabel)", IVP, True),
        ("Waarde uit de tekst van IVP Westerveld 2023-2027", IVP, True),
        ("IVP Westerveld 2023-2027, hoofdstuk 5: 'drie op de tien'", IVP, True),
        ("overgenomen uit het vorige plan", "", True),
        ("cijfer volgens het Integraal Veiligheidsplan", IVP, True),
        ("uit hoofdstuk 5 van het veiligheidsplan", IVP, True),
        ("bron: IVP 2023-2027", IVP, True),
        ("overgenomen van het IVP", IVP, True),
        ("zie IVP 2023-2027 p. 12", IVP, True),
        ("bron IVP", IVP, True),
        ("bron:IVP", IVP, True),
        ("volgens het IVP", IVP, True),
        ("cijfer uit IVP", IVP, True),
        ("IVP 2023-2027 (hoofdstuk 5)", IVP, True),
        ("illustratief voorbeeld, vervang door de export van de partner (het IVP zegt alleen: stabiel)", IVP, False),
        ("CBS Veiligheidsmonitor 2021, landelijk cijfer, controleer in StatLine 85146NED", IVP, False),
        (INDEPENDENT, IVP, False),
        ("niet uit het IVP overgenomen maar uit de export van I&O Research", IVP, False),
        ("uit het IVP 2019-2022 (de vorige periode)", IVP, False),
        ("overgenomen van het IVP 2019-2022", IVP, False),
        ("zie IVP 2019-2022 p. 12", IVP, False),
        ("niet overgenomen van het IVP", IVP, False),
        ("bron: export I&O Research (het IVP zegt alleen: stabiel)", IVP, False),
        ("waarde uit de tekst van het jaarverslag van de veiligheidsregio", IVP, False),
        ("", IVP, False),
        (None, IVP, False),
        (float("nan"), IVP, False),
    ],
)
def test_which_notes_say_the_figure_comes_from_the_plan(note, bron, cites):
    assert synthese.note_names_plan(note, bron) is cites


def test_partner_notes_are_the_loaders_notes(tmp_path):
    """The notes read back from the store are the loader's notes: same figures, same verdict of the rule."""
    source = tmp_path / "invoer"
    source.mkdir()
    (source / "veiligheidsmonitor.csv").write_text(
        vm_file(
            [("vm_leefbaarheid_cijfer", 2021, 8.0, IVP_TEXT_NOTE), ("vm_preventie_woning", 2021, 1.6, INDEPENDENT)]
        ),
        encoding="utf-8",
    )
    (source / "veiligheidsregio.csv").write_text(
        "jaar;soort;aantal;bron_opmerking\n"
        f"2018;totaal;186;{IVP_TEXT_NOTE}: 'in totaal 186 incidenten in 2018'\n"
        "2019;brand;41;export veiligheidsregio\n2019;hulpverlening;60;\n",
        encoding="utf-8",
    )
    (source / "halt.csv").write_text(
        f"jaar;delictgroep;aantal;bron_opmerking\n2021;diefstal;4;{IVP_TEXT_NOTE}\n2021;vernieling;3;\n",
        encoding="utf-8",
    )
    inputs = load_inputs(InputsConfig(source), "GM1701", "Westerveld")
    write_partner_inputs(tmp_path / "store", inputs)
    mine = synthese.partner_notes(PartnerInputs(tmp_path / "store", inputs.observations, "GM1701"))
    loader = inputs.notes
    key = ["indicator", "regio_code", "jaar"]
    assert sorted(map(tuple, mine[key].values.tolist())) == sorted(set(map(tuple, loader[key].values.tolist())))
    cites = {tuple(r[:3]): synthese.note_names_plan(r[3], IVP) for r in mine[key + ["bron_opmerking"]].values}
    for r in loader[key + ["bron_opmerking"]].values:
        assert cites[tuple(r[:3])] == synthese.note_names_plan(r[3], IVP), r
    assert cites[("vr_incidenten", "GM1701", 2018)] and not cites[("vr_incidenten", "GM1701", 2019)]
    assert cites[("halt_verwijzingen", "GM1701", 2021)]  # a total summed from parts, one of them from the plan


# ---------------------------------------------------------------------------- the five Veiligheidsmonitor statements


@pytest.fixture
def vm_statements(demo_dataset):
    """The Veiligheidsmonitor statements of config/westerveld.yaml (values from the plan's text)."""
    items = [u for u in demo_dataset.config.uitspraken if u["indicator"].startswith("vm_")]
    assert len(items) == 5 and all(u["verwachting"] == "waarde" and u["tot"] == 2021 for u in items)
    return items


def test_values_copied_from_the_plan_do_not_support_the_plan(demo_dataset, vm_statements, tmp_path):
    independent = {
        "uitspraak": "Inwoners nemen gemiddeld 1,6 preventieve maatregelen.",
        "indicator": "vm_preventie_woning",
        "verwachting": "waarde",
        "waarde": 1.6,
        "tot": 2021,
        "bron": IVP,
    }
    rows = [
        (u["indicator"], 2021, u["waarde"], f"{IVP_TEXT_NOTE}: '{u['uitspraak'].rstrip('.')}'") for u in vm_statements
    ]
    rows.append(("vm_preventie_woning", 2021, 1.6, INDEPENDENT))
    ds, notes = partner_run(
        demo_dataset, tmp_path, {"veiligheidsmonitor.csv": vm_file(rows)}, vm_statements + [independent]
    )
    checks = synthese.check_statements(ds, {}, notes)

    for check in checks[:5]:
        assert check.oordeel == synthese.TAKEN_FROM_PLAN
        assert synthese.TAKEN_FROM_PLAN == "overgenomen uit het vorige plan, niet onafhankelijk getoetst"
        assert check.oordeel not in synthese.SUPPORTED
        assert "uit het plan zelf" in check.toelichting and "2021" in check.toelichting
        # no edition after 2021: said so, not judged
        assert (check.sinds_oordeel, check.sinds_toelichting) == ("geen gegevens", "nog geen cijfers van na 2021")
    assert checks[5].oordeel == "klopt" and checks[5].toelichting.startswith("1,6 in 2021")

    # Counted nowhere as support: the key finding and the table's colours.
    finding = synthese.Synthesis({}, [], pd.DataFrame(), [], checks, {}, [], pd.DataFrame()).findings()[-1]
    assert finding.startswith(
        "Van de 6 uitspraken uit het vorige plan is er 1 in lijn met de cijfers tot en met het "
        "jaar van het plan (ondersteund of verenigbaar)"
    )
    assert "5 steunen op cijfers die uit het plan zelf zijn overgenomen" in finding
    assert "Van na het plan zijn er nog geen cijfers." in finding
    table, colours = synthese.statement_table(checks)
    assert list(colours["Oordeel"]) == ["onbekend"] * 5 + ["beter"]
    assert list(table["Cijfers t/m"]) == ["2021"] * 6

    # The same statements with the same values from an independent source are judged as before.
    rows = [(ind, year, value, INDEPENDENT) for ind, year, value, _ in rows]
    ds, notes = partner_run(
        demo_dataset, tmp_path / "onafhankelijk", {"veiligheidsmonitor.csv": vm_file(rows)}, vm_statements
    )
    assert [c.oordeel for c in synthese.check_statements(ds, {}, notes)] == ["klopt"] * 5


def test_a_value_statement_is_judged_up_to_its_year_and_since(demo_dataset, vm_statements, tmp_path):
    leefbaarheid = next(u for u in vm_statements if u["indicator"] == "vm_leefbaarheid_cijfer")
    rows = [
        ("vm_leefbaarheid_cijfer", 2021, leefbaarheid["waarde"], INDEPENDENT),
        ("vm_leefbaarheid_cijfer", 2023, leefbaarheid["waarde"] - 0.6, INDEPENDENT),
    ]
    ds, notes = partner_run(demo_dataset, tmp_path, {"veiligheidsmonitor.csv": vm_file(rows)}, [leefbaarheid])
    [check] = synthese.check_statements(ds, {}, notes)
    assert (check.tot, check.oordeel) == (2021, "klopt") and "in 2021" in check.toelichting
    assert check.sinds_oordeel == "wijkt af" and check.sinds_toelichting.startswith("de gegevens geven 7,4 in 2023")


# ---------------------------------------------------------------------------- counts: up to the year and since


def test_a_count_statement_is_judged_up_to_its_year_and_since(demo_dataset, tmp_path):
    """'186 in 2018 and 171 in 2022': 2018 comes from the plan, so the plan's comparison is no test;
    what happened after 2022 comes from the export and is judged with the same test."""
    statement = {
        "uitspraak": "Het aantal incidenten is vrij stabiel: 186 in 2018 en 171 in 2022.",
        "indicator": "vr_incidenten",
        "verwachting": "stabiel",
        "van": 2018,
        "tot": 2022,
        "bron": IVP,
    }
    counts = {2018: 186, 2019: 179, 2020: 168, 2021: 175, 2022: 171, 2023: 230, 2024: 262}
    lines = ["jaar;soort;aantal;bron_opmerking"]
    lines += [
        f"{year};totaal;{n};{IVP_TEXT_NOTE if year == 2018 else 'export veiligheidsregio Drenthe'}"
        for year, n in counts.items()
    ]
    ds, notes = partner_run(demo_dataset, tmp_path, {"veiligheidsregio.csv": "\n".join(lines) + "\n"}, [statement])
    [check] = synthese.check_statements(ds, {}, notes)
    assert check.oordeel == synthese.TAKEN_FROM_PLAN
    assert check.toelichting.startswith("het cijfer voor 2018 komt uit het plan zelf")
    assert "186 in 2018 en 171 in 2022" in check.toelichting

    # Both comparisons with the series' own year-to-year variation, corrected together (the statements' family).
    yearly = ds.counts("vr_incidenten", ["GM1701"], years=(2015, 2025)).dropna(subset=["aantal"])
    den = yearly.set_index("jaar")["noemer"]
    series_trend = analysis.yearly_trend(yearly[["jaar", "aantal", "noemer"]])
    assert series_trend.dispersion > 1  # 175 -> 230 -> 262 is more than Poisson variation
    plan = analysis.change_test(186, den[2018], 171, den[2022], series_trend)
    since = analysis.change_test(171, den[2022], 262, den[2024], series_trend)
    p_adjusted = adjust_p([plan.p_value, since.p_value])
    assert since.p_value > compare.compare_periods(171, den[2022], 262, den[2024]).p_value  # more cautious than Poisson
    judged = Judged(since, p_adjusted[1])
    assert check.sinds_oordeel == ("verenigbaar" if judged.direction == "gelijk" else "niet ondersteund")
    verdict = verdicts.verdict_periods(judged, 2022, 10)
    assert check.sinds_toelichting.startswith(f"171 in 2022 en 262 in 2024: {verdict}")

    # Without notes (or with independent ones) the plan's own comparison is judged as before.
    [plain] = synthese.check_statements(ds, {}, None)
    assert plain.oordeel == "verenigbaar" and plain.sinds_oordeel == check.sinds_oordeel


def test_a_trend_statement_is_judged_on_the_years_the_plan_had(demo_dataset):
    """Without ``tot`` a statement was made with the data of the previous analysis (periode.vorige_analyse):
    the trend up to that year, then the last year against that year."""
    cfg = demo_dataset.config
    year = cfg.vorige_analyse
    assert year < cfg.jaar_tot
    statement = {
        "uitspraak": "We zien een dalende trend in de woninginbraken.",
        "indicator": "woninginbraak",
        "verwachting": "daling",
        "bron": IVP,
    }
    ds = Dataset(demo_dataset.observations, dataclasses.replace(cfg, uitspraken=(statement,)), demo_dataset.status)
    [check] = synthese.check_statements(ds, {}, None)
    up_to = Dataset(ds.observations, dataclasses.replace(cfg, jaar_tot=year), ds.status)
    assert check.tot == year
    assert check.toelichting == analysis.profile(up_to, "woninginbraak").trend_verdict
    own = ds.counts("woninginbraak", ["GM1701"]).set_index("jaar")
    since = compare.compare_periods(
        own.loc[year, "aantal"],
        own.loc[year, "noemer"],
        own.loc[cfg.jaar_tot, "aantal"],
        own.loc[cfg.jaar_tot, "noemer"],
    )
    assert check.sinds_toelichting.startswith(
        f"{own.loc[year, 'aantal']:.0f} in {year} en {own.loc[cfg.jaar_tot, 'aantal']:.0f} in {cfg.jaar_tot}: "
    )
    expected = {"lager": "ondersteund", "gelijk": "niet ondersteund", "hoger": "tegengesproken"}[since.direction]
    assert check.sinds_oordeel == expected

    # Made with all the data: the trend over the whole period, and nothing after it yet.
    ds = Dataset(ds.observations, dataclasses.replace(cfg, uitspraken=(dict(statement, tot=cfg.jaar_tot),)), ds.status)
    [check] = synthese.check_statements(ds, {}, None)
    assert check.toelichting == analysis.profile(ds, "woninginbraak").trend_verdict
    assert check.sinds_oordeel == "geen gegevens"
    assert check.sinds_toelichting == f"nog geen cijfers van na {cfg.jaar_tot}"
