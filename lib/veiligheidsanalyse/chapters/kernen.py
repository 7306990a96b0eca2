"""Chapter 03 Kernen en wijken: where in the gemeente crime and overlast are registered, and how
inhabitants of the kernen judge their buurt (Veiligheidsmonitor per kern).

* **Indeling.** Buurten (CBS codes ``BU<gemeente><wijk><buurt>``, nested in wijken ``WK<gemeente><wijk>``)
  are grouped by CBS wijk, named as the Kerncijfers wijken en buurten (85984NED) name them (in rural
  gemeenten a wijk is usually a kern with its buitengebied). A buurt -> kern mapping of the gemeente
  (partner file ``kernen``) puts its buurten in its kernen; buurten it leaves out or puts in a
  catch-all ("Overig/buitengebied": :func:`is_catch_all`) stay with their CBS wijk ("Rest van wijk X"
  where part of the wijk is in a kern). No count is lost and no catch-all hides half the gemeente:
  only buurten whose wijk is unknown form a group of their own, "Buurten zonder wijk". What the
  analyst should complete goes to the analyst's checklist (``report.checklist``), never to the page.
* **Rates.** Counts per buurt (politie 47018NED misdrijven, 47024NED overlast) are summed per kern;
  the denominator is the kern's inhabitants (or dwellings, for woninginbraak) in Kerncijfers wijken
  en buurten (85984NED), the same for every year (person-years = inhabitants x years). When a kern
  has fewer cases than the indicator's ``min_count`` in the latest year, the last three years are
  pooled for all kernen, so that kernen stay comparable. Intervals are exact Poisson.
* **Comparison.** Each kern against the *rest* of the gemeente (``stats.compare.compare_with_region``:
  the kern is part of the gemeente, so it is compared with the other kernen together), Holm-corrected
  over the kernen of one indicator: with ten kernen one of them would differ "significantly" by
  chance every other time. Change per kern since the previous analysis with the exact conditional test.
* **Gemeente total.** One figure per concept: the row "Totaal gemeente" is the gemeente's figure of
  the matching gemeente-level indicator (``GEMEENTE_INDICATOR``, e.g. overlast_totaal from 47021NED)
  for the same years, as ``Dataset.counts`` gives it to every other chapter, never the sum of the
  buurten. The buurt tables miss registrations the politie cannot place in a buurt, so the kernen
  add up to less: the table shows "Som van de kernen" (what the kernen are compared with, and the
  reference line of the figure) and the difference as its own row ("Niet aan een buurt toe te
  wijzen"). Without a gemeente figure for those years there is no "Totaal gemeente" row, only the
  sum of the kernen, labelled as such. The change since the previous analysis is tested on the
  numbers each row shows.
* **Disclosure.** Tables with counts per kern go through ``stats.disclosure.suppress_counts`` with
  the run's threshold (``onthulling.drempel``): counts below it show as "<5", and one more kern is
  hidden ("x") wherever the sum of the kernen would give a hidden count away. A hidden kern's rate and
  interval are hidden too (rate x inhabitants = count); figures show only kernen that are visible
  and have at least ``min_count`` cases. The gemeente total and the registrations without a buurt
  are differences of public figures and give no kern away.
* **Veiligheidsmonitor per kern** (partner rows with ``regio_soort`` "kern", codes like
  ``KN1701-vledder``): each kern against the gemeente in the same edition (z-test on the margins;
  without margins for the gemeente, the gemeente value is the benchmark, which is conservative
  because the kern is part of it; without margins at all: not tested).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import analysis
from ..indicators import Indicator
from ..indicators import indicator as get_indicator
from ..stats import compare, rates, verdicts
from ..stats.disclosure import suppress_counts
from ..stats.formatting import format_interval, format_nl, format_pct
from ..stats.signals import SIGNAL, Judged, adjust_p
from ..stats.survey import compare_survey, survey_interval
from ..store.dataset import Dataset

KERN_INDICATORS = ["misdrijven_buurt", "overlast_buurt", "woninginbraak_buurt", "vernieling_buurt"]
FIGURE_INDICATORS = ["misdrijven_buurt", "overlast_buurt"]
NOT_ASSIGNED = "Buurten zonder wijk"  # the only catch-all: buurten whose CBS wijk is unknown
KERNEN_SUM = "Som van de kernen"
UNPLACED = "Niet aan een buurt toe te wijzen"  # in the gemeente figure, in no buurt
TABLE_GAP = "Verschil tussen de tabellen"  # the kernen add up to more than the gemeente figure
TOTAL = "Totaal gemeente"
SUMMARY_ROWS = (KERNEN_SUM, UNPLACED, TABLE_GAP, TOTAL)
# The gemeente-level indicator with the same definition as each buurt indicator: its figure is the
# gemeente total everywhere in the report (47013NED/47021NED, not the gemeente row of the buurt table).
GEMEENTE_INDICATOR = {
    "misdrijven_buurt": "misdrijven_totaal",
    "overlast_buurt": "overlast_totaal",
    "woninginbraak_buurt": "woninginbraak",
    "vernieling_buurt": "vernieling",
}
REST = "de rest van de gemeente"


# ---------------------------------------------------------------------------- indeling

# Group names a partner file uses for "everything else". Such a group says nothing to a reader about
# where its buurten lie and it is often the largest of all, so its buurten are shown by CBS wijk.
_CATCH_ALL_WORDS = {
    "overig",
    "overige",
    "rest",
    "restant",
    "buitengebied",
    "niet ingedeeld",
    "onbekend",
    "diversen",
    "geen kern",
    "overig gebied",
    "overige buurten",
    "overige kernen",
    "overige dorpen",
    "overige gebieden",
    "rest van de gemeente",
    "verspreide huizen",
    "verspreide bebouwing",
    "landelijk gebied",
    "platteland",
}


def is_catch_all(kern: object) -> bool:
    """Whether a kern name in a partner mapping is a catch-all ("Overig/buitengebied", "Rest", ...)."""
    if kern is None or (isinstance(kern, float) and np.isnan(kern)):
        return True
    parts = [" ".join(p.split()) for p in re.split(r"\s*(?:/|,|&|\+|\ben\b)\s*", str(kern).lower()) if p.strip()]
    return not parts or all(p in _CATCH_ALL_WORDS for p in parts)


@dataclass
class Indeling:
    """Buurten of the gemeente with their kern and denominators.

    ``buurten`` has one row per buurt of the Kerncijfers wijken en buurten: buurtcode, buurtnaam,
    wijkcode ("170100"), kern (the group shown), indeling ("gemeente": the partner's kern; "wijk": the
    CBS wijk; "geen": no wijk known), inwoners, woningen and, with a partner mapping, kern_partner
    (the partner's own group, empty when the file does not name the buurt).
    """

    buurten: pd.DataFrame
    bron: str  # "partner" (the gemeente's mapping, the rest by wijk), "wijk" (CBS wijken) or "geen" (no buurt data)
    jaar: int | None  # year of the Kerncijfers wijken en buurten behind the denominators
    notes: list[str] = field(default_factory=list)  # for readers: how the buurten are grouped
    mapping: dict[str, str] = field(default_factory=dict)  # buurtcode -> kern of the partner (real kernen only)
    wijk_names: dict[str, str] = field(default_factory=dict)  # "170100" -> "Diever"
    wijk_labels: dict[str, str] = field(default_factory=dict)  # "170100" -> the group of the wijk's other buurten
    unknown_codes: list[str] = field(default_factory=list)  # buurtcodes of the partner file not in the KWB
    foreign_mapping: bool = False  # the partner file is about buurten of another gemeente
    has_file: bool = False  # a partner mapping was given (even if none of it could be used)

    @property
    def available(self) -> bool:
        return len(self.buurten) > 0

    @property
    def kernen(self) -> list[str]:
        """Kernen by inhabitants, largest first; "Buurten zonder wijk" last."""
        if not self.available:
            return []
        sizes = self.buurten.groupby("kern")["inwoners"].sum(min_count=1).fillna(0)
        order = sorted(sizes.index, key=lambda k: (k == NOT_ASSIGNED, -sizes[k], k))
        return list(order)

    @property
    def by_wijk(self) -> pd.DataFrame:
        """Buurten a partner mapping leaves out or puts in a catch-all, now grouped by their CBS wijk."""
        if self.bron != "partner":
            return self.buurten.iloc[0:0]
        return self.buurten[self.buurten["indeling"] != "gemeente"]

    def kern_of(self, codes: pd.Series) -> pd.Series:
        """Kern of each buurt code (also codes the KWB lacks): the partner's kern, else the wijk's group."""
        codes = pd.Series([str(c) for c in codes], index=codes.index, dtype=object)
        out = codes.map(lambda c: self.mapping.get(c))
        out = out.where(out.notna(), codes.map(lambda c: self.wijk_labels.get(c[2:8]) if _is_buurtcode(c) else None))
        return out.where(out.notna(), NOT_ASSIGNED).astype(object)

    def summary(self) -> pd.DataFrame:
        columns = ["Kern", "Buurten", "Inwoners", "Woningen"]
        if not self.available:
            return pd.DataFrame(columns=columns)
        agg = self.buurten.groupby("kern").agg(
            Buurten=("buurtcode", "nunique"),
            Inwoners=("inwoners", lambda s: s.sum(min_count=len(s))),
            Woningen=("woningen", lambda s: s.sum(min_count=len(s))),
        )
        agg = agg.reindex(self.kernen).reset_index().rename(columns={"kern": "Kern"})
        if self.bron == "partner" and len(self.by_wijk):  # mixed: say which group comes from where
            kind = self.buurten.groupby("kern")["indeling"].first()
            agg["Indeling"] = agg["Kern"].map(kind).map(INDELING_WORDS).fillna("")
        return agg

    def catch_all_share(self) -> float:
        """Share of the inhabitants in "Buurten zonder wijk" (0 when there is none)."""
        total = self.buurten["inwoners"].sum()
        part = self.buurten.loc[self.buurten["kern"] == NOT_ASSIGNED, "inwoners"].sum()
        return float(part / total) if total > 0 else 0.0


INDELING_WORDS = {"gemeente": "kern van de gemeente", "wijk": "CBS-wijk", "geen": "geen wijk bekend"}


def _is_buurtcode(code: str) -> bool:
    return bool(re.fullmatch(r"BU\d{8}", code))


def _wijk_name(name: str) -> str:
    """'Wijk 00 Diever' -> 'Diever' (CBS names rural wijken after their kern)."""
    match = re.match(r"^\s*wijk\s+\d+\s+(.+)$", str(name), flags=re.IGNORECASE)
    return match.group(1).strip() if match else str(name).strip()


def _latest(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df
    return df[df["jaar"] == df["jaar"].max()]


def _wijk_names(kwb: pd.DataFrame, digits: str, buurten: pd.DataFrame | None = None) -> dict[str, str]:
    """CBS wijk names of the gemeente ("170100" -> "Diever"), from the wijk rows of the Kerncijfers.

    Names are shortened ("Wijk 00 Diever" -> "Diever") unless two wijken would share one: then a wijk
    of a single buurt takes that buurt's name ("Wijk 01 Roden" -> "Buitengebied Roden") and any wijk
    still sharing its name keeps the CBS name ("Wijk 00 Roden")."""
    wijken = _latest(kwb[kwb["regio_code"].astype(str).str.startswith(f"WK{digits}")])
    full = {
        code[2:]: str(name).strip()
        for code, name in zip(wijken["regio_code"].astype(str), wijken["regio_naam"])
        if str(name).strip() and str(name).strip() != code
    }
    names = {code: _wijk_name(name) for code, name in full.items()}

    def shared() -> set[str]:
        counts = pd.Series(list(names.values()), dtype=object).value_counts()
        return set(counts.index[counts > 1])

    if shared() and buurten is not None and len(buurten):
        only = buurten.groupby("wijkcode")["buurtnaam"].agg(lambda s: s.iloc[0] if len(s) == 1 else None).dropna()
        names = {
            code: (only[code] if name in shared() and code in only.index else name) for code, name in names.items()
        }
    if shared():
        dup = shared()
        names = {code: (full[code] if name in dup else name) for code, name in names.items()}
    if shared():  # the same CBS name twice: the code tells them apart
        dup = shared()
        names = {code: (f"{name} ({code})" if name in dup else name) for code, name in names.items()}
    return names


def _kwb_buurten(ds: Dataset) -> tuple[pd.DataFrame, int | None, pd.DataFrame]:
    digits = ds.gemeente[2:]
    kwb = ds.series("inwoners_kwb")
    buurten = _latest(kwb[kwb["regio_code"].astype(str).str.startswith(f"BU{digits}")])
    if buurten.empty:
        return buurten, None, kwb
    year = int(buurten["jaar"].iloc[0])
    woningen = ds.series("woningen")
    woningen = woningen[woningen["regio_code"].astype(str).str.startswith(f"BU{digits}") & (woningen["jaar"] == year)]
    frame = pd.DataFrame(
        {
            "buurtcode": buurten["regio_code"].astype(str).to_numpy(),
            "buurtnaam": buurten["regio_naam"].astype(str).to_numpy(),
            "inwoners": buurten["waarde"].to_numpy(float),
        }
    )
    frame["woningen"] = frame["buurtcode"].map(dict(zip(woningen["regio_code"].astype(str), woningen["waarde"])))
    frame["wijkcode"] = frame["buurtcode"].str[2:8]
    return frame, year, kwb


def indeling(ds: Dataset, kern_mapping: pd.DataFrame | None = None) -> Indeling:
    """Buurten of the gemeente grouped into kernen.

    Without a mapping of the gemeente: by CBS wijk. With one: the buurten it puts in a kern stay in that
    kern; buurten it leaves out or puts in a catch-all ("Overig/buitengebied") are grouped by their CBS
    wijk, as "Rest van wijk X" where part of the wijk is in a kern. Only a buurt whose wijk is unknown
    ends up in "Buurten zonder wijk".
    """
    # Long: the grouping rules (mapping, catch-all, unmapped buurten) apply in one pass, so their order stays visible.
    digits = ds.gemeente[2:]
    frame, year, kwb = _kwb_buurten(ds)
    if frame.empty:
        return Indeling(
            pd.DataFrame(columns=["buurtcode", "buurtnaam", "wijkcode", "kern", "indeling", "inwoners", "woningen"]),
            "geen",
            None,
            [
                f"De Kerncijfers wijken en buurten bevatten geen buurten van {ds.gemeente_naam}; "
                "cijfers per kern zijn daarom niet te berekenen."
            ],
        )
    names = _wijk_names(kwb, digits, frame)
    kwb_text = f"Inwoners en woningen uit de Kerncijfers wijken en buurten {year}."
    own = pd.DataFrame(columns=["buurtcode", "kern"])
    foreign = False
    if kern_mapping is not None and len(kern_mapping):
        own = kern_mapping[kern_mapping["buurtcode"].astype(str).str.startswith(f"BU{digits}")]
        foreign = own.empty
    partner = dict(zip(own["buurtcode"].astype(str), own["kern"]))
    mapping = {code: str(kern).strip() for code, kern in partner.items() if not is_catch_all(kern)}

    if not mapping:
        labels = dict(names)
        frame["kern"] = frame["wijkcode"].map(labels).fillna(NOT_ASSIGNED)
        frame["indeling"] = np.where(frame["kern"] == NOT_ASSIGNED, "geen", "wijk")
        if partner:  # a file with only catch-alls
            frame["kern_partner"] = frame["buurtcode"].map(partner)
        notes = [
            f"De buurten zijn gegroepeerd naar CBS-wijk (in een plattelandsgemeente meestal een kern met het "
            f"omliggende buitengebied); een eigen indeling van de gemeente in kernen is er niet. {kwb_text}"
        ]
        _note_no_wijk(frame, notes)
        return Indeling(
            frame,
            "wijk",
            year,
            notes,
            {},
            names,
            labels,
            sorted(set(partner) - set(frame["buurtcode"])),
            foreign,
            kern_mapping is not None,
        )

    frame["kern_partner"] = frame["buurtcode"].map(partner)
    frame["kern"] = frame["buurtcode"].map(mapping)
    kern_names = set(mapping.values())
    split_wijken = set(frame.loc[frame["kern"].notna(), "wijkcode"]) | {c[2:8] for c in mapping}
    labels = {}
    for code, name in names.items():
        labels[code] = f"Rest van wijk {name}" if code in split_wijken or name in kern_names else name
    frame["indeling"] = np.where(
        frame["kern"].notna(), "gemeente", np.where(frame["wijkcode"].map(labels).notna(), "wijk", "geen")
    )
    frame["kern"] = frame["kern"].fillna(frame["wijkcode"].map(labels)).fillna(NOT_ASSIGNED)
    notes = [f"Buurten zijn ingedeeld in kernen volgens de indeling van de gemeente. {kwb_text}"]
    rest = frame[frame["indeling"] != "gemeente"]
    if len(rest):
        share = rest["inwoners"].sum() / frame["inwoners"].sum() if frame["inwoners"].sum() > 0 else np.nan
        notes.append(
            f"{len(rest)} van de {len(frame)} buurten"
            + (f" ({format_pct(100 * share, 0)} van de inwoners)" if np.isfinite(share) else "")
            + " horen in die indeling niet bij een kern; zij zijn gegroepeerd naar hun CBS-wijk. Waar een "
            "deel van een wijk in een kern ligt, heten de andere buurten van die wijk 'Rest van wijk …'."
        )
    _note_no_wijk(frame, notes)
    return Indeling(
        frame,
        "partner",
        year,
        notes,
        mapping,
        names,
        labels,
        sorted(set(partner) - set(frame["buurtcode"])),
        False,
        True,
    )


def _note_no_wijk(frame: pd.DataFrame, notes: list[str]) -> None:
    n = int((frame["kern"] == NOT_ASSIGNED).sum())
    if n:
        notes.append(f"Van {n} buurt(en) is de CBS-wijk niet bekend; zij staan samen als '{NOT_ASSIGNED}'.")


def _buurt_line(row) -> str:
    inwoners = f", {format_nl(row['inwoners'], 0)} inwoners" if np.isfinite(row["inwoners"]) else ""
    return f"{row['buurtcode']} {row['buurtnaam']}{inwoners} → {row['kern']}"


def indeling_todo(ind: Indeling, gemeente_naam: str) -> list[tuple[str, list[str]]]:
    """What the analyst may want to complete about the indeling, as (item, details): for the checklist."""
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    out: list[tuple[str, list[str]]] = []
    if not ind.available:
        out.append(
            (
                f"De Kerncijfers wijken en buurten bevatten geen buurten van {gemeente_naam}: het hoofdstuk "
                "Kernen heeft geen cijfers per kern.",
                [],
            )
        )
        return out
    n_wijken = ind.buurten.loc[ind.buurten["indeling"] == "wijk", "kern"].nunique()
    if ind.foreign_mapping:
        out.append(
            (
                f"kernen.csv gaat over buurten van een andere gemeente dan {gemeente_naam}; gebruikt is de "
                f"CBS-wijkindeling ({n_wijken} wijken). Controleer het bestand.",
                [],
            )
        )
    elif ind.bron == "wijk" and ind.has_file:
        out.append(
            (
                "kernen.csv deelt de buurten alleen in verzamelgroepen in (zoals 'Overig/buitengebied'); "
                f"gebruikt is de CBS-wijkindeling ({n_wijken} wijken).",
                [],
            )
        )
    elif ind.bron == "wijk":
        out.append(
            (
                f"Er is geen indeling in kernen (kernen.csv): de buurten zijn gegroepeerd naar de {n_wijken} "
                "CBS-wijken. Lever kernen.csv aan (buurtcode;kern) als de gemeente andere kernen gebruikt, "
                "bijvoorbeeld dezelfde als in de Veiligheidsmonitor; niet genoemde buurten blijven bij hun "
                "CBS-wijk.",
                [],
            )
        )
    if ind.bron == "partner":
        rest = ind.by_wijk
        total = ind.buurten["inwoners"].sum()
        missing = rest[rest["kern_partner"].isna()]
        if len(missing):
            out.append(
                (
                    f"{len(missing)} buurt(en) staan niet in kernen.csv en zijn bij hun CBS-wijk ingedeeld. "
                    "Vul de indeling aan als ze bij een kern horen.",
                    [_buurt_line(r) for _, r in missing.iterrows()],
                )
            )
        pooled = rest[rest["kern_partner"].notna()]
        if len(pooled):
            groups = ", ".join(f"'{g}'" for g in dict.fromkeys(pooled["kern_partner"].astype(str)))
            share = pooled["inwoners"].sum() / total if total > 0 else np.nan
            out.append(
                (
                    f"{len(pooled)} buurt(en)"
                    + (f" ({format_pct(100 * share, 0)} van de inwoners)" if np.isfinite(share) else "")
                    + f" staan in kernen.csv in een verzamelgroep ({groups}); op de pagina staan ze per CBS-wijk. "
                    "Deel ze in bij een kern als ze daarbij horen.",
                    [_buurt_line(r) for _, r in pooled.iterrows()],
                )
            )
    if ind.unknown_codes:
        out.append(
            (
                f"{len(ind.unknown_codes)} buurtcode(s) uit kernen.csv staan niet in de Kerncijfers wijken en "
                f"buurten {ind.jaar} (een oudere buurtindeling?); werk de codes bij.",
                list(ind.unknown_codes),
            )
        )
    no_wijk = ind.buurten[ind.buurten["kern"] == NOT_ASSIGNED]
    if len(no_wijk):
        out.append(
            (
                f"Van {len(no_wijk)} buurt(en) is de CBS-wijk niet bekend; zij staan samen als '{NOT_ASSIGNED}'.",
                [f"{r['buurtcode']} {r['buurtnaam']}" for _, r in no_wijk.iterrows()],
            )
        )
    return out


# ---------------------------------------------------------------------------- rates per kern


@dataclass
class KernRates:
    indicator: Indicator
    years: tuple[int, int] | None
    noemer_soort: str  # inwoners | woningen
    rows: pd.DataFrame  # one row per kern, then the summary rows (kern in SUMMARY_ROWS); numbers and verdicts
    previous: tuple[int, int] | None = None  # window of the change test
    notes: list[str] = field(default_factory=list)
    noemer_jaar: int | None = None  # year of the Kerncijfers wijken en buurten behind the denominator
    gemeente_indicator: Indicator | None = None  # behind the row "Totaal gemeente", when there is one

    @property
    def available(self) -> bool:
        return self.years is not None and len(self.rows) > 0

    @property
    def pooled(self) -> bool:
        return self.years is not None and self.years[0] != self.years[1]

    @property
    def period_label(self) -> str:
        if self.years is None:
            return ""
        return str(self.years[1]) if not self.pooled else f"{self.years[0]}-{self.years[1]}"

    @property
    def previous_label(self) -> str:
        if self.previous is None:
            return "vorige analyse"
        return (
            str(self.previous[1]) if self.previous[0] == self.previous[1] else f"{self.previous[0]}-{self.previous[1]}"
        )

    @property
    def source(self) -> str:
        """The table's source line: the buurt table, the denominators, and the gemeente total's own tables."""
        text = f"Politie {self.indicator.table}; noemer CBS 85984NED {self.noemer_jaar}"
        if self.gemeente_indicator is not None:
            den = "CBS 85984NED (woningen)" if self.noemer_soort == "woningen" else "CBS 03759ned"
            text += f"; {TOTAL.lower()}: politie {self.gemeente_indicator.table}, noemer {den}"
        return text + "; toetsen: zie Methode en bronnen"

    @property
    def rate_label(self) -> str:
        noun = "inwoners" if self.noemer_soort == "inwoners" else "woningen"
        return f"per {format_nl(self.indicator.per, 0)} {noun}" + (" per jaar" if self.pooled else "")

    @property
    def kernen(self) -> pd.DataFrame:
        return self.rows[~self.rows["kern"].isin(SUMMARY_ROWS)]

    def _row(self, label: str) -> pd.Series | None:
        part = self.rows[self.rows["kern"] == label] if len(self.rows) else self.rows
        return part.iloc[0] if len(part) else None

    @property
    def kernen_sum(self) -> pd.Series | None:
        """All kernen together: what each kern is compared with (the rest = this minus the kern)."""
        return self._row(KERNEN_SUM)

    @property
    def total(self) -> pd.Series | None:
        """The gemeente's own figure for these years (as in the rest of the report); None when unknown."""
        return self._row(TOTAL)

    @property
    def unplaced(self) -> pd.Series | None:
        """The gemeente total minus the sum of the kernen (registrations without a buurt)."""
        row = self._row(UNPLACED)
        return row if row is not None else self._row(TABLE_GAP)

    def significant(self) -> pd.DataFrame:
        """Kernen that differ from the rest of the gemeente after the Holm correction."""
        k = self.kernen
        return k[k["richting"].isin(["hoger", "lager"])]  # already decided after the correction


def _sum_strict(s: pd.Series) -> float:
    return float(s.sum(min_count=len(s))) if len(s) else np.nan


def kern_rates(ds: Dataset, indicator_id: str, ind: Indeling, pool_years: int = analysis.POOL_YEARS) -> KernRates:
    """Counts and rates per kern for one buurt indicator, with the tests against the rest of the gemeente."""
    # Long: the window, counts and changes of the kernen share one frame (the tests are _test_against_rest)
    indicator = get_indicator(indicator_id)
    noemer = "woningen" if indicator.denominator == "woningen" else "inwoners"
    notes: list[str] = []
    empty = KernRates(indicator, None, noemer, pd.DataFrame(), notes=notes)
    if not ind.available:
        notes.extend(ind.notes)
        return empty
    if noemer == "woningen" and ind.buurten["woningen"].isna().all():
        noemer = "inwoners"
        notes.append("De woningvoorraad per buurt ontbreekt; het cijfer is per 1.000 inwoners.")
    digits = ds.gemeente[2:]
    cfg = ds.config
    series = ds.series(indicator_id, years=(cfg.jaar_van, cfg.jaar_tot))
    series = series[series["regio_code"].astype(str).str.startswith(f"BU{digits}")]
    if series.empty or series["waarde"].notna().sum() == 0:
        notes.append(f"De politietabel {indicator.table} bevat geen cijfers per buurt voor {ds.gemeente_naam}.")
        return KernRates(indicator, None, noemer, pd.DataFrame(), notes=notes)
    series = series.assign(kern=ind.kern_of(series["regio_code"]).to_numpy())
    unknown_buurten = sorted(set(series["regio_code"].astype(str)) - set(ind.buurten["buurtcode"]))
    if unknown_buurten:
        notes.append(
            f"{len(unknown_buurten)} buurtcode(s) in de politietabel staan niet in de Kerncijfers "
            f"{ind.jaar}; hun gevallen tellen mee bij hun kern, hun inwoners zijn onbekend."
        )
    yearly = series.groupby(["kern", "jaar"])["waarde"].agg(_sum_strict).unstack("jaar")
    kernen = list(dict.fromkeys(ind.kernen + list(yearly.index)))
    yearly = yearly.reindex(kernen)
    years_with_data = [int(y) for y in yearly.columns if yearly[y].notna().any()]
    latest = max(years_with_data)
    den = ind.buurten.groupby("kern")[noemer].agg(_sum_strict).reindex(kernen)
    den_total = _sum_strict(ind.buurten[noemer])

    window = (latest, latest)
    small = yearly.loc[den.fillna(0) > 0, latest]
    if (small < indicator.min_count).any() and all(
        y in years_with_data for y in range(latest - pool_years + 1, latest + 1)
    ):
        window = (latest - pool_years + 1, latest)
    n_years = window[1] - window[0] + 1

    def counts_for(win: tuple[int, int]) -> pd.Series:
        cols = list(range(win[0], win[1] + 1))
        if not all(y in yearly.columns for y in cols):
            return pd.Series(np.nan, index=yearly.index)
        return yearly[cols].apply(_sum_strict, axis=1)

    count = counts_for(window)
    person_years = den * n_years
    total_count = _sum_strict(count)
    total_py = den_total * n_years

    ref = cfg.vorige_analyse
    previous = (ref - n_years + 1, ref)
    prev_ok = (
        previous[1] < window[0]
        and previous[0] >= min(years_with_data)
        and all(y in years_with_data for y in range(previous[0], previous[1] + 1))
    )
    prev_count = counts_for(previous) if prev_ok else pd.Series(np.nan, index=yearly.index)
    prev_label = str(previous[1]) if n_years == 1 else f"{previous[0]}-{previous[1]}"

    r = rates.rate(count.to_numpy(float), person_years.to_numpy(float), per=indicator.per)
    rows = pd.DataFrame(
        {
            "kern": kernen,
            "noemer": den.to_numpy(float),
            "aantal": count.to_numpy(float),
            "persoonsjaren": person_years.to_numpy(float),
            "rate": np.atleast_1d(r.value),
            "lower": np.atleast_1d(r.lower),
            "upper": np.atleast_1d(r.upper),
            "aantal_vorige": prev_count.to_numpy(float),
        }
    )
    _test_against_rest(rows, indicator, total_count, total_py)

    rows["verandering"] = "niet te vergelijken"
    rows["verandering_kleur"] = "onbekend"
    rows["p_verandering"] = np.nan
    changes: dict = {}  # row -> uncorrected comparison with the previous window
    if prev_ok:
        for i, row in rows.iterrows():
            c1, c2, e = row["aantal_vorige"], row["aantal"], row["persoonsjaren"]
            if np.isfinite(c1) and np.isfinite(c2) and np.isfinite(e) and e > 0:
                changes[i] = (compare.compare_periods(c1, e, c2, e, method="exact-cond"), indicator)
    tr = rates.rate(total_count, total_py, per=indicator.per)
    kernen_sum = _summary_row(KERNEN_SUM, den_total, total_count, total_py, tr)
    kernen_sum["aantal_vorige"] = _sum_strict(prev_count)
    gemeente_rows, total_change = _gemeente_rows(
        ds, indicator_id, noemer, window, previous if prev_ok else None, kernen_sum, ind.jaar, notes
    )
    rows = pd.concat([rows, pd.DataFrame([kernen_sum] + gemeente_rows)], ignore_index=True)
    summary = {row["kern"]: i for i, row in rows.iterrows() if row["kern"] in (KERNEN_SUM, TOTAL)}
    if prev_ok and np.isfinite(kernen_sum["aantal_vorige"]) and np.isfinite(total_count) and total_py > 0:
        changes[summary[KERNEN_SUM]] = (
            compare.compare_periods(kernen_sum["aantal_vorige"], total_py, total_count, total_py, method="exact-cond"),
            indicator,
        )
    if total_change is not None:
        changes[summary[TOTAL]] = total_change
    _word_changes(rows, changes, prev_label)
    if window[0] != window[1]:
        notes.append(
            f"Minstens één kern had in {latest} minder dan {indicator.min_count} gevallen; daarom zijn voor alle "
            f"kernen de jaren {window[0]}-{window[1]} samengenomen (gemiddelde per jaar)."
        )
    return KernRates(
        indicator,
        window,
        noemer,
        rows,
        previous if prev_ok else None,
        notes,
        ind.jaar,
        get_indicator(GEMEENTE_INDICATOR[indicator_id]) if gemeente_rows else None,
    )


def _test_against_rest(rows: pd.DataFrame, indicator, total_count: float, total_py: float) -> None:
    """Each kern against the rest of the gemeente, in ``rows`` (p, p_holm, richting, vergelijking, kleur)."""
    rows["p"] = np.nan
    rows["richting"] = "onbekend"
    rows["vergelijking"] = verdicts.UNKNOWN
    level_results = {}
    for i, row in rows.iterrows():
        c, p = row["aantal"], row["persoonsjaren"]
        if not (np.isfinite(c) and np.isfinite(p) and p > 0 and np.isfinite(total_count) and np.isfinite(total_py)):
            continue
        if total_py - p <= 0 or total_count - c < 0:
            continue  # one kern is the whole gemeente: nothing to compare with
        result = compare.compare_with_region(c, p, total_count, total_py, per=indicator.per)
        verdict = verdicts.verdict_benchmark(result, REST, indicator.min_count)
        rows.loc[i, "vergelijking"] = verdict
        if verdict != verdicts.TOO_FEW:
            rows.loc[i, "p"] = float(result.p_value)
            level_results[i] = result
        else:
            rows.loc[i, "richting"] = "te weinig"
    # The kernen' own family: the comparisons of one indicator's kernen, corrected together (Holm); the
    # words follow the report's standard (significant only after the correction, else "aanwijzing").
    rows["p_holm"] = adjust_p(rows["p"].to_numpy(float), method="holm")
    for i, result in level_results.items():
        judged = Judged(result, rows.loc[i, "p_holm"])
        rows.loc[i, "vergelijking"] = verdicts.verdict_benchmark(judged, REST, indicator.min_count)
        rows.loc[i, "richting"] = str(judged.direction)
    rows["kleur"] = [
        verdicts.colour_class(d, indicator.polarity) if d in ("hoger", "lager", "gelijk") else "onbekend"
        for d in rows["richting"]
    ]


def _summary_row(label: str, noemer: float, count: float, person_years: float, r=None) -> dict:
    """A row below the kernen: no comparison with the rest, no colour."""
    return {
        "kern": label,
        "noemer": noemer,
        "aantal": count,
        "persoonsjaren": person_years,
        "rate": float(r.value) if r is not None else np.nan,
        "lower": float(r.lower) if r is not None else np.nan,
        "upper": float(r.upper) if r is not None else np.nan,
        "aantal_vorige": np.nan,
        "p": np.nan,
        "richting": "",
        "vergelijking": "",
        "p_holm": np.nan,
        "kleur": "onbekend",
        "verandering": "",
        "verandering_kleur": "onbekend",
    }


def _window_sum(counts: pd.DataFrame, window: tuple[int, int]) -> tuple[float, float]:
    """Count and exposure (sum of the yearly denominators) over a window; NaN when a year is missing or unknown."""
    part = counts[(counts["jaar"] >= window[0]) & (counts["jaar"] <= window[1])]
    if len(part) < window[1] - window[0] + 1 or part["aantal"].isna().any():
        return np.nan, np.nan
    exposure = float(part["noemer"].sum()) if part["noemer"].notna().all() else np.nan
    return float(part["aantal"].sum()), exposure


def _gemeente_rows(
    ds: Dataset,
    indicator_id: str,
    noemer: str,
    window: tuple[int, int],
    previous: tuple[int, int] | None,
    kernen_sum: dict,
    kwb_year: int | None,
    notes: list[str],
) -> tuple[list[dict], tuple | None]:
    """The gemeente's own figure for the window (the same as in the other chapters) and its difference
    with the sum of the kernen; none when the gemeente figure is unknown for those years. Also the
    total's uncorrected comparison with the previous window (worded in :func:`_word_changes`)."""
    # Long: the gemeente row and its difference with the sum of the kernen are one unit for suppression.
    indicator = get_indicator(indicator_id)
    period = str(window[1]) if window[0] == window[1] else f"{window[0]}-{window[1]}"
    gem_id = GEMEENTE_INDICATOR.get(indicator_id)
    if gem_id is None:
        return [], None
    gem = get_indicator(gem_id)
    cfg = ds.config
    counts = ds.counts(gem_id, [ds.gemeente], years=(cfg.jaar_van, cfg.jaar_tot), denominator=noemer)
    counts = counts[counts["regio_code"] == ds.gemeente]
    if len(counts) and (counts["noemer_soort"] != noemer).any():
        counts = counts.assign(noemer=np.nan)  # another denominator than the kernen: no rate rather than a mix
    count, exposure = _window_sum(counts, window)
    if not np.isfinite(count):
        notes.append(
            f"Voor {period} is er geen cijfer voor {ds.gemeente_naam} als geheel (politie {gem.table}); de "
            f"tabel telt alleen de kernen op ('{KERNEN_SUM}'). Dat is geen gemeentetotaal: registraties die "
            "niet aan een buurt zijn toe te wijzen, ontbreken erin."
        )
        return [], None
    shown_year = kwb_year if kwb_year in set(counts["jaar"]) else window[1]
    den = counts.loc[counts["jaar"] == shown_year, "noemer"]
    r = rates.rate(count, exposure, per=indicator.per) if np.isfinite(exposure) and exposure > 0 else None
    total = _summary_row(TOTAL, float(den.iloc[0]) if len(den) else np.nan, count, exposure, r)
    change = None
    if previous is not None:
        before, before_exposure = _window_sum(counts, previous)
        total["aantal_vorige"] = before
        if np.isfinite(before):
            e1, e2 = (
                (before_exposure, exposure)
                if np.isfinite(before_exposure) and np.isfinite(exposure) and before_exposure > 0 and exposure > 0
                else (1.0, 1.0)
            )
            change = (compare.compare_periods(before, e1, count, e2, method="exact-cond"), gem)
    out = []
    summed = kernen_sum["aantal"]
    if np.isfinite(summed):
        gap = count - summed
        label = UNPLACED if gap >= 0 else TABLE_GAP
        out.append(_summary_row(label, np.nan, gap, np.nan))
        share = format_pct(100 * gap / count, 0 if abs(gap) >= 0.1 * count else 1) if count > 0 else ""
        if gap > 0:
            notes.append(
                f"'{TOTAL}' is het cijfer van {ds.gemeente_naam} uit politietabel {gem.table}, hetzelfde "
                f"als elders in deze analyse ({format_nl(count, 0)} in {period}). De kernen komen uit de "
                f"buurttabel {indicator.table}, waarin registraties ontbreken die de politie niet aan een "
                f"buurt kan toewijzen: {format_nl(gap, 0)} ({share}). Die tellen bij geen enkele kern mee; "
                f"elke kern is vergeleken met de andere kernen samen ('{KERNEN_SUM}')."
            )
        elif gap < 0:
            notes.append(
                f"De kernen tellen samen {format_nl(-gap, 0)} registraties meer dan het cijfer van "
                f"{ds.gemeente_naam} uit politietabel {gem.table} ({format_nl(count, 0)} in {period}): de "
                f"buurttabel {indicator.table} en de gemeentetabel komen niet overeen, bijvoorbeeld doordat "
                "ze niet tegelijk bijgewerkt zijn. Elders in deze analyse staat het gemeentecijfer; elke kern "
                "is vergeleken met de andere kernen samen."
            )
    out.append(total)
    return out, change


def _word_changes(rows: pd.DataFrame, changes: dict, since: str) -> None:
    """The changes of the kernen, their sum and the gemeente total: one family (Holm) per indicator, worded
    by the report's standard (significant only after the correction, else "aanwijzing")."""
    tested = {
        i: result
        for i, (result, ind) in changes.items()
        if not verdicts.verdict_periods(result, since, ind.min_count).startswith(("te weinig", "onbekend"))
    }
    for i, (result, ind) in changes.items():
        rows.loc[i, "verandering"] = verdicts.verdict_periods(result, since, ind.min_count)
    keys = list(tested)
    adjusted = adjust_p([float(tested[i].p_value) for i in keys], method="holm") if keys else []
    for i, p_adjusted in zip(keys, adjusted):
        result, ind = changes[i]
        judged = Judged(result, p_adjusted)
        rows.loc[i, "p_verandering"] = float(result.p_value)
        rows.loc[i, "verandering"] = verdicts.verdict_periods(judged, since, ind.min_count)
        rows.loc[i, "verandering_kleur"] = verdicts.colour_class(judged.direction, ind.polarity)


# ---------------------------------------------------------------------------- showing counts safely


def short_verdict(text: str) -> str:
    """A verdict shortened for a table cell whose header already names the area or the period."""
    text = str(text)
    for area in (REST, "de gemeente"):
        text = text.replace(f" dan {area}", "").replace(f" van {area}", "")
    text = re.sub(r" sinds \d{4}(-\d{4})?", "", text)
    text = text.replace("niet significant verschillend", "niet significant").replace(" om te vergelijken", "")
    text = re.sub(
        r" na correctie voor (\d+) vergelijkingen \(zonder correctie (\w+)\)",
        r" na correctie voor \1 toetsen (zonder correctie: \2)",
        text,
    )
    return text.replace("afgeschermd (kleine aantallen)", "afgeschermd")


@dataclass
class KernTable:
    display: pd.DataFrame  # text cells, also what goes into the CSV
    colours: dict[str, pd.Series]
    hidden: pd.Series  # True per kern row (not the summary rows) whose count is hidden
    figure_data: pd.DataFrame  # kern, rate, lower, upper of visible kernen with enough cases
    csv_columns: dict[str, str] = field(default_factory=dict)  # the CSV's names of the count columns


def kern_table(kr: KernRates, threshold: int, denominator_label: str | None = None) -> KernTable:
    """The table shown to readers: small counts and what would reveal them hidden, rates of hidden kernen too.

    The kernen add up to the row "Som van de kernen", so that is the total the suppression protects
    against; the gemeente total and the registrations without a buurt are public figures (the
    gemeente table of the politie and its difference with the sum) and are shown as they are.
    """
    # Long: suppression works on the whole table at once: rows, total and the cells that would reveal them.
    ind = kr.indicator
    rows = kr.rows.reset_index(drop=True)
    public = rows["kern"].isin([UNPLACED, TABLE_GAP, TOTAL]).to_numpy()
    long = rows.loc[~public, ["kern", "aantal"]].copy()
    display_counts, mask = suppress_counts(
        long, "aantal", threshold=threshold, group_cols=["kern"], total_label=KERNEN_SUM
    )
    counts_text = np.array([format_nl(v, 0) for v in rows["aantal"]], dtype=object)
    counts_text[~public] = display_counts["aantal"].astype(str).to_numpy()
    hidden = np.zeros(len(rows), dtype=bool)
    hidden[~public] = mask.to_numpy(bool)
    is_kern = ~rows["kern"].isin(SUMMARY_ROWS).to_numpy()
    noun = "Inwoners" if kr.noemer_soort == "inwoners" else "Woningen"
    den_label = denominator_label or noun
    count_label = f"{ind.label.replace(' per buurt', '')} {kr.period_label}"
    rate_label = kr.rate_label[0].upper() + kr.rate_label[1:]
    change_label = f"Verandering sinds {kr.previous_label}"
    out, colours_cmp, colours_change = [], [], []
    for i, row in rows.iterrows():
        if row["kern"] in (UNPLACED, TABLE_GAP):  # registrations without inhabitants: a count, no rate
            rate_text, interval, cmp, colour = "—", "—", "—", "onbekend"
        elif hidden[i]:
            rate_text, interval, cmp, colour = (
                counts_text[i],
                "afgeschermd",
                "afgeschermd (kleine aantallen)",
                "onbekend",
            )
        elif not np.isfinite(row["rate"]):
            rate_text, interval = "onbekend", "onbekend"
            cmp, colour = ("—" if not is_kern[i] else row["vergelijking"] or "onbekend"), "onbekend"
        else:
            rate_text = format_nl(row["rate"], 1)
            interval = format_interval(row["lower"], row["upper"], 1)
            cmp, colour = ("—", "onbekend") if not is_kern[i] else (row["vergelijking"], row["kleur"])
        noemer_text = "—" if row["kern"] in (UNPLACED, TABLE_GAP) else format_nl(row["noemer"], 0)
        out.append(
            {
                "Kern": row["kern"],
                f"{den_label} ({kr.noemer_jaar})": noemer_text,
                count_label: counts_text[i],
                rate_label: rate_text,
                "95%-interval": interval,
                f"Vergeleken met {REST}": short_verdict(cmp),
                change_label: short_verdict(row["verandering"]) or "—",
            }
        )
        colours_cmp.append(colour)
        colours_change.append(row["verandering_kleur"])
    display = pd.DataFrame(out)
    visible = rows[~hidden & is_kern & np.isfinite(rows["rate"]) & (rows["aantal"] >= max(ind.min_count, threshold))]
    fig_data = visible[["kern", "aantal", "persoonsjaren", "rate", "lower", "upper"]].rename(
        columns={"persoonsjaren": "noemer_jaren", "rate": "cijfer", "lower": "ondergrens_95", "upper": "bovengrens_95"}
    )
    fig_data["eenheid"] = kr.rate_label  # of cijfer and its bounds; noemer_jaren: the noun summed over the years
    counts = {
        f"{den_label} ({kr.noemer_jaar})": f"aantal {den_label} {kr.noemer_jaar}",
        count_label: f"aantal {count_label}",
    }
    return KernTable(
        display,
        {f"Vergeleken met {REST}": pd.Series(colours_cmp), change_label: pd.Series(colours_change)},
        pd.Series(hidden[is_kern], index=rows.index[is_kern]),
        fig_data.reset_index(drop=True),
        counts,
    )


def rate_figure(kr: KernRates, kt: KernTable, gemeente_naam: str):
    """Dots with 95% intervals per kern, all kernen together as reference line (no ranking: ordered by size).

    The reference is the sum of the kernen, not the gemeente total: registrations without a buurt have
    no inhabitants in any kern, and each kern is compared with the other kernen."""
    from .. import plots

    df = kt.figure_data.copy()
    ref = kr.kernen_sum
    fig = plots.interval_chart(
        df,
        label="kern",
        value="cijfer",
        lower="ondergrens_95",
        upper="bovengrens_95",
        reference=float(ref["rate"]) if ref is not None and np.isfinite(ref["rate"]) else None,
        reference_label=f"Alle kernen van {gemeente_naam} samen",
        xlabel=kr.rate_label,
    )
    return fig


# ---------------------------------------------------------------------------- Veiligheidsmonitor per kern


@dataclass
class VmKernen:
    rows: (
        pd.DataFrame
    )  # indicator, label, unit, editie, kern, kern_code, waarde, lower, upper, n, gemeente, ..., verdict
    messages: list[str] = field(default_factory=list)  # for readers
    todo: list[str] = field(default_factory=list)  # for the analyst's checklist, never on the page

    @property
    def available(self) -> bool:
        return len(self.rows) > 0

    def significant(self) -> pd.DataFrame:
        if not self.available:
            return self.rows
        return self.rows[self.rows["richting"].isin(["hoger", "lager"])]

    @property
    def eenheden(self) -> list[str]:
        """The unit of each row's figures in words (procent, rapportcijfer, ...)."""
        return [get_indicator(str(i)).eenheid for i in self.rows["indicator"]]

    @property
    def figure_data(self) -> pd.DataFrame:
        """The numbers of the figure, as its CSV gives them."""
        return (
            self.rows[["kern", "Indicator", "editie", "waarde", "lower", "upper", "n", "gemeente", "verdict"]]
            .rename(
                columns={
                    "Indicator": "indicator",
                    "lower": "ondergrens_95",
                    "upper": "bovengrens_95",
                    "n": "aantal_respondenten",
                    "gemeente": "waarde_gemeente",
                    "verdict": "oordeel",
                }
            )
            .assign(eenheid=self.eenheden)
        )


def _fmt_value(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "onbekend"
    return format_pct(value, 0 if value >= 10 else 1) if unit == "procent" else format_nl(value, 1)


def vm_kernen(ds: Dataset) -> VmKernen:
    """VM results per kern against the gemeente in the same edition."""
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    digits = ds.gemeente[2:]
    o = ds.observations
    rows = o[
        (o["regio_soort"] == "kern")
        & o["regio_code"].astype(str).str.startswith(f"KN{digits}-")
        & o["indicator"].astype(str).str.startswith("vm_")
        & o["waarde"].notna()
        & o["maand"].isna()
    ]
    if rows.empty:
        return VmKernen(
            pd.DataFrame(),
            [
                f"Er zijn geen uitkomsten van de Veiligheidsmonitor per kern voor "
                f"{ds.gemeente_naam}; kernen zijn op beleving niet te vergelijken."
            ],
            [
                "Veiligheidsmonitor per kern ontbreekt: het Veiligheidsmonitor-bestand heeft geen rijen met "
                "als gebied een kern (regio_soort 'kern'). Als de gemeente uitkomsten per kern heeft (I&O "
                "Research), neem ze op in veiligheidsmonitor.csv."
            ],
        )
    out = []
    for _, r in rows.sort_values(["indicator", "jaar", "regio_naam"]).iterrows():
        ind = get_indicator(str(r["indicator"]))
        edition = int(r["jaar"])
        kern_int = survey_interval(r["waarde"], r["ondergrens"], r["bovengrens"], r["n"], unit=ind.unit)
        gem = ds.series(ind.id, [ds.gemeente])
        gem = gem[(gem["jaar"] == edition) & gem["waarde"].notna()]
        record = {
            "indicator": ind.id,
            "Indicator": ind.label,
            "unit": ind.unit,
            "editie": edition,
            "kern": str(r["regio_naam"]),
            "kern_code": str(r["regio_code"]),
            "waarde": kern_int.value,
            "lower": kern_int.lower,
            "upper": kern_int.upper,
            "n": float(r["n"]) if pd.notna(r["n"]) else np.nan,
            "interval": kern_int.method,
            "gemeente": np.nan,
            "methode": "",
            "p": np.nan,
            "richting": "onbekend",
            "verdict": f"geen cijfer voor de gemeente in {edition}",
        }
        if len(gem):
            g = gem.iloc[0]
            gem_int = survey_interval(g["waarde"], g["ondergrens"], g["bovengrens"], g["n"], unit=ind.unit)
            record["gemeente"] = gem_int.value
            if np.isfinite(gem_int.lower):
                lo, hi, method = gem_int.lower, gem_int.upper, "marges van kern en gemeente"
            else:
                # The gemeente as a fixed benchmark: conservative, the kern's respondents are part of it.
                lo = hi = gem_int.value
                method = "gemeentecijfer als vast ijkpunt (geen marge voor de gemeente)"
            result = compare_survey(
                gem_int.value, lo, hi, edition, kern_int.value, kern_int.lower, kern_int.upper, edition
            )
            record["verdict"] = verdicts.verdict_survey(result, area="de gemeente")
            record["methode"] = method if result.status == "ok" else "niet getoetst: de kern heeft geen marge"
            if result.status == "ok":
                record["p"] = result.p_value
                record["richting"] = result.direction
        out.append(record)
    df = pd.DataFrame(out)
    df["p_holm"] = adjust_p(df["p"].to_numpy(float), method="holm")
    for i, row in df.iterrows():  # the report's standard: significant only after the correction
        if row["richting"] in ("hoger", "lager") and not row["p_holm"] <= SIGNAL:
            df.loc[i, "verdict"] = f"aanwijzing: {row['richting']} dan de gemeente{verdicts.NOT_AFTER_CORRECTION}"
            df.loc[i, "richting"] = "gelijk"
    df["kleur"] = [
        verdicts.colour_class(d, get_indicator(i).polarity) if d in ("hoger", "lager", "gelijk") else "onbekend"
        for d, i in zip(df["richting"], df["indicator"])
    ]
    messages, todo = _vm_notes(df)
    return VmKernen(df, messages, todo)


def _vm_notes(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """What the reader is told about the VM results per kern, and what to ask for (untested, assumed margins)."""
    messages, todo = [], []
    untested = int((df["p"].isna()).sum())
    if untested:
        messages.append(
            f"{untested} van de {len(df)} kerncijfers zijn niet getoetst: zonder marges is de spreiding onbekend."
        )
        missing = df.loc[df["p"].isna(), ["kern", "Indicator", "editie"]].drop_duplicates()
        todo.append(
            f"Veiligheidsmonitor per kern: {untested} van de {len(df)} kerncijfers hebben geen marges en zijn "
            "niet getoetst ("
            + "; ".join(f"{r['kern']}, {r['Indicator']} {r['editie']}" for _, r in missing.head(6).iterrows())
            + (" en meer" if len(missing) > 6 else "")
            + "). Vraag bij I&O Research de marges (of het aantal "
            "respondenten) per kern op."
        )
    if (df["interval"] == "wilson (n_eff)").any():
        messages.append(
            "Waar een marge ontbrak maar het aantal respondenten bekend was, is de marge van een "
            "percentage berekend (Wilson-interval op het aantal respondenten gedeeld door een "
            "designeffect van 1,3; een aanname voor de weging)."
        )
    if (df["methode"].str.startswith("gemeentecijfer")).any():
        messages.append(
            "Voor de gemeente zelf zijn geen marges bekend; kernen met een marge zijn getoetst tegen "
            "het gemeentecijfer als vast ijkpunt. Dat is voorzichtig (conservatief): de kern is een deel "
            "van de gemeente."
        )
    return messages, todo


def vm_kernen_table(vm: VmKernen, gemeente_naam: str) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    rows = []
    for _, r in vm.rows.iterrows():
        margin = (
            (
                format_interval(r["lower"], r["upper"], 0 if r["unit"] == "procent" else 1)
                + ("%" if r["unit"] == "procent" else "")
            )
            if np.isfinite(r["lower"])
            else "geen marge"
        )
        rows.append(
            {
                "Kern": r["kern"],
                "Indicator": r["Indicator"],
                "Editie": str(r["editie"]),
                "Waarde kern": _fmt_value(r["waarde"], r["unit"]),
                "95%-marge": margin,
                "Respondenten": format_nl(r["n"], 0) if np.isfinite(r["n"]) else "onbekend",
                gemeente_naam: _fmt_value(r["gemeente"], r["unit"]),
                "Vergeleken met de gemeente": short_verdict(r["verdict"]),
            }
        )
    return pd.DataFrame(rows), {"Vergeleken met de gemeente": vm.rows["kleur"].reset_index(drop=True)}


def vm_kernen_figure(vm: VmKernen, gemeente_naam: str):
    """Small multiples: per indicator the kernen with their margins and the gemeente as reference line."""
    import matplotlib.pyplot as plt

    from .. import plots

    indicators = list(dict.fromkeys(vm.rows["indicator"]))
    fig, axes = plt.subplots(
        1,
        len(indicators),
        figsize=(min(3.0 * len(indicators) + 1.8, 11.0), 0.45 * vm.rows["kern"].nunique() + 1.9),
        sharey=True,
        squeeze=False,
    )
    kernen = list(dict.fromkeys(vm.rows.sort_values("kern")["kern"]))
    ypos = {k: len(kernen) - 1 - i for i, k in enumerate(kernen)}
    for ax, ind_id in zip(axes[0], indicators):
        part = vm.rows[vm.rows["indicator"] == ind_id]
        part = part[part["editie"] == part["editie"].max()]
        for _, r in part.iterrows():
            y = ypos[r["kern"]]
            colour = plots.GEMEENTE_COLOUR if r["richting"] in ("hoger", "lager") else plots.GREY
            if np.isfinite(r["lower"]) and np.isfinite(r["upper"]):
                ax.plot([r["lower"], r["upper"]], [y, y], color=colour, linewidth=2)
            ax.plot(r["waarde"], y, "o", color=colour, markersize=6)
        gem = part["gemeente"].dropna()
        if len(gem):
            ax.axvline(float(gem.iloc[0]), color=plots.PALETTE[5], linestyle="--", linewidth=1.2, label=gemeente_naam)
        label = get_indicator(ind_id).label.replace(" (%)", " (%)")
        ax.set_title(textwrap.fill(label, 24), fontsize=10, loc="left")
        ax.margins(x=0.2)
        ax.grid(axis="y", visible=False)
        plots.dutch_axis(ax, "x", percent=get_indicator(ind_id).unit == "procent")
    axes[0][0].set_yticks(list(ypos.values()))
    axes[0][0].set_yticklabels(list(ypos.keys()))
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------- the chapter


@dataclass
class KernenResult:
    indeling: Indeling
    rates: dict[str, KernRates]
    vm: VmKernen
    findings: list[str]

    @property
    def sources(self) -> list[str]:
        tables = [kr.indicator.table for kr in self.rates.values() if kr.available and kr.indicator.table]
        tables += [kr.gemeente_indicator.table for kr in self.rates.values() if kr.available and kr.gemeente_indicator]
        tables += (
            ["03759ned"]
            if any(
                kr.gemeente_indicator and kr.noemer_soort == "inwoners" for kr in self.rates.values() if kr.available
            )
            else []
        )
        tables += ["85984NED"] if self.indeling.available else []
        tables += ["partner:kernen"] if self.indeling.bron == "partner" else []
        tables += ["partner:veiligheidsmonitor"] if self.vm.available else []
        return list(dict.fromkeys(tables))

    def todo(self, gemeente_naam: str) -> list[tuple[str, list[str]]]:
        """The chapter's items for the analyst's checklist (item, details); never shown to readers."""
        return indeling_todo(self.indeling, gemeente_naam) + [(text, []) for text in self.vm.todo]


def _kern_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def findings(ds: Dataset, result: KernenResult) -> list[str]:
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    out, changes, quiet = [], [], []
    for _ind_id, kr in result.rates.items():
        if not kr.available:
            continue
        label = kr.indicator.label.replace(" per buurt", "")
        sig = kr.significant()
        if len(sig):
            parts = [
                f"{r['kern']} significant {r['richting']} ({format_nl(r['rate'], 1)} {kr.rate_label})"
                for _, r in sig.iterrows()
            ]
            together = kr.kernen_sum
            out.append(
                f"{label} per kern ({kr.period_label}): " + "; ".join(parts) + f" dan {REST} (alle kernen "
                f"samen {format_nl(together['rate'], 1)}; getoetst met correctie voor het aantal kernen)."
            )
        else:
            quiet.append((label[0].lower() + label[1:], kr.period_label))
        changed = kr.kernen[kr.kernen["verandering"].str.startswith("significante")]
        corona = kr.previous is not None and bool(
            set(range(kr.previous[0], kr.previous[1] + 1)) & set(analysis.CORONA_YEARS)
        )
        for _, r in changed.iterrows():
            changes.append(
                f"{label} in {r['kern']}: {short_verdict(r['verandering'])} ({kr.period_label} tegen "
                f"{kr.previous_label}; getoetst met correctie voor het aantal kernen)."
                + (
                    (
                        f" Let op: {kr.previous_label} was een coronajaar."
                        if kr.previous[0] == kr.previous[1]
                        else f" Let op: {kr.previous_label} bevat coronajaren."
                    )
                    if corona
                    else ""
                )
            )
    if quiet:
        by_period: dict[str, list[str]] = {}
        for label, period in quiet:
            by_period.setdefault(period, []).append(label)
        groups = [f"{_kern_list(labels)} ({period})" for period, labels in by_period.items()]
        out.append(
            f"Bij {_kern_list(groups)} wijkt geen kern significant af van {REST} (na correctie voor het aantal kernen)."
        )
    if result.vm.available:
        sig = result.vm.significant()
        edition = int(result.vm.rows["editie"].max())
        n_kernen = result.vm.rows["kern"].nunique()
        if len(sig):
            parts = [
                f"{r['kern']} {r['verdict']} op {r['Indicator'][0].lower() + r['Indicator'][1:]} "
                f"({_fmt_value(r['waarde'], r['unit'])} tegen {_fmt_value(r['gemeente'], r['unit'])})"
                for _, r in sig.iterrows()
            ]
            out.append(f"Veiligheidsmonitor {edition} per kern: " + "; ".join(parts[:3]) + ".")
        else:
            untested = int(result.vm.rows["p"].isna().sum())
            out.append(
                f"Veiligheidsmonitor {edition} per kern ({n_kernen} kernen): geen kern wijkt significant af van "
                f"de gemeente; {untested} van de {len(result.vm.rows)} verschillen zijn niet te toetsen omdat "
                "marges ontbreken."
            )
    else:
        out.append(
            "Er zijn geen Veiligheidsmonitor-uitkomsten per kern; kernen zijn alleen op registraties te vergelijken."
        )
    out.extend(changes[:2])
    if result.indeling.bron == "wijk":
        out.append(
            f"De kernen zijn hier de CBS-wijken van {ds.gemeente_naam}; een eigen indeling van de gemeente in "
            "kernen is er niet."
        )
    elif result.indeling.bron == "geen":
        out.insert(
            0, f"Er zijn geen cijfers per buurt voor {ds.gemeente_naam}: dit hoofdstuk kan kernen niet vergelijken."
        )
    return out[:5]


def analyse(ds: Dataset, kern_mapping: pd.DataFrame | None = None, ids: list[str] | None = None) -> KernenResult:
    ind = indeling(ds, kern_mapping)
    rates_by = {i: kern_rates(ds, i, ind) for i in (ids or KERN_INDICATORS)}
    vm = vm_kernen(ds)
    result = KernenResult(ind, rates_by, vm, [])
    result.findings = findings(ds, result)
    return result
