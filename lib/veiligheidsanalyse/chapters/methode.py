"""Chapter 99 Methode en bronnen: every indicator's definition and source, the data log, the
statistical methods in plain words, and the assumptions and caveats."""

from __future__ import annotations

import pandas as pd

from ..indicators import catalogue
from ..sources.boundaries import SOURCE_ID as BOUNDARY_SOURCE
from ..sources.partner_kinds import READER_NAMES
from ..sources.tables import TABLES
from ..stats.formatting import format_nl
from ..store.dataset import Dataset
from .synthese import THEMES

CHAPTER_NAMES = {"00_gebied": "Gebied en inwoners", **THEMES}  # chapter ids as readers know them

METHODS = [
    (
        "Cijfers per inwoner",
        "Aantallen worden gedeeld door het aantal inwoners op 1 januari (CBS), door het aantal jongeren van 12 tot en "
        "met 17 jaar (Halt, jeugdoverlast) of door het aantal woningen (woninginbraak). Het betrouwbaarheidsinterval "
        "(95%) is exact volgens de Poissonverdeling (Garwood) bij minder dan tien gevallen en volgens Byar daarboven, "
        "zoals in de Fingertips-profielen van de Britse volksgezondheid.",
    ),
    (
        "Kleine aantallen",
        "Onder het minimum per indicator (meestal tien gevallen per jaar) worden de laatste drie jaren samengenomen. "
        "Blijft het aantal te klein, dan staat er 'te weinig gevallen om te vergelijken' in plaats van een percentage.",
    ),
    (
        "Vergelijking met Nederland",
        "Het aantal in de gemeente wordt vergeleken met het aantal dat bij het Nederlandse cijfer zou horen (exacte "
        "Poissontoets). 'Significant hoger' betekent dat het hele 95%-interval boven het Nederlandse cijfer ligt.",
    ),
    (
        "Vergelijking met de regio en vergelijkbare gemeenten",
        "De gemeente maakt zelf deel uit van de provincie en de vergelijkingsgroep. Om niet met zichzelf te "
        "vergelijken, wordt de gemeente vergeleken met de rest van de groep (exacte voorwaardelijke toets op de "
        "verhouding van twee Poissoncijfers).",
    ),
    (
        "Trechterdiagram",
        "Alle vergelijkingsgemeenten staan in één figuur tegen hun omvang, met grenzen waarbinnen toeval het verschil "
        "kan verklaren (95% en 99,8%, Spiegelhalter 2005). Als gemeenten onderling meer verschillen dan toeval "
        "verklaart, worden de grenzen verbreed (additieve overspreiding). Er is bewust geen ranglijst.",
    ),
    (
        "Trend",
        "De ontwikkeling over de jaren is geschat met een Poissonregressie met het aantal inwoners als blootstelling. "
        "Varieert het aantal meer dan een Poissonverdeling toelaat, dan wordt het interval breder gemaakt "
        "(quasi-Poisson). 2020 en 2021 (corona) tellen niet mee, tenzij de reeks anders te kort is; dat staat er dan "
        "bij. De trend is een gemiddelde verandering per jaar met 95%-interval.",
    ),
    (
        "Verandering sinds de vorige analyse",
        "Het laatste jaar wordt vergeleken met het jaar van de vorige analyse. Jaarcijfers schommelen meer dan toeval "
        "in de aantallen alleen verklaart; die schommeling meet de trendschatting van dezelfde reeks (de "
        "overspreiding). Is die groter dan 1, dan telt ze mee (quasi-Poissontoets op de verhouding van de twee "
        "jaren), anders een exacte voorwaardelijke toets. Is het jaar van de vorige analyse een coronajaar (2020 of "
        "2021), dan staat dat erbij: één uitzonderlijk jaar is een zwakke basis. Een stijging van bijvoorbeeld 40% "
        "zonder toets zegt weinig.",
    ),
    (
        "Enquêtecijfers (Veiligheidsmonitor)",
        "Gepubliceerde marges worden gebruikt; zonder marges een Wilson-interval op de effectieve steekproef "
        "(aantal respondenten gedeeld door een ontwerpeffect van 1,3, een aanname). Verschillen tussen gebieden of "
        "edities worden getoetst met een z-toets; tussen edities van vóór en vanaf 2021 wordt niet getoetst omdat de "
        "vragenlijst toen is vernieuwd ('niet vergelijkbaar').",
    ),
    (
        "Significant, aanwijzing, signaal en alarm",
        "In één rapport worden veel toetsen gedaan; bij 95% zijn er dan een paar 'significant' door toeval. Daarom "
        "vormen alle toetsen van alle hoofdstukken samen één familie en zijn hun p-waarden samen gecorrigeerd volgens "
        "Holm. Holm en niet Benjamini-Hochberg: een raad leest elke uitkomst als een bevinding, dus de kans op ook "
        "maar één toevalstreffer in het hele rapport wordt begrensd, niet alleen het aandeel ervan. 'Significant' "
        "betekent op elke pagina: na die correctie (gecorrigeerde p-waarde hoogstens 0,05). Een uitkomst die alleen "
        "zonder correctie significant is, heet een 'aanwijzing' en telt nergens mee. Een ongunstige significante "
        "uitkomst heet een signaal, bij 99,8% (gecorrigeerde p-waarde hoogstens 0,002) een alarm; een gunstige "
        "uitkomst is nooit een signaal. Bij indicatoren die vooral de inzet van politie en handhaving volgen (Halt, "
        "rijden onder invloed, drugs, wapens) is een stijging neutraal. Twee toetsen hebben een eigen, benoemde "
        "familie: de vergelijking van de kernen onderling (per indicator gecorrigeerd over de kernen, hoofdstuk "
        "Kernen) en de toetsen van de uitspraken uit het vorige plan op de cijfers tot het jaar van het plan (samen "
        "gecorrigeerd, hoofdstuk Synthese). De signaaltabel (CSV) van de synthese geeft per toets van de "
        "rapportfamilie de p-waarde, de gecorrigeerde p-waarde, het oordeel zoals het op de pagina's staat en de "
        "richting: zo is elk oordeel na te rekenen.",
    ),
    (
        "Kaarten per wijk",
        "De kaarten in het hoofdstuk Kernen tonen per CBS-wijk het aantal per 1.000 inwoners per jaar over de laatste "
        "drie jaar samen: de aantallen van de drie jaren opgeteld, gedeeld door de inwoners maal drie (buurten worden "
        "nooit per los jaar getoond). Elke wijk wordt, net als in de tabel van de kernen, vergeleken met de rest van "
        "de gemeente met een exacte Poissontoets; de toetsen van één kaart zijn samen gecorrigeerd volgens Holm, een "
        "eigen familie zoals de kernen. Een wijk die daarna niet significant verschilt, of waarvan het aantal of de "
        "inwoners onbekend zijn, is gearceerd: haar kleur kan toeval zijn. De CSV bij elke kaart geeft beide p-waarden "
        "(ongecorrigeerd en gecorrigeerd), zodat het oordeel na te rekenen is. Een wijk met minder gevallen dan de "
        "ondergrens van de indicator (dezelfde als in de tabel van de kernen) wordt niet vergeleken en niet gekleurd "
        "(lichtgrijs, 'te weinig gevallen'); haar cijfer staat wel in de CSV. Wijken met te weinig inwoners (het "
        "bijschrift van de kaart noemt de drempel) krijgen geen cijfer (grijs, 'te weinig inwoners'), maar tellen mee "
        "voor de gemeente. De grenzen komen uit de wijk- en buurtkaart van CBS en Kadaster.",
    ),
    (
        "Afscherming van kleine aantallen",
        "Aantallen uit partnerbestanden onder de drempel van de configuratie worden getoond als '<drempel'; waar een "
        "totaal een verborgen cel zou verraden, wordt ook een tweede cel verborgen ('x'). Onbekende cellen uit de bron "
        "('.') blijven onbekend en worden nooit als 0 getoond.",
    ),
]

