"""Chapter 02 Overlast en veiligheidsbeleving (Veilige woon- en leefomgeving, second part).

Two kinds of figures, kept apart because they measure different things:

* **Registrations** of overlast by the politie (47021NED) and burengerucht (47013NED): counts per
  1,000 inhabitants with the count profile of :mod:`veiligheidsanalyse.analysis` (exact intervals,
  comparisons with the Netherlands, the rest of the provincie and the peers, a Poisson trend and
  the change since the previous analysis). The IVP's statement that social overlast (burengerucht,
  verwarde personen) rose is tested against these series: :func:`ivp_sociale_overlast`.
* **Perception** from the Veiligheidsmonitor: the gemeente against Drenthe and the Netherlands in
  the *same edition* (z-test on the published margins), and against its own previous edition, never
  across the 2021 method break ("niet vergelijkbaar"). When the gemeente has no VM results the
  chapter says so and shows the regional figures as context only.

Every verdict comes from ``stats.verdicts``; this module only chooses indicators and words around them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import analysis
from ..analysis import CountProfile, SurveyProfile
from ..indicators import indicator as get_indicator
from ..stats.formatting import format_interval, format_nl, format_pct
from ..stats.survey import METHOD_BREAK_YEAR, survey_interval
from ..store.dataset import Dataset
from . import synthese

REGISTRATIES = ["overlast_totaal", "overlast_geluid", "overlast_alcohol_drugs", "burengerucht"]
ELDERS = {"overlast_jeugd": "Jeugd en veiligheid", "overlast_verward": "Zorg en veiligheid"}

GENERIC_CLAIM = "Neemt de sociale overlast toe: burengerucht, geluidsoverlast, verwarde personen, woonoverlast?"
IVP_SOCIALE_OVERLAST = ["burengerucht", "overlast_geluid", "overlast_verward", "woonoverlast_meldingen"]

VM_THEMAS: dict[str, list[str]] = {
    "Leefbaarheid en overlast": ["vm_leefbaarheid_cijfer", "vm_veel_overlast_pct"],
    "Veiligheidsbeleving": ["vm_veiligheid_cijfer", "vm_onveilig_buurt_pct"],
    "Slachtofferschap": ["vm_slachtoffer_traditioneel_pct"],
    "Preventie": ["vm_preventie_woning", "vm_preventief_gedrag"],
    "Burgers en politie": ["vm_tevreden_politiecontact_pct"],
}
VM = [i for ids in VM_THEMAS.values() for i in ids]


# ---------------------------------------------------------------------------- registrations


def registraties(
    ds: Dataset, ids: list[str] | None = None, cache: dict[str, CountProfile | None] | None = None
) -> dict[str, CountProfile]:
    """Count profiles of the overlast registrations that have data for the gemeente."""
    cache = {} if cache is None else cache
    out = {}
    for indicator_id in ids or REGISTRATIES:
        if indicator_id not in cache:
            cache[indicator_id] = analysis.count_profile(ds, indicator_id)
        if cache[indicator_id] is not None:
            out[indicator_id] = cache[indicator_id]
    return out


@dataclass
class ClaimCheck:
    """An IVP statement tested against the series it is about."""

    claim: str
    table: pd.DataFrame  # Indicator, Periode, Trend, Verandering, Steunt de uitspraak?
    colours: dict[str, pd.Series]
    conclusion: str
    supported: list[str] = field(default_factory=list)  # labels with a significant rise
    against: list[str] = field(default_factory=list)  # labels with a significant fall
    not_shown: list[str] = field(default_factory=list)  # tested, no significant change
    too_few: list[str] = field(default_factory=list)  # no data or too few cases/years


def _support(p: CountProfile | None) -> str:
    """'stijging' / 'daling' / 'geen' / 'onbekend' from the trend and the change since the previous analysis."""
    if p is None:
        return "onbekend"
    directions = []
    if p.trend_colour != "onbekend" and p.trend is not None:
        directions.append(p.trend.direction)
    if p.change is not None and p.change.colour != "onbekend":
        directions.append(p.change.result.direction)
    if not directions:
        return "onbekend"
    if "hoger" in directions and "lager" not in directions:
        return "stijging"
    if "lager" in directions and "hoger" not in directions:
        return "daling"
    if all(d == "gelijk" for d in directions):
        return "geen"
    return "wisselend"


# What a series shows (over the whole period). Whether the plan's statement is "ondersteund" is the
# statement check's word alone (synthese.check_statements, shown on this page and in the synthesis).
SUPPORT_TEXT = {
    "stijging": "significante stijging",
    "daling": "significante daling",
    "geen": "geen significante verandering",
    "wisselend": "wisselend: trend en verandering wijzen verschillende kanten op",
    "onbekend": "niet te toetsen: te weinig gevallen, jaren of gegevens",
}
SERIES_COLUMN = "Wat de reeks laat zien"
SUPPORT_COLOUR = {
    "stijging": "slechter",
    "daling": "beter",
    "geen": "gelijk",
    "wisselend": "onbekend",
    "onbekend": "onbekend",
}


def plan_claim(ds: Dataset, ids: list[str]) -> str:
    """The previous plan's statements about these series (config ``uitspraken``), else the plain question."""
    by_source: dict[str, list[str]] = {}
    for u in ds.config.uitspraken:
        if u.get("indicator") in ids and u.get("verwachting") == "stijging":
            by_source.setdefault(str(u.get("bron") or "het vorige plan"), []).append(str(u["uitspraak"]).rstrip("."))
    if not by_source:
        return GENERIC_CLAIM
    parts = [f"{bron}: " + "; ".join(f"‘{t}’" for t in dict.fromkeys(texts)) for bron, texts in by_source.items()]
    return "Wat het vorige plan zei (" + " – ".join(parts) + "). Hieronder staat wat de cijfers daarvan laten zien."


