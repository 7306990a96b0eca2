"""Problems found in partner input files, and how they are printed.

Every problem names the file, the sheet (xlsx), the row as the user sees it in Excel (1-based,
title rows counted), the column, what was found and what was expected, with a message in Dutch
followed by English. Severity:

``error``    the input cannot be used as it is; ``load_inputs`` refuses to run;
``warning``  the input is used, but something deserves a look (unknown column, inconsistent totals);
``missing``  an optional input is not supplied; the chapter says the figure is missing.

At most ``MAX_ERRORS_PER_FILE`` (20) errors are listed per file, the first ones in the file; one
more line says how many were left out ("… en nog 35 fouten in dit bestand"), so that a file with an
error in every row does not bury the other files. Counts (the summary line, the exception) are of
all errors, listed or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...errors import EXIT_INVALID, VeiligheidsanalyseError

SEVERITIES = ("error", "warning", "missing")
MAX_ERRORS_PER_FILE = 20
_LABEL = {"error": "FOUT/ERROR", "warning": "LET OP/WARNING", "missing": "ONTBREEKT/MISSING"}


@dataclass(frozen=True)
class InputProblem:
    file: str
    message: str
    severity: str = "error"
    kind: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    found: Any = None
    expected: Any = None
    column_letter: str | None = None
    omitted: int = 0  # > 0: this line stands for that many further errors of the file, not listed

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def location(self) -> str:
        where = self.file
        if self.sheet:
            where += f":{self.sheet}"
        column = self.column or "-"
        if self.column and self.column_letter:
            column = f"{self.column} ({self.column_letter})"
        return f"{where}:{self.row if self.row is not None else '-'}:{column}"

    def __str__(self) -> str:
        return format_problem(self)


class InputValidationError(VeiligheidsanalyseError, ValueError):
    """Partner inputs have errors (exit 2); ``problems`` lists every one (errors and warnings)."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: Iterable[InputProblem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        count = error_count(errors)
        super().__init__(f"{count} fout(en) in de partnerbestanden:\n" + format_problems(errors))

    @property
    def errors(self) -> list[InputProblem]:
        return [p for p in self.problems if p.is_error]


def error_count(problems: Iterable[InputProblem]) -> int:
    """How many errors ``problems`` hold, the ones a "… en nog N fouten" line stands for included."""
    return sum(p.omitted or 1 for p in problems if p.is_error)


def cap_errors(problems: Iterable[InputProblem], limit: int = MAX_ERRORS_PER_FILE) -> list[InputProblem]:
    """At most ``limit`` errors per file (the first in the file: by sheet, row, then as found), and for
    the rest one error line "… en nog N fouten in dit bestand". Warnings and missing inputs are kept."""
    problems = list(problems)
    by_file: dict[str, list[int]] = {}
    for index, problem in enumerate(problems):
        if problem.is_error and not problem.omitted:
            by_file.setdefault(problem.file, []).append(index)
    dropped: set[int] = set()
    more: list[InputProblem] = []
    for file, indices in by_file.items():
        if len(indices) <= limit:
            continue
        ranked = sorted(indices, key=lambda i: (problems[i].sheet or "", problems[i].row or 0, i))
        rest = ranked[limit:]
        dropped.update(rest)
        n = len(rest)
        more.append(
            InputProblem(
                file=file,
                kind=problems[indices[0]].kind,
                omitted=n,
                message=f"… en nog {n} {'fout' if n == 1 else 'fouten'} in dit bestand (alleen de eerste {limit} "
                f"staan hierboven) / … and {n} more error{'' if n == 1 else 's'} in this file (only the first "
                f"{limit} are listed)",
            )
        )
    return [p for i, p in enumerate(problems) if i not in dropped] + more


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return str(value)


def format_problem(problem: InputProblem) -> str:
    text = f"{problem.location}: {_LABEL.get(problem.severity, problem.severity)}: {problem.message}"
    extra = []
    if problem.found is not None:
        extra.append(f"found {_show(problem.found)}")
    if problem.expected is not None:
        extra.append(f"expected {problem.expected}")
    if extra:
        text += " (" + ", ".join(extra) + ")"
    return text


def format_problems(problems: Iterable[InputProblem], summary: bool = True) -> str:
    """One line per problem: ``file[:sheet]:row:column: SEVERITY: message (found X, expected Y)``.

    Errors first, then warnings, then missing inputs; within each, in file and row order.
    """
    problems = list(problems)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    ranked = sorted(
        enumerate(problems),
        key=lambda ip: (
            order.get(ip[1].severity, 9),
            ip[1].file,
            ip[1].omitted > 0,
            ip[1].sheet or "",
            ip[1].row or 0,
            ip[0],
        ),
    )
    lines = [format_problem(p) for _, p in ranked]
    if summary:
        counts = {s: sum(p.omitted or 1 for p in problems if p.severity == s) for s in SEVERITIES}
        if not problems:
            lines.append("Geen problemen in de partnerbestanden / no problems in the partner inputs.")
        else:
            lines.append(
                f"{counts['error']} fout(en), {counts['warning']} waarschuwing(en), {counts['missing']} ontbrekend / "
                f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['missing']} missing"
            )
    return "\n".join(lines)
