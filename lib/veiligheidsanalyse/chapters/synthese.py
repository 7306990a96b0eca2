"""Chapter 90 Synthese en prioriteiten: every indicator in one signal table, ranked by explicit,
configurable criteria into proposed priorities with their evidence, and the previous plan's
statements tested against the data.

A statement of the plan (config ``uitspraken``) is judged twice, with the same tests as the rest
of the report: on the data up to the last year the plan had (its ``tot``, else
``periode.vorige_analyse``) and on what happened since (the newest value, or the last year against
that year). A verdict that rests on a partner figure whose ``bron_opmerking`` says it was taken
from the plan itself (:func:`note_names_plan`) is no test: it reads "overgenomen uit het vorige
plan, niet onafhankelijk getoetst" and never counts as support. Statements never feed the scores.

The link from analysis to policy must be checkable by a raad, so the ranking is arithmetic on
test results, written out per indicator:

    score = sum over criteria of weight x strength, where a criterion counts only when its test
            says "worse" and survives the correction for the number of tests in this report
            (strength 1 for a signaal at 95%, 1.5 for an alarm at 99.8%); the theme weight is added
            only to indicators that already have such evidence.

Criteria and weights come from the config (``prioriteiten.gewichten``): niveau (worse than the
Netherlands or the peer group), trend (a worsening trend over the period), verandering (worse
than at the previous analysis), beleving (a Veiligheidsmonitor figure worse than NL/provincie),
ivp_thema (the indicator belongs to a regional priority theme, ``prioriteiten.themas``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import analysis, indicators
from ..analysis import CountProfile, FamilyEntry, SurveyProfile
from ..indicators import catalogue
from ..indicators import indicator as get_indicator
from ..stats import signals, verdicts
from ..stats.formatting import format_nl, format_pct
from ..store.dataset import Dataset
from . import family

DEFAULT_WEIGHTS = {"niveau": 2.0, "ontwikkeling": 2.0, "beleving": 1.0, "ivp_thema": 1.0}
QUESTIONS = ("niveau", "ontwikkeling", "beleving")
STRENGTH = {"signaal": 1.0, "alarm": 1.5}
MAX_AGAINST = 4  # favourable results listed against a priority
THEMES = {
    "01_criminaliteit": "Criminaliteit",
    "02_overlast_beleving": "Overlast en veiligheidsbeleving",
    "03_kernen": "Veiligheid in de kernen",
    "04_jeugd": "Jeugd",
    "05_fysiek": "Fysieke veiligheid en verkeer",
    "06_ondermijning": "Ondermijning",
    "07_digitaal": "Digitale veiligheid",
    "08_zorg": "Zorg en veiligheid",
}
WEIGHT_NAMES = {
    "niveau": "niveau",
    "ontwikkeling": "ontwikkeling",
    "beleving": "beleving",
    "ivp_thema": "regionaal thema",
}  # the configuration's keys as a reader reads them
CONTEXT_TESTS = {analysis.RELATIVE_TESTS[0]}  # the national trend: context, not a finding about the gemeente


@dataclass
class Test:
    """One test of the report's family as the synthesis uses it."""

    indicator: str
    naam: str
    toets: str
    question: str  # niveau | ontwikkeling | beleving | "" (context)
    verdict: str
    colour: str  # after the correction (the family's judgement)
    p_value: float
    p_adjusted: float

    @property
    def level(self) -> str:
        """'alarm' (adjusted p <= 0.002), 'signaal' (<= 0.05), 'geen' or 'niet getoetst'."""
        if not np.isfinite(self.p_adjusted):
            return "niet getoetst"
        if self.p_adjusted <= signals.ALARM:
            return "alarm"
        return "signaal" if self.p_adjusted <= signals.SIGNAL else "geen"

    @property
    def direction(self) -> str:
        """'ongunstig', 'gunstig' or 'neutraal' when significant after the correction; '' otherwise."""
        if self.level not in STRENGTH:
            return ""
        return family.DIRECTION_WORDS.get(self.colour, "")

    @property
    def signal(self) -> str:
        """'signaal' or 'alarm' for an unfavourable result after the correction; '' for anything else."""
        return self.level if self.direction == "ongunstig" else ""


def theme_names(themes: list[str]) -> list[str]:
    """The configuration's themes (chapter ids or indicator ids) by their names."""
    return [THEMES.get(t) or (get_indicator(t).label if t in catalogue() else t) for t in themes]


def question(entry: FamilyEntry, profiles: dict) -> str:
    """Which question a test answers: the level (against NL, provincie, peers), the development (trend,
    change) or, for a Veiligheidsmonitor figure, the perception; "" for context (the national trend)."""
    if entry.toets in CONTEXT_TESTS:
        return ""
    if entry.toets.startswith("niveau"):
        return "beleving" if isinstance(profiles.get(entry.indicator), SurveyProfile) else "niveau"
    return "ontwikkeling"


def tests_of(entries: list[FamilyEntry], fam: signals.Family, profiles: dict) -> list[Test]:
    return [
        Test(e.indicator, e.naam, e.toets, question(e, profiles), e.oordeel, e.colour, e.p, fam.p_adjusted(*e.key))
        for e in entries
    ]


