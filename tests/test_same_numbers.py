"""One definition per concept: the same indicator and years give the same number on every page.

The pages of one demo report are read as a reader gets them: the CSV next to every table and figure
(``csv/``) and, for the sentences a profile writes ("Halt-verwijzingen: 12 in 2023 (9,4 per 1.000
jongeren (12-17))"), the HTML. Every number about the gemeente is a claim (indicator, years, count
or rate); a window of years is also derived from the per-year figures of each page that has them
(the sum of the counts, the rate on the summed denominators). All claims about the same indicator
and years must agree, at the precision the page shows.

Where the partner's figure for a year differs from the open data by more than rounding allows
(``chapters.disagreement``), the page must say so with both figures; the unit tests of that rule
are at the end.
"""

from __future__ import annotations

import html as htmlmod
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from veiligheidsanalyse.chapters import disagreement, kernen, zorg
from veiligheidsanalyse.indicators import indicator
from veiligheidsanalyse.stats.formatting import format_nl

SCOPE = ["overlast_totaal", "misdrijven_totaal", "halt_verwijzingen", "veilig_thuis_meldingen", "veilig_thuis_adviezen"]
GEMEENTE = "GM1701"
# Per-year tables: CSV stem -> {column: indicator}, and the column with the denominator (if shown).
YEAR_TABLES = {
    "01_criminaliteit__totaal_per_jaar": ({"aantal_misdrijven": "misdrijven_totaal"}, "aantal_inwoners"),
    "04_jeugd__halt_per_jaar": ({"aantal_verwijzingen": "halt_verwijzingen"}, "aantal_jongeren_12_17"),
    "08_zorg__veilig_thuis_per_jaar": (
        {"aantal_meldingen": "veilig_thuis_meldingen", "aantal_adviezen": "veilig_thuis_adviezen"},
        None,
    ),
}
# The CSV columns of the Veilig Thuis tables, in the order of zorg.VEILIG_THUIS.
VT_COLUMNS = ["aantal_meldingen", "aantal_adviezen"]
# Kern tables (03_kernen__<buurt indicator>_kernen_tabel): their row "Totaal gemeente" is this gemeente figure.
KERN_TABLES = {"overlast_buurt": "overlast_totaal", "misdrijven_buurt": "misdrijven_totaal"}
# Figure data of trend figures (one row per region and year; the gemeente's rows are rol == "gemeente").
TREND_FIGURES = {
    "01_criminaliteit__totaal_trend": "misdrijven_totaal",
    "02_overlast_beleving__overlast_totaal_trend": "overlast_totaal",
    "04_jeugd__halt_trend": "halt_verwijzingen",
}


@dataclass(frozen=True)
class Claim:
    indicator: str
    years: tuple[int, int]
    kind: str  # "aantal" or "cijfer"
    value: float
    decimals: int | None  # as shown; None = full precision (figure data)
    where: str

    def shown(self, decimals: int) -> str:
        return format_nl(self.value, decimals)

    @property
    def error(self) -> float:
        """How far the exact number can be from ``value``: half the last unit shown, or for a CSV value
        half the last unit it is written with (2 decimals, or 4 significant digits below 1)."""
        if self.decimals is not None:
            return 0.5 * 10**-self.decimals
        if abs(self.value) >= 1 or self.value == 0:
            return 0.005
        return 0.5 * 10 ** (math.floor(math.log10(abs(self.value))) - 3)


# ----------------------------------------------------------------------------------- reading the pages
def number(text) -> float | None:
    """A number as a CSV or page writes it ('1.579', '31,1', '17,66...'); None for '<5', 'x', 'onbekend'."""
    text = str(text).strip()
    if not re.fullmatch(r"-?\d+(\.\d{3})*(,\d+)?", text):
        return None
    return float(text.replace(".", "").replace(",", "."))


def decimals_of(text: str) -> int:
    return len(text.split(",")[1]) if "," in text else 0


def years_of(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})(?:[-–](\d{4}))?", str(text).strip())  # CSV 2023-2025, page 2023–2025
    assert match, text
    return int(match.group(1)), int(match.group(2) or match.group(1))


def csv_years(column: str) -> tuple[int, int]:
    """'aantal_registraties_van_overlast_2023_2025' -> (2023, 2025): the years a CSV column name ends with."""
    match = re.search(r"(\d{4})(?:_(\d{4}))?$", column)
    assert match, column
    return int(match.group(1)), int(match.group(2) or match.group(1))


