"""Reader pages speak to readers: no configuration keys, chapter ids, hashes or paths of this machine."""

from __future__ import annotations

import html
import re
from pathlib import Path

# Visible text only (tags, scripts and styles removed): links may point at files, text may not name them.
INTERNAL = re.compile(
    r"\b\d{2}_[a-z]+(?:_[a-z]+)*\b"  # chapter ids: 06_ondermijning
    r"|\bivp_thema\b|\bPEERS\b|\binvoer\.(?:map|voorbeeld)\b|\bvoorbeeld_gebruiken\b"
    r"|\b(?:veilig_thuis|politie_export)\b(?!\.(?:csv|xlsx))"  # partner kinds (file names may show)
    r"|\b[0-9a-f]{64}\b"  # sha256
    r"|(?<![\w.])/(?:work|tmp|home|root|usr|etc|var)/"
)  # absolute paths


def _visible_text(page: Path) -> str:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_no_reader_page_shows_internal_identifiers(demo_run: Path):
    found = {}
    for page in sorted(demo_run.glob("*.html")):
        hits = sorted({m.group(0) for m in INTERNAL.finditer(_visible_text(page))})
        if hits:
            found[page.name] = hits
    assert not found, found


def test_the_index_shows_every_indicator_at_a_glance(demo_run: Path):
    """One row per indicator of the synthesis' overview, one word per comparison, and a link to the
    section with the full verdicts that exists on the synthesis page."""
    import csv

    index = (demo_run / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="overzicht">In één oogopslag</h2>' in index
    table = index.split('class="va-table va-glance"', 1)[1].split("</table>", 1)[0]
    with open(demo_run / "csv" / "90_synthese__overzicht.csv", encoding="utf-8-sig", newline="") as f:
        overview = list(csv.DictReader(f, delimiter=";"))
    assert table.count("<tr>") - 1 == len(overview) > 20
    words = set(re.findall(r'<td class="va-[a-z]+">([^<]+)</td>', table))
    assert words <= {"ongunstig", "gunstig", "verschil", "geen verschil", "–"} and "ongunstig" in words
    anchor = re.search(r'href="90_synthese\.html#([^"]+)"', index).group(1)
    assert f'id="{anchor}"' in (demo_run / "90_synthese.html").read_text(encoding="utf-8")


def test_csv_numbers_are_written_at_a_meaningful_precision(demo_run):
    """No float noise ("4,492326542600187e-73", "2,1234567"): 2 decimals, or 4 significant digits."""
    import csv
    import re

    number = re.compile(r"^-?\d+,(\d+)(e-?\d+)?$")
    checked = 0
    for path in sorted((demo_run / "csv").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh, delimiter=";"):
                for cell in row:
                    m = number.match(cell)
                    if not m:
                        continue
                    checked += 1
                    digits = cell.split("e")[0].lstrip("-").replace(",", "").lstrip("0")
                    assert len(m.group(1)) <= 2 or len(digits) <= 4, (path.name, cell)
    assert checked > 100
