"""Partner inputs -> tidy observations (the contract of :mod:`veiligheidsanalyse.observations`).

Which partner figure becomes which indicator is read from the catalogue (``source: {input: <kind>,
code: <code>}`` in indicators.yaml):

=================  ======================================  ==============================================
kind               rows                                    indicator
=================  ======================================  ==============================================
veiligheidsmonitor indicator code per row                  that indicator, per gebied (gemeente, kern
                                                           ``KN1701-vledder``, ``NL01``, ``PV22``)
halt               delictgroep "totaal"                    halt_verwijzingen (no totaal row: sum of groups)
veiligheidsregio   soort "totaal" / "brand"                vr_incidenten (no totaal: sum of soorten) /
                                                           vr_branden
veilig_thuis       soort meldingen / adviezen              veilig_thuis_meldingen / _adviezen (per year;
                                                           two half years are added up)
politie_export     soort jeugdgroepen / woonoverlast / e33 jeugdgroepen / woonoverlast_meldingen /
                                                           overlast_verward
vakantieparken     column aantal_parken                    vakantieparken
=================  ======================================  ==============================================

Every observation has ``bron = "partner: <kind> (<file name>)"``, ``snapshot`` = sha256 of the file
and ``status = "partner"``. An unknown partner cell ("." or empty) gives ``waarde`` NaN, never 0;
a total computed from parts of which one is unknown is unknown too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from veiligheidsanalyse import observations as obs

from .config import InputsConfig
from .problems import InputProblem, InputValidationError
from .templates import TEMPLATES, catalogue_codes
from .validate import CheckedTable, check_inputs

DETAIL_TABLES = {
    "veiligheidsmonitor": "veiligheidsmonitor",
    "halt": "halt_by_group",
    "veiligheidsregio": "vr_by_type",
    "veilig_thuis": "veilig_thuis_by_period",
    "politie_export": "politie_by_type",
    "vakantieparken": "vakantieparken",
}


@dataclass
class InputSet:
    """Everything the partners supplied, checked and tidied.

    observations  DataFrame in the observation contract (status "partner")
    tables        detail tables by name (see ``DETAIL_TABLES``), each with ``bron_opmerking``,
                  ``bestand`` and ``rij`` (row in the file) for tracing a figure back
    kern_mapping  buurtcode, buurtnaam, kern, kern_code; None without a kernen file
    stories       {chapter id: markdown text} from verhaal/<chapter>.md
    missing       input kinds not supplied (the chapters say what is missing)
    files         {path: sha256} of every file read, for the run manifest
    notes         bron_opmerking per observation (indicator, regio_code, jaar, bron): e.g. "illustratief"
    problems      the warnings and missing inputs found by validation (no errors: those raise)
    """

    observations: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    kern_mapping: pd.DataFrame | None = None
    stories: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    notes: pd.DataFrame | None = None
    problems: list[InputProblem] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def halt_by_group(self) -> pd.DataFrame | None:
        return self.tables.get("halt_by_group")

    @property
    def vr_by_type(self) -> pd.DataFrame | None:
        return self.tables.get("vr_by_type")

    @property
    def veilig_thuis_by_period(self) -> pd.DataFrame | None:
        return self.tables.get("veilig_thuis_by_period")

    @property
    def politie_by_type(self) -> pd.DataFrame | None:
        return self.tables.get("politie_by_type")

    @property
    def veiligheidsmonitor(self) -> pd.DataFrame | None:
        return self.tables.get("veiligheidsmonitor")

    def story(self, chapter: str) -> str | None:
        return self.stories.get(chapter)


class _Builder:
    def __init__(self, gemeente_code: str, gemeente_naam: str):
        self.code = gemeente_code
        self.naam = gemeente_naam
        self.rows: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []

    def add(
        self,
        table: CheckedTable,
        indicator: str,
        jaar: int,
        waarde: float,
        note: str | None = None,
        regio: tuple[str, str, str] | None = None,
        ondergrens: float = math.nan,
        bovengrens: float = math.nan,
        n: float = math.nan,
    ) -> None:
        code, naam, soort = regio or (self.code, self.naam, "gemeente")
        bron = f"partner: {table.kind} ({table.path.name})"
        self.rows.append(
            {
                "indicator": indicator,
                "regio_code": code,
                "regio_naam": naam,
                "regio_soort": soort,
                "jaar": int(jaar),
                "maand": pd.NA,
                "waarde": _float(waarde),
                "ondergrens": _float(ondergrens),
                "bovengrens": _float(bovengrens),
                "n": _float(n),
                "bron": bron,
                "snapshot": table.sha256,
                "status": "partner",
            }
        )
        if note:
            self.notes.append(
                {"indicator": indicator, "regio_code": code, "jaar": int(jaar), "bron": bron, "bron_opmerking": note}
            )

    def frame(self) -> pd.DataFrame:
        if not self.rows:
            return obs.empty()
        return obs.conform(pd.DataFrame(self.rows))


def _float(value: Any) -> float:
    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _note(records: list[dict[str, Any]], prefix: str | None = None) -> str | None:
    texts = [str(r.get("bron_opmerking")) for r in records if r.get("bron_opmerking")]
    texts = list(dict.fromkeys(texts))
    parts = ([prefix] if prefix else []) + texts
    return "; ".join(parts) or None


def _sum(values: list[float]) -> float:
    if not values or any(v != v for v in values):
        return math.nan
    return float(sum(values))


def _records(table: CheckedTable) -> list[dict[str, Any]]:
    frame = table.frame
    if not len(frame):
        return []
    records = cast("list[dict[str, Any]]", frame.to_dict("records"))  # the column names are str
    return [r for r in records if r.get("_ok", True)]


def _by_code(builder: _Builder, table: CheckedTable, code_column: str) -> None:
    """Long count tables (halt, veiligheidsregio, politie_export): one observation per code and year."""
    template = TEMPLATES[table.kind]
    codes = catalogue_codes(table.kind)
    total = template.total_code
    years: dict[int, dict[str, dict[str, Any]]] = {}
    for record in _records(table):
        years.setdefault(int(record["jaar"]), {})[record[code_column]] = record
    for year, by_code in sorted(years.items()):
        for code, indicator in codes.items():
            if code in by_code:
                builder.add(table, indicator, year, by_code[code]["aantal"], _note([by_code[code]]))
            elif code == total:
                parts = [r for c, r in by_code.items() if c != total]
                if parts:
                    label = {"halt": "delictgroepen", "veiligheidsregio": "soorten"}.get(table.kind, "onderdelen")
                    builder.add(
                        table,
                        indicator,
                        year,
                        _sum([r["aantal"] for r in parts]),
                        _note(parts, f"totaal berekend als som van de {label}"),
                    )


def _veilig_thuis(builder: _Builder, table: CheckedTable) -> None:
    codes = catalogue_codes("veilig_thuis")
    groups: dict[tuple[int, str], dict[Any, dict[str, Any]]] = {}
    for record in _records(table):
        half = record.get("halfjaar")
        half = None if half is None or half != half else int(half)
        groups.setdefault((int(record["jaar"]), record["soort"]), {})[half] = record
    for (year, soort), halves in sorted(groups.items()):
        indicator = codes.get(soort)
        if indicator is None:
            continue
        if None in halves:
            builder.add(table, indicator, year, halves[None]["aantal"], _note([halves[None]]))
        elif 1 in halves and 2 in halves:
            parts = [halves[1], halves[2]]
            builder.add(
                table,
                indicator,
                year,
                _sum([r["aantal"] for r in parts]),
                _note(parts, "jaarcijfer = som van beide halfjaren"),
            )


def _wide(builder: _Builder, table: CheckedTable) -> None:
    codes = catalogue_codes(table.kind)
    for record in _records(table):
        for code, indicator in codes.items():
            if code in record:
                builder.add(table, indicator, int(record["jaar"]), record[code], _note([record]))


def _vm(builder: _Builder, table: CheckedTable) -> None:
    for record in _records(table):
        if not record.get("indicator_id") or not record.get("regio_code"):
            continue
        builder.add(
            table,
            record["indicator_id"],
            int(record["editie"]),
            record["waarde"],
            _note([record]),
            regio=(record["regio_code"], record["regio_naam"], record["regio_soort"]),
            ondergrens=record.get("ondergrens", math.nan),
            bovengrens=record.get("bovengrens", math.nan),
            n=record.get("n", math.nan),
        )


def _detail(table: CheckedTable) -> pd.DataFrame:
    frame = table.frame.copy()
    template = TEMPLATES[table.kind]
    if table.kind == "veiligheidsmonitor":
        frame = frame.rename(columns={"indicator": "code", "indicator_id": "indicator"})
        columns = [
            "indicator",
            "code",
            "editie",
            "gebied",
            "regio_code",
            "regio_naam",
            "regio_soort",
            "waarde",
            "ondergrens",
            "bovengrens",
            "n",
            "bron_opmerking",
        ]
    elif table.kind == "veilig_thuis":
        columns = ["periode", "jaar", "halfjaar", "soort", "aantal", "bron_opmerking"]
    else:
        columns = [c.name for c in template.columns if c.name != "gemeente"]
    for column in columns:
        if column not in frame:
            frame[column] = None
    out = frame[columns].copy()
    out["bestand"] = table.path.name
    out["rij"] = frame["_row"].astype("int64") if len(frame) else pd.Series(dtype="int64")
    for column in out.columns:
        if column in ("jaar", "editie") and len(out):
            out[column] = out[column].astype("int64")
        elif column == "halfjaar":
            out[column] = pd.array([None if v is None or v != v else int(v) for v in out[column]], dtype="Int64")
        elif column in (
            "aantal",
            "waarde",
            "ondergrens",
            "bovengrens",
            "n",
            "aantal_parken",
            "permanente_bewoning",
            "handhavingsacties",
        ):
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        elif column not in ("rij",):
            out[column] = out[column].astype("string")
    return out.reset_index(drop=True)


def load_inputs(
    inputs_config: InputsConfig,
    gemeente_code: str,
    gemeente_naam: str,
    known_gemeenten: Mapping[str, str] | None = None,
) -> InputSet:
    """Read, check and tidy every partner input of a run.

    Raises :class:`InputValidationError` (listing every problem) if any input has an error.
    Missing inputs are not errors: they are listed in ``missing``. ``known_gemeenten`` ({GMxxxx:
    name}, from the run's open data) is passed to the check as in
    :func:`~veiligheidsanalyse.sources.inputs.validate.validate_inputs`: with it, files naming
    another gemeente by name are refused too, not only by GM code.
    """
    result = check_inputs(inputs_config, gemeente_code, gemeente_naam, known_gemeenten)
    if result.errors:
        raise InputValidationError(result.problems)
    gemeente = result.gemeente
    assert gemeente is not None  # known whenever there is no error
    builder = _Builder(gemeente.code, gemeente.naam)
    tables: dict[str, pd.DataFrame] = {}
    kern_mapping = None
    for kind, table in result.tables.items():
        if kind == "kernen":
            frame = table.frame
            kern_mapping = pd.DataFrame(
                {
                    "buurtcode": frame["buurtcode"].astype("string"),
                    "buurtnaam": frame["buurtnaam"].astype("string"),
                    "kern": frame["kern"].astype("string"),
                    "kern_code": frame["kern_code"].astype("string"),
                }
            ).reset_index(drop=True)
            continue
        if kind == "veiligheidsmonitor":
            _vm(builder, table)
        elif kind in ("halt", "veiligheidsregio"):
            _by_code(builder, table, TEMPLATES[kind].key[1])
        elif kind == "politie_export":
            _by_code(builder, table, "soort")
        elif kind == "veilig_thuis":
            _veilig_thuis(builder, table)
        elif kind == "vakantieparken":
            _wide(builder, table)
        tables[DETAIL_TABLES[kind]] = _detail(table)
    observations = builder.frame()
    obs.validate(observations)
    notes = pd.DataFrame(builder.notes, columns=["indicator", "regio_code", "jaar", "bron", "bron_opmerking"])
    return InputSet(
        observations=observations,
        tables=tables,
        kern_mapping=kern_mapping,
        stories=dict(result.stories),
        missing=list(result.missing),
        files=dict(result.files),
        notes=notes,
        problems=[p for p in result.problems if not p.is_error],
    )