CAVEATS = [
    "Misdrijven tellen in de gemeente waar ze zijn gepleegd (pleeggemeente). In een toeristische gemeente tellen "
    "misdrijven door en tegen bezoekers mee, terwijl bezoekers niet in het aantal inwoners zitten.",
    "Geregistreerde criminaliteit hangt af van aangiftebereidheid en van de inzet van de politie; vooral bij drugs, "
    "wapens en rijden onder invloed volgt het aantal de handhaving meer dan het werkelijke vóórkomen.",
    "Politiecijfers (data.politie.nl) en CBS-cijfers over criminaliteit verschillen door een andere selectie en "
    "telling; ze worden niet in één reeks gemengd.",
    "In juli 2018 veranderde de politie de registratie van samenloop; enkele categorieën stegen daardoor licht.",
    "De Veiligheidsmonitor is in 2021 vernieuwd: cijfers van vóór 2021 zijn niet vergelijkbaar met latere.",
    "Cijfers over het laatste jaar zijn vaak voorlopig; de politie en het CBS kunnen ze nog bijstellen.",
    "Meldingen (overlast, E33, Veilig Thuis) tellen gebeurtenissen, geen personen.",
]


def indicator_cards(ds: Dataset) -> pd.DataFrame:
    """One row per indicator the data has for this gemeente: definition, source, unit, caveats."""
    present = set(ds.observations.loc[ds.observations["regio_code"] == ds.gemeente, "indicator"])
    rows = []
    for ind in catalogue().values():
        if ind.id not in present:
            continue
        source = ind.source
        parts = []
        if source.get("table"):
            spec = TABLES.get(source["table"])
            codes = source.get("filter") or {}
            code_text = "; ".join(f"{dim} {', '.join(v) if isinstance(v, list) else v}" for dim, v in codes.items())
            parts.append(
                f"{spec.publisher if spec else ''} {source['table']}" + (f" ({code_text})" if code_text else "")
            )
        if source.get("input"):
            parts.append(f"partnerbestand {READER_NAMES.get(source['input'], source['input'])}")
        unit = {
            "aantal": "aantal",
            "procent": "procent",
            "rapportcijfer": "rapportcijfer 1-10",
            "score": f"score 0-{format_nl(ind.scale_max, 0)}" if ind.scale_max else "score",
            "per_1000": "per 1.000",
        }[ind.unit]
        if ind.is_rate_indicator:
            unit += f", {ind.per_label}"
        rows.append(
            {
                "Indicator": ind.label,
                "Hoofdstuk": CHAPTER_NAMES.get(ind.chapter, ind.chapter),
                "Bron": " en ".join(parts),
                "Eenheid": unit,
                "Definitie": ind.definition,
                "Kanttekeningen": ind.caveats,
            }
        )
    return pd.DataFrame(rows)


