"""Reader pages speak to readers: no configuration keys, chapter ids, hashes or paths of this machine."""

from __future__ import annotations

import html
import re
from pathlib import Path

# Visible text only (tags, scripts and styles removed): links may point at files, text may not name them.
INTERNAL = re.compile(r"\b\d{2}_[a-z]+(?:_[a-z]+)*\b"  # chapter ids: 06_ondermijning
                      r"|\bivp_thema\b|\bPEERS\b|\binvoer\.(?:map|voorbeeld)\b|\bvoorbeeld_gebruiken\b"
                      r"|\b[0-9a-f]{64}\b"  # sha256
                      r"|(?<![\w.])/(?:work|tmp|home|root|usr|etc|var)/")  # absolute paths


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