def ivp_sociale_overlast(
    ds: Dataset, ids: list[str] | None = None, cache: dict[str, CountProfile | None] | None = None
) -> ClaimCheck:
    """Is social overlast rising, as the previous plan said? One row per series, from its tests."""
    ids = ids or IVP_SOCIALE_OVERLAST
    cache = {} if cache is None else cache
    ref = ds.config.vorige_analyse
    rows, trend_c, change_c, support_c = [], [], [], []
    check = ClaimCheck(plan_claim(ds, ids + REGISTRATIES), pd.DataFrame(), {}, "")
    for indicator_id in ids:
        ind = get_indicator(indicator_id)
        if indicator_id not in cache:
            cache[indicator_id] = analysis.count_profile(ds, indicator_id)
        p = cache[indicator_id]
        support = _support(p)
        label = ind.label
        {"stijging": check.supported, "daling": check.against, "geen": check.not_shown}.get(
            support, check.too_few
        ).append(label)
        source = "partnerbestand" if ind.table is None else f"politie {ind.table}"
        if p is None:
            rows.append(
                {
                    "Reeks": label,
                    "Bron": source,
                    "Laatste jaar": "geen gegevens",
                    "Trend": "geen gegevens",
                    f"Sinds {ref}": "geen gegevens",
                    SERIES_COLUMN: "niet te toetsen: geen gegevens",
                }
            )
            trend_c.append("onbekend"), change_c.append("onbekend"), support_c.append("onbekend")
            continue
        rows.append(
            {
                "Reeks": label,
                "Bron": source,
                "Laatste jaar": f"{format_nl(p.count, 0)} in {p.period_label}",
                "Trend": p.trend_verdict,
                f"Sinds {ref}": p.change.verdict if p.change else "niet te vergelijken",
                SERIES_COLUMN: SUPPORT_TEXT[support],
            }
        )
        trend_c.append(p.trend_colour)
        change_c.append(p.change.colour if p.change else "onbekend")
        support_c.append(SUPPORT_COLOUR[support])
    check.table = pd.DataFrame(rows)
    check.colours = {
        "Trend": pd.Series(trend_c),
        f"Sinds {ref}": pd.Series(change_c),
        SERIES_COLUMN: pd.Series(support_c),
    }
    check.conclusion = _claim_conclusion(check)
    return check


def _join(labels: list[str]) -> str:
    labels = [label[0].lower() + label[1:] if not label[:2].isupper() else label for label in labels]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " en " + labels[-1]


def _claim_conclusion(check: ClaimCheck) -> str:
    """What the series show over the whole period, in one sentence; no verdict on the plan's statement
    (that is the statement check's, the same on this page and in the synthesis)."""
    parts = []
    if check.supported:
        parts.append(f"een significante stijging bij {_join(check.supported)}")
    if check.against:
        parts.append(f"een significante daling bij {_join(check.against)}")
    if check.not_shown:
        parts.append(f"geen significante verandering bij {_join(check.not_shown)}")
    if check.too_few:
        parts.append(f"te weinig gegevens om te toetsen bij {_join(check.too_few)}")
    if not parts:
        return "Er zijn geen gegevens over sociale overlast om te toetsen."
    return "Over de hele periode tonen de reeksen " + "; ".join(parts) + "."


