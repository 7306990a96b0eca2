"""Dates as Dutch readers see them: '1 november 2026'."""

from __future__ import annotations

MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def date_nl(iso: str | None) -> str:
    """'2026-11-01T10:00:00+00:00' -> '1 november 2026'; '' for nothing."""
    if not iso:
        return ""
    text = str(iso)[:10]
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return f"{day} {MONTHS_NL[month - 1]} {year}"
    except (ValueError, IndexError):
        return str(iso)
