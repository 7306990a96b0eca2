"""Static, self-contained SVG maps for the report: a classed choropleth and a location map.

What a reader sees, and why:

* **Classed colours** from a ColorBrewer sequential scheme (:mod:`.classes`), at most five
  classes with a Dutch legend ("minder dan 10", "10 tot 20", "40 of meer").
* **Hatching** over every coloured area that is *not* significantly higher or lower than the
  rest of the gemeente ("vergelijking" other than "hoger"/"lager": not significant after the
  correction of the map, or not tested, "onbekend"): the colour is kept, the hatching says "could
  be chance". So an area is drawn without hatching only when the table calls it significant,
  by the same rule as every page (``stats.smallarea``, ``signals.Judged``); nothing unknown
  ever looks significant. Used for crude rates; smoothed (Empirical Bayes) rates are drawn
  without it.
* **Grey** for "te weinig inwoners" (no rate below the inhabitant threshold), **light grey** for
  "te weinig gevallen" (a count below the indicator's ``min_count``: its rate is in the CSV but
  not coloured, as the Kernen table does not compare it), **dots** for
  "afgeschermd" (a small count of a sensitive kind, see ``stats.smallarea``), **white** for
  "geen gegevens". Hidden counts never reach the SVG: only the reader-safe columns of the
  table are used for hover texts, and a hidden area carries no colour class.
* Every map has a ``<title>`` and a ``<desc>`` (the alt text: what the map shows, in words;
  :func:`describe_map` writes one from the table), the line "Bron: Kadaster / CBS <jaar>",
  optionally a DEMO/VOORBEELD mark, and nothing else: no scripts, no fonts, no links, no
  external references (only the SVG namespace). ids carry a per-map prefix, so several maps can
  be inlined in one HTML page.
* The legend sits **under the map**, in one column at the left within ``LEGEND_SPAN`` units: on a
  phone the map (kept at least 580 px wide by the stylesheet) scrolls sideways in its own box, and
  the legend stays in view without scrolling.
* At most ``MAX_BYTES`` (100 kB): boundaries are simplified to half a pixel first (shared borders
  stay shared, :mod:`.simplify`); a map still too large is simplified further, up to 2^5 times.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..stats.formatting import format_interval, format_nl
from ..stats.smallarea import SUPPRESSED, TOO_FEW_CASES, TOO_FEW_INHABITANTS, TOTAL_ROW
from .boundaries import Gebied, bounds_of
from .classes import DEFAULT_PALETTE, class_breaks, class_labels, class_of, palette
from .simplify import auto_tolerance, simplify_areas
from .svg import Frame, label_point, path_data, text, wrap

MAX_BYTES = 100_000
WIDTH = 640
MAX_MAP_HEIGHT = 560  # a tall region is drawn narrower rather than taller than this
LEGEND_SPAN = 300  # the legend stays within this many units from the left edge (a phone's view, see above)
LEGEND_CHARS = 48  # characters per legend line within LEGEND_SPAN at 11 units
PAD = 10
NO_DATA = "geen gegevens"
REST = "de rest van de gemeente"  # what each area is compared with (as in the Kernen table)
NOT_SIGNIFICANT = f"niet significant verschillend van {REST}, of onbekend"
SIGNIFICANT = ("hoger", "lager")
NO_COLOUR = (TOO_FEW_INHABITANTS, TOO_FEW_CASES, SUPPRESSED)  # flags that leave an area without a colour
COLOURS = {TOO_FEW_INHABITANTS: "#bdbdbd", TOO_FEW_CASES: "#e6e6e6", NO_DATA: "#ffffff", SUPPRESSED: "#ffffff"}
LEGEND_TEXT = {
    TOO_FEW_INHABITANTS: "te weinig inwoners",
    TOO_FEW_CASES: "te weinig gevallen om te vergelijken",
    SUPPRESSED: "afgeschermd (kleine aantallen)",
    NO_DATA: NO_DATA,
}


@dataclass(frozen=True)
class MapValue:
    """What one area shows: a value to colour (NaN: none), hatching, and a reader-safe hover text.

    ``no_value`` says why there is no value: "te weinig inwoners", "te weinig gevallen",
    "afgeschermd" or "geen gegevens".
    """

    code: str
    value: float = math.nan
    hatched: bool = False
    no_value: str = ""
    tooltip: str = ""


def map_values(
    table,
    value: str = "per_1000",
    hatch: bool | None = None,
    unit: str = "per 1.000 inwoners per jaar",
    decimals: int = 1,
) -> dict[str, MapValue]:
    """Map values from a ``stats.smallarea.small_area_table`` (its total row is skipped).

    ``value`` is "per_1000" (crude rate; hatched wherever the flag is not "hoger" or "lager",
    unknown included) or "per_1000_eb" (smoothed; not hatched). Hover texts use only ``aantal_weergave``,
    the rates and the flag, never a hidden count.
    """
    hatch = (value == "per_1000") if hatch is None else hatch
    out: dict[str, MapValue] = {}
    for row in table.to_dict("records"):
        if row["rol"] == TOTAL_ROW:
            continue
        flag = row["vergelijking"]
        number = row[value]
        reason = ""
        if flag == SUPPRESSED or row.get("afgeschermd"):
            reason, number = SUPPRESSED, math.nan
        elif flag in NO_COLOUR:
            reason, number = flag, math.nan
        elif number is None or not math.isfinite(number):
            reason, number = NO_DATA, math.nan
        out[row["regio_code"]] = MapValue(
            code=row["regio_code"],
            value=float(number),
            hatched=hatch and flag not in SIGNIFICANT,
            no_value=reason,
            tooltip=_tooltip(row, value, unit, decimals, reason),
        )
    return out


def _tooltip(row, value, unit, decimals, reason) -> str:
    name = row["regio_naam"]
    if reason == SUPPRESSED:
        return f"{name}: aantal afgeschermd (kleine aantallen)"
    count = f"{row['aantal_weergave']} geregistreerd"
    if reason == TOO_FEW_CASES:  # the rate is known, only not compared
        return f"{name}: {count}; {format_nl(row['per_1000'], decimals)} {unit}; {LEGEND_TEXT[TOO_FEW_CASES]}"
    if reason:
        return f"{name}: {count}; {LEGEND_TEXT.get(reason, reason)}"
    text_ = (
        f"{name}: {count}; {format_nl(row['per_1000'], decimals)} {unit} "
        f"(95%-interval {format_interval(row['ondergrens'], row['bovengrens'], decimals)})"
    )
    if value == "per_1000_eb":
        text_ += f"; gestabiliseerd {format_nl(row['per_1000_eb'], decimals)}"
    flag = row["vergelijking"]
    verdict = {
        "hoger": f"significant hoger dan {REST}",
        "lager": f"significant lager dan {REST}",
        "gelijk": f"niet significant verschillend van {REST}",
        "onbekend": "niet vergeleken (onbekend)",
    }.get(flag, "")
    return f"{text_}; {verdict}" if verdict else text_


def describe_map(
    table,
    *,
    subject: str,
    area_plural: str,
    gemeente: str,
    period: str = "",
    value: str = "per_1000",
    area_singular: str | None = None,
) -> str:
    """Alt text for a small-area map: what it shows and what stands out, in plain Dutch.

    Counts areas per flag and names those significantly higher (up to eight) and those left out
    as unknown (up to eight); never a count. The benchmark is named as the table's total row names
    it ("Som van de wijken"), the comparison as the table makes it (against the rest).
    ``area_singular`` ("wijk") makes "1 wijk ligt" of "1 wijken liggen".
    """
    singular = area_singular or area_plural

    def n(count, plural_verb: str, singular_verb: str) -> str:
        return f"{count} {singular} {singular_verb}" if count == 1 else f"{count} {area_plural} {plural_verb}"

    areas = table[table["rol"] != TOTAL_ROW]
    total = table[table["rol"] == TOTAL_ROW].iloc[0]
    shown = "gestabiliseerd (Empirical Bayes) " if value == "per_1000_eb" else ""
    when = f" in {period}" if period else ""
    parts = [
        f"Kaart van de {len(areas)} {area_plural} van {gemeente}: {shown}{subject} per 1.000 inwoners "
        f"per jaar{when}. {total['regio_naam']}: {format_nl(total['per_1000'], 1)} per 1.000."
    ]
    flags = areas["vergelijking"].value_counts()
    higher = areas.loc[areas["vergelijking"] == "hoger", "regio_naam"].tolist()
    if flags.get("hoger", 0) or flags.get("lager", 0):
        sentence = (
            f"{n(flags.get('hoger', 0), 'liggen', 'ligt')} significant hoger dan {REST}, "
            f"{flags.get('lager', 0)} significant lager"
        )
        if 0 < len(higher) <= 8:
            sentence += f" (hoger: {', '.join(higher)})"
        parts.append(sentence + ".")
    else:
        parts.append(f"Geen van de {area_plural} verschilt significant van {REST}.")
    if flags.get("gelijk", 0) and value == "per_1000":
        parts.append(f"{n(flags['gelijk'], 'verschillen', 'verschilt')} niet significant (gearceerd).")
    unknown = areas[areas["vergelijking"] == "onbekend"]
    if len(unknown):
        names = unknown["regio_naam"].astype(str).tolist()
        listed = f" ({', '.join(names)})" if len(names) <= 8 else ""
        parts.append(
            f"{n(len(unknown), 'hebben', 'heeft')} een onbekend aantal of onbekende inwoners{listed}: "
            "niet vergeleken en niet meegeteld in de som (gearceerd of wit)."
        )
    for flag, verbs, words in (
        (TOO_FEW_INHABITANTS, ("hebben", "heeft"), "te weinig inwoners voor een cijfer (grijs)"),
        (TOO_FEW_CASES, ("hebben", "heeft"), "te weinig gevallen om te vergelijken (lichtgrijs, geen kleur)"),
        (SUPPRESSED, ("zijn", "is"), "afgeschermd vanwege kleine aantallen"),
    ):
        if flags.get(flag, 0):
            parts.append(f"{n(flags[flag], *verbs)} {words}.")
    return " ".join(parts)


def choropleth_svg(
    areas: list[Gebied],
    values: Mapping[str, MapValue],
    *,
    title: str,
    description: str,
    boundary_year: int,
    legend_title: str,
    palette_name: str = DEFAULT_PALETTE,
    breaks=None,
    n_classes: int = 5,
    decimals: int | None = None,
    labels: Mapping[str, str] | None = None,
    data_source: str | None = None,
    mark: str | None = None,
    width: int = WIDTH,
    tolerance: float | None = None,
    max_bytes: int = MAX_BYTES,
) -> str:
    """A classed choropleth of ``areas`` as a self-contained SVG string (see module notes).

    ``values`` maps area codes to :class:`MapValue` (areas without one are "geen gegevens").
    ``breaks`` fixes the class boundaries; otherwise rounded quantiles of the values shown.
    ``labels`` maps codes to names to print (kernen, wijken). ``data_source`` adds the source of
    the numbers to the attribution line; ``mark`` ("DEMO", "VOORBEELD") is printed on the map.
    """
    shown = [v.value for v in values.values() if math.isfinite(v.value)]
    breaks = list(breaks) if breaks is not None else class_breaks(shown, n_classes)
    colours = palette(palette_name, len(breaks) + 1)
    legend = [(colours[i], label, "") for i, label in enumerate(class_labels(breaks, decimals))] if shown else []
    present = {values[a.code].no_value if a.code in values else NO_DATA for a in areas} - {""}
    if any(values.get(a.code, MapValue(a.code)).hatched for a in areas):
        legend.append(("#ffffff", NOT_SIGNIFICANT, "hatch"))
    for reason in (TOO_FEW_CASES, TOO_FEW_INHABITANTS, SUPPRESSED, NO_DATA):
        if reason in present:
            legend.append((COLOURS[reason], LEGEND_TEXT[reason], "dots" if reason == SUPPRESSED else ""))

    def fill(area: Gebied) -> tuple[str, str, bool]:
        v = values.get(area.code, MapValue(area.code, no_value=NO_DATA))
        if math.isfinite(v.value):
            return colours[class_of(v.value, breaks)], v.tooltip, v.hatched
        reason = v.no_value or NO_DATA
        return COLOURS[reason] if reason != SUPPRESSED else "dots", v.tooltip, False

    return _render(
        areas,
        fill,
        legend,
        title=title,
        description=description,
        boundary_year=boundary_year,
        legend_title=legend_title,
        labels=labels,
        data_source=data_source,
        mark=mark,
        width=width,
        tolerance=tolerance,
        max_bytes=max_bytes,
    )


def location_svg(
    areas: list[Gebied],
    highlight,
    *,
    title: str,
    description: str,
    boundary_year: int,
    labels: Mapping[str, str] | None = None,
    legend_title: str = "Ligging",
    highlight_label: str | None = None,
    other_label: str = "overige gemeenten",
    group=(),
    group_label: str = "",
    mark: str | None = None,
    width: int = WIDTH,
    max_bytes: int = MAX_BYTES,
) -> str:
    """A location map: the ``highlight`` code(s) (e.g. the gemeente) dark, the codes of ``group`` (e.g. the
    other gemeenten of its basisteam, ``group_label`` in the legend) medium, the other areas light."""
    chosen = {highlight} if isinstance(highlight, str) else set(highlight)
    around = set(group) - chosen
    light, medium, dark = palette("Blues", 3)
    if highlight_label is None:
        highlight_label = ", ".join(a.naam for a in areas if a.code in chosen)
    legend = [(dark, highlight_label, "")]
    if any(a.code in around for a in areas):
        legend.append((medium, group_label, ""))
    legend.append((light, other_label, ""))

    def fill(area: Gebied) -> tuple[str, str, bool]:
        colour = dark if area.code in chosen else medium if area.code in around else light
        return colour, area.naam, False

    return _render(
        areas,
        fill,
        legend,
        title=title,
        description=description,
        boundary_year=boundary_year,
        legend_title=legend_title,
        labels=labels,
        data_source=None,
        mark=mark,
        width=width,
        tolerance=None,
        max_bytes=max_bytes,
    )


def category_svg(
    areas: list[Gebied],
    categories: Mapping[str, str],
    legend: list[tuple[str, str]],
    *,
    title: str,
    description: str,
    boundary_year: int,
    legend_title: str,
    tooltips: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    mark: str | None = None,
    width: int = WIDTH,
    max_bytes: int = MAX_BYTES,
) -> str:
    """A map of categories (e.g. "significant hoger" per gemeente): ``categories`` maps codes to a label of
    ``legend`` (label, colour), in the legend's order; an area without a category is "geen gegevens"."""
    colours = dict(legend)
    present = {categories.get(a.code, NO_DATA) for a in areas}
    shown = [(colours[label], label, "") for label, _c in legend if label in present]
    if NO_DATA in present:
        shown.append((COLOURS[NO_DATA], NO_DATA, ""))
    tips = tooltips or {}

    def fill(area: Gebied) -> tuple[str, str, bool]:
        label = categories.get(area.code, NO_DATA)
        return colours.get(label, COLOURS[NO_DATA]), tips.get(area.code, f"{area.naam}: {label}"), False

    return _render(
        areas,
        fill,
        shown,
        title=title,
        description=description,
        boundary_year=boundary_year,
        legend_title=legend_title,
        labels=labels,
        data_source=None,
        mark=mark,
        width=width,
        tolerance=None,
        max_bytes=max_bytes,
    )