def read_csv(run: Path, stem: str) -> pd.DataFrame | None:
    path = run / "csv" / f"{stem}.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)


def page_text(path: Path) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", htmlmod.unescape(re.sub(r"<[^>]+>", " ", text)))


def paragraphs(path: Path) -> list[str]:
    raw = re.findall(r"<p\b[^>]*>(.*?)</p>", path.read_text(encoding="utf-8"), flags=re.S)
    return [re.sub(r"\s+", " ", htmlmod.unescape(re.sub(r"<[^>]+>", " ", p))).strip() for p in raw]


LABELS = {indicator(i).label: i for i in SCOPE}
LEVEL = re.compile(r"^(?P<count>[\d.]+) \((?P<rate>[\d.,]+) per ")  # "627 (31,1 per 1.000 inwoners)"
RATE_FOR = re.compile(r"^(?P<rate>[\d.,]+) per .*\((?P<years>\d{4}(?:-\d{4})?)\)$")  # "31,1 per 1.000 ... (2025)"
COUNT_IN = re.compile(r"(?<![\d,.])(?P<count>\d{1,3}(?:\.\d{3})+|\d+) in (?P<year>\d{4})\b")  # "426 in 2021"


def _count_and_rate(ind: str, years: tuple[int, int], count: str | None, rate: str | None, where: str) -> list[Claim]:
    out = []
    if count is not None and number(count) is not None:
        out.append(Claim(ind, years, "aantal", number(count), 0, where))
    if rate is not None and number(rate) is not None:
        out.append(Claim(ind, years, "cijfer", number(rate), decimals_of(rate), where))
    return out


def claims(run: Path) -> tuple[list[Claim], dict[str, dict[tuple[str, int], tuple[float, float | None]]]]:
    """Every claim about the gemeente's figures of the indicators in SCOPE, and per page the per-year
    figures (page -> indicator/year -> (count, denominator)) from which windows are derived."""
    out: list[Claim] = []
    per_year: dict[str, dict] = {}

    for stem, ind in TREND_FIGURES.items():
        df = read_csv(run, stem)
        assert df is not None, f"figure data {stem}.csv is missing"
        for _, r in df[df["regio_code"] == GEMEENTE].iterrows():
            y = int(r["jaar"])
            if number(r["aantal"]) is None:
                continue
            out += [Claim(ind, (y, y), "aantal", number(r["aantal"]), None, f"{stem}.csv {y}")]
            if number(r["cijfer"]) is not None:
                out.append(Claim(ind, (y, y), "cijfer", number(r["cijfer"]), None, f"{stem}.csv {y}"))
            per_year.setdefault(stem, {})[(ind, y)] = (number(r["aantal"]), number(r["noemer"]))

    for stem, (columns, den_col) in YEAR_TABLES.items():
        df = read_csv(run, stem)
        assert df is not None, f"table {stem}.csv is missing"
        rate_col = next((c for c in df.columns if c.startswith("per_")), None)
        for _, r in df.iterrows():
            y = int(r["jaar"])
            for col, ind in columns.items():
                rate = r[rate_col] if rate_col and len(columns) == 1 else None
                out += _count_and_rate(ind, (y, y), r[col], rate, f"{stem}.csv {y}")
                if number(r[col]) is not None:
                    den = number(r[den_col]) if den_col else None
                    per_year.setdefault(stem, {})[(ind, y)] = (number(r[col]), den)

    # Profile tables: Indicator;Periode;Niveau "627 (31,1 per 1.000 inwoners)".
    for path in sorted((run / "csv").glob("*.csv")):
        df = read_csv(run, path.stem)
        if not {"indicator", "periode", "niveau"} <= set(df.columns) or path.stem.startswith("90_"):
            continue
        for _, r in df[df["indicator"].isin(LABELS)].iterrows():
            match = LEVEL.match(r["niveau"])
            if match:
                out += _count_and_rate(
                    LABELS[r["indicator"]],
                    years_of(r["periode"]),
                    match["count"],
                    match["rate"],
                    f"{path.name} {r['indicator']}",
                )

    # Synthesis: the overview's level "31,1 per 1.000 inwoners (2025)", the statements' "426 in 2021 en 627 in 2025".
    overview = read_csv(run, "90_synthese__overzicht")
    assert overview is not None, "the synthesis overview CSV is missing"
    for _, r in overview[overview["indicator"].isin(LABELS)].iterrows():
        match = RATE_FOR.match(r["niveau"])
        if match:
            out += _count_and_rate(
                LABELS[r["indicator"]],
                years_of(match["years"]),
                None,
                match["rate"],
                f"90_synthese__overzicht.csv {r['indicator']}",
            )
    statements = read_csv(run, "90_synthese__uitspraken")
    if statements is not None:
        for _, r in statements[statements["indicator"].isin(LABELS)].iterrows():
            for column in ("toelichting", "toelichting_daarna"):
                for match in COUNT_IN.finditer(r.get(column, "")):
                    y = int(match["year"])
                    out += _count_and_rate(
                        LABELS[r["indicator"]],
                        (y, y),
                        match["count"],
                        None,
                        f"90_synthese__uitspraken.csv {r['indicator']} ({column})",
                    )

    # Kernen: the row "Totaal gemeente" is the gemeente's figure of the matching gemeente indicator.
    for path in sorted((run / "csv").glob("03_kernen__*_kernen_tabel.csv")):
        ind = KERN_TABLES.get(path.stem.removeprefix("03_kernen__").removesuffix("_kernen_tabel"))
        if ind is None:
            continue
        df = read_csv(run, path.stem)
        count_col = df.columns[2]  # aantal_<indicator>_<years>
        rate_col = next(c for c in df.columns if c.startswith("per_"))
        years = csv_years(count_col)
        for _, r in df[df["kern"] == kernen.TOTAL].iterrows():
            out += _count_and_rate(ind, years, r[count_col], r[rate_col], f"{path.name} {kernen.TOTAL}")

    # Sentences of the profiles on every page: "Label: 627 in 2025 (31,1 per 1.000 inwoners)".
    for path in sorted(run.glob("*.html")):
        text = page_text(path)
        for label, ind in LABELS.items():
            pattern = (
                rf"{re.escape(label)}: (?P<count>[\d.]+) in (?P<years>\d{{4}}(?:–\d{{4}})?) "
                r"\((?P<rate>[\d.,]+) per "
            )
            for match in re.finditer(pattern, text):
                out += _count_and_rate(
                    ind, years_of(match["years"]), match["count"], match["rate"], f"{path.name} (tekst)"
                )
    return out, per_year


