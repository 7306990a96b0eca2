"""Chapter 90 Synthese en prioriteiten: every indicator in one signal table, ranked by explicit,
configurable criteria into proposed priorities with their evidence, and the previous plan's
statements tested against the data.

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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import analysis
from ..analysis import CountProfile, SurveyProfile
from ..data import Dataset
from ..indicators import catalogue, indicator as get_indicator
from ..stats import compare, signals, verdicts
from ..stats.formatting import format_nl, format_pct

DEFAULT_WEIGHTS = {"niveau": 2.0, "trend": 2.0, "verandering": 1.0, "beleving": 1.0, "ivp_thema": 1.0}
STRENGTH = {"signaal": 1.0, "alarm": 1.5}
THEMES = {
    "01_criminaliteit": "Criminaliteit: inbraak, geweld en diefstal",
    "02_overlast_beleving": "Sociale overlast en veiligheidsbeleving",
    "03_kernen": "Veiligheid in de kernen",
    "04_jeugd": "Jeugd en jonge aanwas",
    "05_fysiek": "Fysieke veiligheid en verkeer",
    "06_ondermijning": "Ondermijning",
    "07_digitaal": "Digitale veiligheid",
    "08_zorg": "Zorg en veiligheid",
}
CONTEXT_CHAPTERS = {"00_gebied", "03_kernen"}  # kernen: per-kern variants of indicators already in the table


def all_profiles(ds: Dataset) -> dict[str, CountProfile | SurveyProfile]:
    """Profiles of every catalogue indicator with data for the gemeente (context indicators excluded)."""
    out = {}
    for ind in catalogue().values():
        if ind.chapter in CONTEXT_CHAPTERS or ind.chapter.startswith("9"):
            continue
        if not (ind.unit != "aantal" or ind.denominator != "none"):
            continue  # a count without a denominator cannot be compared (e.g. number of youth groups)
        try:
            p = analysis.profile(ds, ind.id)
        except (ValueError, KeyError):
            continue
        if p is None or (isinstance(p, SurveyProfile) and p.edition is None):
            continue
        out[ind.id] = p
    return out


@dataclass
class Test:
    indicator: str
    criterion: str  # niveau | trend | verandering | beleving
    label: str  # "vs Nederland", "trend", ...
    verdict: str
    colour: str
    p_value: float
    level: str = "niet getoetst"  # after the correction for the number of tests


def collect_tests(profiles: dict) -> list[Test]:
    tests = []
    for ind_id, p in profiles.items():
        if isinstance(p, CountProfile):
            for key, comp in p.comparisons.items():
                if key in ("nederland", "peers"):
                    label = "Nederland" if key == "nederland" else "vergelijkbare gemeenten"
                    tests.append(Test(ind_id, "niveau", label, comp.verdict, comp.colour,
                                      float(getattr(comp.result, "p_value", np.nan))))
            if p.trend is not None:
                tests.append(Test(ind_id, "trend", "trend", p.trend_verdict, p.trend_colour,
                                  float(p.trend.p_value) if p.trend.status == "ok" else np.nan))
            if p.change is not None:
                tests.append(Test(ind_id, "verandering", f"sinds {p.change.area}", p.change.verdict, p.change.colour,
                                  float(getattr(p.change.result, "p_value", np.nan))))
        else:
            for key, comp in p.comparisons.items():
                tests.append(Test(ind_id, "beleving", comp.area, comp.verdict, comp.colour, float(comp.result.p_value)))
            if p.change is not None:
                tests.append(Test(ind_id, "verandering", f"sinds {p.change.area}", p.change.verdict, p.change.colour,
                                  float(p.change.result.p_value)))
    # Too-few-cases verdicts are not tests: leave them out of the family.
    for t in tests:
        if t.verdict.startswith("te weinig") or t.colour == "onbekend":
            t.p_value = np.nan
    levels = signals.signal_levels(np.array([t.p_value for t in tests], dtype=float))
    for t, level in zip(tests, levels):
        t.level = str(level)
    return tests


@dataclass
class Priority:
    theme: str
    title: str
    score: float
    evidence: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)

    @property
    def onderbouwing(self) -> str:
        return "; ".join(self.evidence)


def score_indicators(profiles: dict, tests: list[Test], weights: dict, themes: list[str]) -> pd.DataFrame:
    """Score per indicator from its tests, with the reason for every point."""
    rows = []
    for ind_id, p in profiles.items():
        ind = p.indicator
        score, reasons = 0.0, []
        for t in (t for t in tests if t.indicator == ind_id):
            if t.colour != "slechter" or t.level not in STRENGTH:
                continue
            points = weights.get(t.criterion, 0.0) * STRENGTH[t.level]
            if points:
                score += points
                reasons.append(f"{t.verdict} ({t.level})")
        in_theme = ind.chapter in themes or ind_id in themes
        if score > 0 and in_theme and weights.get("ivp_thema", 0):
            score += weights["ivp_thema"]
            reasons.append("regionaal prioriteitsthema")
        rows.append({"indicator": ind_id, "label": ind.label, "chapter": ind.chapter, "score": score,
                     "redenen": reasons, "thema": in_theme})
    return pd.DataFrame(rows).sort_values(["score", "label"], ascending=[False, True]).reset_index(drop=True)


def priorities(scores: pd.DataFrame, count: int = 5, minimum: float = 1.0) -> list[Priority]:
    """Themes (chapters) ranked by their strongest indicator, with the evidence that put them there."""
    out: dict[str, Priority] = {}
    for _, row in scores[scores["score"] >= minimum].iterrows():
        theme = row["chapter"]
        pr = out.setdefault(theme, Priority(theme, THEMES.get(theme, theme), 0.0))
        pr.score = max(pr.score, float(row["score"]))
        pr.indicators.append(row["indicator"])
        pr.evidence.append(f"{row['label']}: " + ", ".join(row["redenen"]))
    ranked = sorted(out.values(), key=lambda pr: (-pr.score, pr.title))
    return ranked[:count]


def signal_table(profiles: dict, tests: list[Test], scores: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The one table with every indicator: level, each test's verdict and signal, score."""
    by_ind: dict[str, dict[str, Test]] = {}
    for t in tests:
        key = "Nederland" if t.label == "Nederland" else ("Vergelijkbaar" if t.criterion in ("niveau",) else
                                                         ("Trend" if t.criterion == "trend" else
                                                          ("Verandering" if t.criterion == "verandering" else "Beleving")))
        if t.criterion == "beleving" and t.label != "Nederland":
            key = "Vergelijkbaar"
        if t.criterion == "beleving" and t.label == "Nederland":
            key = "Nederland"
        by_ind.setdefault(t.indicator, {})[key] = t
    score_by = dict(zip(scores["indicator"], scores["score"]))
    rows, colours = [], {c: [] for c in ("Tov Nederland", "Tov regio/vergelijkbaar", "Trend", "Sinds vorige analyse")}
    for ind_id, p in profiles.items():
        found = by_ind.get(ind_id, {})

        def cell(key: str) -> tuple[str, str]:
            t = found.get(key)
            if t is None:
                return "—", "onbekend"
            suffix = f" [{t.level}]" if t.level in STRENGTH else ""
            return t.verdict + suffix, t.colour

        level = (f"{format_nl(p.rate.value, 1)} {p.rate_label} ({p.period_label})" if isinstance(p, CountProfile)
                 else f"{p.formatted_value()} ({p.edition})")
        nl, nl_c = cell("Nederland")
        ref, ref_c = cell("Vergelijkbaar")
        tr, tr_c = cell("Trend")
        ch, ch_c = cell("Verandering")
        rows.append({"Indicator": p.indicator.label, "Hoofdstuk": THEMES.get(p.indicator.chapter, p.indicator.chapter),
                     "Niveau": level, "Tov Nederland": nl, "Tov regio/vergelijkbaar": ref, "Trend": tr,
                     "Sinds vorige analyse": ch, "Score": score_by.get(ind_id, 0.0)})
        for column, colour in zip(colours, (nl_c, ref_c, tr_c, ch_c)):
            colours[column].append(colour)
    df = pd.DataFrame(rows)
    order = df.sort_values(["Score", "Hoofdstuk"], ascending=[False, True]).index
    df = df.loc[order].reset_index(drop=True)
    return df, {k: pd.Series(v).loc[order].reset_index(drop=True) for k, v in colours.items()}


