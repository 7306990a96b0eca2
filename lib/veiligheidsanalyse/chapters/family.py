"""The report's one family of tests: every test a page of the report gives a verdict on.

"Significant" means the same on every page: significant after the Holm correction over all
tests of the report together. A report tests many things (every indicator against the
Netherlands, the provincie and the peers, its trend and its change since the previous analysis,
plus a few chapter-specific tests); at 95% some would come out "significant" by chance alone.

How it works, once per report:

1. :func:`collect` runs every test on the data *without* a family (uncorrected) and keeps
   their p-values, each under a key (indicator id, test name);
2. Holm adjusts those p-values together (``stats.signals.adjust_p``);
3. the adjusted p-values become the Dataset's ``family`` (``stats.signals.Family``): from then on
   every profile and chapter function wraps its result in ``signals.Judged``, whose ``direction``
   is the corrected decision, and the verdict words follow it.

A run computes the family once per gemeente and keeps it next to the store (:func:`attach`: the
first chapter that needs it computes it under a lock; the others read it). Not in this family: the
comparisons between the kernen of one gemeente, corrected per indicator over the kernen in the
chapter Kernen (a named family of its own, stated on that page and in Methode).
"""

from __future__ import annotations

import fcntl
from pathlib import Path

import numpy as np
import pandas as pd

from .. import analysis
from ..analysis import CountProfile, FamilyEntry, SurveyProfile
from ..indicators import catalogue
from ..stats import signals
from ..store.dataset import Dataset
from . import criminaliteit, digitaal, fysiek, zorg

FAMILY_FILE = "toetsfamilie.parquet"
LOCK_FILE = "toetsfamilie.lock"
CONTEXT_CHAPTERS = {"00_gebied", "03_kernen"}  # kernen: per-kern variants of indicators already in the family
COLUMNS = ["indicator", "naam", "toets", "p", "p_gecorrigeerd", "oordeel", "richting"]
DIRECTION_WORDS = {"slechter": "ongunstig", "beter": "gunstig", "neutraal": "neutraal"}


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


def _p(result) -> float:
    return float(getattr(result, "p_value", np.nan))


def _tested(verdict: str, colour: str) -> bool:
    """Too few cases, no data or no margins: no test, so no member of the family."""
    return not (verdict.startswith("te weinig") or colour == "onbekend")


def profile_entries(profiles: dict) -> list[FamilyEntry]:
    """The tests of the indicator profiles: level against NL / provincie / peers, trend, change."""
    out = []
    for ind_id, p in profiles.items():
        naam = p.indicator.label
        for comp in p.comparisons.values():
            out.append(FamilyEntry(ind_id, naam, comp.test, _p(comp.result), comp.verdict, comp.colour))
        if isinstance(p, CountProfile) and p.trend is not None:
            p_trend = float(p.trend.p_value) if p.trend.status == "ok" else np.nan
            out.append(FamilyEntry(ind_id, naam, "trend", p_trend, p.trend_verdict, p.trend_colour))
        if p.change is not None:
            out.append(FamilyEntry(ind_id, naam, "verandering", _p(p.change.result), p.change.verdict, p.change.colour))
    return out


def chapter_entries(ds: Dataset, profiles: dict) -> list[FamilyEntry]:
    """The chapter-specific tests, computed by the same functions the chapters print them with."""
    out = criminaliteit.family_entries(ds) + digitaal.family_entries(ds, profiles) + zorg.family_entries(ds)
    out += fysiek.family_entries(ds)
    return out


def collect(ds: Dataset, profiles: dict | None = None) -> list[FamilyEntry]:
    """Every test of the report once (the first of two entries with the same key wins)."""
    profiles = all_profiles(ds) if profiles is None else profiles
    entries: dict[tuple[str, str], FamilyEntry] = {}
    for entry in profile_entries(profiles) + chapter_entries(ds, profiles):
        if not _tested(entry.oordeel, entry.colour):
            entry.p = np.nan
        entries.setdefault(entry.key, entry)
    return list(entries.values())


def compute(ds: Dataset) -> signals.Family:
    """The family of ``ds``: every test run uncorrected, then adjusted together (Holm)."""
    entries = collect(ds.without_family())
    p_values = np.array([e.p for e in entries], dtype=float)
    adjusted = signals.adjust_p(p_values, "holm")
    return signals.Family({e.key: float(a) for e, a in zip(entries, adjusted) if np.isfinite(e.p)})


def table(entries: list[FamilyEntry], family: signals.Family) -> pd.DataFrame:
    """One row per test with what anyone needs to recompute its verdict (the signal table's CSV).

    ``oordeel`` is the words the pages print; ``richting`` is ``ongunstig``, ``gunstig`` or
    ``neutraal`` when significant after the correction, empty otherwise.
    """
    rows = []
    for e in entries:
        p_adj = family.p_adjusted(*e.key)
        significant = np.isfinite(p_adj) and p_adj <= signals.SIGNAL
        rows.append(
            {
                "indicator": e.indicator,
                "naam": e.naam,
                "toets": e.toets,
                "p": e.p,
                "p_gecorrigeerd": p_adj,
                "oordeel": e.oordeel,
                "richting": DIRECTION_WORDS.get(e.colour, "") if significant else "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _write(family: signals.Family, path: Path) -> None:
    frame = pd.DataFrame(
        [{"indicator": i, "toets": t, "p_gecorrigeerd": p} for (i, t), p in family.adjusted.items()],
        columns=["indicator", "toets", "p_gecorrigeerd"],
    )
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def _read(path: Path) -> signals.Family:
    frame = pd.read_parquet(path)
    return signals.Family(
        {(str(i), str(t)): float(p) for i, t, p in zip(frame["indicator"], frame["toets"], frame["p_gecorrigeerd"])}
    )


def load(ds: Dataset, store_dir: Path | None = None) -> signals.Family:
    """The family of ``ds``: read from ``store_dir`` when a chapter of the same run computed it already,
    else computed (and, with ``store_dir``, kept there under a lock for the other chapters)."""
    if store_dir is None:
        return compute(ds)
    path = Path(store_dir) / FAMILY_FILE
    with open(Path(store_dir) / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one chapter computes, the others wait and read
        if path.exists():
            return _read(path)
        family = compute(ds)
        _write(family, path)
        return family


def use(ds: Dataset, store_dir: Path | None = None) -> None:
    """Let ``ds`` load its family when a verdict first needs it (see :func:`load`)."""
    ds.load_family_with(lambda dataset: load(dataset, store_dir))
