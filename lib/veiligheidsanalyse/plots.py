"""Figures in the house style: colour-blind-safe palette (Okabe-Ito), Dutch labels, PNG at fixed DPI.

Every function returns a matplotlib Figure; ``Chapter.figure`` turns it into a PNG with caption,
alt text and the CSV of its numbers, and closes it (figures left open pile up in a kernel).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from .stats.formatting import format_nl

DPI = 110
# Okabe & Ito (2008), "Color Universal Design": distinguishable with common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GEMEENTE_COLOUR = "#0072B2"
GREY = "#8c8c8c"

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e3e3e3",
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "legend.frameon": False,
        # Names come from partners and configs ("Kern $A$"): drawn literally, never parsed as math.
        "text.parse_math": False,
    }
)


class DutchFormatter(mticker.Formatter):
    """Tick labels the Dutch way: decimal comma, thousands dot, as many decimals as the ticks need.

    Axes of years (whole ticks between 1800 and 2200) are left without a thousands dot: 2015, not 2.015.
    """

    def __init__(self, percent: bool = False):
        self.percent = percent
        self.decimals = 0
        self.years = False

    def set_locs(self, locs):
        super().set_locs(locs)
        lo, hi = (
            self.axis.get_view_interval() if self.axis is not None else (min(locs, default=0), max(locs, default=0))
        )
        visible = [v for v in locs if min(lo, hi) - 1e-9 <= v <= max(lo, hi) + 1e-9] or list(locs)
        self.years = bool(visible) and all(abs(v - round(v)) < 1e-9 and 1800 <= v <= 2200 for v in visible)
        self.decimals = 0
        for d in range(0, 4):
            if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 for v in visible):
                self.decimals = d
                break
        else:
            self.decimals = 3

    def __call__(self, x, pos=None):
        if self.years and abs(x - round(x)) < 1e-9:
            return str(int(round(x)))
        text = format_nl(x, self.decimals)
        return text + "%" if self.percent else text


def dutch_axis(ax, axis: str = "y", percent: bool = False) -> None:
    """Dutch tick labels on one axis of ``ax`` ("x" or "y"); ``percent`` adds a % sign."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(DutchFormatter(percent=percent))


def _dutch_ticks_everywhere(fig) -> None:
    """Give every numeric axis still on matplotlib's default (English) formatter Dutch tick labels."""
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), mticker.ScalarFormatter) and axis.get_scale() == "linear":
                axis.set_major_formatter(DutchFormatter())