@dataclass
class Priority:
    theme: str  # chapter id
    title: str
    score: float
    rank: int = 0  # equal scores share a rank
    evidence: list[str] = field(default_factory=list)  # for: the unfavourable results that put it here
    against: list[str] = field(default_factory=list)  # against: favourable results in the same theme
    indicators: list[str] = field(default_factory=list)
    size: list[str] = field(default_factory=list)  # per supporting indicator: count, rate, comparison, trend
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, "<chapter>.html#<anchor>") per indicator

    @property
    def onderbouwing(self) -> str:
        return "; ".join(self.evidence)

    @property
    def tegen(self) -> str:
        return "; ".join(self.against)


def score_indicators(profiles: dict, tests: list[Test], weights: dict, themes: list[str]) -> pd.DataFrame:
    """Score per indicator: per question (niveau, ontwikkeling, beleving) the weight times the strongest
    unfavourable result after the correction, summed over the questions. Two tests answering the same
    question (a trend and the change since the previous analysis; worse than NL and than the peers)
    count once. The theme weight is added only to indicators that already have such evidence."""
    rows = []
    for ind_id, p in profiles.items():
        ind = p.indicator
        mine = [t for t in tests if t.indicator == ind_id]
        score, reasons, points = 0.0, [], {}
        for q in QUESTIONS:
            worse = [t for t in mine if t.question == q and t.signal]
            if not worse:
                continue
            points[q] = weights.get(q, 0.0) * max(STRENGTH[t.level] for t in worse)
            score += points[q]
            reasons += [f"{t.verdict} ({t.signal})" for t in worse]
        in_theme = ind.chapter in themes or ind_id in themes
        if score > 0 and in_theme and weights.get("ivp_thema", 0):
            score += weights["ivp_thema"]
            points["ivp_thema"] = weights["ivp_thema"]
            reasons.append("regionaal prioriteitsthema")
        favourable = [t.verdict for t in mine if t.direction == "gunstig"]
        rows.append(
            {
                "indicator": ind_id,
                "label": ind.label,
                "chapter": ind.chapter,
                "score": score,
                "punten": points,
                "redenen": reasons,
                "gunstig": favourable,
                "thema": in_theme,
            }
        )
    columns = ["indicator", "label", "chapter", "score", "punten", "redenen", "gunstig", "thema"]
    return (
        pd.DataFrame(rows, columns=columns)
        .sort_values(["score", "label"], ascending=[False, True])
        .reset_index(drop=True)
    )


def priorities(scores: pd.DataFrame, count: int = 5, minimum: float = 1.0) -> list[Priority]:
    """Themes (chapters) ranked by their strongest indicator.

    The title names only the indicators that support the priority; the evidence against lists the
    favourable results of the theme's indicators. Equal scores share a rank, and ``count`` counts
    ranks: a tie at the last rank is shown whole rather than cut off alphabetically.
    """
    out: dict[str, Priority] = {}
    for _, row in scores[scores["score"] >= minimum].iterrows():
        pr = out.setdefault(row["chapter"], Priority(row["chapter"], "", 0.0))
        pr.score = max(pr.score, float(row["score"]))
        pr.indicators.append(row["indicator"])
        pr.evidence.append(f"{row['label']}: " + ", ".join(row["redenen"]))
    labels = dict(zip(scores["indicator"], scores["label"]))
    for pr in out.values():
        pr.title = f"{THEMES.get(pr.theme, pr.theme)}: " + _and([_in_sentence(labels[i]) for i in pr.indicators])
        theme_rows = scores[(scores["chapter"] == pr.theme) & scores["gunstig"].map(bool)]
        # the supporting indicators' own favourable results first, then the theme's other indicators
        theme_rows = theme_rows.assign(own=~theme_rows["indicator"].isin(pr.indicators)).sort_values(["own", "label"])
        against = [f"{r['label']}: " + ", ".join(r["gunstig"]) for _, r in theme_rows.iterrows()]
        if len(against) > MAX_AGAINST:
            rest = len(against) - MAX_AGAINST + 1
            against = against[: MAX_AGAINST - 1] + [
                f"en {rest} andere indicatoren in dit thema met een gunstige uitkomst"
            ]
        pr.against = against
    ranked = sorted(out.values(), key=lambda pr: -pr.score)
    for pr in ranked:
        pr.rank = 1 + sum(other.score > pr.score for other in ranked)
    return [pr for pr in ranked if pr.rank <= count]


def describe_size(pr: Priority, profiles: dict, threshold: int) -> None:
    """The size of the problem behind a priority (each supporting indicator's count, rate, comparison
    with NL and trend) and where its figures are: the indicator's place on its chapter page. A count
    of a sensitive kind below the suppression ``threshold`` is not given, nor its rate."""
    from .zorg import profile_sentence

    pr.size = [
        profile_sentence(profiles[i], threshold)
        if profiles[i].indicator.sensitive and isinstance(profiles[i], CountProfile)
        else profiles[i].sentence()
        for i in pr.indicators
        if i in profiles
    ]
    pr.links = [
        (profiles[i].indicator.label, f"{profiles[i].indicator.chapter}.html#{indicators.anchor(i)}")
        for i in pr.indicators
        if i in profiles
    ]


