"""Open data and a partner file that disagree about the same figure: say so, with both figures.

Some indicators come from a published table and from a partner export (Veilig Thuis from CBS
85361NED and the Veilig Thuis export, E33 from politie 47021NED and a politie export). The analysis
keeps one figure per gemeente and year (``data.prefer_open_data``: a known open-data figure wins, a
partner figure fills a year the open data lack). Where both have a figure for the same year and they
differ more than rounding and late corrections allow, a page that shows both must not leave the
reader to guess: ``note`` names the years, both figures and the one the analysis uses.

**When two figures disagree.** ``|open - partner| > max(ABSOLUTE, RELATIVE x the larger figure)``,
i.e. more than 5 and more than 10%:

* 5 covers rounding. The CBS rounds every published count to a multiple of 5, so a cell is at most
  2 off the unrounded count; 85361NED is published per half year, and a year summed from two
  rounded halves is at most 4 off. A difference of 5 or less can be rounding alone.
* 10% covers the date of the count. A partner export is drawn later (or earlier) than the open
  data, and late registrations, corrections and reclassifications move a count by a few percent.
  With large counts those few percent exceed 5 without meaning that the sources count different
  things.

A larger difference means the two sources count something else (another definition, another
demarcation of the gemeente, a different reference date): that is worth telling the reader and the
partner. Unknown figures ("." at the CBS: too small to publish) are never compared; the partner's
figure simply fills that year, as the page's per-year table shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..indicators import indicator as get_indicator
from ..stats.formatting import format_count, format_pct
from ..store.dataset import Dataset, prefer_open_data

ABSOLUTE = 5  # rounding: two half years rounded to multiples of 5 are at most 4 off
RELATIVE = 0.10  # late registrations and corrections between two dates of counting
OPEN_STATUSES = ("definitief", "voorlopig")
PARTNER = "partner"


@dataclass
class Disagreement:
    """One year in which the open data and the partner file have different known figures."""

    jaar: int
    open_data: float
    partner: float
    voorlopig: bool  # the open-data figure is provisional
    open_bron: str  # e.g. "CBS 85361NED"
    partner_bron: str  # e.g. "partner: veilig_thuis (veilig_thuis.csv)"
    gebruikt: str  # "open data" or "partner": the figure the analysis uses (data.prefer_open_data)

    @property
    def difference(self) -> float:
        return self.partner - self.open_data


def allowed_difference(
    open_value: float, partner_value: float, absolute: float = ABSOLUTE, relative: float = RELATIVE
) -> float:
    """The largest difference rounding and a different date of counting explain (see the module notes)."""
    return max(absolute, relative * max(abs(open_value), abs(partner_value)))


def gemeente_observations(ds: Dataset, indicator_id: str) -> pd.DataFrame:
    """The gemeente's yearly observations of one indicator from every source (open data and partner rows),
    before the analysis keeps one per year."""
    get_indicator(indicator_id)  # unknown ids fail loudly
    o = ds.observations
    rows = o[(o["indicator"] == indicator_id) & (o["regio_code"] == ds.gemeente) & o["maand"].isna()]
    return rows.reset_index(drop=True)


def disagreements(
    observations: pd.DataFrame, absolute: float = ABSOLUTE, relative: float = RELATIVE
) -> list[Disagreement]:
    """Years in which a known open-data figure and a known partner figure differ by more than allowed.

    ``observations``: yearly rows of one indicator for one region (columns jaar, waarde, status, bron;
    ``status`` "definitief"/"voorlopig" for open data, "partner" for a partner file, as in the store).
    """
    if observations.empty:
        return []
    observations = observations.copy()
    for column, default in (("regio_code", ""), ("maand", np.nan)):
        if column not in observations:
            observations[column] = default
    observations = observations[observations["maand"].isna()]
    for column in ("indicator", "regio_code"):
        if column in observations and observations[column].nunique() > 1:
            raise ValueError(f"disagreements: observations of one indicator for one region, got several in {column!r}")
    known = observations[observations["waarde"].notna()]
    open_rows = known[known["status"].isin(OPEN_STATUSES)]
    partner_rows = known[known["status"] == PARTNER]
    if open_rows.empty or partner_rows.empty:
        return []
    kept = prefer_open_data(observations)  # what the analysis keeps (Dataset.series)
    used = dict(zip(kept["jaar"].astype(int), kept["status"]))
    out = []
    for year in sorted(set(open_rows["jaar"].astype(int)) & set(partner_rows["jaar"].astype(int))):
        o = open_rows[open_rows["jaar"] == year].iloc[0]
        p = partner_rows[partner_rows["jaar"] == year].iloc[0]
        a, b = float(o["waarde"]), float(p["waarde"])
        if abs(b - a) <= allowed_difference(a, b, absolute, relative):
            continue
        out.append(
            Disagreement(
                year,
                a,
                b,
                o["status"] == "voorlopig",
                str(o.get("bron", "") or "open data"),
                str(p.get("bron", "") or "partnerexport"),
                "partner" if used.get(year) == PARTNER else "open data",
            )
        )
    return out


def _partner_name(bron: str) -> str:
    """'partner: veilig_thuis (veilig_thuis.csv)' -> 'de partnerexport (veilig_thuis.csv)'."""
    match = re.search(r"\(([^)]+)\)\s*$", bron)
    return f"de partnerexport ({match.group(1)})" if match else "de partnerexport"


def _count(value: float, threshold: int | None) -> str:
    """A partner count for a sentence: below the suppression threshold as "<5" (0 stays 0)."""
    if threshold is not None and 0 < value < threshold:
        return f"<{threshold}"
    return format_count(value)


def _years(years: list[int]) -> str:
    text = [str(y) for y in years]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " en " + text[-1]


def note(
    observations: pd.DataFrame,
    label: str,
    threshold: int | None = None,
    absolute: float = ABSOLUTE,
    relative: float = RELATIVE,
    explain: bool = True,
) -> str | None:
    """A Dutch paragraph about the years in which open data and a partner file disagree, or None.

    It names the years, both figures (partner counts below ``threshold`` as "<5") and which figure the
    analysis uses. ``label`` is the indicator as the page calls it ("Meldingen bij Veilig Thuis").
    ``explain=False`` leaves out why this is more than rounding and what to do about it (for a second
    paragraph right after one that said so).
    """
    found = disagreements(observations, absolute, relative)
    if not found:
        return None
    open_bron = found[0].open_bron
    partner = _partner_name(found[0].partner_bron)
    pairs = []
    for i, d in enumerate(found):
        own = format_count(d.open_data) + (" (voorlopig)" if d.voorlopig else "")
        other = _count(d.partner, threshold)
        pairs.append(f"{own} in de open data tegen {other} in de partnerexport" if i == 0 else f"{own} tegen {other}")
    years = [d.jaar for d in found]
    figures = (
        f"in {years[0]}: {pairs[0]}"
        if len(found) == 1
        else f"in {_years(years)} (" + "; ".join(f"{y}: {text}" for y, text in zip(years, pairs)) + ")"
    )
    rule = (
        f"Dat is meer dan afronding of een latere correctie verklaart (een verschil van meer dan "
        f"{format_count(absolute)} en meer dan {format_pct(100 * relative, 0)}): de twee bronnen tellen iets "
        "anders, bijvoorbeeld met een andere definitie, afbakening of peildatum."
    )
    used_partner = [d.jaar for d in found if d.gebruikt == "partner"]
    used_open = [d.jaar for d in found if d.gebruikt != "partner"]
    if not used_partner:
        used = (
            f"De analyse gebruikt {'in dat jaar' if len(found) == 1 else 'in die jaren'} de open data; "
            "de partnerexport vult alleen jaren aan waarin de open data geen cijfer hebben."
        )
    elif not used_open:
        used = f"De analyse gebruikt in {_years(used_partner)} het cijfer van de partnerexport."
    else:
        used = (
            f"De analyse gebruikt in {_years(used_open)} de open data en in {_years(used_partner)} het "
            "cijfer van de partnerexport."
        )
    if not explain:
        return f"{label}: de open data ({open_bron}) en {partner} verschillen {figures}. {used}"
    return f"{label}: de open data ({open_bron}) en {partner} verschillen {figures}. {rule} {used}"


def notes(ds: Dataset, indicator_ids: list[str], threshold: int | None = None) -> list[str]:
    """``note`` for each indicator of the gemeente that has one (in the order given); the first one explains."""
    out = []
    for indicator_id in indicator_ids:
        text = note(
            gemeente_observations(ds, indicator_id), get_indicator(indicator_id).label, threshold, explain=not out
        )
        if text:
            out.append(text)
    return out
