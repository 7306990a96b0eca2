"""Axes that start where they should: counts and rates at 0; an index (about change) fits its lines,
with the reference line and each line named at its end."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from veiligheidsanalyse import plots


def _lines(growth: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"jaar": y, "regio_naam": name, "waarde": 100 * (1 + g) ** (y - 2015)}
            for name, g in growth.items()
            for y in range(2015, 2026)
        ]
    )


def test_an_index_chart_shows_change_not_a_flat_line():
    df = _lines({"Westerveld": 0.004, "Drenthe": 0.0041, "Nederland": 0.006})
    fig = plots.trend_chart(df, y="waarde", lower=None, upper=None, highlight="Westerveld", reference=100)
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert 95 < low < 100 < high < 110  # the 6% growth fills the axis instead of the top twentieth of it
    labels = {t.get_text(): t for t in ax.texts}
    assert {"Westerveld", "Drenthe", "Nederland"} <= set(labels)  # each line named at its end
    assert ax.get_legend() is None
    fig.canvas.draw()
    close = [labels[n].get_window_extent() for n in ("Westerveld", "Drenthe")]  # 0.01% apart: nudged apart
    assert not close[0].overlaps(close[1])
    plt.close(fig)


def test_counts_and_rates_start_at_zero():
    fig = plots.trend_chart(_lines({"Westerveld": 0.004}), y="waarde", lower=None, upper=None, highlight="Westerveld")
    assert fig.axes[0].get_ylim()[0] == 0
    plt.close(fig)


def _bar_labels(values: list[float], decimals: int) -> list[str]:
    df = pd.DataFrame({"naam": [f"r{i}" for i in range(len(values))], "waarde": values})
    fig = plots.bar_chart(df, label="naam", value="waarde", decimals=decimals)
    labels = [t.get_text().strip() for t in fig.axes[0].texts]
    plt.close(fig)
    return labels


def test_figures_and_tables_round_the_same_way():
    """Half-up on the decimal a reader sees, in a figure label as in a table: 2,5 -> 3 and
    0,125 -> 0,13 (Python's round() would give 2 and 0,12)."""
    from veiligheidsanalyse.present import format_cell

    assert _bar_labels([2.5], 0) == ["3"] == [format_cell(2.5, "d0")[0]]
    assert _bar_labels([0.125], 2) == ["0,13"] == [format_cell(0.125, "d2")[0]]
    formatter = plots.DutchFormatter()
    formatter.decimals = 2
    assert formatter(0.125) == "0,13"