# ---------------------------------------------------------------------------- statements of the plan

@dataclass
class StatementCheck:
    uitspraak: str
    indicator: str
    oordeel: str  # ondersteund | verenigbaar | niet ondersteund | tegengesproken | klopt | wijkt af | geen gegevens
    toelichting: str
    bron: str = ""


def check_statement(ds: Dataset, item: dict, profiles: dict) -> StatementCheck:
    ind = get_indicator(item["indicator"])
    expectation = item["verwachting"]
    base = dict(uitspraak=item["uitspraak"], indicator=ind.label, bron=item.get("bron", ""))
    if expectation == "waarde":
        return _check_value(ds, item, ind, base)
    p = profiles.get(ind.id) or analysis.profile(ds, ind.id)
    if p is None or (isinstance(p, SurveyProfile) and p.edition is None):
        return StatementCheck(oordeel="geen gegevens", toelichting="geen cijfers voor deze indicator", **base)
    if expectation in ("hoger_dan_nederland", "lager_dan_nederland"):
        comp = p.comparisons.get("nederland")
        if comp is None:
            return StatementCheck(oordeel="geen gegevens", toelichting="geen vergelijking met Nederland mogelijk", **base)
        want = "hoger" if expectation.startswith("hoger") else "lager"
        direction = comp.result.direction
        oordeel = "ondersteund" if direction == want else ("tegengesproken" if direction in ("hoger", "lager")
                                                           else "niet ondersteund")
        return StatementCheck(oordeel=oordeel, toelichting=comp.verdict, **base)
    if not isinstance(p, CountProfile):
        return StatementCheck(oordeel="geen gegevens", toelichting="alleen voor tellingen te toetsen", **base)
    if "van" in item and "tot" in item:
        return _check_two_years(ds, item, ind, expectation, base)
    direction = p.trend.direction if p.trend is not None else "onbekend"
    verdict = p.trend_verdict
    return StatementCheck(oordeel=_judge(expectation, direction, verdict), toelichting=verdict, **base)