def corona_note(ds: Dataset) -> str | None:
    """A warning when the previous analysis ended in a corona year (changes since then may be recovery)."""
    ref = ds.config.vorige_analyse
    if ref not in analysis.CORONA_YEARS:
        return None
    return (
        f"Let op: de vorige analyse ging tot en met {ref}, een coronajaar (lockdowns, minder uitgaan, meer thuis). "
        f"Een verandering sinds {ref} kan deels herstel na corona zijn; de trend over de hele periode laat de "
        "coronajaren weg waar de reeks lang genoeg is."
    )


def with_corona_caveat(ds: Dataset, findings: list[str]) -> list[str]:
    """Findings about a change 'sinds <corona year>' get a short caveat: part of it may be recovery."""
    ref = ds.config.vorige_analyse
    if ref not in analysis.CORONA_YEARS:
        return findings
    caveat = f" Let op: {ref} was een coronajaar."
    return [f + caveat if f"sinds {ref}" in f and caveat not in f else f for f in findings]


# ---------------------------------------------------------------------------- Veiligheidsmonitor


@dataclass
class VmResult:
    profiles: dict[str, SurveyProfile]  # indicators with a result for the gemeente
    table: pd.DataFrame  # one row per indicator with a gemeente result
    colours: dict[str, pd.Series]
    editions: list[int]  # editions in which the gemeente has results
    region_editions: list[int]  # editions with Drenthe / Nederland figures
    messages: list[str]  # what the reader must know (no results, no margins, method break)
    context: pd.DataFrame | None = None  # region figures of the latest edition when the gemeente has none
    missing: list[str] = field(default_factory=list)  # labels of indicators without a gemeente result

    @property
    def has_results(self) -> bool:
        return bool(self.profiles)

    @property
    def eenheden(self) -> list[str]:
        """The unit of each row of ``table`` in words (procent, rapportcijfer, ...)."""
        return [p.indicator.eenheid for p in self.profiles.values()]

    @property
    def context_eenheden(self) -> list[str]:
        """The unit of each row of ``context``."""
        labels = {get_indicator(i).label: get_indicator(i).eenheid for i in VM}
        return [labels.get(label, "") for label in self.context["Indicator"]] if self.context is not None else []

    @property
    def untested(self) -> bool:
        """True when no comparison with the region could be tested (no margins)."""
        comps = [c for p in self.profiles.values() for c in p.comparisons.values()]
        return bool(comps) and all(c.result.status != "ok" for c in comps)


def _fmt_survey(value: float, unit: str) -> str:
    if value is None or not np.isfinite(value):
        return "onbekend"
    if unit == "procent":
        return format_pct(value, 0 if value >= 10 else 1)
    return format_nl(value, 1)


def _fmt_interval(lower: float, upper: float, unit: str) -> str:
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return "geen marge"
    text = format_interval(lower, upper, 0 if unit == "procent" and lower >= 10 else 1)
    return text + ("%" if unit == "procent" else "")


def vm_profiles(ds: Dataset, ids: list[str] | None = None) -> dict[str, SurveyProfile]:
    out = {}
    for indicator_id in ids or VM:
        p = analysis.survey_profile(ds, indicator_id)
        if p.edition is not None:
            out[indicator_id] = p
    return out


def _region_value(p: SurveyProfile, code: str | None, edition: int | None) -> str:
    if code is None or edition is None:
        return "—"
    rows = p.series[(p.series["regio_code"] == code) & (p.series["jaar"] == edition) & p.series["waarde"].notna()]
    if rows.empty:
        return "—"
    return _fmt_survey(float(rows["waarde"].iloc[0]), p.indicator.unit)