def derived(found: list[Claim], per_year: dict[str, dict]) -> list[Claim]:
    """Windows of years as each page's per-year figures give them: summed counts, the rate on the summed
    denominators (as the analysis pools rare indicators and the kernen chapter pools kernen)."""
    out = []
    windows = {(c.indicator, c.years) for c in found if c.years[0] != c.years[1]}
    for stem, figures in per_year.items():
        for ind, (a, b) in windows:
            rows = [figures.get((ind, y)) for y in range(a, b + 1)]
            if any(r is None for r in rows):
                continue
            where = f"{stem}.csv, {a}-{b} opgeteld"
            out.append(Claim(ind, (a, b), "aantal", sum(r[0] for r in rows), None, where))
            if all(r[1] is not None and r[1] > 0 for r in rows):
                rate = sum(r[0] for r in rows) / sum(r[1] for r in rows) * indicator(ind).per
                out.append(Claim(ind, (a, b), "cijfer", rate, None, where))
    return out


def contradictions(found: list[Claim]) -> list[str]:
    """Pairs of claims about the same indicator, years and kind that a reader would see differ."""
    problems = []
    key = lambda c: (c.indicator, c.years, c.kind)  # noqa: E731
    for (ind, years, kind), group in itertools.groupby(sorted(found, key=key), key=key):
        group = list(group)
        for x, y in itertools.combinations(group, 2):
            if x.decimals is not None and y.decimals is not None and x.decimals != y.decimals:
                continue  # two different roundings of one number: compared with the exact one instead
            decimals = min(d for d in (x.decimals, y.decimals, 6) if d is not None)
            if x.decimals is not None and x.decimals == y.decimals:
                differ = x.shown(decimals) != y.shown(decimals)
            else:  # a CSV value (itself rounded): the two must be roundings of one number
                differ = abs(x.value - y.value) > x.error + y.error + 1e-9
            if differ:
                period = f"{years[0]}" if years[0] == years[1] else f"{years[0]}-{years[1]}"
                problems.append(
                    f"{ind} {period} ({kind}): {x.shown(decimals)} in {x.where}, {y.shown(decimals)} in {y.where}"
                )
    return problems


