"""One dash rule on reader pages: 2015–2025 (en dash, no spaces) for ranges, ' – ' as a sentence dash,
a hyphen only inside words, no em dash. Data keep their ASCII hyphens."""

from __future__ import annotations

import csv
import html as htmlmod
import re
from pathlib import Path

import pytest

from veiligheidsanalyse.typography import dutch_dashes, typeset_html

# Text a reader gets: text between tags and what is read out (alt, aria-label, title); not scripts,
# styles, code or link targets.
PROTECTED = re.compile(r"<(script|style|code|pre)\b.*?</\1\s*>", re.S | re.I)
READ_OUT = re.compile(r'\s(?:alt|aria-label|title)="([^"]*)"')
VIOLATIONS = {
    "a range with a hyphen (2015–2025)": re.compile(r"(?<![\w.,/-])\d+(?:,\d+)?-\d+(?:,\d+)?(?![\w-])"),
    "a spaced hyphen as a dash (' – ')": re.compile(r"\S - \S"),
    "an em dash ('–')": re.compile("—"),
    "a range with spaces (2015–2025)": re.compile(r"\d\s+–\s+\d"),
    "an en dash inside a word (hyphen)": re.compile(r"[^\W\d_]–[^\W\d_]"),
}


def reader_text(page: str) -> list[str]:
    page = PROTECTED.sub(" ", page)
    return [htmlmod.unescape(t) for t in re.split(r"<[^>]+>", page) + READ_OUT.findall(page) if t.strip()]


def dash_problems(page: str) -> list[str]:
    return [
        f"{what}: ...{text[max(0, m.start() - 40) : m.end() + 40]}..."
        for text in reader_text(page)
        for what, rule in VIOLATIONS.items()
        for m in rule.finditer(text)
    ]


def reader_pages(run: Path) -> list[Path]:
    return [run / "index.html"] + sorted(run.glob("[0-9][0-9]_*.html"))


def test_reader_pages_use_one_dash_rule(demo_run: Path):
    problems, ranges = [], 0
    for page in reader_pages(demo_run):
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.name}: {p}" for p in dash_problems(text)]
        ranges += sum(len(re.findall(r"\b\d{4}–\d{4}\b", t)) for t in reader_text(text))
    assert not problems, "\n".join(problems[:40])
    assert ranges > 50  # not vacuous: the pages are full of year ranges


def test_data_keep_their_hyphens(demo_run: Path):
    """The CSVs next to the pages are data: periods stay '2023-2025' (ASCII), as the tests and codes use them."""
    with open(demo_run / "csv" / "06_ondermijning__ondermijning.csv", encoding="utf-8-sig", newline="") as fh:
        periods = {row["periode"] for row in csv.DictReader(fh, delimiter=";")}
    assert "2023-2025" in periods
    assert "2023–2025" in (demo_run / "06_ondermijning.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("geen significante trend (2015-2025)", "geen significante trend (2015–2025)"),
        ("per 1.000 jongeren (12-17)", "per 1.000 jongeren (12–17)"),
        ("interval 2,4-3,1", "interval 2,4–3,1"),
        ("Westerveld - Drenthe", "Westerveld – Drenthe"),
        ("Politie 47013NED — Misdrijven", "Politie 47013NED – Misdrijven"),
        ("—", "–"),
        (
            "drugshandel en -bezit; Halt-verwijzingen; 95%-interval",
            "drugshandel en -bezit; Halt-verwijzingen; 95%-interval",
        ),
        (
            "2022-H1, KN1701-vledder, 20261203T210914Z-1234, 2026-11-01",
            "2022-H1, KN1701-vledder, 20261203T210914Z-1234, 2026-11-01",
        ),
    ],
)
def test_dutch_dashes(text, expected):
    assert dutch_dashes(text) == expected
    assert not dash_problems(f"<p>{htmlmod.escape(expected)}</p>")


def test_typesetting_leaves_code_styles_and_links_alone():
    page = (
        '<p title="a - b">2015-2025 <a href="csv/x_2015-2025.csv">1-2</a></p>'
        '<style>a::before { content: "1-2" }</style><code>verandering 2019-2023</code>'
    )
    assert typeset_html(page) == (
        '<p title="a – b">2015–2025 <a href="csv/x_2015-2025.csv">1–2</a></p>'
        '<style>a::before { content: "1-2" }</style><code>verandering 2019-2023</code>'
    )