def figure_png(fig) -> bytes:
    """The figure as PNG at the house DPI (Dutch tick labels enforced), and close it."""
    _dutch_ticks_everywhere(fig)
    buf = io.BytesIO()
    # No 'Software' metadata: the same figure gives the same bytes across matplotlib versions.
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def mark_figure(fig, mark: str) -> None:
    """Write a data-status mark ("DEMO", "VOORBEELD") into the image itself, so that a figure copied
    out of the report still says its numbers are not real: a label in the corner and a large
    watermark across the plot."""
    fig.text(
        0.5,
        0.5,
        mark,
        ha="center",
        va="center",
        rotation=20,
        fontsize=44,
        weight="bold",
        color="#8a4500",
        alpha=0.16,
        zorder=1000,
    )
    fig.text(
        0.995,
        0.995,
        mark,
        ha="right",
        va="top",
        fontsize=10,
        weight="bold",
        color="white",
        zorder=1001,
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "#8a4500", "edgecolor": "none"},
    )


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("geen PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def trend_chart(
    df: pd.DataFrame,
    *,
    x: str = "jaar",
    y: str = "waarde",
    lower: str | None = "ondergrens",
    upper: str | None = "bovengrens",
    group: str = "regio_naam",
    highlight: str | None = None,
    ylabel: str = "",
    title: str = "",
    breaks: Sequence[int] = (),
    integer_x: bool = True,
    reference: float | None = None,
):
    """Lines per region over time; the highlighted region (the gemeente) with its 95% interval band.

    Counts and rates start at 0. An index (``reference=100``) is about change: its axis fits the lines,
    with a line at the reference, and each line is named at its end so lines close together stay apart."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    groups = list(dict.fromkeys(df[group]))
    others = [g for g in groups if g != highlight]
    for i, name in enumerate(others):
        part = df[df[group] == name].sort_values(x)
        ax.plot(
            part[x], part[y], color=PALETTE[(i + 1) % len(PALETTE)], linewidth=1.6, marker="o", markersize=3, label=name
        )
    if highlight is not None and highlight in groups:
        part = df[df[group] == highlight].sort_values(x)
        if lower and upper and lower in part and upper in part and part[lower].notna().any():
            ax.fill_between(
                part[x],
                part[lower],
                part[upper],
                color=GEMEENTE_COLOUR,
                alpha=0.18,
                linewidth=0,
                label=f"{highlight}: 95%-interval",
            )
        ax.plot(part[x], part[y], color=GEMEENTE_COLOUR, linewidth=2.6, marker="o", markersize=4, label=highlight)
    for year in breaks:
        ax.axvspan(year - 0.5, year + 0.5, color="#f2f2f2", zorder=0)
    if breaks:
        ax.text(min(breaks) - 0.45, ax.get_ylim()[1], "corona", fontsize=10, color=GREY, va="top")
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    if title:
        ax.set_title(title, loc="left")
    if integer_x:
        ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    dutch_axis(ax)
    if reference is None:
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10)
    else:
        ax.axhline(reference, color=GREY, linewidth=0.8, linestyle="--", zorder=1)
        _label_line_ends(ax, df, x, y, group)  # instead of a legend
    return fig


def _label_line_ends(ax, df: pd.DataFrame, x: str, y: str, group: str) -> None:
    """The name of each line next to its last point, nudged apart when ends lie close together."""
    ends = []
    for line in ax.get_lines():
        name = line.get_label()
        part = df[df[group] == name].dropna(subset=[y]).sort_values(x)
        if len(part):
            ends.append([float(part[y].iloc[-1]), name, line.get_color(), part[x].iloc[-1]])
    if not ends:
        return
    low, high = ax.get_ylim()
    gap = (high - low) * 0.06
    ends.sort()
    for i in range(1, len(ends)):
        ends[i][0] = max(ends[i][0], ends[i - 1][0] + gap)
    for value, name, colour, last_x in ends:
        ax.annotate(
            name,
            (last_x, value),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=10,
            color=colour,
            annotation_clip=False,
        )


def interval_chart(
    df: pd.DataFrame,
    *,
    label: str,
    value: str,
    lower: str,
    upper: str,
    reference: float | None = None,
    reference_label: str = "Nederland",
    xlabel: str = "",
    highlight: str | None = None,
    title: str = "",
):
    """Dots with 95% intervals, one row per region or indicator, against a reference line."""
    df = df.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(df) + 1.2))
    ypos = np.arange(len(df))[::-1]
    for yi, (_, row) in zip(ypos, df.iterrows()):
        colour = GEMEENTE_COLOUR if row[label] == highlight else GREY
        if pd.notna(row[lower]) and pd.notna(row[upper]):
            ax.plot([row[lower], row[upper]], [yi, yi], color=colour, linewidth=2)
        ax.plot(row[value], yi, "o", color=colour, markersize=7 if row[label] == highlight else 5)
    if reference is not None and np.isfinite(reference):
        ax.axvline(reference, color="#D55E00", linestyle="--", linewidth=1.2, label=reference_label)
        ax.legend(loc="lower right", fontsize=10)
    ax.set_yticks(ypos)
    ax.set_yticklabels(df[label])
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title, loc="left")
    dutch_axis(ax, "x")
    return fig


def funnel_chart(
    units: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    target: float,
    highlight: str,
    xlabel: str = "Inwoners",
    ylabel: str = "",
    label: str = "regio_naam",
    x: str = "noemer",
    y: str = "waarde",
):
    """Funnel plot: rate against population with 95% and 99,8% control limits around the target."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    lim = limits.sort_values(x)
    for level, style in (("95", "--"), ("998", ":")):
        lo, hi = f"onder_{level}", f"boven_{level}"
        if lo in lim and hi in lim:
            text = "95%" if level == "95" else "99,8%"
            ax.plot(lim[x], lim[hi], style, color=GREY, linewidth=1.2, label=f"{text}-grenzen")
            ax.plot(lim[x], lim[lo], style, color=GREY, linewidth=1.2)
    ax.axhline(target, color="#D55E00", linewidth=1.2, label="Gemiddelde vergelijkingsgemeenten")
    rest = units[units[label] != highlight]
    ax.scatter(rest[x], rest[y], color=PALETTE[4], s=22, zorder=3, label="Vergelijkingsgemeenten")
    own = units[units[label] == highlight]
    ax.scatter(own[x], own[y], color=GEMEENTE_COLOUR, s=60, zorder=4, edgecolor="black", label=highlight)
    for _, row in own.iterrows():
        ax.annotate(highlight, (row[x], row[y]), xytext=(6, 6), textcoords="offset points", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    dutch_axis(ax)
    dutch_axis(ax, "x")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10)
    return fig


def bar_chart(
    df: pd.DataFrame,
    *,
    label: str,
    value: str,
    xlabel: str = "",
    highlight: str | None = None,
    title: str = "",
    annotate: bool = True,
    decimals: int = 0,
):
    """Horizontal bars, largest first, values written next to the bars."""
    df = df.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(df) + 1.0))
    ypos = np.arange(len(df))[::-1]
    colours = [
        GEMEENTE_COLOUR if (highlight is not None and row[label] == highlight) else PALETTE[4]
        for _, row in df.iterrows()
    ]
    ax.barh(ypos, df[value], color=colours)
    ax.set_yticks(ypos)
    ax.set_yticklabels(df[label])
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if annotate:
        for yi, v in zip(ypos, df[value]):
            if pd.notna(v):
                ax.text(v, yi, " " + format_nl(v, decimals), va="center", fontsize=10)
    if title:
        ax.set_title(title, loc="left")
    dutch_axis(ax, "x")
    return fig