def check_same_numbers(run: Path) -> list[str]:
    found, per_year = claims(run)
    return contradictions(found + derived(found, per_year))


# ----------------------------------------------------------------------------------- the demo report
@pytest.fixture(scope="module")
def report_claims(demo_run: Path):
    return claims(demo_run)


def test_the_same_indicator_and_years_give_the_same_number_on_every_page(demo_run: Path):
    problems = check_same_numbers(demo_run)
    assert not problems, "pages contradict each other:\n" + "\n".join(problems)


@pytest.mark.parametrize("indicator_id", SCOPE)
def test_each_indicator_is_checked_on_more_than_one_page(report_claims, indicator_id):
    """Not a vacuous pass: the indicator is claimed on at least two pages (chapter, synthesis, kernen)."""
    pages = {c.where.split("__")[0].split(".")[0] for c in report_claims[0] if c.indicator == indicator_id}
    assert len(pages) >= 2, (indicator_id, pages)


def test_the_kernen_total_is_the_gemeente_figure_and_the_table_adds_up(demo_run: Path, report_claims):
    _, per_year = report_claims
    trend = per_year["02_overlast_beleving__overlast_totaal_trend"]
    table = read_csv(demo_run, "03_kernen__overlast_buurt_kernen_tabel")
    count_col = table.columns[2]
    a, b = csv_years(count_col)
    rows = dict(zip(table["kern"], table[count_col].map(number)))
    assert rows[kernen.TOTAL] == sum(trend[("overlast_totaal", y)][0] for y in range(a, b + 1))
    assert rows[kernen.KERNEN_SUM] + rows[kernen.UNPLACED] == rows[kernen.TOTAL]
    assert rows[kernen.UNPLACED] > 0  # the demo's buurt table misses registrations, as the real one does


def test_a_contradiction_is_found(demo_run: Path, report_claims):
    """The check itself can fail: the old kernen total (the sum of the buurten) contradicts chapter 02."""
    claims_found, per_year = report_claims
    table = read_csv(demo_run, "03_kernen__overlast_buurt_kernen_tabel")
    count_col = table.columns[2]
    years = csv_years(count_col)
    summed = number(table.loc[table["kern"] == kernen.KERNEN_SUM, count_col].iloc[0])
    old = Claim("overlast_totaal", years, "aantal", summed, 0, "03_kernen (som van de buurten als totaal)")
    problems = contradictions(claims_found + derived(claims_found, per_year) + [old])
    assert any("overlast_totaal" in p and "som van de buurten" in p for p in problems)


def _partner_years(run: Path) -> dict[str, dict[int, float]]:
    """The partner's Veilig Thuis figures per year (half years added up), from its own table on the page."""
    df = read_csv(run, "08_zorg__veilig_thuis_partner")
    out: dict[str, dict[int, float]] = {}
    if df is None:
        return out
    for column, ind in zip(VT_COLUMNS, zorg.VEILIG_THUIS):
        by_year: dict[int, list] = {}
        for _, r in df.iterrows():
            by_year.setdefault(int(str(r["periode"])[:4]), []).append(number(r[column]))
        out[ind] = {y: sum(v) for y, v in by_year.items() if None not in v}
    return out


def test_a_partner_figure_far_from_the_open_data_is_named_on_the_page(demo_run: Path):
    partner = _partner_years(demo_run)
    shown = read_csv(demo_run, "08_zorg__veilig_thuis_per_jaar")
    texts = paragraphs(demo_run / "08_zorg.html")
    named = 0
    for column, ind in zip(VT_COLUMNS, zorg.VEILIG_THUIS):
        label = indicator(ind).label
        for _, r in shown[shown["bron"].str.startswith("open data")].iterrows():
            year, open_value = int(r["jaar"]), number(r[column])
            other = partner.get(ind, {}).get(year)
            if open_value is None or other is None:
                continue
            if abs(other - open_value) <= disagreement.allowed_difference(open_value, other):
                continue
            said = [
                t
                for t in texts
                if t.startswith(label)
                and str(year) in t
                and format_nl(open_value, 0) in t
                and format_nl(other, 0) in t
                and "open data" in t
            ]
            assert said, f"{label} {year}: open data {open_value:g}, partner {other:g}, not named on the page"
            named += 1
    assert named >= 1  # the demo has such years (2021: 70 against 138 meldingen)
    # ... and the page does not put them down to rounding.
    assert zorg.PARTNER_VS_OPEN not in " ".join(texts)


