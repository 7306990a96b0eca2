"""Dutch number formatting for text and tables: 8,1 · 1.234 · 12% · 15,4–35,7.

Named ``formatting`` rather than ``format`` so importing it never shadows the builtin.
Rounding is half-up on the decimal representation a reader sees (2,675 -> 2,68), not
Python's round-half-even on the binary float (which would print 2,67).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

UNKNOWN = "onbekend"


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def format_nl(value, decimals: int = 1, unknown: str = UNKNOWN) -> str:
    """Format a number the Dutch way: decimal comma, thousands dot (``1234.56 -> "1.234,6"``).

    ``None``/NaN becomes ``unknown`` ("onbekend"): an unknown figure is never shown as 0.
    Infinity is written as "oneindig".
    """
    if _is_missing(value):
        return unknown
    value = float(value)
    if math.isinf(value):
        return "oneindig" if value > 0 else "min oneindig"
    quantum = Decimal(1).scaleb(-decimals)  # 10**-decimals
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never print "-0,0"
    text = f"{rounded:,.{decimals}f}"  # 1,234.5 (English separators)
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_count(value, unknown: str = UNKNOWN) -> str:
    """A whole number with a thousands dot: ``1234 -> "1.234"``."""
    return format_nl(value, 0, unknown)


def format_pct(value, decimals: int = 0, fraction: bool = False, unknown: str = UNKNOWN) -> str:
    """A percentage, Dutch style: ``12.3 -> "12%"``, ``(8.14, 1) -> "8,1%"``.

    ``value`` is in percent (0-100) unless ``fraction=True`` (0-1).
    """
    if _is_missing(value):
        return unknown
    value = float(value) * (100.0 if fraction else 1.0)
    return f"{format_nl(value, decimals, unknown)}%"


def format_change_pct(value, decimals: int = 0, unknown: str = UNKNOWN) -> str:
    """A signed change in percent: ``41.7 -> "+42%"``, ``-6.2 -> "-6%"``, ``0 -> "0%"``."""
    if _is_missing(value):
        return unknown
    text = format_pct(value, decimals)
    if text.startswith("-") or text == format_pct(0, decimals):
        return text
    return f"+{text}"


def format_interval(lower, upper, decimals: int = 1, unknown: str = UNKNOWN) -> str:
    """A confidence interval as ``"15,4–35,7"`` (en dash); unknown bounds give ``unknown``."""
    if _is_missing(lower) or _is_missing(upper):
        return unknown
    return f"{format_nl(lower, decimals)}–{format_nl(upper, decimals)}"