def check_codes(areas: list[Gebied], codes) -> tuple[list[str], list[str]]:
    """(codes without a boundary, boundaries without a code): both empty when a map fits its table."""
    have, want = {a.code for a in areas}, set(codes)
    return sorted(want - have), sorted(have - want)


# --------------------------------------------------------------------------- rendering


def _render(
    areas,
    fill,
    legend,
    *,
    title,
    description,
    boundary_year,
    legend_title,
    labels,
    data_source,
    mark,
    width,
    tolerance,
    max_bytes,
) -> str:
    if not areas:
        raise ValueError("no areas to draw")
    map_w = width - 2 * PAD
    base = tolerance if tolerance is not None else auto_tolerance(areas, map_w)
    for attempt in range(6):
        drawn = simplify_areas(areas, base * 2**attempt)
        svg = _document(
            drawn,
            fill,
            legend,
            title=title,
            description=description,
            boundary_year=boundary_year,
            legend_title=legend_title,
            labels=labels,
            data_source=data_source,
            mark=mark,
            width=width,
            map_w=map_w,
        )
        if len(svg.encode("utf-8")) <= max_bytes:
            return svg
    raise ValueError(f"map {title!r} stays above {max_bytes} bytes after simplification")


def _document(
    areas, fill, legend, *, title, description, boundary_year, legend_title, labels, data_source, mark, width, map_w
) -> str:
    min_x, min_y, max_x, max_y = bounds_of(areas)
    title_h = 28
    map_h = min(max(map_w * (max_y - min_y) / max(max_x - min_x, 1e-9), 200), MAX_MAP_HEIGHT)
    legend_h = _legend_height(legend, legend_title) + 8 if legend else 0
    height = round(title_h + map_h + legend_h + 34)
    frame = Frame.fit((min_x, min_y, max_x, max_y), map_w, map_h, PAD, title_h)
    prefix = _id_prefix(title, areas)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{prefix}t {prefix}d" '
        'font-family="Arial, Helvetica, sans-serif" font-size="11">',
        f'<title id="{prefix}t">{text(title)}</title>',
        f'<desc id="{prefix}d">{text(description)}</desc>',
        _defs(areas, frame, prefix),
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{PAD}" y="18" font-size="14" font-weight="bold" fill="#222222">{text(title)}</text>',
        _areas_group(areas, fill, prefix),
    ]
    if labels:
        out.append(_labels(areas, labels, frame))
    if mark:
        out.append(
            f'<text x="{PAD + 4}" y="{title_h + 22}" font-size="20" font-weight="bold" fill="#c00000" '
            f'fill-opacity="0.8">{text(mark)}</text>'
        )
    if legend:
        out.append(_legend(legend, legend_title, PAD, title_h + map_h + 8, prefix))
    source = f"Bron: Kadaster / CBS {boundary_year}"
    if data_source:
        source += f"; cijfers: {data_source}"
    out.append(f'<text x="{PAD}" y="{height - 10}" font-size="10" fill="#555555">{text(source)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _id_prefix(title: str, areas) -> str:
    """ids unique per map, so two maps inlined in one page never reference each other's shapes."""
    digest = hashlib.sha1((title + "|" + ",".join(a.code for a in areas)).encode("utf-8")).hexdigest()
    return f"k{digest[:6]}"


def _defs(areas, frame, prefix) -> str:
    shapes = [f'<path id="{prefix}{i}" d="{path_data(area, frame)}"/>' for i, area in enumerate(areas)]
    return (
        "<defs>"
        f'<pattern id="{prefix}h" patternUnits="userSpaceOnUse" width="5" height="5" '
        'patternTransform="rotate(45)"><rect width="5" height="5" fill="none"/>'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="#222222" stroke-width="1.1" stroke-opacity="0.65"/></pattern>'
        f'<pattern id="{prefix}s" patternUnits="userSpaceOnUse" width="5" height="5">'
        '<rect width="5" height="5" fill="#ffffff"/><circle cx="2.5" cy="2.5" r="0.9" fill="#737373"/></pattern>'
        + "\n".join(shapes)
        + "</defs>"
    )


def _areas_group(areas, fill, prefix) -> str:
    colour_uses, hatch_uses = [], []
    for i, area in enumerate(areas):
        colour, tooltip, hatched = fill(area)
        colour = f"url(#{prefix}s)" if colour == "dots" else colour
        hover = f"<title>{text(tooltip)}</title>" if tooltip else ""
        colour_uses.append(f'<use href="#{prefix}{i}" fill="{colour}">{hover}</use>')
        if hatched:
            hatch_uses.append(f'<use href="#{prefix}{i}" fill="url(#{prefix}h)"/>')
    group = [
        '<g fill-rule="evenodd" stroke="#ffffff" stroke-width="0.7" stroke-linejoin="round">',
        *colour_uses,
        "</g>",
    ]
    if hatch_uses:
        group += ['<g fill-rule="evenodd" stroke="none" pointer-events="none">', *hatch_uses, "</g>"]
    return "\n".join(group)


def _labels(areas, labels, frame) -> str:
    out = [
        '<g font-size="10" fill="#111111" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
        'stroke-linejoin="round" text-anchor="middle" pointer-events="none">'
    ]
    for area in areas:
        name = labels.get(area.code)
        if name:
            x, y = frame.pixel(label_point(area))
            out.append(f'<text x="{x:.1f}" y="{y + 3:.1f}">{text(name)}</text>')
    out.append("</g>")
    return "\n".join(out)


def _legend_height(legend, legend_title) -> float:
    lines = sum(len(wrap(label, LEGEND_CHARS - 4)) for _, label, _ in legend)
    return len(wrap(legend_title, LEGEND_CHARS)) * 14 + 8 + lines * 13 + len(legend) * 6


def _legend(legend, legend_title, x, top, prefix) -> str:
    out = ['<g class="va-legenda" fill="#222222">']
    y = top + 12
    for line in wrap(legend_title, LEGEND_CHARS):
        out.append(f'<text x="{x}" y="{y}" font-weight="bold">{text(line)}</text>')
        y += 14
    y += 4
    for colour, label, kind in legend:
        fill = {"hatch": f"url(#{prefix}h)", "dots": f"url(#{prefix}s)"}.get(kind, colour)
        out.append(f'<rect x="{x}" y="{y}" width="16" height="12" fill="#ffffff" stroke="#969696" stroke-width="0.6"/>')
        out.append(f'<rect x="{x}" y="{y}" width="16" height="12" fill="{fill}" stroke="#969696" stroke-width="0.6"/>')
        lines = wrap(label, LEGEND_CHARS - 4)
        for k, line in enumerate(lines):
            out.append(f'<text x="{x + 22}" y="{y + 10 + 13 * k}">{text(line)}</text>')
        y += 13 * len(lines) + 6
    out.append("</g>")
    return "\n".join(out)
