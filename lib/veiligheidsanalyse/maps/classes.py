"""Classed colour scales for maps: ColorBrewer sequential schemes and rounded class breaks.

Colours: Brewer CA, Harrower M (2003), ColorBrewer (colorbrewer2.org), the sequential schemes
"OrRd" (for indicators where higher is worse: crime, nuisance) and "Blues" (neutral), 3 to 5
classes; ColorBrewer marks both colour-blind safe and print friendly. Sequential schemes differ
in lightness as well as hue, so the order of the classes survives grey-scale printing.

Breaks: quantiles of the values shown (equal numbers of areas per class), each rounded to a
readable number (1, 2,5 or 5 times a power of ten, about a tenth of the break itself: 4,9 -> 5,
15,3 -> 15, 37 -> 35), duplicates removed; so a map with few distinct values gets fewer classes
rather than empty ones. Pass explicit breaks to keep one scale over several maps.
"""

from __future__ import annotations

import math
from itertools import pairwise

from ..stats.formatting import format_nl

PALETTES = {
    "OrRd": {
        3: ("#fee8c8", "#fdbb84", "#e34a33"),
        4: ("#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f"),
        5: ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"),
    },
    "Blues": {
        3: ("#deebf7", "#9ecae1", "#3182bd"),
        4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
        5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    },
}
DEFAULT_PALETTE = "OrRd"


def palette(name: str, n: int) -> tuple[str, ...]:
    """``n`` colours (1 to 5) of a ColorBrewer sequential scheme, light to dark."""
    if name not in PALETTES:
        raise ValueError(f"palette must be one of {sorted(PALETTES)}, got {name!r}")
    if not 1 <= n <= 5:
        raise ValueError(f"1 to 5 classes, got {n}")
    if n >= 3:
        return PALETTES[name][n]
    three = PALETTES[name][3]
    return (three[1],) if n == 1 else (three[0], three[2])


def nice_round(value: float) -> float:
    """``value`` rounded to a step of about a tenth of itself: 1, 2,5 or 5 times a power of ten."""
    if not value > 0:
        return 0.0
    raw = value / 10.0
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1.0, 2.5, 5.0, 10.0) if raw <= f * power)
    return round(round(value / step) * step, 10)


def class_breaks(values, n: int = 5) -> list[float]:
    """Inner class boundaries (at most ``n - 1``) for the finite ``values``: rounded quantiles.

    A value ``v`` belongs to class ``i`` when ``breaks[i-1] <= v < breaks[i]``.
    """
    finite = sorted(v for v in values if v is not None and math.isfinite(v))
    if len(finite) < 2 or finite[0] == finite[-1]:
        return []
    breaks: list[float] = []
    for k in range(1, n):
        b = nice_round(_quantile(finite, k / n))
        if finite[0] < b <= finite[-1] and (not breaks or b > breaks[-1]):
            breaks.append(b)
    return breaks


def class_of(value: float, breaks) -> int:
    """Index of the class of ``value`` (0 .. len(breaks))."""
    return sum(1 for b in breaks if value >= b)


def class_labels(breaks, decimals: int | None = None) -> list[str]:
    """Dutch legend labels: "minder dan 10", "10 tot 17,5", "17,5 of meer" (one more than breaks).

    Without ``decimals`` each break gets as many decimals as it needs (at most two).
    """
    if not breaks:
        return ["alle waarden"]
    text = [format_nl(b, decimals if decimals is not None else _decimals(b)) for b in breaks]
    labels = [f"minder dan {text[0]}"]
    labels += [f"{a} tot {b}" for a, b in pairwise(text)]
    labels.append(f"{text[-1]} of meer")
    return labels


def _decimals(value: float) -> int:
    return next((d for d in (0, 1) if round(value, d) == round(value, 10)), 2)


def _quantile(sorted_values, q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of already sorted values."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