def missing_indicators(ds: Dataset) -> list[str]:
    present = set(ds.observations.loc[ds.observations["regio_code"] == ds.gemeente, "indicator"])
    return [i.label for i in catalogue().values() if i.id not in present and not i.chapter.startswith("00")]


def data_account(ds: Dataset, inputs=None) -> pd.DataFrame:
    """The Gegevensverantwoording: every table and partner file of the run with its data status, the
    years it has data for, its date and why it is not current (a fallback, a rejected download).

    With the run's partner inputs (``ch.inputs``), also a row for the indeling in kernen of the
    chapter Kernen: which buurten are grouped by CBS wijk because the kernen file does not put them
    in a kern (:func:`kernen_account`)."""
    from ..dates import date_nl
    from ..store.status import KIND_WORDS, MARKS

    rows = []
    for source_id, s in ds.status.sources.items():
        spec = TABLES.get(source_id)
        status = KIND_WORDS[s.soort] + (f" ({MARKS[s.soort]})" if s.soort in MARKS else "")
        if s.verouderd and s.soort == "partner":
            status += ", verouderd"
        rows.append(
            {
                "Bron": s.naam,
                "Omschrijving": spec.description if spec else _description_without_table(source_id),
                "Status": status,
                "Datum": date_nl(s.datum) if s.datum else "",
                "Jaren met gegevens": s.periode or ("geen" if spec else ""),
                "Toelichting": s.reden or "",
            }
        )
    if inputs is not None:
        row = kernen_account(ds, inputs.kern_mapping)
        if row is not None:
            rows.append(row)
    return pd.DataFrame(rows, columns=["Bron", "Omschrijving", "Status", "Datum", "Jaren met gegevens", "Toelichting"])