def priority_record(pr: Priority, ranked: list[Priority]) -> dict:
    """A priority as the index and the chapter pages read it (the synthesis' findings file)."""
    return {
        "plaats": rank_label(pr, ranked),
        "titel": pr.title,
        "onderbouwing": pr.onderbouwing,
        "daartegenover": pr.tegen,
        "score": pr.score,
        "hoofdstuk": pr.theme,
        "omvang": pr.size,
        "cijfers": [{"label": label, "href": href} for label, href in pr.links],
    }


def _in_sentence(label: str) -> str:
    """'Woninginbraak' -> 'woninginbraak' inside a sentence; abbreviations ('HIC', 'E33 ...') stay."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def rank_label(pr: Priority, ranked: list[Priority]) -> str:
    """'1', or '2 (gedeeld)' when another priority has the same score."""
    shared = sum(other.rank == pr.rank for other in ranked) > 1
    return f"{pr.rank} (gedeeld)" if shared else str(pr.rank)


OVERVIEW_COLUMNS = ("Tov Nederland", "Tov regio/vergelijkbaar", "Trend", "Sinds vorige analyse")


def _overview_column(t: Test) -> str:
    if t.toets == "niveau: nederland":
        return "Tov Nederland"
    if t.toets.startswith("niveau"):
        return "Tov regio/vergelijkbaar"
    return {"trend": "Trend", "verandering": "Sinds vorige analyse"}.get(t.toets, "")


def signal_table(profiles: dict, tests: list[Test], scores: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The one table with every indicator: level, each test's verdict and signal, score."""
    by_ind: dict[str, dict[str, list[Test]]] = {}
    for t in tests:
        by_ind.setdefault(t.indicator, {}).setdefault(_overview_column(t), []).append(t)
    score_by = dict(zip(scores["indicator"], scores["score"]))
    rows, colours = [], {c: [] for c in OVERVIEW_COLUMNS}
    for ind_id, p in profiles.items():
        found = by_ind.get(ind_id, {})
        level = (
            f"{format_nl(p.rate.value, 1)} {p.rate_label} ({p.period_label})"
            if isinstance(p, CountProfile)
            else f"{p.formatted_value()} ({p.edition})"
        )
        row = {
            "Indicator": p.indicator.label,
            "Hoofdstuk": THEMES.get(p.indicator.chapter, p.indicator.chapter),
            "Niveau": level,
        }
        for name in OVERVIEW_COLUMNS:
            cell = found.get(name, [])
            # signaal and alarm only for unfavourable results
            row[name] = "; ".join(t.verdict + (f" [{t.signal}]" if t.signal else "") for t in cell) or "—"
            shown = [t.colour for t in cell]
            colours[name].append(
                next((c for c in ("slechter", "beter", "neutraal", "gelijk") if c in shown), "onbekend")
            )
        row["Score"] = score_by.get(ind_id, 0.0)
        rows.append(row)
    df = pd.DataFrame(rows)
    order = df.sort_values(["Score", "Hoofdstuk"], ascending=[False, True]).index
    df = df.loc[order].reset_index(drop=True)
    return df, {k: pd.Series(v).loc[order].reset_index(drop=True) for k, v in colours.items()}


GLANCE_WORDS = {
    "slechter": "ongunstig",
    "beter": "gunstig",
    "neutraal": "verschil",
    "gelijk": "geen verschil",
    "onbekend": "–",
}


def glance_rows(table: pd.DataFrame, colours: dict) -> list[dict]:
    """The overview in one word per cell, for the index ("in één oogopslag"): per indicator and
    comparison 'ongunstig', 'gunstig', 'verschil' (no good or bad direction), 'geen verschil' or '–',
    with the colour class; by the corrected tests, like every verdict of the report."""
    rows = []
    for i, row in table.iterrows():
        cells = {
            name: {"woord": GLANCE_WORDS[str(colours[name].iloc[i])], "kleur": str(colours[name].iloc[i])}
            for name in OVERVIEW_COLUMNS
        }
        rows.append({"indicator": row["Indicator"], "hoofdstuk": row["Hoofdstuk"], "cellen": cells})
    return rows


# ---------------------------------------------------------------------------- statements of the plan
# Every statement is judged twice: on the data up to the last year the plan had (``tot``, else the
# year of the previous analysis) and on what happened since. A verdict that rests on a figure the
# partner file took from the plan itself is no test of the plan: it gets its own oordeel and never
# counts as support.

SUPPORTED = ("ondersteund", "verenigbaar", "klopt")
NO_DATA = "geen gegevens"
TAKEN_FROM_PLAN = "overgenomen uit het vorige plan, niet onafhankelijk getoetst"
# Colour class per oordeel (as in the signal table); any other oordeel, TAKEN_FROM_PLAN included, is grey.
OORDEEL_COLOUR = {
    "ondersteund": "beter",
    "klopt": "beter",
    "verenigbaar": "gelijk",
    "niet ondersteund": "slechter",
    "tegengesproken": "slechter",
    "wijkt af": "slechter",
}

