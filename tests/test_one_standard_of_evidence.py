"""One standard of evidence: every verdict printed anywhere in the demo report, recomputed from the
signal table's CSV (csv/90_synthese__signaaltabel.csv).

A page may call a result "significant" only when the corrected p-value of that test is at most 0.05;
"signaal" or "alarm" only where the direction is unfavourable. The kernen chapter is a named family
of its own (corrected per indicator over the kernen, as its page and Methode say), and so are the
statements of the previous plan (their own table); both are checked against their own words.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest

from veiligheidsanalyse.typography import dutch_dashes  # pages have 2015–2025 where the CSVs have 2015-2025

# A positive claim: "significant(e)" not preceded by "niet"/"geen", up to the end of the clause or cell.
CLAIM = re.compile(r"(?<!niet )(?<!geen )\bsignificant(?:e)?\b[^.;:,(\[|]*")
SIGNAL = re.compile(r"([^|;]+?) \[(signaal|alarm)\]")
DEVELOPMENT = re.compile(r"significante (stijging|daling) bij ([^.;|]+)")


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".")) if text.strip() not in ("", "—", "onbekend") else float("nan")


def _rows(run: Path, name: str) -> list[dict]:
    with open(run / "csv" / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _page_text(page: Path) -> str:
    """The page's text with every tag as a '|' (so that table cells and list items stay apart)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "|", page.read_text(encoding="utf-8"))).split())


@pytest.fixture(scope="module")
def signal_rows(demo_run: Path) -> list[dict]:
    rows = _rows(demo_run, "90_synthese__signaaltabel.csv")
    assert len(rows) > 100
    return rows


def test_the_signal_csv_recomputes_its_own_verdicts(signal_rows):
    """Holm over the CSV's p-values gives its corrected p-values; the words follow them."""
    from veiligheidsanalyse.stats.signals import adjust_p

    p = [_number(r["p_waarde"]) for r in signal_rows]
    adjusted = adjust_p(p)
    for row, expected in zip(signal_rows, adjusted):
        shown = _number(row["p_waarde_gecorrigeerd"])
        # printed with 4 significant digits, so Holm over them agrees to about 1 in 1.000
        assert shown == pytest.approx(expected, rel=1e-3, abs=1e-12, nan_ok=True), row
        significant = shown <= 0.05
        claims = bool(CLAIM.search(row["oordeel"]))
        assert claims == (significant and row["richting"] != ""), row
        if row["oordeel"].startswith("aanwijzing"):
            assert not significant and _number(row["p_waarde"]) < 0.05, row
        assert row["richting"] in ("gunstig", "ongunstig", "neutraal", "")
        assert (row["richting"] == "") == (not significant or not claims), row


def test_no_page_calls_a_result_significant_that_the_correction_does_not_support(demo_run, signal_rows):
    significant = [r for r in signal_rows if _number(r["p_waarde_gecorrigeerd"]) <= 0.05]
    words = [dutch_dashes(r["oordeel"]) for r in significant]
    statements = dutch_dashes(
        " ".join(
            r["toelichting"] + " " + r["toelichting_daarna"] for r in _rows(demo_run, "90_synthese__uitspraken.csv")
        )
    )
    checked = 0
    for page in sorted(demo_run.glob("*.html")):
        if page.name in ("03_kernen.html", "99_methode.html"):
            continue  # the kernen' own named family; Methode explains the words
        text = _page_text(page)
        for match in CLAIM.finditer(text):
            phrase = match.group(0).strip()
            context = text[max(0, match.start() - 200) : match.end() + 60]
            if phrase.startswith("significant af") or phrase.startswith("significant is een uitkomst"):
                assert "kern" in context or "gecorrigeerde p-waarde" in context, context
                continue
            development = DEVELOPMENT.match(text, match.start())
            if development:  # "een significante stijging bij X en Y": each one's development test
                word, labels = development.groups()
                for label in re.split(r", | en ", labels.split(";")[0]):
                    assert any(
                        dutch_dashes(r["naam"]).lower() == label.strip().lower()
                        and f"significante {word}" in r["oordeel"]
                        for r in significant
                    ), context
                checked += 1
                continue
            assert any(phrase in w for w in words) or (page.name == "90_synthese.html" and phrase in statements), (
                f"{page.name}: '{phrase}' is no corrected result: …{context}…"
            )
            checked += 1
    assert checked > 20


def test_signal_and_alarm_only_for_unfavourable_results(demo_run, signal_rows):
    unfavourable = {dutch_dashes(r["oordeel"]) for r in signal_rows if r["richting"] == "ongunstig"}
    found = 0
    for page in sorted(demo_run.glob("*.html")):
        for verdict, _level in SIGNAL.findall(_page_text(page)):
            assert verdict.strip() in unfavourable, f"{page.name}: [signaal/alarm] on '{verdict}'"
            found += 1
    assert found == sum(
        1
        for r in signal_rows
        if r["richting"] == "ongunstig"
        and r["toets"] in ("niveau: nederland", "niveau: provincie", "niveau: peers", "trend", "verandering")
    )


def test_the_statements_verdicts_can_be_recomputed(demo_run, signal_rows):
    """The plan's statements: each tested oordeel with its p-values and family. The statements' own family
    is Holm over its rows; a test of the report's family has the corrected p-value of the signal table."""
    from veiligheidsanalyse.stats.signals import adjust_p

    rows = _rows(demo_run, "90_synthese__uitspraken_toetsen.csv")
    assert {r["familie"] for r in rows} <= {"rapport", "uitspraken"} and rows
    own = [r for r in rows if r["familie"] == "uitspraken"]
    assert own
    recomputed = adjust_p([_number(r["p_waarde"]) for r in own])
    for row, expected in zip(own, recomputed):
        assert _number(row["p_waarde_gecorrigeerd"]) == pytest.approx(expected, rel=1e-3, abs=1e-12), row
    report = {round(_number(r["p_waarde_gecorrigeerd"]), 4) for r in signal_rows}
    for row in (r for r in rows if r["familie"] == "rapport"):
        assert round(_number(row["p_waarde_gecorrigeerd"]), 4) in report, row
    for row in rows:  # "ondersteund" on a change or a difference only when it survives the correction
        if row["oordeel"] in ("ondersteund", "tegengesproken"):
            assert _number(row["p_waarde_gecorrigeerd"]) <= 0.05, row
