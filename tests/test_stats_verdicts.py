"""Plain-Dutch verdicts, colour classes and Dutch number formatting."""

import math

import pytest

from veiligheidsanalyse.stats import (
    colour_class,
    compare_periods,
    compare_survey,
    compare_with_benchmark,
    compare_with_region,
    format_change_pct,
    format_count,
    format_interval,
    format_nl,
    format_pct,
    funnel_direction,
    poisson_trend,
    verdict,
    verdict_benchmark,
    verdict_funnel,
    verdict_periods,
)


@pytest.mark.parametrize(
    "value, decimals, text",
    [
        (8.1, 1, "8,1"),
        (1234, 0, "1.234"),
        (1234567.891, 2, "1.234.567,89"),
        (2.675, 2, "2,68"),  # half-up on the decimal digits a reader sees (float is 2.67499...)
        (0.5, 0, "1"),
        (-3.25, 1, "-3,3"),
        (-0.04, 1, "0,0"),  # no "-0,0"
        (float("nan"), 1, "onbekend"),
        (None, 1, "onbekend"),
    ],
)
def test_format_nl(value, decimals, text):
    assert format_nl(value, decimals) == text


def test_other_formats():
    assert format_count(20_347) == "20.347"
    assert format_pct(12.3) == "12%"
    assert format_pct(8.14, 1) == "8,1%"
    assert format_pct(0.123, fraction=True) == "12%"
    assert format_change_pct(41.7) == "+42%"
    assert format_change_pct(-6.2) == "-6%"
    assert format_change_pct(0.2) == "0%"
    assert format_interval(15.377, 35.71) == "15,4–35,7"
    assert format_interval(float("nan"), 3) == "onbekend"
    assert format_nl(float("inf")) == "oneindig"


@pytest.mark.parametrize(
    "direction, polarity, colour",
    [
        ("hoger", "hoger_slechter", "slechter"),
        ("lager", "hoger_slechter", "beter"),
        ("hoger", "hoger_beter", "beter"),
        ("lager", "hoger_beter", "slechter"),
        ("hoger", "neutraal", "neutraal"),
        ("gelijk", "hoger_slechter", "gelijk"),
        ("gelijk", "neutraal", "gelijk"),
        ("onbekend", "hoger_beter", "onbekend"),
        (None, "hoger_beter", "onbekend"),
    ],
)
def test_colour_class(direction, polarity, colour):
    assert colour_class(direction, polarity) == colour


def test_colour_class_rejects_unknown_polarity():
    with pytest.raises(ValueError):
        colour_class("hoger", "hoger_is_slecht")


def test_benchmark_verdicts():
    assert verdict_benchmark(compare_with_benchmark(40, 20_000, 1.2)) == "significant hoger dan Nederland"
    assert verdict_benchmark(compare_with_benchmark(10, 20_000, 1.2)) == "significant lager dan Nederland"
    same = compare_with_benchmark(24, 20_000, 1.2)
    assert verdict_benchmark(same, "Drenthe") == "niet significant verschillend van Drenthe"
    few = compare_with_benchmark(3, 20_000, 0.1)
    assert verdict_benchmark(few, min_count=5) == "te weinig gevallen om te vergelijken"
    assert verdict_benchmark(compare_with_benchmark(float("nan"), 20_000, 1.2)) == "onbekend (geen gegevens)"
    region = compare_with_region(24, 20_000, 600, 490_000)
    assert verdict(region, area="de rest van Drenthe") == "niet significant verschillend van de rest van Drenthe"


def test_period_verdicts():
    rise = compare_periods(24, 20_000, 40, 20_000, method="etest")
    assert verdict_periods(rise, since=2019) == "significante stijging sinds 2019"
    fall = compare_periods(60, 20_000, 30, 20_000)
    assert verdict_periods(fall, since=2019) == "significante daling sinds 2019"
    flat = compare_periods(24, 20_000, 34, 20_000)
    assert verdict(flat, since=2019) == "geen significante verandering sinds 2019"
    few = compare_periods(2, 1, 4, 1)
    assert verdict_periods(few, since=2019, min_count=5) == "te weinig gevallen om te vergelijken"


def test_trend_and_survey_via_dispatch():
    years = list(range(2015, 2026))
    trend = poisson_trend(years, [40, 38, 35, 36, 30, 22, 25, 28, 26, 24, 22], [20_000] * 11)
    assert verdict(trend).startswith("significante daling van gemiddeld")
    survey = compare_survey(15, 12, 18, 2019, 20, 17, 23, 2023)
    assert verdict(survey) == "niet vergelijkbaar door de methodebreuk in 2021"
    with pytest.raises(TypeError):
        verdict(3.0)


def test_small_trend_percentages_keep_a_decimal():
    # a significant but small change must not read "0% per jaar"
    years = list(range(2000, 2025))
    counts = [round(100_000 * 0.996**i) for i in range(25)]
    text = verdict(poisson_trend(years, counts))
    assert text == "significante daling van gemiddeld 0,4% per jaar (2000-2024)"


def test_funnel_texts():
    assert verdict_funnel("boven 99,8%") == "boven de 99,8%-grens"  # a position, not a verdict
    assert verdict_funnel("binnen") == "binnen de verwachte spreiding"
    assert colour_class(funnel_direction("onder 95%"), "hoger_slechter") == "beter"
    assert funnel_direction("onbekend") == "onbekend"


def test_verdict_direction_agrees_with_the_interval():
    # a verdict never says "significant" while the interval includes the benchmark
    for count in range(0, 60):
        result = compare_with_benchmark(count, 20_000, 1.2)
        text = verdict_benchmark(result)
        includes = result.rate_lower <= 1.2 <= result.rate_upper
        assert ("niet significant" in text) == includes or math.isclose(result.rate_lower, 1.2)