_PLAN_WORDS = (r"ivp", r"(?:integraal\s+)?veiligheidsplan", r"vorige?\s+plan", r"vorige\s+veiligheidsanalyse")
_TAKEN_FROM = (
    r"(?:overgenomen|afkomstig)\s+(?:uit|van)|(?:geciteerd\s+)?uit|ontleend\s+aan|volgens"
    r"|zoals\s+(?:genoemd\s+)?in|zie|bron"
)
_YEAR_SPAN = re.compile(r"(\d{4})\s*[-–]\s*(\d{4})")


def note_names_plan(note: object, bron: str = "") -> bool:
    """Whether a partner figure's ``bron_opmerking`` says the figure was taken from the plan ``bron``.

    Rule (case and spacing ignored): the note cites a plan when a plan name follows a source phrase
    ("uit", "overgenomen uit/van", "afkomstig uit/van", "ontleend aan", "volgens", "zoals in", "zie",
    "bron", each with or without a colon; with "de tekst van", "hoofdstuk 5 van" and "het"/"de"
    allowed in between), or when the note starts with a plan name (a bare citation: "IVP Westerveld
    2023-2027, hoofdstuk 5: ...", "IVP 2023-2027 (hoofdstuk 5)"). Plan names
    are the statement's own ``bron`` without its chapter ("IVP Westerveld 2023-2027") and the
    generic "IVP", "(integraal) veiligheidsplan", "vorige plan" and "vorige veiligheidsanalyse".

    Not a citation: a plan named without a source phrase ("het IVP zegt alleen: ...", as in invented
    example figures), a negated source phrase ("niet uit het IVP"), and a plan whose years differ
    from those of ``bron`` ("uit het IVP 2019-2022" for a statement from the IVP 2023-2027).
    """
    if note is None or (isinstance(note, float) and np.isnan(note)):
        return False
    text = " ".join(str(note).lower().split())
    source = " ".join(str(bron or "").lower().split())
    own_name = re.split(r",|\bhoofdstuk\b|\bparagraaf\b|\bpagina\b|\bp\.", source)[0].strip()
    names = ([re.escape(own_name)] if own_name else []) + list(_PLAN_WORDS)
    plan = r"(?:" + "|".join(names) + r")\b"
    own_span = _YEAR_SPAN.search(source)
    cited = re.compile(
        r"\b(?:" + _TAKEN_FROM + r")(?:\s*:\s*|\s+)(?:de\s+tekst\s+van\s+)?"
        r"(?:hoofdstuk\s+\d+\s+van\s+)?(?:het\s+|de\s+|ons\s+)?" + plan
    )
    matches = list(cited.finditer(text))
    start = re.match(plan, text)
    if start:
        matches.append(start)
    for match in matches:
        if re.search(r"\bniet(?:\s+\S+)?\s*$", text[: match.start()]):
            continue  # "niet uit het IVP", "niet overgenomen uit het IVP"
        span = re.match(r"(?:\s+[a-z\-]+){0,2}\s*(\d{4})\s*[-–]\s*(\d{4})", text[match.end() :])
        if span and own_span and span.groups() != own_span.groups():
            continue  # another plan than the statement's
        return True
    return False


def partner_notes(inputs) -> pd.DataFrame:
    """The ``bron_opmerking`` of every partner figure: indicator, regio_code, jaar, bron_opmerking.

    Read from the partner detail tables in the store (``ch.inputs``: a :class:`PartnerInputs`),
    with the loader's mapping (``sources.inputs.loading``): a Veiligheidsmonitor row names its
    indicator and area; a count table's code maps to its indicator (``catalogue_codes``); a total
    the loader summed from its parts carries the parts' notes; a wide table (vakantieparken) gives
    every indicator of the row the row's note. One row per figure, several notes joined by "; ".
    (The loader's own ``InputSet.notes`` is not written to the store; the tests check both agree.)
    """
    from ..sources.inputs.loading import DETAIL_TABLES
    from ..sources.inputs.templates import TEMPLATES, catalogue_codes

    rows = []
    for kind, name in DETAIL_TABLES.items():
        table = inputs.table(name)
        if table is None or table.empty or "bron_opmerking" not in table:
            continue
        if kind == "veiligheidsmonitor":
            rows += [
                (r["indicator"], r["regio_code"], int(r["editie"]), r["bron_opmerking"])
                for r in table.to_dict("records")
                if r.get("indicator") and r.get("regio_code")
            ]
            continue
        template, codes = TEMPLATES[kind], catalogue_codes(kind)
        code_column = template.key[-1] if len(template.key) > 1 else None
        for year, part in table.groupby("jaar"):
            for code, indicator_id in codes.items():
                if code_column is None:  # wide: one column per code, the row's note for each
                    if code not in part.columns:
                        continue
                    used = part
                elif code in set(part[code_column]):
                    used = part[part[code_column] == code]
                elif code == template.total_code:  # the loader's total as the sum of the parts
                    used = part
                else:
                    continue
                rows += [(indicator_id, inputs.gemeente, int(year), note) for note in used["bron_opmerking"]]
    frame = pd.DataFrame(rows, columns=["indicator", "regio_code", "jaar", "bron_opmerking"])
    frame = frame[frame["bron_opmerking"].notna() & (frame["bron_opmerking"].astype(str).str.strip() != "")]
    return (
        frame.astype({"bron_opmerking": str})
        .groupby(["indicator", "regio_code", "jaar"], as_index=False)["bron_opmerking"]
        .agg(lambda notes: "; ".join(dict.fromkeys(notes)))
    )