def _judge(expectation: str, direction: str, verdict: str) -> str:
    if verdict.startswith("te weinig jaren"):
        return "niet te toetsen (te weinig jaren)"
    if verdict.startswith("te weinig"):
        return "niet te toetsen (te weinig gevallen)"
    if direction == "onbekend":
        return "geen gegevens"
    if expectation == "stabiel":
        return "verenigbaar" if direction == "gelijk" else "niet ondersteund"
    want = "hoger" if expectation == "stijging" else "lager"
    if direction == want:
        return "ondersteund"
    if direction == "gelijk":
        return "niet ondersteund"
    return "tegengesproken"


def _check_two_years(ds: Dataset, item: dict, ind, expectation: str, base: dict) -> StatementCheck:
    counts = ds.counts(ind.id, [ds.gemeente], years=(min(item["van"], ds.config.jaar_van), max(item["tot"], ds.config.jaar_tot)))
    by_year = dict(zip(counts["jaar"], zip(counts["aantal"], counts["noemer"])))
    if item["van"] not in by_year or item["tot"] not in by_year:
        return StatementCheck(oordeel="geen gegevens", toelichting=f"geen cijfers voor {item['van']} en {item['tot']}", **base)
    (c1, e1), (c2, e2) = by_year[item["van"]], by_year[item["tot"]]
    if np.isnan(e1) or np.isnan(e2):
        e1 = e2 = 1.0  # no denominator: compare the counts themselves
    result = compare.compare_periods(c1, e1, c2, e2, method="exact-cond")
    verdict = verdicts.verdict_periods(result, item["van"], ind.min_count)
    detail = (f"{format_nl(c1, 0)} in {item['van']} en {format_nl(c2, 0)} in {item['tot']}: {verdict} "
              f"(verhouding {format_nl(result.rate_ratio, 2)}, 95%-interval {format_nl(result.lower, 2)}–"
              f"{format_nl(result.upper, 2)})")
    return StatementCheck(oordeel=_judge(expectation, result.direction, verdict), toelichting=detail, **base)


