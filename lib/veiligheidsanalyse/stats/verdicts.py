"""Plain-Dutch verdicts from test results, and the colour class that goes with them.

Every sentence a chapter prints about a difference or a trend comes from here, so that the text
can only claim what a test supports. The functions take (scalar) result objects of ``compare``,
``trend`` and ``survey``; an indicator's ``min_count`` and ``polarity`` come from the catalogue.

Colour classes (``colour_class``) combine the direction of a *significant* result with the
indicator's polarity: "slechter", "beter", "gelijk" (not significant), "neutraal" (significant
but the indicator has no good or bad direction) and "onbekend" (not tested).
"""

from __future__ import annotations

import numpy as np

from .compare import BenchmarkComparison, PeriodComparison
from .formatting import format_pct
from .survey import SurveyComparison
from .trend import STATUS_NO_EVENTS, STATUS_OK, STATUS_TOO_FEW_EVENTS, STATUS_TOO_FEW_YEARS, Trend

TOO_FEW = "te weinig gevallen om te vergelijken"
NOT_AFTER_CORRECTION = ", niet significant na correctie"  # an uncorrected result is only an "aanwijzing"
UNKNOWN = "onbekend (geen gegevens)"
POLARITIES = ("hoger_slechter", "hoger_beter", "neutraal")