@dataclass
class Judgement:
    """One verdict on a statement on one stretch of data, and the gemeente's years it rests on."""

    oordeel: str
    toelichting: str
    years: tuple[int, ...] = ()
    # A test outside the report's family (two named years; a trend or a comparison on the data up to the
    # plan's year): its uncorrected result, and how to word the judgement once the statements' family
    # has corrected it (:func:`correct_statements`).
    result: object = None
    reword: object = None  # callable(judged result) -> Judgement
    # The test behind the oordeel, for the statements' CSV: its p-values and its family
    # ("rapport": the report's family; "uitspraken": the statements' own; "" when nothing was tested).
    p: float = np.nan
    p_adjusted: float = np.nan
    family: str = ""

    def tested_by(self, result, family: str) -> Judgement:
        """This judgement with the p-values of ``result`` (a signals.Judged) and the family that corrected it."""
        return dataclasses.replace(self, p=float(result.p_value), p_adjusted=float(result.p_adjusted), family=family)


@dataclass
class StatementCheck:
    uitspraak: str
    indicator: str
    # on the data up to ``tot``: ondersteund | verenigbaar | niet ondersteund | tegengesproken | klopt |
    # wijkt af | geen gegevens | niet te toetsen (...) | TAKEN_FROM_PLAN
    oordeel: str
    toelichting: str
    bron: str = ""
    tot: int | None = None  # the last year of data the statement was made with
    sinds_oordeel: str = NO_DATA  # on what happened after ``tot`` (same values)
    sinds_toelichting: str = ""
    tests: tuple = ()  # (when, Judgement) of both verdicts, for statement_tests_table


def statement_year(item: dict, config) -> int:
    """The last year of data a statement was made with: its ``tot``, else the previous analysis' year."""
    return int(item.get("tot", config.vorige_analyse))


def _judgements(ds: Dataset, item: dict, profiles: dict, views: dict) -> tuple[Judgement, Judgement]:
    """A statement judged on the data up to its year and, separately, on the data after it (uncorrected
    where a test is outside the report's family: see :func:`correct_statements`)."""
    ind = get_indicator(item["indicator"])
    year = statement_year(item, ds.config)
    if year not in views:
        views[year] = _until(ds, year)
    before = _judge_until(views[year], item, ind, year, profiles if views[year] is ds else {})
    return before, _judge_since(ds, item, ind, year, profiles)


def _until(ds: Dataset, year: int) -> Dataset:
    """The run's data as far as a plan made with data up to ``year`` could see them."""
    cfg = ds.config
    if year >= cfg.jaar_tot:
        return ds
    return Dataset(
        ds.observations, dataclasses.replace(cfg, jaar_van=min(cfg.jaar_van, year), jaar_tot=year), ds.status
    )


def _judge_until(ds: Dataset, item: dict, ind, year: int, profiles: dict) -> Judgement:
    expectation = item["verwachting"]
    if expectation == "waarde":
        return _check_value(ds, item, ind, until=year)
    if "van" in item:
        if ind.unit != "aantal":
            return Judgement(NO_DATA, "alleen voor tellingen te toetsen")
        return _compare_years(ds, ind, expectation, int(item["van"]), year)
    return _judge_profile(profiles.get(ind.id) or analysis.profile(ds, ind.id), expectation)


def _judge_since(ds: Dataset, item: dict, ind, year: int, profiles: dict) -> Judgement:
    """What happened after ``year``: the newest value, the comparison with NL, or the change since ``year``."""
    figures = _gemeente_figures(ds, ind)
    later = figures[figures["jaar"] > year]
    if later.empty:
        return Judgement(NO_DATA, f"nog geen cijfers van na {year}")
    expectation = item["verwachting"]
    if expectation == "waarde":
        return _check_value(ds, item, ind, after=year)
    if expectation in ("hoger_dan_nederland", "lager_dan_nederland"):
        return _judge_profile(profiles.get(ind.id) or analysis.profile(ds, ind.id), expectation)
    if ind.unit != "aantal":
        return Judgement(NO_DATA, "alleen voor tellingen te toetsen")
    earlier = figures[figures["jaar"] <= year]
    if earlier.empty:
        return Judgement(NO_DATA, f"geen cijfer tot en met {year} om mee te vergelijken")
    return _compare_years(ds, ind, expectation, int(earlier["jaar"].max()), int(later["jaar"].max()))


def _gemeente_figures(ds: Dataset, ind) -> pd.DataFrame:
    """The gemeente's known yearly figures of an indicator up to the last year of the run."""
    rows = ds.series(ind.id, [ds.gemeente])
    return rows[rows["waarde"].notna() & (rows["jaar"] <= ds.config.jaar_tot)].sort_values("jaar")


