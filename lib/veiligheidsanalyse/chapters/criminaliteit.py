"""Chapter 01 Geregistreerde criminaliteit: total and main groups, High Impact Crime, veelvoorkomende
criminaliteit, opheldering, and the running year from the monthly figures."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import analysis
from ..dates import MONTHS_NL
from ..stats import verdicts
from ..stats.formatting import format_nl
from ..store.dataset import Dataset

TOTAAL = "misdrijven_totaal"
HIGH_IMPACT = ["woninginbraak", "straatroof", "overval", "geweld", "zedenmisdrijf"]
VEELVOORKOMEND = ["fietsdiefstal", "autokraak", "vernieling", "winkeldiefstal", "inbraak_bedrijven"]
CBS = ["misdrijven_cbs", "opgehelderd_pct"]

RUNNING_YEAR_TEST = "lopend jaar"  # its key in the report's family of tests


@dataclass
class RunningYear:
    year: int
    last_month: int
    count: float
    previous: float
    verdict: str
    colour: str
    table: pd.DataFrame
    result: object = None  # the comparison, judged by the report's family

    def sentence(self, naam: str) -> str:
        return (
            f"In {self.year} tot en met {MONTHS_NL[self.last_month - 1]} registreerde de politie "
            f"{format_nl(self.count, 0)} misdrijven in {naam}, tegen {format_nl(self.previous, 0)} in dezelfde "
            f"maanden van {self.year - 1}: {self.verdict}."
        )


def running_year(ds: Dataset) -> RunningYear | None:
    """Months of the year after the analysis period against the same months a year earlier."""
    months = ds.series(TOTAAL, [ds.gemeente], monthly=True)
    year = ds.config.jaar_tot + 1
    current = months[months["jaar"] == year].dropna(subset=["waarde"])
    if current.empty:
        return None
    last = int(current["maand"].max())
    previous = months[(months["jaar"] == year - 1) & (months["maand"] <= last)].dropna(subset=["waarde"])
    if len(previous) != last or len(current) != last:
        return None
    c_now, c_before = float(current["waarde"].sum()), float(previous["waarde"].sum())
    yearly = ds.counts(TOTAAL, [ds.gemeente], years=(ds.config.jaar_van, ds.config.jaar_tot)).dropna(subset=["aantal"])
    # The months' counts vary from year to year as the yearly counts do: the trend's dispersion applies.
    result = analysis.change_test(c_before, 1.0, c_now, 1.0, analysis.yearly_trend(yearly))
    result = analysis.judge(ds, TOTAAL, RUNNING_YEAR_TEST, result)
    verdict = verdicts.verdict_periods(result, f"dezelfde maanden van {year - 1}", min_count=10)
    colour = verdicts.colour_class(result.direction, "hoger_slechter")
    table = (
        pd.concat([previous, current])[["jaar", "maand", "waarde"]]
        .pivot(index="maand", columns="jaar", values="waarde")
        .reset_index()
    )
    table["maand"] = table["maand"].map(lambda m: MONTHS_NL[int(m) - 1])
    table.columns = [str(c) for c in table.columns]
    return RunningYear(year, last, c_now, c_before, verdict, colour, table, result)


def family_entries(ds: Dataset) -> list:
    """This chapter's test outside the indicator profiles, for the report's family (``chapters.family``)."""

    r = running_year(ds)
    if r is None:
        return []
    return [
        analysis.FamilyEntry(
            TOTAAL, "Misdrijven totaal, lopend jaar", RUNNING_YEAR_TEST, float(r.result.p_value), r.verdict, r.colour
        )
    ]
