"""The tidy observation table: one row per indicator × region × period, from every source.

Columns (see data/README.md):

=============  ===========  =====================================================================
indicator      str          id from indicators.yaml
regio_code     str          GM1701, WK170100, BU17010000, PV22, NL01, RE01 or a group id; stripped
regio_naam     str          name as published (stripped)
regio_soort    str          land | provincie | politie-eenheid | gemeente | wijk | buurt | kern | groep
jaar           int          year of the figure (survey edition for survey results)
maand          Int (nullable) month 1-12 for monthly figures, <NA> for yearly
waarde         float        the value; NaN = unknown or secret at the source (never 0)
ondergrens     float        lower 95% bound when the source gives one (surveys), else NaN
bovengrens     float        upper 95% bound when the source gives one, else NaN
n              float        respondents / sample size behind a survey value, else NaN
bron           str          "Politie 47013NED", "CBS 03759ned", "partner: halt (data/inputs/halt.xlsx)"
snapshot       str          snapshot the row came from ("47013NED/demo"), or the input file's sha256
status         str          definitief | voorlopig | onbekend (source "." or empty) | partner
=============  ===========  =====================================================================
"""

from __future__ import annotations

import pandas as pd

from .errors import EXIT_CHAPTER_FAILED, VeiligheidsanalyseError

COLUMNS: dict[str, str] = {
    "indicator": "string",
    "regio_code": "string",
    "regio_naam": "string",
    "regio_soort": "string",
    "jaar": "int64",
    "maand": "Int64",
    "waarde": "float64",
    "ondergrens": "float64",
    "bovengrens": "float64",
    "n": "float64",
    "bron": "string",
    "snapshot": "string",
    "status": "string",
}

REGIO_SOORTEN = {"land", "provincie", "politie-eenheid", "gemeente", "wijk", "buurt", "kern", "groep"}
STATUSES = {"definitief", "voorlopig", "onbekend", "partner"}
KEY = ["indicator", "regio_code", "jaar", "maand"]


class ObservationError(VeiligheidsanalyseError, ValueError):
    """A table breaks the observation contract: the chapter that made it fails (exit 1)."""

    exit_code = EXIT_CHAPTER_FAILED


_EMPTY: pd.DataFrame | None = None


def empty() -> pd.DataFrame:
    """An empty observation table with the contract's dtypes (built once: conform() is not cheap)."""
    global _EMPTY
    if _EMPTY is None:
        _EMPTY = conform(pd.DataFrame({c: [] for c in COLUMNS}))
    return _EMPTY.copy()


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the contract's columns, in order and with the contract's dtypes.

    Optional columns (ondergrens, bovengrens, n, maand) are added as missing when absent.
    """
    out = df.copy()
    for column in ("maand", "ondergrens", "bovengrens", "n"):
        if column not in out.columns:
            out[column] = pd.NA
    missing = [c for c in COLUMNS if c not in out.columns]
    if missing:
        raise ObservationError(f"waarnemingentabel: kolom(men) {missing} ontbreken")
    out = out[list(COLUMNS)]
    for column, dtype in COLUMNS.items():
        if dtype == "float64":
            out[column] = pd.to_numeric(out[column], errors="raise").astype("float64")
        else:
            out[column] = out[column].astype(dtype)
    return out.reset_index(drop=True)


def validate(df: pd.DataFrame) -> None:
    """Check the contract: columns and dtypes, allowed values, no duplicate keys, no padded codes."""
    if list(df.columns) != list(COLUMNS):
        raise ObservationError(f"waarnemingentabel: kolommen {list(df.columns)}, verwacht {list(COLUMNS)}")
    for column, dtype in COLUMNS.items():
        if str(df[column].dtype) != dtype:
            raise ObservationError(f"waarnemingentabel, kolom {column}: type {df[column].dtype}, verwacht {dtype}")
    bad_soort = set(df["regio_soort"].dropna().unique()) - REGIO_SOORTEN
    if bad_soort:
        raise ObservationError(f"waarnemingentabel, kolom regio_soort: onbekende waarde(n) {sorted(bad_soort)}")
    bad_status = set(df["status"].dropna().unique()) - STATUSES
    if bad_status:
        raise ObservationError(f"waarnemingentabel, kolom status: onbekende waarde(n) {sorted(bad_status)}")
    padded = df["regio_code"].str.strip() != df["regio_code"]
    if padded.any():
        raise ObservationError(
            f"waarnemingentabel, kolom regio_code: code met spaties, bv. {df.loc[padded, 'regio_code'].iloc[0]!r}"
        )
    months = df["maand"].dropna()
    if ((months < 1) | (months > 12)).any():
        raise ObservationError("waarnemingentabel, kolom maand: waarde buiten 1 tot en met 12")
    dup = df.duplicated(KEY + ["bron"], keep=False)
    if dup.any():
        first = df.loc[dup, KEY + ["bron"]].iloc[0].to_dict()
        raise ObservationError(f"waarnemingentabel: sleutel {first} komt meer dan eens voor")