def _judge_profile(p, expectation: str) -> Judgement:
    if p is None or (isinstance(p, SurveyProfile) and p.edition is None):
        return Judgement(NO_DATA, "geen cijfers voor deze indicator")
    years = tuple(range(p.years[0], p.years[1] + 1)) if isinstance(p, CountProfile) else (p.edition,)
    if expectation in ("hoger_dan_nederland", "lager_dan_nederland"):
        comp = p.comparisons.get("nederland")
        if comp is None:
            return Judgement(NO_DATA, "geen vergelijking met Nederland mogelijk")
        want = "hoger" if expectation.startswith("hoger") else "lager"
        label = p.period_label if isinstance(p, CountProfile) else str(p.edition)

        def worded(result, verdict: str = comp.verdict) -> Judgement:
            direction = result.direction
            oordeel = (
                "ondersteund"
                if direction == want
                else ("tegengesproken" if direction in ("hoger", "lager") else "niet ondersteund")
            )
            return Judgement(oordeel, f"{verdict} ({label})", years)

        if isinstance(comp.result, signals.Judged):
            return worded(comp.result).tested_by(comp.result, "rapport")
        min_count = p.indicator.min_count if isinstance(p, CountProfile) else None

        def reword(result) -> Judgement:
            verdict = (
                verdicts.verdict_benchmark(result, "Nederland", min_count)
                if isinstance(p, CountProfile)
                else verdicts.verdict_survey(result, area="Nederland")
            )
            return worded(result, verdict)

        return dataclasses.replace(worded(comp.result), result=comp.result, reword=reword)
    if not isinstance(p, CountProfile):
        return Judgement(NO_DATA, "alleen voor tellingen te toetsen")
    direction = p.trend.direction if p.trend is not None else "onbekend"
    if p.trend is not None and p.trend.status == "ok":
        years = tuple(int(y) for y in p.trend.years_used)
    else:
        years = tuple(int(y) for y in p.series.loc[p.series["rol"] == "gemeente", "jaar"])
    judgement = Judgement(_judge(expectation, direction, p.trend_verdict), p.trend_verdict, years)
    if isinstance(p.trend, signals.Judged) and p.trend.status == "ok":
        return judgement.tested_by(p.trend, "rapport")
    if p.trend is None or p.trend.status != "ok":
        return judgement

    def reword(result) -> Judgement:
        verdict = verdicts.verdict_trend(result, p.indicator.min_count)
        return Judgement(_judge(expectation, result.direction, verdict), verdict, years)

    return dataclasses.replace(judgement, result=p.trend, reword=reword)


def _judge(expectation: str, direction: str, verdict: str) -> str:
    if verdict.startswith("te weinig jaren"):
        return "niet te toetsen (te weinig jaren)"
    if verdict.startswith("te weinig"):
        return "niet te toetsen (te weinig gevallen)"
    if direction == "onbekend":
        return NO_DATA
    if expectation == "stabiel":
        return "verenigbaar" if direction == "gelijk" else "niet ondersteund"
    want = "hoger" if expectation == "stijging" else "lager"
    if direction == want:
        return "ondersteund"
    if direction == "gelijk":
        return "niet ondersteund"
    return "tegengesproken"


@dataclass
class YearComparison:
    """The count of one year against another for a statement, before the statements' correction."""

    indicator: object
    expectation: str
    year1: int
    year2: int
    result: object  # compare.PeriodComparison (uncorrected); wrapped in signals.Judged once corrected


def _compare_years(ds: Dataset, ind, expectation: str, year1: int, year2: int) -> Judgement:
    """The count in ``year2`` against ``year1`` (per inhabitant when known), judged against the expectation.

    With the year-to-year variation of the series (``analysis.change_test``). The words follow only
    after the correction over all statements (:func:`check_statements`); this judgement is provisional.
    """
    cfg = ds.config
    counts = ds.counts(ind.id, [ds.gemeente], years=(min(year1, cfg.jaar_van), max(year2, cfg.jaar_tot)))
    by_year = dict(zip(counts["jaar"], zip(counts["aantal"], counts["noemer"])))
    if year1 not in by_year or year2 not in by_year:
        return Judgement(NO_DATA, f"geen cijfers voor {year1} en {year2}")
    (c1, e1), (c2, e2) = by_year[year1], by_year[year2]
    yearly = counts.dropna(subset=["aantal"])[["jaar", "aantal", "noemer"]]
    if np.isnan(e1) or np.isnan(e2):
        e1 = e2 = 1.0  # no denominator: compare the counts themselves
        yearly = yearly.assign(noemer=1.0)
    result = analysis.change_test(c1, e1, c2, e2, analysis.yearly_trend(yearly))
    comparison = YearComparison(ind, expectation, year1, year2, result)
    return dataclasses.replace(
        _year_judgement(comparison, result), result=result, reword=lambda judged: _year_judgement(comparison, judged)
    )


def _year_judgement(comparison: YearComparison, result) -> Judgement:
    ind = comparison.indicator
    verdict = verdicts.verdict_periods(result, analysis.since_label(comparison.year1), ind.min_count)
    detail = (
        f"{format_nl(result.count1, 0)} in {comparison.year1} en {format_nl(result.count2, 0)} in "
        f"{comparison.year2}: {verdict} (verhouding {format_nl(result.rate_ratio, 2)}, 95%-interval "
        f"{format_nl(result.lower, 2)}–{format_nl(result.upper, 2)})"
    )
    return Judgement(
        _judge(comparison.expectation, result.direction, verdict), detail, (comparison.year1, comparison.year2)
    )