# ----------------------------------------------------------------------------------- the rule (units)
def _obs(rows: list[tuple[int, float, str]], bron_open: str = "CBS 85361NED") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator": "veilig_thuis_meldingen",
                "regio_code": GEMEENTE,
                "jaar": y,
                "maand": np.nan,
                "waarde": v,
                "status": s,
                "bron": "partner: veilig_thuis (veilig_thuis.csv)" if s == "partner" else bron_open,
            }
            for y, v, s in rows
        ]
    )


@pytest.mark.parametrize(
    "open_value, partner_value, differ",
    [
        (70, 75, False),  # 5: two rounded half years can be 4 off, 5 is still within the rule
        (20, 26, True),  # 6 on 20: more than 5 and more than 10%
        (200, 220, False),  # 20 on 220: within 10% (a later count, corrections)
        (200, 223, True),  # 23 on 223: more than 10%
        (70, 138, True),  # the demo's 2021
        (0, 5, False),
        (0, 6, True),
    ],
)
def test_the_rule(open_value, partner_value, differ):
    obs = _obs([(2021, open_value, "definitief"), (2021, partner_value, "partner")])
    assert bool(disagreement.disagreements(obs)) is differ
    assert (disagreement.note(obs, "Meldingen bij Veilig Thuis") is not None) is differ


def test_the_note_names_years_figures_and_what_is_used():
    obs = _obs(
        [
            (2021, 70, "definitief"),
            (2021, 138, "partner"),
            (2022, 60, "definitief"),
            (2022, 62, "partner"),
            (2023, 70, "voorlopig"),
            (2023, 144, "partner"),
        ]
    )
    text = disagreement.note(obs, "Meldingen bij Veilig Thuis")
    assert text.startswith(
        "Meldingen bij Veilig Thuis: de open data (CBS 85361NED) en de partnerexport "
        "(veilig_thuis.csv) verschillen in 2021 en 2023"
    )
    assert "2021: 70 in de open data tegen 138 in de partnerexport" in text and "2023: 70 (voorlopig) tegen 144" in text
    assert "2022" not in text  # 60 against 62 is rounding
    assert "De analyse gebruikt in die jaren de open data" in text
    assert "meer dan afronding" in text


def test_unknown_open_data_is_no_disagreement_and_small_partner_counts_stay_hidden():
    # '.' at the CBS: the partner fills the year; nothing to compare.
    assert disagreement.note(_obs([(2021, np.nan, "onbekend"), (2021, 40, "partner")]), "x") is None
    text = disagreement.note(_obs([(2021, 20, "definitief"), (2021, 3, "partner")]), "Meldingen", threshold=5)
    assert "20 in de open data tegen <5 in de partnerexport" in text and " 3 " not in text


def test_the_note_says_what_the_analysis_uses(demo_dataset):
    """The figure the note says the analysis uses is the one Dataset.series keeps (open data)."""
    obs = disagreement.gemeente_observations(demo_dataset, "veilig_thuis_meldingen")
    found = disagreement.disagreements(obs)
    assert [d.jaar for d in found] == [2021, 2022, 2023]
    kept = demo_dataset.series("veilig_thuis_meldingen", [GEMEENTE]).set_index("jaar")["waarde"]
    for d in found:
        assert d.gebruikt == "open data" and kept[d.jaar] == d.open_data
    # Without open data for 2022 the partner's figure is used, and there is nothing to disagree about.
    gone = obs[~((obs["jaar"] == 2022) & (obs["status"] != "partner"))]
    assert [d.jaar for d in disagreement.disagreements(gone)] == [2021, 2023]


def test_observations_of_two_regions_are_refused():
    obs = pd.concat([_obs([(2021, 70, "definitief")]), _obs([(2021, 138, "partner")]).assign(regio_code="GM1690")])
    with pytest.raises(ValueError, match="one region"):
        disagreement.disagreements(obs)


def test_e33_politie_export_against_open_data(demo_dataset):
    notes = disagreement.notes(demo_dataset, [zorg.E33, zorg.WOONOVERLAST], threshold=5)
    assert len(notes) == 1  # woonoverlast has no open data to disagree with
    assert "Politie 47021NED" in notes[0] and "2021: 88 tegen 63" in notes[0]
    assert "2020" not in notes[0]  # 62 against 57: within the rule