def veiligheidsmonitor(ds: Dataset, ids: list[str] | None = None) -> VmResult:
    """The gemeente's VM results against Drenthe and the Netherlands in the same edition."""
    ids = ids or VM
    verg = ds.config.vergelijking
    prov_code = verg.provincie.code if verg.provincie else None
    prov_name = verg.provincie.naam if verg.provincie else "provincie"
    found = vm_profiles(ds, ids)
    rows = []
    colours = {f"Getoetst tegen {prov_name}": [], "Getoetst tegen Nederland": [], "Vorige editie": []}
    for _indicator_id, p in found.items():
        unit = p.indicator.unit
        prov = p.comparisons.get("provincie")
        nl = p.comparisons.get("nederland")
        if p.change is not None:
            prev = p.change.result.edition1
            previous = f"{prev}: {_fmt_survey(_own_value(p, prev), unit)}; {p.change.verdict}"
        else:
            previous = "geen eerdere editie"
        own = _fmt_survey(p.value, unit)
        if np.isfinite(p.lower):
            own += f" ({_fmt_interval(p.lower, p.upper, unit)})"
        rows.append(
            {
                "Indicator": p.indicator.label,
                "Editie": str(p.edition),
                ds.gemeente_naam: own,
                prov_name: _region_value(p, prov_code, p.edition),
                "Nederland": _region_value(p, verg.nederland, p.edition),
                f"Getoetst tegen {prov_name}": _short(prov.verdict, prov_name) if prov else "geen cijfer",
                "Getoetst tegen Nederland": _short(nl.verdict, "Nederland") if nl else "geen cijfer",
                "Vorige editie": previous,
            }
        )
        colours[f"Getoetst tegen {prov_name}"].append(prov.colour if prov else "onbekend")
        colours["Getoetst tegen Nederland"].append(nl.colour if nl else "onbekend")
        colours["Vorige editie"].append(p.change.colour if p.change else "onbekend")
    table = pd.DataFrame(rows)
    editions = sorted({p.edition for p in found.values()})
    region_rows = pd.concat(
        [ds.series(i, [c for c in (verg.nederland, prov_code) if c]) for i in ids], ignore_index=True
    )
    region_rows = region_rows[region_rows["waarde"].notna()]
    region_editions = sorted(int(y) for y in region_rows["jaar"].unique())
    result = VmResult(
        found,
        table,
        {k: pd.Series(v) for k, v in colours.items()},
        editions,
        region_editions,
        [],
        missing=[get_indicator(i).label for i in ids if i not in found],
    )
    result.messages = _vm_messages(ds, result)
    if not found:
        result.context = vm_context(ds, ids)
    return result


def _short(verdict: str, area: str) -> str:
    """'significant hoger dan Drenthe' -> 'significant hoger' (the column header names the area)."""
    return (
        verdict.replace(f" dan {area}", "")
        .replace(f" van {area}", "")
        .replace("niet significant verschillend", "niet significant")
    )


def vm_figure(ds: Dataset, r: VmResult):
    """Per indicator: the gemeente (blue), the provincie and the Netherlands in the same edition, with margins."""
    # Long: one figure: series, margins, labels and caption drawn together.
    import textwrap

    import matplotlib.pyplot as plt

    from .. import plots

    verg = ds.config.vergelijking
    codes = [ds.gemeente] + [c for c in (verg.provincie.code if verg.provincie else None, verg.nederland) if c]
    names = {c: ds.region_name(c) if c != ds.gemeente else ds.gemeente_naam for c in codes}
    names[verg.nederland] = "Nederland"
    if verg.provincie:
        names[verg.provincie.code] = verg.provincie.naam
    rows = []
    for p in r.profiles.values():
        for code in codes:
            part = p.series[
                (p.series["regio_code"] == code) & (p.series["jaar"] == p.edition) & p.series["waarde"].notna()
            ]
            if part.empty:
                continue
            o = part.iloc[0]
            interval = survey_interval(o["waarde"], o["ondergrens"], o["bovengrens"], o["n"], unit=p.indicator.unit)
            rows.append(
                {
                    "indicator": p.indicator.label,
                    "unit": p.indicator.unit,
                    "editie": p.edition,
                    "gebied": names[code],
                    "gemeente": code == ds.gemeente,
                    "waarde": interval.value,
                    "ondergrens_95": interval.lower,
                    "bovengrens_95": interval.upper,
                    "eenheid": p.indicator.eenheid,
                }
            )
    data = pd.DataFrame(rows)
    if data.empty:
        return None, data
    # Only indicators with something to compare with; the others are in the table.
    compared = data.groupby("indicator")["gebied"].nunique()
    data = data[data["indicator"].map(compared) > 1]
    if data.empty:
        return None, data
    panels = list(dict.fromkeys(data["indicator"]))
    ncols = min(3, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols + 0.6, 1.75 * nrows + 0.4), squeeze=False)
    areas = [names[c] for c in codes]
    for ax, label in zip(axes.ravel(), panels):
        part = data[data["indicator"] == label]
        for _, row in part.iterrows():
            y = len(areas) - 1 - areas.index(row["gebied"])
            colour = plots.GEMEENTE_COLOUR if row["gemeente"] else plots.GREY
            if np.isfinite(row["ondergrens_95"]) and np.isfinite(row["bovengrens_95"]):
                ax.plot([row["ondergrens_95"], row["bovengrens_95"]], [y, y], color=colour, linewidth=2)
            ax.plot(row["waarde"], y, "o", color=colour, markersize=7 if row["gemeente"] else 5)
        ax.set_yticks(range(len(areas)))
        ax.set_yticklabels(areas[::-1], fontsize=10)
        ax.set_ylim(-0.6, len(areas) - 0.4)
        ax.margins(x=0.25)
        ax.set_title(textwrap.fill(f"{label} ({int(part['editie'].iloc[0])})", 30), fontsize=10, loc="left")
        ax.grid(axis="y", visible=False)
        plots.dutch_axis(ax, "x", percent=part["unit"].iloc[0] == "procent")
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig, data.drop(columns=["unit", "gemeente"])


