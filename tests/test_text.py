"""One slug for file names, folder names, anchors and kern codes."""

from __future__ import annotations

import re
from pathlib import Path

from veiligheidsanalyse.sources.inputs.templates import kern_code
from veiligheidsanalyse.text import slug

LIB = Path(__file__).resolve().parents[1] / "lib" / "veiligheidsanalyse"


# Modules whose owner still has a slug of their own; delete an entry once it imports text.slug.
def test_slug_of_names():
    assert slug("De Wolden") == "de-wolden"
    assert slug("  Criminaliteit & veiligheid ") == "criminaliteit-veiligheid"
    assert slug("Aantal per 1.000 inwoners", "_") == "aantal_per_1_000_inwoners"
    assert slug("???") == "" and slug("???", empty="x") == "x"


def test_accents_fold_only_when_asked():
    assert slug("Súdwest-Fryslân") == "s-dwest-frysl-n"  # report folders keep their existing names
    assert slug("Súdwest-Fryslân", fold_accents=True) == "sudwest-fryslan"


def test_kern_codes_are_unchanged():
    assert kern_code("GM1701", "Vledder") == "KN1701-vledder"
    assert kern_code("GM1701", "Frederiksoord\u200b") == "KN1701-frederiksoord"  # an invisible character
    assert kern_code("GM1701", "Ée") == "KN1701-ee"
    assert kern_code("GM1701", "!!") == "KN1701-kern"


def test_no_other_slug_is_defined():
    found = {
        str(p.relative_to(LIB))
        for p in LIB.rglob("*.py")
        if re.search(r"^def _?slug\(", p.read_text(encoding="utf-8"), re.M)
    }
    assert found == {"text.py"}