def _check_value(ds: Dataset, item: dict, ind, base: dict) -> StatementCheck:
    rows = ds.series(ind.id, [ds.gemeente])
    rows = rows[rows["waarde"].notna()]
    if "tot" in item:
        rows = rows[rows["jaar"] == item["tot"]]
    if rows.empty:
        return StatementCheck(oordeel="geen gegevens", toelichting="de gemeente heeft hiervoor geen cijfer", **base)
    row = rows.sort_values("jaar").iloc[-1]
    value, claimed = float(row["waarde"]), float(item["waarde"])
    tolerance = 0.5 if ind.unit == "procent" else 0.05  # the plan rounds to whole percents / one decimal
    shown = format_pct(value, 1) if ind.unit == "procent" else format_nl(value, 1)
    source = str(row["bron"])
    if abs(value - claimed) <= tolerance + 1e-9:
        return StatementCheck(oordeel="klopt", toelichting=f"{shown} in {int(row['jaar'])} ({source})", **base)
    return StatementCheck(oordeel="wijkt af", toelichting=f"de gegevens geven {shown} in {int(row['jaar'])} ({source})",
                          **base)


def check_statements(ds: Dataset, profiles: dict) -> list[StatementCheck]:
    return [check_statement(ds, item, profiles) for item in ds.config.uitspraken]


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

    def n_tests(self) -> int:
        return int(sum(1 for t in self.tests if not np.isnan(t.p_value)))

    def n_signals(self) -> dict[str, int]:
        levels = [t.level for t in self.tests]
        return {"alarm": levels.count("alarm"), "signaal": levels.count("signaal")}

    def findings(self) -> list[str]:
        out = []
        n = self.n_signals()
        out.append(f"{len(self.profiles)} indicatoren met {self.n_tests()} toetsen; na correctie voor het aantal toetsen "
                   f"{n['alarm']} alarm (99,8%) en {n['signaal']} signaal (95%).")
        for pr in self.priorities[:3]:
            out.append(f"Voorgestelde prioriteit: {pr.title} — {pr.evidence[0]}.")
        checked = [s for s in self.statements if s.oordeel not in ("geen gegevens",)]
        if self.statements:
            supported = sum(s.oordeel in ("ondersteund", "verenigbaar", "klopt") for s in self.statements)
            out.append(f"Van de {len(self.statements)} uitspraken uit het vorige plan worden er {supported} door de "
                       f"cijfers ondersteund of zijn ermee verenigbaar; {len(self.statements) - len(checked)} zijn niet te toetsen.")
        return out[:5]


def analyse(ds: Dataset) -> Synthesis:
    cfg = ds.config.prioriteiten
    weights = dict(DEFAULT_WEIGHTS)
    weights.update({k: float(v) for k, v in (cfg.get("gewichten") or {}).items()})
    themes = list(cfg.get("themas") or [])
    profiles = all_profiles(ds)
    tests = collect_tests(profiles)
    scores = score_indicators(profiles, tests, weights, themes)
    ranked = priorities(scores, int(cfg.get("aantal", 5)), float(cfg.get("minimum_score", 1.0)))
    statements = check_statements(ds, profiles)
    return Synthesis(profiles, tests, scores, ranked, statements, weights, themes)
