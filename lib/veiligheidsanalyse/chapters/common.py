"""Building blocks every chapter uses: profiles of its indicators, findings, standard figures and tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import analysis, plots
from ..analysis import CountProfile, SurveyProfile
from ..sources.partner_kinds import READER_NAMES
from ..sources.tables import TABLES
from ..stats.formatting import format_nl
from .page import Chapter

# Where the denominators come from (for the sources in the page footer).
DENOMINATOR_TABLE = {"inwoners": "03759ned", "jongeren_12_17": "03759ned", "woningen": "85984NED"}


def profiles(ch: Chapter, indicator_ids: list[str]) -> dict[str, CountProfile | SurveyProfile]:
    """Profiles of the indicators that have data for this gemeente (missing ones are left out)."""
    out = {}
    for indicator_id in indicator_ids:
        p = analysis.profile(ch.data, indicator_id)
        if p is None or (isinstance(p, SurveyProfile) and p.edition is None):
            continue
        out[indicator_id] = p
        table = p.indicator.table
        if table and (isinstance(p, CountProfile) or (p.series["regio_code"] != ch.gemeente).any()):
            ch.use_sources(table)
        if isinstance(p, CountProfile):
            ch.use_sources(DENOMINATOR_TABLE[p.noemer_soort])
    return out


def missing_indicators(indicator_ids: list[str], found: dict) -> list[str]:
    from ..indicators import indicator

    return [indicator(i).label for i in indicator_ids if i not in found]


def findings_from(profiles: list, limit: int = 5) -> list[str]:
    """Findings ranked by what the tests support: significant level differences and trends first."""
    scored = []
    for p in profiles:
        if p is None:
            continue
        label = p.indicator.label
        if isinstance(p, CountProfile):
            nl = p.comparisons.get("nederland")
            if p.trend_colour in ("slechter", "beter", "neutraal"):
                scored.append((2, f"{label}: {p.trend_verdict}."))
            if nl is not None and nl.colour in ("slechter", "beter", "neutraal"):
                scored.append(
                    (
                        1,
                        f"{label} ligt {nl.verdict.replace('significant ', 'significant ')} "
                        f"({format_nl(p.rate.value, 1)} {p.rate_label} in {p.period_label}).",
                    )
                )
            if p.change is not None and p.change.colour in ("slechter", "beter", "neutraal"):
                scored.append(
                    (
                        1,
                        f"{label}: {p.change.verdict} ({format_nl(p.change.result.count1, 0)} → "
                        f"{format_nl(p.change.result.count2, 0)}).",
                    )
                )
        else:
            comps = [c for c in p.comparisons.values() if c.colour in ("slechter", "beter", "neutraal")]
            for comp in comps[:1]:
                scored.append((1, f"{label}: {p.formatted_value()} in {p.edition}, {comp.verdict}."))
            if p.change is not None and p.change.colour in ("slechter", "beter", "neutraal"):
                scored.append((1, f"{label}: {p.change.verdict}."))
    scored.sort(key=lambda item: -item[0])
    out = [text for _score, text in scored]
    if len(out) < 3:
        # Fill up with plain levels: a finding can also be "nothing stands out".
        for p in profiles:
            if p is None or len(out) >= 3:
                continue
            sentence = p.sentence()
            if sentence not in out:
                out.append(sentence)
    return out[:limit]


def show_profile_table(ch: Chapter, found: dict, name: str, caption: str) -> None:
    if not found:
        return
    table, colours = analysis.profile_table(list(found.values()))
    ids = [i for p in found.values() for i in source_ids(ch, p)]
    # The level is a count with its rate, or a survey figure: the CSV names the unit per row.
    units = [
        f"aantal en {p.rate_label}" if isinstance(p, CountProfile) else p.indicator.eenheid
        for p in found.values()
        if p is not None
    ]
    ch.anchor(*(p.indicator.id for p in found.values()))
    ch.table(
        table,
        name,
        caption=caption,
        classes=colours,
        sources=ids,
        eenheid=units,
        source="zie de bronnen onderaan de pagina; toetsen: zie Methode en bronnen",
    )


def show_trend(ch: Chapter, p: CountProfile, name: str, caption: str | None = None) -> None:
    df = p.series.copy()
    df = df[df["rol"].isin(["gemeente", "nederland", "provincie", "peers", "regio"])]
    fig = plots.trend_chart(
        df,
        y="rate",
        lower="lower",
        upper="upper",
        highlight=ch.gemeente_naam,
        ylabel=p.rate_label.replace(" per jaar", ""),
        breaks=analysis.CORONA_YEARS,
    )
    caption = caption or (
        f"{p.indicator.label} {p.rate_label.replace(' per jaar', '')}, {ch.gemeente_naam} met "
        "95%-interval, vergeleken met de vergelijkingsgroepen. Grijs: coronajaren, niet meegenomen in de trend."
    )
    alt = (
        f"Lijngrafiek van {p.indicator.label.lower()} per jaar in {ch.gemeente_naam} en de vergelijkingsgroepen; "
        f"{p.trend_verdict}."
    )
    data = df.rename(columns={"rate": "cijfer", "lower": "ondergrens_95", "upper": "bovengrens_95"})
    data["eenheid"] = p.rate_label.replace(" per jaar", "")  # of cijfer and its bounds; noemer counts its noun
    ch.anchor(p.indicator.id)
    ch.figure(fig, name, caption=caption, alt=alt, data=data, source=_source(p), sources=source_ids(ch, p))


def show_funnel(ch: Chapter, p: CountProfile, name: str) -> None:
    f = p.funnel
    if f is None or f.empty:
        return
    from ..stats.funnel import funnel_limits

    target = f.attrs.get("target_rate")
    adjustment = f.attrs.get("adjustment", "geen")
    xs = np.linspace(max(f["noemer"].min() * 0.5, 1), f["noemer"].max() * 1.2, 200)
    limits = funnel_limits(
        xs,
        target,
        per=p.indicator.per,
        tau2=f.attrs.get("tau2", 0.0) if adjustment.startswith("additief") else 0.0,
        phi=f.attrs.get("phi", 1.0) if adjustment.startswith("multiplicatief") else 1.0,
    )
    limits = limits.rename(
        columns={
            "x": "noemer",
            "lower_95": "onder_95",
            "upper_95": "boven_95",
            "lower_998": "onder_998",
            "upper_998": "boven_998",
        }
    )
    units = f.rename(columns={"rate": "waarde"})
    fig = plots.funnel_chart(
        units, limits, target=target, highlight=ch.gemeente_naam, ylabel=p.rate_label, xlabel=_noemer_label(p)
    )
    flag = f.loc[f["regio_code"] == ch.gemeente, "flag"]
    flag_text = flag.iloc[0] if len(flag) else "onbekend"
    from ..stats.verdicts import verdict_funnel

    ch.anchor(p.indicator.id)
    ch.figure(
        fig,
        name,
        caption=(
            f"Trechterdiagram ({p.period_label}): {p.indicator.label.lower()} van alle vergelijkingsgemeenten "
            "tegen hun omvang, met 95%- en 99,8%-grenzen rond hun gezamenlijke gemiddelde"
            + (", verbreed voor spreiding tussen gemeenten" if adjustment != "geen" else "")
            + f". {ch.gemeente_naam} ligt {verdict_funnel(flag_text)}. Geen ranglijst: "
            "binnen de grenzen is een verschil niet te onderscheiden van toeval."
            + funnel_and_peers(p, flag_text, adjustment, ch.gemeente_naam)
        ),
        alt=(
            f"Trechterdiagram van {p.indicator.label.lower()} per gemeente tegen het aantal inwoners; "
            f"{ch.gemeente_naam} ligt {verdict_funnel(flag_text)}."
        ),
        data=units[["regio_code", "regio_naam", "aantal", "noemer", "waarde", "flag"]]
        .rename(columns={"waarde": "cijfer", "flag": "positie"})
        .assign(eenheid=p.rate_label),
        source=_source(p),
        sources=source_ids(ch, p),
    )


def funnel_and_peers(p: CountProfile, flag: str, adjustment: str, naam: str) -> str:
    """Why the funnel and the comparison with the peers can say different things, when they do.

    The funnel compares all comparison gemeenten (provincie and peers) and, when they differ more than
    chance allows, widens its limits for the ordinary differences between gemeenten; the comparison with
    the peers is a two-sample test on the counts (corrected for the report's family) and asks only
    whether the difference is more than chance in the counts.
    """
    peers = p.comparisons.get("peers")
    if peers is None or flag == "onbekend":
        return ""
    inside = flag == "binnen"
    different = peers.result.direction in ("hoger", "lager")
    if inside != different:
        return ""
    widened = " met verbrede grenzen voor de gewone verschillen tussen gemeenten" if adjustment != "geen" else ""
    return (
        f" Let op: de vergelijking met {peers.area} zegt '{peers.verdict}'. Dat is een andere vraag: de trechter "
        f"zet {naam} tussen alle vergelijkingsgemeenten (provincie en vergelijkbare gemeenten){widened}, de "
        "vergelijking toetst alleen of het verschil met de vergelijkbare gemeenten samen groter is dan toeval in de "
        "aantallen (na correctie voor het aantal toetsen)."
    )


def _noemer_label(p: CountProfile) -> str:
    noun = {"inwoners": "Inwoners", "jongeren_12_17": "Jongeren (12–17)", "woningen": "Woningen"}[p.noemer_soort]
    return noun + (" (opgeteld over de jaren)" if p.pooled else "")


def source_ids(ch: Chapter, p) -> list[str]:
    """The sources behind a profile's numbers: its table, the partner file that fills the gemeente's
    figures where the table has none, and its denominator's table."""
    ids = ([p.indicator.table] if p.indicator.table else []) + partner_sources(ch.data, [p.indicator.id])
    if isinstance(p, CountProfile):
        ids.append(DENOMINATOR_TABLE[p.noemer_soort])
    return ids


def _source(p) -> str:
    table = p.indicator.table
    if table is None:
        return f"partnerinvoer ({READER_NAMES.get(p.indicator.input_kind, p.indicator.input_kind)})"
    publisher = TABLES[table].publisher if table in TABLES else "CBS"
    denominators = {
        "inwoners": "CBS 03759ned",
        "jongeren_12_17": "CBS 03759ned",
        "woningen": "CBS Kerncijfers wijken en buurten",
    }
    den = denominators.get(getattr(p, "noemer_soort", ""), "")
    return f"{publisher} {table}" + (f"; noemer {den}" if den else "")


def survey_chart(ch: Chapter, found: dict, name: str, caption: str) -> None:
    rows = []
    for p in found.values():
        if not isinstance(p, SurveyProfile) or p.edition is None:
            continue
        rows.append(
            {
                "indicator": p.indicator.label,
                "gebied": ch.gemeente_naam,
                "editie": p.edition,
                "waarde": p.value,
                "ondergrens_95": p.lower,
                "bovengrens_95": p.upper,
                "eenheid": p.indicator.eenheid,
            }
        )
        for _comp_key, _comp in p.comparisons.items():
            other = p.series[(p.series["jaar"] == p.edition) & (p.series["regio_code"] != ch.gemeente)]
            for _, o in other.iterrows():
                rows.append(
                    {
                        "indicator": p.indicator.label,
                        "gebied": o["regio_naam"],
                        "editie": p.edition,
                        "waarde": o["waarde"],
                        "ondergrens_95": o["ondergrens"],
                        "bovengrens_95": o["bovengrens"],
                        "eenheid": p.indicator.eenheid,
                    }
                )
            break
    if not rows:
        return
    df = pd.DataFrame(rows).drop_duplicates()
    pct = df[df["indicator"].str.contains("%")]
    if len(pct):
        ch.anchor(*(p.indicator.id for p in found.values() if p.indicator.label in set(pct["indicator"])))
        pct = pct.assign(label=pct["indicator"].str.replace(r" \(%\)", "", regex=True) + " – " + pct["gebied"])
        fig = plots.interval_chart(
            pct,
            label="label",
            value="waarde",
            lower="ondergrens_95",
            upper="bovengrens_95",
            xlabel="Procent van de inwoners (15+)",
            highlight=None,
        )
        ch.figure(
            fig,
            name,
            caption=caption,
            alt=f"Puntdiagram met 95%-marges van Veiligheidsmonitor-percentages voor {ch.gemeente_naam}, "
            "de provincie en Nederland.",
            data=pct.drop(columns="label"),
            source="Veiligheidsmonitor: gemeente-export (partner) en CBS 85146NED",
        )


# ---------------------------------------------------------------------------- partner counts (chapters 05-08)


def suppressed_table(
    df: pd.DataFrame, key: str, value_cols: list[str], threshold: int, total_col: str | None = None
) -> tuple[pd.DataFrame, int]:
    """A wide table of counts (one row per ``key``, e.g. Jaar) with small cells hidden.

    Uses ``stats.disclosure.suppress_counts`` on the long form. The totals over the rows of each
    column are taken to be public (a pooled count or a trend could give them away), so a single
    hidden cell in a column always gets a second one. Across a row, the cells add up to
    ``total_col`` when given; without it the row sums are not published and each column is
    protected on its own. Returns the display table (hidden cells as their label "<5" or "x",
    visible counts as numbers, unknown as NaN: shown as "onbekend"; also what goes into the CSV) and
    the number of hidden cells.
    """
    import warnings

    from ..stats.disclosure import suppress_counts

    if df.empty:
        return df.copy(), 0
    long = df.melt(id_vars=[key], value_vars=value_cols, var_name="_soort", value_name="_aantal")
    long[key] = long[key].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a cell that cannot be protected further stays hidden itself
        if total_col is not None:
            display, mask = suppress_counts(
                long, "_aantal", threshold=threshold, group_cols=[key, "_soort"], total_label=total_col
            )
        else:
            parts = [
                suppress_counts(part, "_aantal", threshold=threshold, group_cols=[key], total_label="\x00geen totaal")
                for _, part in long.groupby("_soort", sort=False)
            ]
            display = pd.concat([d for d, _m in parts])
            mask = pd.concat([m for _d, m in parts])
    # Visible counts stay numbers (right-aligned, Dutch format); hidden cells carry their label ("<5", "x").
    display["_aantal"] = [
        label if hide else value
        for label, hide, value in zip(
            display["_aantal"], mask.reindex(display.index), long.loc[display.index, "_aantal"]
        )
    ]
    wide = display.pivot(index=key, columns="_soort", values="_aantal").reindex(columns=value_cols)
    wide = wide.reindex([str(v) for v in df[key]]).reset_index()
    wide.columns.name = None
    out = df[[c for c in df.columns if c not in value_cols]].copy()
    out[key] = out[key].astype(str)
    out = out.merge(wide, on=key, how="left")[list(df.columns)]
    return out, int(mask.sum())


def partner_sources(ds, indicator_ids: list[str]) -> list[str]:
    """Source ids ("partner:<kind>") of the partner files behind the gemeente's figures."""
    from ..store.status import partner_source_id

    obs = ds.observations
    rows = obs[obs["indicator"].isin(indicator_ids) & (obs["regio_code"] == ds.gemeente) & (obs["status"] == "partner")]
    return [i for i in dict.fromkeys(partner_source_id(b) for b in rows["bron"].dropna()) if i]


def findings_with(head: list[str], profiles: list, limit: int = 5, minimum: int = 3) -> list[str]:
    """Chapter-specific tested findings first (``head``), then the significant ones of ``profiles``;
    plain levels only to reach ``minimum``, and never a second sentence about the same indicator."""
    plain = {p.sentence() for p in profiles if p is not None}
    out = list(dict.fromkeys(f for f in head if f))
    for text in findings_from(profiles, limit=len(profiles) * 3 + 5):
        said = any(f.startswith(text.rstrip(".")) for f in out)  # a head finding already says this and more
        if text not in plain and not said:
            out.append(text)
    for p in profiles:
        if p is None or len(out) >= minimum:
            continue
        if not any(f.startswith(p.indicator.label) for f in out):
            out.append(p.sentence())
    return out[:limit]


def partner_missing(ch: Chapter, kind: str, what: str) -> str:
    """Why a partner figure is missing, in one sentence (no inputs at all, this file not supplied, no rows)."""
    if not ch.inputs.folder.exists():
        reason = "voor deze run zijn geen partnerbestanden aangeleverd"
    elif kind in ch.inputs.missing:
        reason = f"het partnerbestand van {READER_NAMES.get(kind, kind)} is niet aangeleverd"
    else:
        reason = f"het partnerbestand van {READER_NAMES.get(kind, kind)} bevat deze cijfers niet"
    return f"{what} ontbreken voor {ch.gemeente_naam}: {reason}. Zie data/inputs/README.md voor het sjabloon."
