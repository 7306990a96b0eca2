"""Dutch typography of reader pages (no pandas: the page shell uses it in every run)."""

from __future__ import annotations

import re

# One dash rule for everything a reader sees (Dutch typography): an en dash without spaces between
# numbers of a range (2015–2025, 12–17), a spaced en dash as a sentence dash (' – '), a hyphen only
# inside words, no em dash. Applied when text becomes a page, so that data keep their ASCII hyphens
# (CSV values such as periode 2023-2025, test names, codes, file names).
_RANGE = re.compile(r"(?<![\w.,/-])(\d+(?:,\d+)?)-(\d+(?:,\d+)?)(?![\w-])")
_SPACED_HYPHEN = re.compile(r"(?<=\S) - (?=\S)")
_MARKUP = re.compile(r"<(script|style|code|pre)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_READER_ATTRIBUTE = re.compile(r'(\s(?:alt|aria-label|title)=")([^"]*)(")')


def dutch_dashes(text: str) -> str:
    """Text with the report's dashes: '2015-2025' -> '2015–2025', 'a - b' and 'a — b' -> 'a – b'."""
    text = _RANGE.sub(r"\1–\2", text)
    return _SPACED_HYPHEN.sub(" – ", text).replace("—", "–")


def typeset_html(markup: str) -> str:
    """:func:`dutch_dashes` on the text of an HTML page and on what it reads out (alt, aria-label,
    title); not on scripts, styles, code, links or other attributes."""
    out, pos = [], 0
    for match in _MARKUP.finditer(markup):
        out.append(dutch_dashes(markup[pos : match.start()]))
        tag = match.group(0)
        if match.group(1) is None:
            tag = _READER_ATTRIBUTE.sub(lambda m: m.group(1) + dutch_dashes(m.group(2)) + m.group(3), tag)
        out.append(tag)
        pos = match.end()
    out.append(dutch_dashes(markup[pos:]))
    return "".join(out)