def _description_without_table(source_id: str) -> str:
    """What a source that is not an open-data table is: the map boundaries, or a partner file."""
    if source_id == BOUNDARY_SOURCE:
        return "Grenzen van gemeenten, wijken en buurten voor de kaarten (wijk- en buurtkaart van CBS en Kadaster)."
    return "partnerbestand"


def kernen_account(ds: Dataset, kern_mapping: pd.DataFrame | None) -> dict | None:
    """The data account's row about the indeling in kernen: the buurten not in a kern of the gemeente's
    indeling (grouped by CBS wijk) named, in words for readers (no to-do: that is the checklist's)."""
    from .kernen import NOT_ASSIGNED, indeling

    ind = indeling(ds, kern_mapping)
    if not ind.available:
        return None
    n = len(ind.buurten)
    total = ind.buurten["inwoners"].sum()
    if ind.bron == "wijk":
        status = "CBS-wijken"
        text = (
            f"Alle {n} buurten zijn gegroepeerd naar hun CBS-wijk ({ind.buurten['kern'].nunique()} wijken); "
            "een eigen indeling van de gemeente in kernen is er niet."
        )
    else:
        rest = ind.by_wijk
        status = "indeling van de gemeente" + (", aangevuld met CBS-wijken" if len(rest) else "")
        text = f"{n - len(rest)} van de {n} buurten staan in een kern van de gemeente."
        if len(rest):
            share = format_nl(100 * rest["inwoners"].sum() / total, 0) + "%" if total > 0 else "onbekend"
            missing = rest[rest["kern_partner"].isna()]
            pooled = rest[rest["kern_partner"].notna()]
            parts = []
            if len(missing):
                parts.append(
                    f"{len(missing)} {_staan(len(missing))} niet in het bestand ({_names(missing['buurtnaam'])})"
                )
            if len(pooled):
                groups = ", ".join(f"'{g}'" for g in dict.fromkeys(pooled["kern_partner"].astype(str)))
                parts.append(
                    f"{len(pooled)} {_staan(len(pooled))} er in een verzamelgroep ({groups}: "
                    f"{_names(pooled['buurtnaam'])})"
                )
            text += (
                f" De andere {len(rest)} ({share} van de inwoners) zijn gegroepeerd naar hun CBS-wijk: "
                + "; ".join(parts)
                + "."
            )
    no_wijk = int((ind.buurten["kern"] == NOT_ASSIGNED).sum())
    if no_wijk:
        text += f" Van {no_wijk} buurt(en) is de wijk niet bekend ('{NOT_ASSIGNED}')."
    return {
        "Bron": "Indeling in kernen",
        "Omschrijving": "buurten gegroepeerd tot kernen (hoofdstuk Kernen)",
        "Status": status,
        "Datum": "",
        "Jaren met gegevens": f"buurten {ind.jaar}",
        "Toelichting": text,
    }


def _staan(n: int) -> str:
    return "staat" if n == 1 else "staan"


def _names(names: pd.Series, at_most: int = 8) -> str:
    names = list(names.astype(str))
    shown = ", ".join(names[:at_most])
    return shown + (f" en {len(names) - at_most} andere" if len(names) > at_most else "")


def comparison_set(ds: Dataset) -> pd.DataFrame:
    rows = []
    for group in ds.config.vergelijking.groups():
        rows.append(
            {
                "Groep": group.naam,
                "Gemeenten": ", ".join(ds.region_name(c) for c in ds.group_members(group)),
                "Waarom": group.reden or "",
            }
        )
    return pd.DataFrame(rows)
