"""The analyst's checklist: what to deliver, complete or check before a report goes out.

Readers get pages that say neutrally what is there and what is not ("Er zijn geen gegevens over
..."); they are never told to deliver a file or to ask a partner for something. Those to-dos are
collected here instead, from the run's store and partner inputs:

* **Gegevens**: open-data tables that are demo data, an earlier copy or missing;
* **Partnerbestanden**: example files in use, partner files that are missing or out of date, chapters
  without a story (``verhaal/<hoofdstuk>.md``);
* **Kernen en wijken**: buurten the kernen file leaves out or puts in a catch-all (shown by CBS wijk),
  codes the Kerncijfers wijken en buurten do not know, Veiligheidsmonitor per kern without margins
  (``chapters.kernen.KernenResult.todo``);
* **Veiligheidsmonitor**: the gemeente's results without margins or respondents (not tested);
* **Partnercijfers en open data**: years in which a partner export and the open data disagree
  beyond rounding (``chapters.disagreement``);
* **Fysieke veiligheid**: a veiligheidsregio file with branden but no natuurbranden;
* **Uitspraken**: statements of the previous plan whose partner figure cites the plan itself.

The runner writes the list as Markdown into the run's internal folder
(``outputs/.intern/<gemeente>/<run_id>/checklist.md``, beside the executed notebooks, never in the
published folder); ``veiligheidsanalyse validate CONFIG`` prints it for the local data. Each section
is checked on its own: a check that fails becomes an item saying so, never a failed run.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "checklist.md"


@dataclass
class Item:
    text: str
    details: list[str] = field(default_factory=list)


@dataclass
class Checklist:
    gemeente: str
    naam: str
    context: str  # where the list comes from: "run <id>" or "lokale gegevens"
    sections: dict[str, list[Item]] = field(default_factory=dict)

    @property
    def items(self) -> list[Item]:
        return [item for items in self.sections.values() for item in items]

    def texts(self) -> list[str]:
        """Every item with its details, one string each (for tests and searching)."""
        return [" ".join([item.text, *item.details]) for item in self.items]

    def markdown(self) -> str:
        lines = [
            f"# Checklist voor de analist: {self.naam} ({self.gemeente})",
            "",
            f"{self.context}. Deze lijst is voor de analist en hoort niet bij het rapport: de pagina's "
            "zeggen alleen wat er wel en niet is, deze lijst zegt wat er aan te vullen of na te gaan is.",
            "",
        ]
        if not self.items:
            lines += ["Niets aan te vullen of na te gaan.", ""]
        for title, items in self.sections.items():
            if not items:
                continue
            lines += [f"## {title}", ""]
            for item in items:
                lines.append(f"- [ ] {item.text}")
                lines += [f"    - {d}" for d in item.details]
            lines.append("")
        return "\n".join(lines)


# ---------------------------------------------------------------------------- the checks


def _data_items(ds, inputs, ctx) -> list[Item]:
    from ..dates import date_nl

    tables = {k: s for k, s in ds.status.sources.items() if not k.startswith("partner:")}
    demo = [s for s in tables.values() if s.soort == "demo"]
    earlier = [s for s in tables.values() if s.soort == "opgeslagen"]
    missing = [s for s in tables.values() if s.soort == "ontbreekt"]
    stale = [s for s in tables.values() if s.verouderd and s not in earlier]
    out = []
    if demo:
        out.append(
            Item(
                f"{len(demo)} van de {len(tables)} tabellen zijn demodata (verzonnen cijfers): haal ze op "
                "(veiligheidsanalyse fetch) voordat het rapport gebruikt wordt.",
                [f"{s.naam}{_reason(s.reden)}" for s in demo],
            )
        )
    if earlier:
        out.append(
            Item(
                f"{len(earlier)} tabel(len) komen uit een eerder opgehaalde kopie, niet van vandaag.",
                [f"{s.naam}" + (f", van {date_nl(s.datum)}" if s.datum else "") + _reason(s.reden) for s in earlier],
            )
        )
    if missing:
        out.append(
            Item(
                f"{len(missing)} tabel(len) ontbreken; de hoofdstukken zeggen welke cijfers er daardoor niet zijn.",
                [f"{s.naam}{_reason(s.reden)}" for s in missing],
            )
        )
    if stale:
        out.append(Item(f"{len(stale)} tabel(len) zijn verouderd.", [f"{s.naam}{_reason(s.reden)}" for s in stale]))
    return out


def _reason(reason: str | None) -> str:
    return f" ({reason})" if reason else ""


def _partner_items(ds, inputs, ctx) -> list[Item]:
    from ..sources.inputs.templates import TEMPLATES

    folder = ctx.get("inputs_folder") or "de map met partnerbestanden (invoer.map)"
    out = []
    partner = {k: s for k, s in ds.status.sources.items() if k.startswith("partner:")}
    if not partner and not ds.status.inputs_missing:
        out.append(
            Item(
                f"Er zijn geen partnerbestanden voor deze run ({folder}). Zonder partnerbestanden ontbreken "
                "onder meer de Veiligheidsmonitor, Halt, de veiligheidsregio en Veilig Thuis."
            )
        )
    for source_id, s in partner.items():
        kind = source_id.split(":", 1)[1]
        template = TEMPLATES.get(kind)
        what = f"{template.title} ({template.partner})" if template else kind
        if s.soort == "voorbeeld":
            out.append(
                Item(
                    f"Voorbeeldbestand in gebruik voor '{kind}': {what}. Het zijn geen cijfers van de "
                    f"partner; lever {kind}.csv aan in {folder}."
                )
            )
        elif s.soort == "ontbreekt":
            out.append(Item(f"Partnerbestand '{kind}' ontbreekt: {what}. Lever {kind}.csv aan in {folder}."))
        elif s.verouderd:
            out.append(
                Item(
                    f"{s.naam} is verouderd (laatste jaar {s.laatste_jaar}): vraag de partner om een nieuwere levering."
                )
            )
    stories = [ch for ch in ctx.get("story_chapters", []) if inputs.story(ch) is None]
    if stories:
        out.append(
            Item(
                "Geen verhaal achter de cijfers bij "
                + ("hoofdstuk " if len(stories) == 1 else "de hoofdstukken ")
                + ", ".join(stories)
                + f": de pagina zegt dat er geen toelichting is. Lever "
                f"verhaal/<hoofdstuk>.md aan in {folder}.",
                [f"verhaal/{ch}.md" for ch in stories],
            )
        )
    return out


def _kernen_items(ds, inputs, ctx) -> list[Item]:
    from ..chapters import kernen

    ind = kernen.indeling(ds, inputs.kern_mapping)
    result = kernen.KernenResult(ind, {}, kernen.vm_kernen(ds), [])
    return [Item(text, details) for text, details in result.todo(ds.gemeente_naam)]


def _vm_items(ds, inputs, ctx) -> list[Item]:
    from ..indicators import indicator as get_indicator

    o = ds.observations
    rows = o[
        (o["regio_code"] == ds.gemeente)
        & o["indicator"].astype(str).str.startswith("vm_")
        & (o["status"] == "partner")
        & o["waarde"].notna()
        & o["maand"].isna()
    ]
    bare = rows[rows["ondergrens"].isna() & rows["n"].isna()]
    if bare.empty:
        return []
    details = [
        f"{get_indicator(str(i)).label}: {', '.join(str(int(y)) for y in sorted(part['jaar']))}"
        for i, part in bare.groupby("indicator")
    ]
    return [
        Item(
            f"Veiligheidsmonitor van {ds.gemeente_naam}: {len(bare)} uitkomst(en) zonder marges of aantal "
            "respondenten; die zijn niet getoetst. Vraag de marges of het aantal respondenten per indicator op "
            "bij I&O Research.",
            details,
        )
    ]


def _disagreement_items(ds, inputs, ctx) -> list[Item]:
    from ..chapters import disagreement
    from ..indicators import indicator as get_indicator

    o = ds.observations
    mine = o[(o["regio_code"] == ds.gemeente) & o["maand"].isna() & o["waarde"].notna()]
    both = set(mine.loc[mine["status"] == "partner", "indicator"]) & set(
        mine.loc[mine["status"].isin(disagreement.OPEN_STATUSES), "indicator"]
    )
    out = []
    for indicator_id in sorted(both):
        found = disagreement.disagreements(disagreement.gemeente_observations(ds, indicator_id))
        if not found:
            continue
        ind = get_indicator(indicator_id)
        details = [
            f"{d.jaar}: {d.open_data:.0f} in de open data ({d.open_bron}), {d.partner:.0f} in {d.partner_bron}; "
            f"gebruikt: {d.gebruikt}"
            for d in found
        ]
        out.append(
            Item(
                f"{ind.label}: de partnerexport en de open data verschillen meer dan afronding verklaart. "
                "Vraag de partner na hoe de export is samengesteld (definitie, afbakening, peildatum).",
                details,
            )
        )
    return out


def _fysiek_items(ds, inputs, ctx) -> list[Item]:
    from ..chapters import fysiek

    brand = ds.series(fysiek.VR_BRAND, [ds.gemeente]).dropna(subset=["waarde"])
    if brand.empty or "natuurbranden" not in fysiek.natuurbrand_missing(ds):
        return []
    return [
        Item(
            "De veiligheidsregio levert alleen het totaal aantal branden; natuurbrand is een risico in het "
            "regionaal risicoprofiel. Vraag de veiligheidsregio om het aantal natuurbranden en de inzet daarbij."
        )
    ]


def _statement_items(ds, inputs, ctx) -> list[Item]:
    from ..chapters import synthese

    statements = list(ds.config.uitspraken)
    if not statements:
        return []
    notes = synthese.partner_notes(inputs)
    if notes.empty:
        return []
    out = []
    for s in statements:
        mine = notes[(notes["indicator"] == s.get("indicator")) & (notes["regio_code"] == ds.gemeente)]
        cited = mine[[synthese.note_names_plan(note, s.get("bron", "")) for note in mine["bron_opmerking"]]]
        if cited.empty:
            continue
        years = ", ".join(str(int(y)) for y in sorted(cited["jaar"]))
        out.append(
            Item(
                f'Uitspraak "{s.get("uitspraak")}": het partnercijfer ({years}) komt volgens de '
                "bron_opmerking uit het plan zelf en toetst de uitspraak dus niet. Lever het cijfer aan uit de "
                "oorspronkelijke bron (de export of het jaarverslag van de partner, niet de tekst van het "
                "plan).",
                [str(n) for n in cited["bron_opmerking"]],
            )
        )
    return out


def _config_items(ds, inputs, ctx) -> list[Item]:
    left_out = ds.config.dropped
    if not left_out:
        return []
    return [
        Item(
            f"De configuratie is geschreven voor een andere gemeente; voor {ds.gemeente_naam} is weggelaten wat "
            f"bij die gemeente hoort. Maak met 'veiligheidsanalyse init {ds.gemeente}' een eigen configuratie.",
            list(left_out),
        )
    ]


SECTIONS: list[tuple[str, Callable]] = [
    ("Configuratie", _config_items),
    ("Gegevens", _data_items),
    ("Partnerbestanden", _partner_items),
    ("Kernen en wijken (hoofdstuk 03)", _kernen_items),
    ("Veiligheidsmonitor (hoofdstuk 02)", _vm_items),
    ("Partnercijfers en open data", _disagreement_items),
    ("Fysieke veiligheid (hoofdstuk 05)", _fysiek_items),
    ("Uitspraken uit het vorige plan (hoofdstuk 90)", _statement_items),
]


def build(
    ds, inputs, context: str, inputs_folder: str | None = None, story_chapters: list[str] | None = None
) -> Checklist:
    """The checklist of one gemeente from its Dataset and PartnerInputs (``chapter.PartnerInputs``)."""
    ctx = {"inputs_folder": inputs_folder, "story_chapters": list(story_chapters or [])}
    sections: dict[str, list[Item]] = {}
    for title, check in SECTIONS:
        try:
            sections[title] = check(ds, inputs, ctx)
        except Exception as exc:  # noqa: BLE001 - one check that fails never hides the others, nor fails a run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            sections[title] = [
                Item(
                    f"Deze controle kon niet worden uitgevoerd ({type(exc).__name__}: {exc}; "
                    f"{Path(where.filename).name}:{where.lineno}); ga hem met de hand na."
                )
            ]
    return Checklist(ds.gemeente, ds.gemeente_naam, context, sections)


# ---------------------------------------------------------------------------- from a store


def story_chapters(notebooks: list[Path]) -> list[str]:
    """Chapters whose notebook shows the partners' story (``ch.story(...)``)."""
    out = []
    for path in notebooks:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if re.search(r"\bch\.story\(", text):
            out.append(path.stem)
    return out


