"""Names made from reader text: the one slug of file names, folder names, anchors and codes."""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, sep: str = "-", empty: str = "", fold_accents: bool = False) -> str:
    """Lower-case ASCII letters and digits joined by ``sep``: 'De Wolden' -> 'de-wolden'.

    ``empty`` is returned when nothing is left. ``fold_accents`` keeps a letter's base ('Fryslân'
    -> 'fryslan' instead of 'frysl-n'): the kern codes fold, because they were made that way from
    the start; report folders, config files and anchors do not, so their existing names stay.
    """
    if fold_accents:
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NOT_SLUG.sub(sep, text.lower()).strip(sep) or empty