def _own_value(p: SurveyProfile, edition: int) -> float:
    rows = p.series[(p.series["regio_code"] == p.gemeente) & (p.series["jaar"] == edition)]
    return float(rows["waarde"].iloc[0]) if len(rows) else np.nan


def _vm_messages(ds: Dataset, r: VmResult) -> list[str]:
    name = ds.gemeente_naam
    out = []
    if not r.has_results:
        out.append(
            f"Voor {name} zijn geen resultaten van de Veiligheidsmonitor beschikbaar: de CBS-tabel 85146NED "
            "bevat alleen gemeenten vanaf 70.000 inwoners en er is geen export van een eigen deelname "
            "(I&O Research) aangeleverd. Zonder die cijfers kan dit hoofdstuk niets zeggen over hoe "
            f"inwoners van {name} hun buurt en veiligheid beleven."
        )
        if r.region_editions:
            out.append(
                "Ter vergelijking staan hieronder de cijfers van de provincie en Nederland (edities "
                + ", ".join(str(e) for e in r.region_editions)
                + "); die zeggen niets over de gemeente zelf."
            )
        return out
    editions = ", ".join(str(e) for e in r.editions)
    out.append(
        f"{name} heeft resultaten uit de Veiligheidsmonitor van {editions}. Vergelijkingen met de provincie "
        "en Nederland gaan steeds over dezelfde editie."
    )
    later = [e for e in r.region_editions if e > max(r.editions)]
    if later:
        out.append(
            f"Voor de provincie en Nederland zijn er ook cijfers van {', '.join(str(e) for e in later)}; "
            f"{name} deed toen niet mee (Drentse gemeenten doen eens in de vier jaar mee), dus die edities "
            "zijn niet met de gemeente te vergelijken."
        )
    if any(p.change is not None and p.change.result.status == "niet vergelijkbaar" for p in r.profiles.values()):
        out.append(
            f"De Veiligheidsmonitor is in {METHOD_BREAK_YEAR} vernieuwd (nieuwe vragenlijst en werkwijze): "
            f"uitkomsten van vóór {METHOD_BREAK_YEAR} worden niet getoetst tegen latere ('niet vergelijkbaar')."
        )
    if r.untested or any(not np.isfinite(p.lower) for p in r.profiles.values()):
        out.append(
            f"Voor een deel van de cijfers van {name} zijn geen marges of aantallen respondenten aangeleverd; "
            "die verschillen zijn niet getoetst ('geen marges'), ook als ze groot lijken."
        )
    return out


def vm_context(ds: Dataset, ids: list[str] | None = None) -> pd.DataFrame:
    """Provincie and Nederland in their latest edition (for a gemeente without VM results)."""
    ids = ids or VM
    verg = ds.config.vergelijking
    codes = [c for c in (verg.provincie.code if verg.provincie else None, verg.nederland) if c]
    rows = []
    for indicator_id in ids:
        ind = get_indicator(indicator_id)
        df = ds.series(indicator_id, codes)
        df = df[df["waarde"].notna()]
        if df.empty:
            continue
        latest = int(df["jaar"].max())
        row = {"Indicator": ind.label, "Editie": str(latest)}
        for code in codes:
            part = df[(df["regio_code"] == code) & (df["jaar"] == latest)]
            name = ds.region_name(code)
            if len(part):
                o = part.iloc[0]
                interval = survey_interval(o["waarde"], o["ondergrens"], o["bovengrens"], o["n"], unit=ind.unit)
                row[name] = _fmt_survey(interval.value, ind.unit) + (
                    f" ({_fmt_interval(interval.lower, interval.upper, ind.unit)})"
                    if np.isfinite(interval.lower)
                    else ""
                )
            else:
                row[name] = "—"
        rows.append(row)
    return pd.DataFrame(rows)