def from_store(
    store_dir: Path, config, context: str, root: Path | None = None, chapters: list[str] | None = None
) -> Checklist:
    """The checklist for a prepared store (``<intern>/data``) and the run's configuration."""
    from ..chapters.page import INPUTS_DIR, PartnerInputs
    from ..paths import project_root
    from ..store.build import inputs_folder
    from ..store.dataset import load

    root = root or project_root()
    ds = load(store_dir, config)
    partner = ds.observations[ds.observations["status"] == "partner"]
    inputs = PartnerInputs(Path(store_dir) / INPUTS_DIR, partner, config.gemeente, ds.status.inputs_missing)
    folder = None
    if config.invoer_map is not None:
        path = inputs_folder(config, root, ds.gemeente_naam)
        if path is None:  # a placeholder folder that does not exist (yet)
            path = Path(str(config.invoer_map).replace("{gemeente}", config.gemeente))
        folder = _shown_path(path, root)
    names = chapters if chapters is not None else list(config.hoofdstukken)
    notebooks = [root / "notebooks" / f"{ch}.ipynb" for ch in names]
    return build(ds, inputs, context, folder, story_chapters(notebooks))


def _shown_path(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve())) + "/"
    except ValueError:
        return str(path)


def write(run_dir: Path, config, context: str, chapters: list[str] | None = None, root: Path | None = None) -> Path:
    """Write ``checklist.md`` (and ``checklist.json``) into the run's internal folder; returns the Markdown path."""
    from ..paths import intern_dir

    intern = intern_dir(run_dir)
    checklist = from_store(intern / "data", config, context, root=root, chapters=chapters)
    path = intern / FILE_NAME
    path.write_text(checklist.markdown(), encoding="utf-8")
    data = {
        "gemeente": checklist.gemeente,
        "naam": checklist.naam,
        "context": checklist.context,
        "secties": {
            title: [{"tekst": i.text, "details": i.details} for i in items]
            for title, items in checklist.sections.items()
        },
    }
    path.with_suffix(".json").write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return path