def correct_statements(judgements: list[Judgement]) -> list[Judgement]:
    """The statements' own family: the tests outside the report's family, Holm-corrected together.

    A statement judged on the report's data uses the report's tests (already corrected). A comparison
    of the two years a statement names, and a trend or comparison on the data up to the plan's year,
    are tests of their own: they form the named family "uitspraken van het vorige plan", and
    "significant" there means significant after this correction.
    """
    tested = [j for j in judgements if j.result is not None and np.isfinite(float(j.result.p_value))]
    p_values = [float(j.result.p_value) for j in tested]
    corrected = {}
    for j, p_adjusted in zip(tested, signals.adjust_p(p_values, "holm") if tested else []):
        judged = signals.Judged(j.result, p_adjusted)
        corrected[id(j)] = j.reword(judged).tested_by(judged, "uitspraken")
    return [corrected.get(id(j), j) for j in judgements]


def _check_value(ds: Dataset, item: dict, ind, until: int | None = None, after: int | None = None) -> Judgement:
    """The claimed value against the gemeente's figure: for the statement's ``tot`` (else the newest
    up to ``until``), or the newest after ``after``."""
    rows = _gemeente_figures(ds, ind)
    if after is not None:
        rows = rows[rows["jaar"] > after]
    elif "tot" in item:
        rows = rows[rows["jaar"] == item["tot"]]
    else:
        rows = rows[rows["jaar"] <= until]
    if rows.empty:
        return Judgement(NO_DATA, "de gemeente heeft hiervoor geen cijfer")
    row = rows.iloc[-1]
    value, claimed = float(row["waarde"]), float(item["waarde"])
    tolerance = 0.5 if ind.unit == "procent" else 0.05  # the plan rounds to whole percents / one decimal
    shown = format_pct(value, 1) if ind.unit == "procent" else format_nl(value, 1)
    year, source = int(row["jaar"]), str(row["bron"])
    if abs(value - claimed) <= tolerance + 1e-9:
        return Judgement("klopt", f"{shown} in {year} ({source})", (year,))
    return Judgement("wijkt af", f"de gegevens geven {shown} in {year} ({source})", (year,))


def _unless_from_plan(ds: Dataset, ind, verdict: Judgement, notes: pd.DataFrame | None, bron: str) -> Judgement:
    """TAKEN_FROM_PLAN when a partner figure of the gemeente behind the verdict cites the plan."""
    if notes is None or notes.empty or not verdict.years:
        return verdict
    used = ds.series(ind.id, [ds.gemeente])
    used = used.loc[(used["status"] == "partner") & used["jaar"].isin(verdict.years), "jaar"]
    mine = notes[(notes["indicator"] == ind.id) & (notes["regio_code"] == ds.gemeente) & notes["jaar"].isin(used)]
    cited = mine[[note_names_plan(note, bron) for note in mine["bron_opmerking"]]]
    if cited.empty:
        return verdict
    years = sorted({int(y) for y in cited["jaar"]})
    note = str(cited["bron_opmerking"].iloc[0])
    note = note if len(note) <= 120 else note[:119].rstrip() + "…"
    which = "het cijfer voor " + _and(years) if len(years) == 1 else "de cijfers voor " + _and(years)
    comes = "komt" if len(years) == 1 else "komen"
    # The test itself stays (and stays in its family): only its oordeel changes.
    return dataclasses.replace(
        verdict,
        oordeel=TAKEN_FROM_PLAN,
        toelichting=f"{which} {comes} uit het plan zelf (bron_opmerking in het partnerbestand: "
        f"“{note}”); {verdict.toelichting}",
    )