def vm_sentence(ds: Dataset, r: VmResult) -> str:
    """One finding about the VM, from what was tested (or why nothing could be)."""
    name = ds.gemeente_naam
    if not r.has_results:
        return f"Er zijn geen resultaten van de Veiligheidsmonitor voor {name}; over beleving is niets te zeggen."
    significant = []
    for p in r.profiles.values():
        for comp in p.comparisons.values():
            if comp.result.status == "ok" and comp.result.direction in ("hoger", "lager"):
                significant.append(f"{p.indicator.label.replace(' (%)', '')} {p.formatted_value()} ({comp.verdict})")
                break
    if significant:
        return f"Veiligheidsmonitor {max(r.editions)}: " + "; ".join(significant[:3]) + "."
    edition = max(r.editions)
    levels = [
        f"{p.indicator.label.replace(' (%)', '').lower()} {p.formatted_value()}"
        for p in r.profiles.values()
        if p.edition == edition
    ][:3]
    tail = (
        "verschillen met de provincie en Nederland zijn niet getoetst, omdat marges ontbreken"
        if r.untested
        else "geen significante verschillen met de provincie en Nederland"
    )
    return f"Veiligheidsmonitor {edition} in {name}: " + ", ".join(levels) + f"; {tail}."


# ---------------------------------------------------------------------------- the chapter


@dataclass
class OverlastResult:
    registraties: dict[str, CountProfile]
    elders: dict[str, CountProfile]
    ivp: ClaimCheck
    vm: VmResult
    findings: list[str]
    statements: list = field(
        default_factory=list
    )  # the plan's statements on these series, as the synthesis judges them

    @property
    def sources(self) -> list[str]:
        tables = [p.indicator.table for p in self.registraties.values() if p.indicator.table]
        if self.vm.has_results or self.vm.context is not None:
            tables.append("85146NED")
        return list(dict.fromkeys(tables + ["03759ned"]))


def findings(ds: Dataset, regs: dict[str, CountProfile], ivp: ClaimCheck, vm: VmResult) -> list[str]:
    from .common import findings_from

    plain = {p.sentence() for p in regs.values()}
    out = [f for f in findings_from(list(regs.values()), limit=10) if f and f not in plain][:3]
    if ivp.supported or ivp.against or ivp.not_shown:
        out.append("Sociale overlast: " + ivp.conclusion[0].lower() + ivp.conclusion[1:])
    out.append(vm_sentence(ds, vm))
    for p in regs.values():  # nothing tested stands out: the levels themselves
        if len(out) >= 3:
            break
        out.insert(len(out) - 1, p.sentence())
    return with_corona_caveat(ds, out[:5])


def analyse(ds: Dataset, notes: pd.DataFrame | None = None) -> OverlastResult:
    """The chapter's result; ``notes`` are the partner figures' notes (``synthese.partner_notes``)."""
    cache: dict[str, CountProfile | None] = {}
    regs = registraties(ds, cache=cache)
    elders = registraties(ds, list(ELDERS), cache=cache)
    ivp = ivp_sociale_overlast(ds, cache=cache)
    vm = veiligheidsmonitor(ds)
    return OverlastResult(
        regs,
        elders,
        ivp,
        vm,
        findings(ds, regs, ivp, vm),
        plan_statements(ds, IVP_SOCIALE_OVERLAST + REGISTRATIES, notes),
    )


def plan_statements(ds: Dataset, ids: list[str], notes: pd.DataFrame | None = None) -> list:
    """The previous plan's statements about these series, judged exactly as in the synthesis (one check)."""
    if not any(u.get("indicator") in ids for u in ds.config.uitspraken):
        return []
    labels = {get_indicator(i).label for i in ids}
    return [c for c in synthese.check_statements(ds, {}, notes) if c.indicator in labels]
