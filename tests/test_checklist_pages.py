"""No instruction to the analyst on a page readers get (demo report), and the kernen page of Westerveld.

A reader page may say that something is not there ("Er zijn geen gegevens over ..."); it must not
tell the reader to deliver a file, fill in a mapping or ask a partner for something: that belongs in
the analyst's checklist (report.checklist). The phrases below are imperatives and the analyst's
words ("lever ... aan", "vraag ... op", "map met partnerbestanden").
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from veiligheidsanalyse.chapters import kernen

INSTRUCTION = re.compile(
    r"(?:^|[.!?:;]\s+|\(\s*)(?:Vul|Lever|Vraag|Vervang|Voeg|Controleer|Stuur|Upload|Neem contact)\b"
    r"|\bvraag\b[^.]{0,100}\bop bij\b|\bvraag bij\b[^.]{0,100}\bop\b|\blever\b[^.]{0,100}\baan\b"
    r"|\bvul\b[^.]{0,100}\baan\b|\baanleveren\b|\bmap met partnerbestanden\b",
    re.IGNORECASE,
)

# Instructions still on pages whose text lives in files of other chapters; their owners move them to
# the checklist (which already lists these to-dos). Page -> words of the instruction.
ELSEWHERE: dict[str, list[str]] = {}  # instructions still allowed on a page (none)


def page_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def instructions(text: str, around: int = 60) -> list[str]:
    """Each instruction with ``around`` characters of text on either side."""
    return [text[max(0, m.start() - around) : m.end() + around] for m in INSTRUCTION.finditer(text)]


@pytest.mark.parametrize(
    "text, found",
    [
        ("Boschoord. Vul de indeling aan.", True),
        ("spreiding onbekend; vraag bij I&O Research de marges per kern op.", True),
        ("Er is geen bestand (halt.csv in de map met partnerbestanden).", True),
        ("Lever het cijfer aan uit de oorspronkelijke bron.", True),
        ("Er zijn geen gegevens over natuurbranden.", False),
        ("De partnerexport vult alleen jaren aan waarin de open data geen cijfer hebben.", False),
        ("Er is (nog) geen toelichting van de partners bij de cijfers per kern.", False),
    ],
)
def test_the_phrases(text, found):
    assert bool(instructions(text)) is found


def test_no_instruction_on_a_reader_page(demo_run: Path):
    pages = sorted(demo_run.glob("*.html"))
    assert len(pages) >= 10
    found = []
    for page in pages:
        allowed = ELSEWHERE.get(page.name, [])
        for hit in instructions(page_text(page), around=120):
            if not any(words in hit for words in allowed):
                found.append(f"{page.name}: ...{hit}...")
    assert not found, "\n".join(found)
    kernen_page = page_text(demo_run / "03_kernen.html")
    assert not instructions(kernen_page)
    assert "Overig/buitengebied" not in kernen_page and "Niet ingedeeld" not in kernen_page


def test_the_kernen_page_groups_every_buurt_by_kern_or_wijk(demo_run: Path):
    table = pd.read_csv(demo_run / "csv" / "03_kernen__indeling.csv", sep=";", encoding="utf-8-sig")
    sizes = table.set_index("kern")["aantal_inwoners"]
    assert kernen.NOT_ASSIGNED not in sizes.index and not any(kernen.is_catch_all(k) for k in sizes.index)
    assert {"Havelte", "Dwingeloo", "Diever", "Vledder"} <= set(sizes.index)  # the kernen of the mapping
    assert set(table["indeling"]) == {"kern van de gemeente", "CBS-wijk"}
    assert len(sizes) >= 10