def colour_class(direction, polarity: str) -> str:
    """'slechter' / 'beter' / 'gelijk' / 'neutraal' / 'onbekend' for a direction and a polarity.

    ``direction`` is "hoger", "lager", "gelijk" or "onbekend" (as on every result object).
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    if direction == "gelijk":
        return "gelijk"
    if direction not in ("hoger", "lager"):
        return "onbekend"
    if polarity == "neutraal":
        return "neutraal"
    worse = "hoger" if polarity == "hoger_slechter" else "lager"
    return "slechter" if direction == worse else "beter"


def _too_few(count, min_count) -> bool:
    return min_count is not None and not np.isnan(count) and count < min_count


def _indication(result) -> str:
    """'hoger'/'lager' when only the uncorrected test is significant (see ``signals.Judged``), else ''."""
    return result.raw_direction if getattr(result, "aanwijzing", False) else ""


def _compared_with(direction: str, area: str, indication: str = "") -> str:
    if indication:
        return f"aanwijzing: {indication} dan {area}{NOT_AFTER_CORRECTION}"
    if direction == "hoger":
        return f"significant hoger dan {area}"
    if direction == "lager":
        return f"significant lager dan {area}"
    if direction == "gelijk":
        return f"niet significant verschillend van {area}"
    return UNKNOWN


def verdict_benchmark(result: BenchmarkComparison, area: str = "Nederland", min_count: int | None = None) -> str:
    """ "significant hoger dan Nederland", "niet significant verschillend van Drenthe", ...

    Works for :func:`compare_with_benchmark` and :func:`compare_with_region` (pass the region's
    name as ``area``). Below ``min_count`` observed cases: "te weinig gevallen om te vergelijken".
    """
    if np.isnan(result.observed):
        return UNKNOWN
    if _too_few(result.observed, min_count):
        return TOO_FEW
    return _compared_with(result.direction, area, _indication(result))


def verdict_periods(result: PeriodComparison, since, min_count: int | None = None) -> str:
    """ "significante stijging sinds 2019", "significante daling ...", "geen significante verandering ...".

    ``min_count`` applies to the larger of the two counts: with a handful of cases in both
    periods no sentence about change is written.
    """
    counts = (float(result.count1), float(result.count2))
    if np.isnan(counts).any():
        return UNKNOWN
    if min_count is not None and max(counts) < min_count:
        return TOO_FEW
    direction = result.direction
    indication = _indication(result)
    if indication:
        word = "stijging" if indication == "hoger" else "daling"
        return f"aanwijzing voor een {word} sinds {since}{NOT_AFTER_CORRECTION}"
    if direction == "hoger":
        return f"significante stijging sinds {since}"
    if direction == "lager":
        return f"significante daling sinds {since}"
    if direction == "gelijk":
        return f"geen significante verandering sinds {since}"
    return UNKNOWN


def verdict_trend(result: Trend, min_count: int | None = None) -> str:
    """ "significante daling van gemiddeld 6% per jaar (2015-2025)", "geen significante trend (...)".

    ``min_count`` applies to the mean count per year in the fitted years.
    """
    if result.status == STATUS_TOO_FEW_YEARS:
        return "te weinig jaren voor een trend"
    if result.status in (STATUS_NO_EVENTS, STATUS_TOO_FEW_EVENTS):
        return "te weinig gevallen voor een trend"
    if result.status != STATUS_OK:
        return UNKNOWN
    if _too_few(result.mean_count, min_count):
        return "te weinig gevallen voor een trend"
    span = f"({result.first_year}-{result.last_year})"
    direction = result.direction
    change = abs(result.annual_change_pct)
    amount = format_pct(change, 0 if change >= 1 else 1)
    indication = _indication(result)
    if indication:
        word = "stijging" if indication == "hoger" else "daling"
        return f"aanwijzing voor een {word} van gemiddeld {amount} per jaar {span}{NOT_AFTER_CORRECTION}"
    if direction == "gelijk":
        return f"geen significante trend {span}"
    if direction not in ("hoger", "lager"):
        return UNKNOWN
    word = "stijging" if direction == "hoger" else "daling"
    return f"significante {word} van gemiddeld {amount} per jaar {span}"


def verdict_survey(result: SurveyComparison, area: str | None = None) -> str:
    """Verdict on ``value2`` against ``value1`` of :func:`compare_survey`.

    With ``area`` (same edition, other area): "significant hoger dan Drenthe". Without: a change
    since ``edition1``: "significant hoger dan in 2021", "niet significant veranderd sinds 2021".
    Across the 2021 redesign: "niet vergelijkbaar door de methodebreuk in 2021".
    """
    if result.status == "niet vergelijkbaar":
        return "niet vergelijkbaar door de methodebreuk in 2021"
    if result.status != "ok":
        return "niet getoetst (geen marges)"
    direction = result.direction
    indication = _indication(result)
    if area is not None:
        return _compared_with(direction, area, indication)
    if indication:
        return f"aanwijzing: {indication} dan in {result.edition1}{NOT_AFTER_CORRECTION}"
    if direction == "hoger":
        return f"significant hoger dan in {result.edition1}"
    if direction == "lager":
        return f"significant lager dan in {result.edition1}"
    if direction == "gelijk":
        return f"niet significant veranderd sinds {result.edition1}"
    return UNKNOWN


# A position in the funnel, not a verdict: the limits hold for one gemeente on its own (no correction
# for the report's family), so no "signaal" or "alarm" here; the verdicts are the comparisons' words.
FUNNEL_TEXT = {
    "binnen": "binnen de verwachte spreiding",
    "boven 95%": "boven de 95%-grens",
    "boven 99,8%": "boven de 99,8%-grens",
    "onder 95%": "onder de 95%-grens",
    "onder 99,8%": "onder de 99,8%-grens",
    "onbekend": UNKNOWN,
}


def verdict_funnel(flag: str) -> str:
    """Sentence part for a funnel flag: "boven de 95%-grens", "binnen de verwachte spreiding"."""
    return FUNNEL_TEXT.get(flag, UNKNOWN)


def funnel_direction(flag: str) -> str:
    """Direction ("hoger"/"lager"/"gelijk"/"onbekend") of a funnel flag, for :func:`colour_class`."""
    if flag.startswith("boven"):
        return "hoger"
    if flag.startswith("onder"):
        return "lager"
    return "gelijk" if flag == "binnen" else "onbekend"


def verdict(result, **kwargs) -> str:
    """Dispatch to the verdict function for ``result``'s type (see the specific functions)."""
    kind = getattr(result, "result", result)  # a signals.Judged answers for the result it wraps
    if isinstance(kind, BenchmarkComparison):
        return verdict_benchmark(result, **kwargs)
    if isinstance(kind, PeriodComparison):
        return verdict_periods(result, **kwargs)
    if isinstance(kind, Trend):
        return verdict_trend(result, **kwargs)
    if isinstance(kind, SurveyComparison):
        return verdict_survey(result, **kwargs)
    raise TypeError(f"no verdict for {type(result).__name__}")