def _and(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def check_statements(ds: Dataset, profiles: dict, notes: pd.DataFrame | None = None) -> list[StatementCheck]:
    """Every statement of the plan judged twice, with one correction over the statements' own tests.

    ``notes`` (see :func:`partner_notes`): a verdict resting on a partner figure whose note cites the
    plan (:func:`note_names_plan`) becomes TAKEN_FROM_PLAN.
    """
    views: dict = {}
    items = list(ds.config.uitspraken)
    pairs = [_judgements(ds, item, profiles, views) for item in items]
    flat = correct_statements([j for pair in pairs for j in pair])
    out = []
    for k, item in enumerate(items):
        ind = get_indicator(item["indicator"])
        bron = str(item.get("bron", ""))
        before, after = (_unless_from_plan(ds, ind, j, notes, bron) for j in flat[2 * k : 2 * k + 2])
        out.append(
            StatementCheck(
                uitspraak=item["uitspraak"],
                indicator=ind.label,
                oordeel=before.oordeel,
                toelichting=before.toelichting,
                bron=bron,
                tot=statement_year(item, ds.config),
                sinds_oordeel=after.oordeel,
                sinds_toelichting=after.toelichting,
                tests=(("tot en met het plan", before), ("daarna", after)),
            )
        )
    return out


def statement_table(statements: list[StatementCheck]) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The statements with both verdicts, and the colour class of each verdict."""
    table = pd.DataFrame(
        [
            {
                "Uitspraak": s.uitspraak,
                "Indicator": s.indicator,
                "Cijfers t/m": str(s.tot or ""),
                "Oordeel": s.oordeel,
                "Toelichting": s.toelichting,
                "Daarna": s.sinds_oordeel,
                "Toelichting daarna": s.sinds_toelichting,
            }
            for s in statements
        ],
        columns=["Uitspraak", "Indicator", "Cijfers t/m", "Oordeel", "Toelichting", "Daarna", "Toelichting daarna"],
    )
    classes = {column: table[column].map(OORDEEL_COLOUR).fillna("onbekend") for column in ("Oordeel", "Daarna")}
    return table, classes


def statement_tests_table(statements: list[StatementCheck]) -> pd.DataFrame:
    """One row per tested verdict on a statement: its p-value, corrected p-value and family, so that every
    oordeel of the statements can be recomputed ("rapport": see the signal table; "uitspraken": Holm over
    the rows of this family)."""
    rows = [
        {
            "uitspraak": s.uitspraak,
            "wanneer": when,
            "oordeel": j.oordeel,
            "p": j.p,
            "p_gecorrigeerd": j.p_adjusted,
            "familie": j.family,
        }
        for s in statements
        for when, j in s.tests
        if j.family
    ]
    return pd.DataFrame(rows, columns=["uitspraak", "wanneer", "oordeel", "p", "p_gecorrigeerd", "familie"])


def _not_testable(oordeel: str) -> bool:
    return oordeel == NO_DATA or oordeel.startswith("niet te toetsen")


def statement_finding(statements: list[StatementCheck]) -> str:
    """One sentence on the statements: supported, taken from the plan itself, not testable; and since."""
    n = len(statements)
    supported = sum(s.oordeel in SUPPORTED for s in statements)
    from_plan = sum(s.oordeel == TAKEN_FROM_PLAN for s in statements)
    untestable = sum(_not_testable(s.oordeel) for s in statements)
    up_to = "de cijfers tot en met het jaar van het plan"
    text = f"Van de {n} uitspraken uit het vorige plan {_in_line(supported, up_to)}"
    if from_plan:
        text += (
            f"; {from_plan} {'steunt' if from_plan == 1 else 'steunen'} op cijfers die uit het plan zelf zijn "
            f"overgenomen en {'is' if from_plan == 1 else 'zijn'} dus niet onafhankelijk getoetst"
        )
    text += f"; {untestable} {'is' if untestable == 1 else 'zijn'} niet te toetsen."
    newer = [s for s in statements if s.sinds_oordeel != NO_DATA]
    if not newer:
        return text + " Van na het plan zijn er nog geen cijfers."
    later = sum(s.sinds_oordeel in SUPPORTED for s in newer)
    return text + f" Van de {len(newer)} uitspraken met cijfers van na het plan {_in_line(later, 'die cijfers')}."


def _in_line(k: int, data: str) -> str:
    return f"{'is' if k == 1 else 'zijn'} er {k} in lijn met {data} (ondersteund of verenigbaar)"


# ---------------------------------------------------------------------------- the chapter's result


@dataclass
class Synthesis:
    profiles: dict
    tests: list[Test]
    scores: pd.DataFrame
    priorities: list[Priority]
    statements: list[StatementCheck]
    weights: dict
    themes: list[str]
    signal_csv: pd.DataFrame  # one row per test of the report's family (``family.table``)

    def n_tests(self) -> int:
        return int(sum(1 for t in self.tests if not np.isnan(t.p_value)))

    def n_signals(self) -> dict[str, int]:
        """Unfavourable results after the correction, by level (favourable ones are no signal)."""
        signals_ = [t.signal for t in self.tests]
        return {"alarm": signals_.count("alarm"), "signaal": signals_.count("signaal")}

    def findings(self) -> list[str]:
        out = []
        n = self.n_signals()
        out.append(
            f"{len(self.profiles)} indicatoren met {self.n_tests()} toetsen; na correctie voor het aantal toetsen "
            f"{n['alarm']} keer alarm (99,8%) en {n['signaal']} keer signaal (95%) voor een ongunstige uitkomst."
        )
        for pr in self.priorities[:3]:
            out.append(f"Voorgestelde prioriteit {rank_label(pr, self.priorities)}: {pr.title} – {pr.evidence[0]}.")
        if self.statements:
            out.append(statement_finding(self.statements))
        return out[:5]


def analyse(ds: Dataset, notes: pd.DataFrame | None = None) -> Synthesis:
    """The chapter's result; ``notes`` are the partner figures' notes (:func:`partner_notes`)."""
    cfg = ds.config.prioriteiten
    weights = dict(DEFAULT_WEIGHTS)
    weights.update({k: float(v) for k, v in (cfg.get("gewichten") or {}).items()})
    themes = list(cfg.get("themas") or [])
    if ds.family is None:  # a Dataset opened without open_chapter: the synthesis cannot do without its family
        ds.family = family.compute(ds)
    profiles = family.all_profiles(ds)
    entries = family.collect(ds, profiles)
    tests = tests_of(entries, ds.family, profiles)
    scores = score_indicators(profiles, tests, weights, themes)
    ranked = priorities(scores, int(cfg.get("aantal", 5)), float(cfg.get("minimum_score", 1.0)))
    for pr in ranked:
        describe_size(pr, profiles, ds.config.onthulling_drempel)
    statements = check_statements(ds, profiles, notes)
    return Synthesis(profiles, tests, scores, ranked, statements, weights, themes, family.table(entries, ds.family))
