"""Writing the empty templates (CSV + XLSX) and their README from the template data.

    python -m veiligheidsanalyse.sources.inputs data/inputs/templates

regenerates ``data/inputs/templates/`` (a test checks the committed files are up to date).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from .templates import STORY_EXAMPLE, TABLE_KINDS, TEMPLATES, Column, Template, allowed_values

TYPE_LABELS = {
    "code": "code (vaste lijst)",
    "text": "tekst",
    "area": "gebied",
    "gemeente": "gemeente (naam of GM-code)",
    "year": "jaar (geheel getal)",
    "period": "jaar of halfjaar",
    "count": "geheel getal >= 0",
    "number": "getal",
    "buurtcode": "CBS-buurtcode",
}
FIXED_TIME = datetime(2024, 1, 1)


def _allowed_text(template: Template, column: Column) -> str:
    if column.type == "code":
        return ", ".join(allowed_values(template, column))
    if column.type in ("year", "period"):
        high = "huidig jaar" if column.max in (None, "now") else str(column.max)
        return f"{int(column.min or 1990)} - {high}" + (" ; 2023-H1, 2023-H2" if column.type == "period" else "")
    if column.type == "count":
        return "0, 1, 2, ... ; '.', '-' of leeg = onbekend"
    if column.type == "number":
        return "8,0 / 8.0 / 30% ; '.', '-' of leeg = onbekend"
    if column.type == "area":
        return "gemeente, kern, Nederland, provincie"
    return ""


def column_rows(template: Template) -> list[list[str]]:
    rows = []
    for column in template.columns:
        rows.append(
            [
                column.name,
                TYPE_LABELS.get(column.type, column.type),
                column.unit,
                "verplicht" if column.required else "optioneel",
                _allowed_text(template, column),
                column.description,
                column.example,
            ]
        )
    return rows


def readme_text() -> str:
    lines = [
        "# Sjablonen voor partnerbestanden / templates for partner inputs",
        "",
        "Gegenereerd door `python -m veiligheidsanalyse.sources.inputs data/inputs/templates`",
        "uit `lib/veiligheidsanalyse/sources/inputs/templates.py`; niet met de hand bewerken.",
        "",
        "Per soort invoer één bestand `<soort>.csv` (scheidingsteken `;`, UTF-8) of `<soort>.xlsx` (tabblad met de",
        "naam van de soort). Kolomnamen zijn niet hoofdlettergevoelig; titelregels boven de kopregel, Nederlandse",
        "getallen (`8,0`, `1.234`, `30%`) en `.`/`-` voor onbekend worden begrepen. Een regel die met `#` begint",
        "is commentaar (zoals de voorbeeldregel in de CSV-sjablonen). De kolom `bron_opmerking` mag altijd: gebruik",
        "hem om te zeggen waar een cijfer vandaan komt (bijvoorbeeld 'uit de tekst van het IVP', of 'illustratief').",
        "",
        "Verhalen achter de cijfers: één markdown-bestand per hoofdstuk in `verhaal/<hoofdstuk>.md`",
        "(bijvoorbeeld `verhaal/01_criminaliteit.md`); zie `verhaal/01_criminaliteit.md` in deze map.",
        "",
        "Controleren: `veiligheidsanalyse validate config/<gemeente>.yaml` noemt elk probleem met bestand, rij",
        "(zoals in Excel), kolom, wat er staat en wat er verwacht wordt.",
        "",
    ]
    for kind in TABLE_KINDS:
        template = TEMPLATES[kind]
        lines += [
            f"## `{kind}` — {template.title}",
            "",
            f"Bron/partner: {template.partner}.",
            "",
            template.description,
            "",
            f"Sleutel (elke combinatie één keer): {', '.join(template.key)}.",
            "",
            "| kolom | type | eenheid | verplicht | toegestane waarden | omschrijving | voorbeeld |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in column_rows(template):
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        lines.append("")
        if kind == "veiligheidsmonitor":
            lines += indicator_table(template)
    return "\n".join(lines)


def indicator_table(template: Template) -> list[str]:
    """The Veiligheidsmonitor indicator codes with label, unit and range (from indicators.yaml)."""
    from veiligheidsanalyse.indicators import catalogue

    from .templates import catalogue_codes

    lines = ["Indicatoren (uit `indicators.yaml`):", "", "| code | indicator | eenheid | bereik |", "|---|---|---|---|"]
    for code, indicator_id in catalogue_codes(template.kind).items():
        ind = catalogue()[indicator_id]
        bereik = {"procent": "0-100", "rapportcijfer": "1-10"}.get(
            ind.unit, f"0-{ind.scale_max:g}" if ind.scale_max else ">= 0"
        )
        lines.append(f"| {code} | {ind.label} | {ind.unit} | {bereik} |")
    return lines + [""]


def csv_text(template: Template) -> str:
    header = ";".join(c.name for c in template.columns)
    example = ";".join(c.example for c in template.columns)
    return f"{header}\n# voorbeeld (deze regel wordt overgeslagen): {example}\n"


def write_xlsx(template: Template, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook has one empty sheet
    sheet.title = template.kind
    sheet.append([c.name for c in template.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(template.columns):
        sheet.column_dimensions[chr(65 + index)].width = max(12, len(column.name) + 4)
    notes = workbook.create_sheet("toelichting")
    notes.append([template.title])
    notes["A1"].font = Font(bold=True)
    notes.append([template.description])
    notes.append([])
    notes.append(["kolom", "type", "eenheid", "verplicht", "toegestane waarden", "omschrijving", "voorbeeld"])
    for cell in notes[4]:
        cell.font = Font(bold=True)
    for row in column_rows(template):
        notes.append(row)
    workbook.properties.creator = "veiligheidsanalyse"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.save(path)


def write_templates(folder: Path | str) -> list[Path]:
    """Write ``<kind>.csv``, ``<kind>.xlsx``, ``README.md`` and ``verhaal/01_criminaliteit.md`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in TABLE_KINDS:
        template = TEMPLATES[kind]
        csv_path = folder / f"{kind}.csv"
        csv_path.write_bytes(b"\xef\xbb\xbf" + csv_text(template).encode("utf-8"))
        written.append(csv_path)
        xlsx_path = folder / f"{kind}.xlsx"
        write_xlsx(template, xlsx_path)
        written.append(xlsx_path)
    readme = folder / "README.md"
    readme.write_text(readme_text(), encoding="utf-8")
    written.append(readme)
    stories = folder / "verhaal"
    stories.mkdir(exist_ok=True)
    story = stories / "01_criminaliteit.md"
    story.write_text(STORY_EXAMPLE.format(chapter="01_criminaliteit"), encoding="utf-8")
    written.append(story)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m veiligheidsanalyse.sources.inputs <folder>", file=sys.stderr)
        return 2
    for path in write_templates(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
